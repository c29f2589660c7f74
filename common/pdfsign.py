"""Signing the PDFs fundapp issues with the fund office's key (issue 15, point 5), with pyHanko
(a maintained PAdES signer and validator): a notice, a thank-you list, a receipt or a letter
downloaded, forwarded or printed from a file can be checked against tampering by any PDF reader
that knows the office's certificate, and by ``verify`` here.

The key and certificate come from files named in the environment: ``PDF_SIGNING_KEY_FILE``
(PEM, PKCS#8; ``PDF_SIGNING_KEY_PASSPHRASE`` when it is encrypted) and
``PDF_SIGNING_CERT_FILE`` (PEM). A county uses the certificate its CA issued to the fund office;
``manage.py make_signing_cert`` makes a self-signed one (what ``make demo`` uses). Without them
PDFs are issued unsigned and ``check --deploy`` warns (fundapp.W010). The certificate is public:
``/public/signing-certificate.pem`` serves it, with its fingerprint on the public pages."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FIELD_NAME = "FundOffice"


def configured() -> bool:
    return bool(settings.PDF_SIGNING_KEY_FILE and settings.PDF_SIGNING_CERT_FILE)


@lru_cache(maxsize=4)
def _signer(key_file: str, cert_file: str, passphrase: str):
    from pyhanko.sign import signers

    for name, path in (("PDF_SIGNING_KEY_FILE", key_file), ("PDF_SIGNING_CERT_FILE", cert_file)):
        if not Path(path).is_file():
            raise ImproperlyConfigured(f"{name} names no file: {path}")
    signer = signers.SimpleSigner.load(
        key_file, cert_file, key_passphrase=passphrase.encode() if passphrase else None
    )
    if signer is None:
        raise ImproperlyConfigured(
            "PDF_SIGNING_KEY_FILE / PDF_SIGNING_CERT_FILE could not be loaded (PEM key and "
            "certificate expected; PDF_SIGNING_KEY_PASSPHRASE if the key is encrypted)."
        )
    return signer


def _current_signer():
    return _signer(
        str(settings.PDF_SIGNING_KEY_FILE),
        str(settings.PDF_SIGNING_CERT_FILE),
        settings.PDF_SIGNING_KEY_PASSPHRASE,
    )


def sign(pdf: bytes, *, reason: str) -> bytes:
    """``pdf`` with the fund office's signature over every byte (an incremental update), or
    unchanged when no key is configured."""
    if not configured():
        return pdf
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    meta = signers.PdfSignatureMetadata(field_name=FIELD_NAME, reason=reason[:200])
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=_current_signer()
    )
    return out.getvalue()


def certificate_pem() -> bytes:
    return Path(settings.PDF_SIGNING_CERT_FILE).read_bytes() if configured() else b""


def fingerprint() -> str:
    """SHA-256 of the certificate (DER), grouped for reading aloud: ``AB12 CD34 ...``."""
    if not configured():
        return ""
    from pyhanko.keys import load_cert_from_pemder

    der = load_cert_from_pemder(str(settings.PDF_SIGNING_CERT_FILE)).dump()
    digest = hashlib.sha256(der).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


@dataclass(frozen=True)
class Verification:
    signed: bool
    intact: bool = False  # the signed bytes are unchanged
    ours: bool = False  # signed with the configured certificate
    covers_whole_file: bool = False  # nothing was appended after the signature
    signer: str = ""

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.ours and self.covers_whole_file


def verify(pdf: bytes) -> Verification:
    """Check a PDF against the configured certificate: signed by it, unchanged since."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    if not configured():
        raise ImproperlyConfigured("No PDF signing certificate is configured.")
    ours = load_cert_from_pemder(str(settings.PDF_SIGNING_CERT_FILE))
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError):
        return Verification(signed=False)
    if not signatures:
        return Verification(signed=False)
    embedded = signatures[-1]
    try:
        status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[ours]))
    except Exception:  # noqa: BLE001 - a malformed signature is an invalid one
        return Verification(signed=True)
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    try:
        coverage = embedded.evaluate_signature_coverage()
    except Exception:  # noqa: BLE001
        coverage = None

    return Verification(
        signed=True,
        intact=bool(status.intact and status.valid and status.trusted),
        # the signer is the office's certificate itself (not one a forger made with its name)
        ours=embedded.signer_cert.dump() == ours.dump(),
        covers_whole_file=coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=embedded.signer_cert.subject.human_friendly,
    )
