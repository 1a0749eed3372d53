"""Uploaded files are typed by their first bytes, never by the name or the type the client claims."""

import uuid

JPEG = (b"\xff\xd8\xff", "image/jpeg")
PNG = (b"\x89PNG\r\n\x1a\n", "image/png")
PDF = (b"%PDF", "application/pdf")
PHOTOS = (JPEG, PNG)
DOCUMENTS = (PDF, JPEG, PNG)


def sniffed_type(upload, kinds=DOCUMENTS) -> str | None:
    """The content type of the first of `kinds` (magic bytes, content type) the file starts with, else None.
    The file is left at its start for whoever reads it next."""
    head = upload.read(16)
    upload.seek(0)
    return next((content_type for magic, content_type in kinds if head.startswith(magic)), None)


def stored_name(content_type: str) -> str:
    """The name a file is kept under on disk: random, with the extension of its real type."""
    return f"{uuid.uuid4().hex}.{content_type.split('/')[1]}"
