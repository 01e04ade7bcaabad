"""ETags and 304s for the catalogue pages and API (issue 8).

The catalogue changes only with a release, and is what most visitors load first: a browser or
a shared cache that already holds a page asks with `If-None-Match` and gets a bodiless 304.
The tag is the SHA-256 of the answer's bytes, so it needs no version bookkeeping and differs
between languages (and for a signed-in visitor, whose page names them and is not stored).
"""

from __future__ import annotations

import hashlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CATALOGUE_PREFIXES = ("/services", "/bundles", "/api/v1/services", "/api/v1/bundles")
MAX_BUFFERED_BYTES = 2 * 1024 * 1024


def is_catalogue_path(path: str) -> bool:
    """Catalogue pages and API answers; not the apply forms below them."""
    if not path.startswith(CATALOGUE_PREFIXES):  # one C call for every other request
        return False
    return any(
        path == p or path.startswith(p + "/") for p in CATALOGUE_PREFIXES
    ) and not path.endswith("/apply")


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison over a list of tags, or `*`."""
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == wanted for t in if_none_match.split(","))


class CatalogueETags:
    """Adds a strong ETag to successful GETs of catalogue paths and answers 304 on a match."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not is_catalogue_path(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        passthrough = False

        async def buffered_send(message: Message) -> None:
            nonlocal start, size, passthrough
            if passthrough:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                if message["status"] != 200:
                    passthrough = True
                    await send(message)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > MAX_BUFFERED_BYTES:  # not a catalogue answer size: give up on the tag
                passthrough = True
                assert start is not None
                await send(start)
                await send(
                    {
                        "type": "http.response.body",
                        "body": b"".join(chunks),
                        "more_body": message.get("more_body", False),
                    }
                )
                return
            if not message.get("more_body", False):
                assert start is not None
                await self._finish(scope, start, b"".join(chunks), send)

        await self.app(scope, receive, buffered_send)

    @staticmethod
    async def _finish(scope: Scope, start: Message, body: bytes, send: Send) -> None:
        headers = [(k, v) for k, v in start.get("headers", ()) if k.lower() != b"etag"]
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers.append((b"etag", etag.encode()))
        if_none_match = next(
            (v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"if-none-match"),
            "",
        )
        if if_none_match and etag_matches(if_none_match, etag):
            kept = [
                (k, v) for k, v in headers if k.lower() not in (b"content-length", b"content-type")
            ]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})
