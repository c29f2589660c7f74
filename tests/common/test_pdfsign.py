"""Signed PDFs (issue 15, point 5): every PDF the fund issues is signed with the fund office's
key when one is configured; pyHanko's validator accepts a genuine copy and refuses a byte-altered
one, one with something appended after the signature, one signed by another key and an unsigned
one; the public check page says which, and the certificate is public."""

from __future__ import annotations

import io
import os
import stat

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation

from common import pdfsign
from common.pdf import render_pdf
from fundapp.checks import fund_secrets


def _pair(folder):
    call_command("make_signing_cert", str(folder), stdout=io.StringIO())
    return folder / "pdf-signing-key.pem", folder / "pdf-signing-cert.pem"


def _use(settings, key, cert):
    settings.PDF_SIGNING_KEY_FILE = str(key)
    settings.PDF_SIGNING_CERT_FILE = str(cert)
    settings.PDF_SIGNING_KEY_PASSPHRASE = ""
    pdfsign._signer.cache_clear()


@pytest.fixture
def signing(settings, tmp_path):
    key, cert = _pair(tmp_path / "office")
    _use(settings, key, cert)
    yield key, cert
    pdfsign._signer.cache_clear()


def _plain_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<h1>公示</h1><p>张*明 ¥1,000.00</p>").write_pdf()


def _flip_inside_signed_range(pdf: bytes) -> bytes:
    altered = bytearray(pdf)
    altered[len(pdf) // 4] ^= 0x01  # well inside the first signed range
    return bytes(altered)


def test_a_signed_pdf_verifies_and_every_kind_of_tampering_is_told(signing, tmp_path, settings):
    signed = pdfsign.sign(_plain_pdf(), reason="test")
    genuine = pdfsign.verify(signed)
    assert genuine.ok and genuine.signer
    # a byte changed inside what the signature covers
    changed = pdfsign.verify(_flip_inside_signed_range(signed))
    assert changed.signed and not changed.ok and not changed.intact
    # something appended after the signature (an incremental update adding or hiding content)
    appended = pdfsign.verify(signed + b"\n1 0 obj\n<< /Hidden true >>\nendobj\n")
    assert not appended.ok
    # never signed
    assert pdfsign.verify(_plain_pdf()) == pdfsign.Verification(signed=False)
    # signed, but with someone else's key
    other_key, other_cert = _pair(tmp_path / "other")
    _use(settings, other_key, other_cert)
    forged = pdfsign.sign(_plain_pdf(), reason="forged")
    _use(settings, *signing)
    assert pdfsign.verify(forged).signed and not pdfsign.verify(forged).ours


def test_unconfigured_pdfs_are_unsigned_and_deploy_check_warns(settings):
    settings.PDF_SIGNING_KEY_FILE = settings.PDF_SIGNING_CERT_FILE = ""
    pdf = _plain_pdf()
    assert pdfsign.sign(pdf, reason="x") == pdf
    assert "fundapp.W010" in {p.id for p in fund_secrets(None)}
    settings.PDF_SIGNING_KEY_FILE = "/nonexistent/key.pem"
    settings.PDF_SIGNING_CERT_FILE = "/nonexistent/cert.pem"
    assert "fundapp.E012" in {p.id for p in fund_secrets(None)}


def test_the_key_is_private_and_never_replaced(tmp_path):
    key, cert = _pair(tmp_path)
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    before = key.read_bytes()
    with pytest.raises(CommandError, match="never replaced"):
        call_command("make_signing_cert", str(tmp_path), stdout=io.StringIO())
    call_command("make_signing_cert", str(tmp_path), "--if-missing", stdout=io.StringIO())
    assert key.read_bytes() == before and cert.exists()


@pytest.mark.django_db
def test_every_issued_pdf_is_signed_the_public_thank_you_list_too(signing):
    from tests.ledger.factories import transfer

    transfer("1002", "4101", 10, source="donation")  # a period exists
    assert pdfsign.verify(render_pdf("ledger/pdf/thank_you.html", {"listing": None})).ok
    response = Client().get("/public/donations/", {"format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert pdfsign.verify(response.content).ok


@pytest.mark.django_db
def test_the_public_check_page(signing, settings):
    settings.PUBLIC_LOOKUP_LIMIT = 4
    signed = pdfsign.sign(_plain_pdf(), reason="test")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    def check(content: bytes, name="notice.pdf"):
        upload = io.BytesIO(content)
        upload.name = name
        return client.post("/public/verify-pdf/", {"document": upload})

    with translation.override("en"):
        page = client.get("/public/verify-pdf/")
        assert page.status_code == 200 and pdfsign.fingerprint() in page.content.decode()
        assert b"Genuine" in check(signed).content
        assert (
            b"was changed after the fund signed it"
            in check(_flip_inside_signed_range(signed)).content
        )
        refused = check(b"hello, not a pdf", "x.pdf")
        assert refused.status_code == 200 and b"not a PDF" in refused.content
        assert check(signed).status_code == 200  # the fourth try from one address
        assert check(signed).status_code == 429  # the fifth
    cert = Client().get("/public/signing-certificate.pem")
    assert cert.status_code == 200 and cert.content == signing[1].read_bytes()


@pytest.mark.django_db
def test_without_a_certificate_there_is_nothing_to_check(settings):
    settings.PDF_SIGNING_KEY_FILE = settings.PDF_SIGNING_CERT_FILE = ""
    assert Client().get("/public/verify-pdf/").status_code == 404
    assert Client().get("/public/signing-certificate.pem").status_code == 404
