"""Structured logs with a request id that follows a request into the registries.

1. `RequestIds` (ASGI middleware) takes a well-formed incoming `X-Request-ID` (a load
   balancer's) or makes one, keeps it in a context variable for the request, echoes it in the
   response and writes one access line per request (method, route template, status, ms).
2. Every log record carries that id (`request_id`) and whatever `log_context(...)` bound:
   the worker binds `petition_id` and `job_id` around each job.
3. The exchange sends the id to registries as `X-Correlation-ID`; the reference registry logs
   it with the exchange's own per-message `X-Request-Id`, so one citizen's click can be
   followed through the portal, the worker and every registry it touched.
4. `PORTAL_LOG_FORMAT=json` writes one JSON object per line (for a log shipper); `text` (the
   default) a readable line with the same fields.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
CORRELATION_HEADER = "X-Correlation-ID"  # what the exchange sends to registries

# Letters, digits and a few separators, at most 128: enough for UUIDs, W3C trace ids and
# load-balancer ids; anything else (spaces, quotes, newlines) could forge log lines.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
_context_var: ContextVar[dict[str, Any]] = ContextVar("log_context", default={})  # noqa: B039

access_log = logging.getLogger("portal.access")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(value: str | None) -> str:
    """The incoming id when well-formed, otherwise a new one."""
    if value and _VALID_REQUEST_ID.fullmatch(value):
        return value
    return new_request_id()


def current_request_id() -> str:
    return request_id_var.get()


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Adds `fields` to every log record written inside the block (this thread/task only)."""
    token = _context_var.set({**_context_var.get(), **fields})
    try:
        yield
    finally:
        _context_var.reset(token)


@contextmanager
def request_id_scope(request_id: str) -> Iterator[None]:
    """Runs the block under `request_id` (a worker job, a CLI command)."""
    token = request_id_var.set(request_id)
    try:
        yield
    finally:
        request_id_var.reset(token)


class ContextFilter(logging.Filter):
    """Puts the request id and the bound context on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.context = _context_var.get()
        return True


_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "context",
    "color_message",  # uvicorn's
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id, context,
    `extra=` fields and the exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "")
        if request_id:
            entry["request_id"] = request_id
        entry.update(getattr(record, "context", None) or {})
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger [request id] message key=value…` for a person reading a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", "")
        context = getattr(record, "context", None) or {}
        extras = " ".join(f"{k}={v}" for k, v in context.items())
        prefix = f"[{request_id}] " if request_id else ""
        return f"{prefix}{line}{' ' + extras if extras else ''}"


def configure_logging(*, log_format: str = "text", level: str = "INFO") -> None:
    """Replaces the root handlers with one stderr handler in the chosen format (processes
    started by `portal serve` and `portal worker`; tests keep pytest's handlers)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's own loggers go through the root handler; its access log is replaced by ours.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True


class RequestIds:
    """Gives every request an id (incoming `X-Request-ID` if well-formed), echoes it, logs one
    access line per request with the route template, not the raw path, and records the
    request's metrics (one outermost layer for both: each layer costs on the fast paths)."""

    def __init__(self, app: ASGIApp) -> None:
        # Imported here, not at the top: `portal serve` imports this module for logging before
        # it prepares PROMETHEUS_MULTIPROC_DIR, and metrics must not be created before that.
        from portal.metrics import observe_request, route_label

        self.app = app
        self.observe_request = observe_request
        self.route_label = route_label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = accept_request_id(incoming)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (k, v) for k, v in message.get("headers", ()) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = self.route_label(scope)
            self.observe_request(scope["method"], route, status, elapsed)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %s",
                    scope["method"],
                    route,
                    status,
                    extra={
                        "method": scope["method"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 1),
                    },
                )
            request_id_var.reset(token)
