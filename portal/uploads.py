"""Reading an uploaded file with a hard size limit, before anything else looks at it.

The whole request body is capped by FastAPI's `max_body_size` (set in `portal.app`); the file
part is checked again here against the exact limit.

PDFs are then looked through (`inspect_pdf`) without a PDF library, since a library parsing a
hostile file is what is being protected:

1. Every Flate stream is inflated in 64 KiB steps and counted, never kept (object streams
   excepted, which are read for step 2). Past `MAX_INFLATED_BYTES` in all the file is a
   decompression bomb: refused before pyHanko or an officer's viewer expands it.
2. Names are read from the file's dictionaries (outside stream data, inside object streams,
   `#xx` escapes undone) and active content is refused: JavaScript, Launch, SubmitForm,
   ImportData, RichMedia, XFA forms, additional actions (/AA) and an /OpenAction that is an
   action rather than a page view. Refused, not sanitised: officers open citizens' uploads,
   a rewritten file would no longer be what the citizen sent (its SHA-256 is recorded as
   evidence), and "print to PDF" gives the citizen a clean copy in seconds.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Iterable, Iterator

from fastapi import UploadFile
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from documents.verify import NotAPdfError
from portal.errors import BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError

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
    # Only read, never shown to anyone: active content is harmless here (and a file with it
    # is simply not one of ours), but a bomb would stall the PDF library.
    inspect_pdf(data, allow_active_content=True)
    return data


def not_a_pdf() -> UnsupportedMediaTypeError:
    return UnsupportedMediaTypeError(
        "The file is not a PDF document", "ไฟล์ที่ส่งมาไม่ใช่เอกสาร PDF", reason="not_a_pdf"
    )


def unreadable_body() -> BadRequestError:
    """A body the parser gave up on (broken multipart framing, a part header far too long)."""
    return BadRequestError(
        "The form data could not be read; please choose the file again and resend",
        "ไม่สามารถอ่านข้อมูลที่ส่งมาได้ กรุณาเลือกไฟล์ใหม่แล้วส่งอีกครั้ง",
        reason="unreadable_body",
    )


def payload_too_large(limit: int) -> PayloadTooLargeError:
    mb = limit // (1024 * 1024)
    return PayloadTooLargeError(
        f"The file is larger than {mb} MB", f"ไฟล์มีขนาดเกิน {mb} เมกะไบต์", limit_bytes=limit
    )


class RequestSizeLimit:
    """Refuses a request body over `max_bytes` with the portal's own bilingual 413.

    Pure ASGI, installed inside the page middleware (so the answer carries the security
    headers and the visitor's language). A declared Content-Length over the limit is answered
    at once, before a byte of the body is read; a body without one (chunked) is counted as it
    arrives and cut off where it passes the limit. FastAPI's own `max_body_size` is not used:
    it sits outside every user middleware and answers a bare "Content Too Large" in English,
    without the security headers.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the route, so the error handlers answer it (portal.app).
                    raise HTTPException(413)
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        from fastapi import Request

        from portal.app import _error_response

        request = Request(scope, receive)
        limit = scope["app"].state.settings.max_upload_bytes
        response = _error_response(request, payload_too_large(limit))
        response.headers["Connection"] = "close"  # the unread body must not be taken as a request
        await response(scope, receive, send)


# -- looking inside a PDF ----------------------------------------------------------------------

MAX_INFLATED_BYTES = 100 * 1024 * 1024
"""What all of a PDF's Flate streams may expand to: a 10 MB scan at 10:1 fits; a bomb (1,000:1
and more) does not."""

ACTIVE_NAMES = frozenset(
    {"JavaScript", "JS", "Launch", "SubmitForm", "ImportData", "RichMedia", "XFA", "AA"}
)
"""PDF names that run code, start programs, send data or act by themselves when a page is
opened (/AA: additional actions). An /OpenAction is judged by its value (see below)."""

_STEP = 64 * 1024
_STREAM = re.compile(rb"stream(?:\r\n|\n|\r)")
_ENDSTREAM = re.compile(rb"(?:\r\n|\n|\r)?endstream")
_NAME = re.compile(rb"/([^\s/\[\]<>(){}%]*)")
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")
_OPEN_ACTION = re.compile(rb"/OpenAction\s*(<<|\d+\s+\d+\s+R)")
_FILTERS = ("FlateDecode", "Fl", "ASCIIHexDecode", "AHx", "ASCII85Decode", "A85")
_OBJECT_HEADER = re.compile(rb"(?<![0-9])\d+\s+\d+\s+obj\b")


class PdfRefusedError(BadRequestError):
    """A PDF that would be unsafe to open: active content, or streams that expand too far."""

    code = "pdf_refused"


def pdf_bomb() -> PdfRefusedError:
    mb = MAX_INFLATED_BYTES // (1024 * 1024)
    return PdfRefusedError(
        f"The PDF expands to more than {mb} MB when opened; please send a normal scan or export",
        f"ไฟล์ PDF นี้ขยายตัวเกิน {mb} เมกะไบต์เมื่อเปิด กรุณาส่งไฟล์สแกนหรือไฟล์ที่บันทึกตามปกติ",
        reason="pdf_expands_too_far",
    )


def pdf_active_content(names: Iterable[str]) -> PdfRefusedError:
    return PdfRefusedError(
        "The PDF contains JavaScript or actions that run by themselves; please save it again "
        "with “Print to PDF” and attach that copy",
        "ไฟล์ PDF นี้มีจาวาสคริปต์หรือคำสั่งที่ทำงานเองเมื่อเปิดไฟล์ กรุณาบันทึกใหม่ด้วย “พิมพ์เป็น PDF” แล้วแนบไฟล์นั้นแทน",
        reason="pdf_active_content",
        found=sorted(set(names)),
    )


def pdf_unreadable(names: Iterable[str]) -> PdfRefusedError:
    return PdfRefusedError(
        "The PDF is encrypted or compressed in a way the portal cannot check; please save it "
        "again with “Print to PDF” and attach that copy",
        "ไฟล์ PDF นี้เข้ารหัสหรือบีบอัดในแบบที่พอร์ทัลตรวจสอบไม่ได้ กรุณาบันทึกใหม่ด้วย “พิมพ์เป็น PDF” แล้วแนบไฟล์นั้นแทน",
        reason="pdf_unreadable",
        found=sorted(set(names)),
    )


def _unescape(raw: bytes) -> bytes:
    """`/J#61vaScript` is `/JavaScript`: undo the escapes a hostile file hides names behind."""
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)


def _names(text: bytes) -> set[str]:
    """The names in already unescaped PDF syntax."""
    return {m.group(1).decode("latin-1") for m in _NAME.finditer(text)}


def _inflate(chunks: Iterable[bytes], budget: list[int]) -> Iterator[bytes]:
    """Inflates piece by piece, charging `budget[0]`; a damaged stream simply ends (viewers
    tolerate those too), an oversized one raises."""
    inflater = zlib.decompressobj()
    try:
        for chunk in chunks:
            pending = chunk
            while pending:
                out = inflater.decompress(pending, _STEP)
                pending = inflater.unconsumed_tail
                budget[0] -= len(out)
                if budget[0] < 0:
                    raise pdf_bomb()
                if out:
                    yield out
                if inflater.eof:
                    return
    except zlib.error:
        return


def _decode_text(kind: str, data: bytes) -> bytes:
    try:
        if kind in ("ASCIIHexDecode", "AHx"):
            hex_digits = re.sub(rb"[^0-9A-Fa-f]", b"", data.split(b">", 1)[0])
            return binascii.unhexlify(hex_digits + b"0" * (len(hex_digits) % 2))
        return base64.a85decode(data.split(b"~>", 1)[0] + b"~>", adobe=False)
    except ValueError:
        return b""


def _decoded(data: bytes, filters: list[str], budget: list[int]) -> Iterator[bytes]:
    """The stream's bytes through every filter we can undo, lazily; image codecs end it."""
    chunks: Iterable[bytes] = [data]
    for kind in filters:
        if kind in ("FlateDecode", "Fl"):
            chunks = _inflate(chunks, budget)
        elif kind in _FILTERS:
            chunks = [_decode_text(kind, b"".join(chunks))]
        else:
            break
    yield from chunks


def _stream_filters(head: bytes) -> list[str]:
    """The /Filter of a stream's (unescaped) dictionary; an indirect one is tried as Flate,
    the only filter that can expand a thousandfold."""
    found = re.search(rb"/Filter\s*(\[[^\]]*\]|/[^\s/\[\]<>]+|\d+\s+\d+\s+R)", head)
    if found is None:
        return []
    if found.group(1)[:1].isdigit():
        return ["FlateDecode"]
    return [m.group(1).decode("latin-1") for m in _NAME.finditer(found.group(1))]


def _readable(filters: list[str], dictionary: bytes) -> bool:
    """Whether `_decoded` undoes every filter of this stream (no predictor, no LZW...)."""
    return all(kind in _FILTERS for kind in filters) and b"/Predictor" not in dictionary


def inspect_pdf(data: bytes, *, allow_active_content: bool = False) -> None:
    """Refuses a PDF whose streams expand past `MAX_INFLATED_BYTES` in all, or (unless
    `allow_active_content`) one carrying scripts or automatic actions. See the module's
    docstring for what is looked at and why refusing beats sanitising."""
    budget = [MAX_INFLATED_BYTES]
    outside: list[bytes] = []  # dictionaries and other PDF syntax, outside stream data
    unreadable: set[str] = set()
    position = 0
    for opening in _STREAM.finditer(data):
        if opening.start() < position:
            continue  # "stream" inside stream data already skipped
        head = data[max(position, opening.start() - 4096) : opening.start()]
        if not head.rstrip().endswith(b">>"):
            continue  # the word in a string or a comment, not a stream keyword
        start = opening.end()
        headers = list(_OBJECT_HEADER.finditer(head))  # "12 0 obj", not "obj" in a string
        dictionary = _unescape(head[headers[-1].end() :] if headers else head)
        length = _LENGTH.findall(dictionary)
        end = start + int(length[-1]) if length else -1
        if end < 0 or end > len(data) or not _ENDSTREAM.match(data, end):
            following = _ENDSTREAM.search(data, start)
            end = following.start() if following else len(data)
        outside.append(data[position:start])
        is_object_stream = "ObjStm" in _names(dictionary)
        filters = _stream_filters(dictionary)
        if is_object_stream and not _readable(filters, dictionary):
            # Objects we cannot read could hide anything: refuse rather than guess.
            unreadable.add("ObjStm")
        decoded = _decoded(data[start:end], filters, budget)
        if is_object_stream and not allow_active_content:
            outside.append(b"".join(decoded))
        else:
            for _ in decoded:
                pass  # counted against the budget, not kept
        position = end
    outside.append(data[position:])
    if allow_active_content:
        return
    syntax = _unescape(b"\n".join(outside))
    names = _names(syntax)
    if "Encrypt" in names:
        unreadable.add("Encrypt")  # encrypted objects cannot be looked into
    if unreadable:
        raise pdf_unreadable(unreadable)
    active = names & ACTIVE_NAMES
    if _OPEN_ACTION.search(syntax):
        active.add("OpenAction")
    if active:
        raise pdf_active_content(active)


__all__ = [
    "MAX_INFLATED_BYTES",
    "NotAPdfError",
    "PdfRefusedError",
    "inspect_pdf",
    "not_a_pdf",
    "payload_too_large",
    "read_pdf_upload",
    "unreadable_body",
]
