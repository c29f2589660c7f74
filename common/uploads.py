"""Uploaded documents (a case's certificates, a manual entry's bank slip or minutes): what a file
really is, told by its first bytes, never by its name or the type the browser claims. Only PDF,
JPEG and PNG are kept anywhere in the site."""

from __future__ import annotations

DOCUMENT_TYPES = ("application/pdf", "image/jpeg", "image/png")

# Magic numbers: what the file is, whatever its name or the browser's claimed type says.
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff_content_type(head: bytes) -> str | None:
    """The document type of a file starting with ``head`` (16 bytes are enough), or ``None``."""
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return None


__all__ = ["DOCUMENT_TYPES", "sniff_content_type"]
