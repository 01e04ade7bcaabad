"""Reading an uploaded file with a hard size limit, before anything else looks at it.

The whole request body is capped by FastAPI's `max_body_size` (set in `portal.app`); the file
part is checked again here against the exact limit.
"""

from __future__ import annotations

from fastapi import UploadFile

from documents.verify import NotAPdfError
from portal.errors import PayloadTooLargeError, UnsupportedMediaTypeError

# Multipart framing around a file adds a few hundred bytes; allow that much beyond the limit.
MULTIPART_OVERHEAD = 64 * 1024


def read_pdf_upload(file: UploadFile | None, *, limit: int) -> bytes:
    """The uploaded bytes if they look like a PDF and fit the limit; a clear error otherwise."""
    if file is None:
        raise UnsupportedMediaTypeError("Please choose a PDF file", "กรุณาเลือกไฟล์ PDF")
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise payload_too_large(limit)
    if not data.startswith(b"%PDF-"):
        raise not_a_pdf()
    return data


def not_a_pdf() -> UnsupportedMediaTypeError:
    return UnsupportedMediaTypeError(
        "The file is not a PDF document", "ไฟล์ที่ส่งมาไม่ใช่เอกสาร PDF", reason="not_a_pdf"
    )


def payload_too_large(limit: int) -> PayloadTooLargeError:
    mb = limit // (1024 * 1024)
    return PayloadTooLargeError(
        f"The file is larger than {mb} MB", f"ไฟล์มีขนาดเกิน {mb} เมกะไบต์", limit_bytes=limit
    )


__all__ = ["NotAPdfError", "not_a_pdf", "read_pdf_upload", "payload_too_large"]
