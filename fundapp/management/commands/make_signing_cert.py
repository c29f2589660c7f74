"""``manage.py make_signing_cert DIR``: a self-signed key and certificate for signing the PDFs
the fund issues (common.pdfsign), for the demo or until the fund office has a certificate from a
CA. Writes ``DIR/pdf-signing-key.pem`` (mode 0600, never overwritten) and
``DIR/pdf-signing-cert.pem``, and prints the two settings to put in the environment."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Make a self-signed PDF signing key and certificate for the fund office."

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--name", default="", help="the certificate's name (default: the fund)")
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument(
            "--if-missing", action="store_true", help="do nothing when the files exist"
        )

    def handle(self, *args, folder, name, years, if_missing, **options):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        out = Path(folder)
        key_path, cert_path = out / "pdf-signing-key.pem", out / "pdf-signing-cert.pem"
        if key_path.exists() or cert_path.exists():
            if if_missing and key_path.exists() and cert_path.exists():
                self._print(key_path, cert_path)
                return
            raise CommandError(f"{key_path} or {cert_path} exists: a signing key is never replaced")
        out.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                x509.NameAttribute(
                    NameOID.COMMON_NAME, name or settings.FUND_ORGANISATION_NAME or "fundapp"
                ),
            ]
        )
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365 * years))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                # non-repudiation (content_commitment): validators ask for it on a signer
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self._print(key_path, cert_path)

    def _print(self, key_path: Path, cert_path: Path) -> None:
        self.stdout.write(f"PDF_SIGNING_KEY_FILE={key_path.resolve()}")
        self.stdout.write(f"PDF_SIGNING_CERT_FILE={cert_path.resolve()}")
