"""Verification for anyone: banks, employers, the citizen (public, rate-limited per client IP).

    GET  /api/v1/verify/{number}?code=…   by number + check code (ETag, short max-age)
    POST /api/v1/verify                   PDF upload: signature, chain, timestamp, hash, revocation
    POST /api/v1/verify/qr                a QR payload: signature, then the record

An unknown number and a wrong code give the same 404. `FastVerifyPath` answers the by-number
GET before the framework's middleware and routing (see docs/performance.md): it is the endpoint
verifiers call in bulk, and it is plain enough to serve from the lookup cache directly.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict
from dataclasses import fields as dataclass_fields
from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Receive, Scope, Send

from documents.lookup import LookupEntry, match_code, normalise_number
from documents.qrpayload import load_public_keys, parse_qr_payload, verify_qr_parts
from documents.verify import NotAPdfError, verify_pdf
from portal.api.v1.responses import error_responses
from portal.deps import ReadDb, SettingsDep
from portal.headers import HSTS
from portal.ratelimit import address_key, hit_async, rate_limited_body
from portal.runtime import run_sync
from portal.uploads import not_a_pdf, read_pdf_upload
from portal.web.verify import (
    DocumentNotFoundError,
    _read_entry,
    cached_lookup,
    code_attempts_left_async,
    rate_limit,
    rate_limit_async,
    rate_limited_json,
    record_wrong_code_async,
    upload_view,
    verify_state,
)

router = APIRouter(
    prefix="/api/v1",
    tags=["public"],
    responses=error_responses(400, 404, 413, 415, 422, 429, 503),
)
log = logging.getLogger(__name__)

BY_NUMBER_PREFIX = "/api/v1/verify/"


class VerifiedDocumentPublic(BaseModel):
    """Exactly what the document itself shows, plus its current status. Never a citizen ID."""

    number: str
    agency: str
    agency_name_th: str
    agency_name_en: str
    title_th: str
    title_en: str
    holder_display_th: str = Field(description="masked: title, given name, family initial")
    holder_display_en: str
    issued_at: datetime
    issued_on: date = Field(description="the date of issue printed on the document (Bangkok)")
    valid_until: date | None = Field(description="last day the document is valid; null: open")
    status: Literal["valid", "revoked", "superseded", "expired"]
    revoked_at: datetime | None
    revocation_reason: str | None
    superseded_by: str | None = Field(description="number of the document that replaces it")


class SignaturePublic(BaseModel):
    signed: bool
    intact: bool = Field(description="the signed bytes are unchanged")
    valid: bool = Field(description="the CMS signature checks out with the signer's key")
    trusted: bool = Field(description="the signer's chain leads to the portal's root CA")
    covers_whole_file: bool = Field(description="nothing was appended after signing")
    signer_subject: str | None
    signed_at: datetime | None
    chain: list[str] = Field(description="subjects from the seal up to the root")
    seal_serial: str | None
    seal_not_after: datetime | None
    timestamp_at: datetime | None = Field(description="RFC 3161 time the signature existed")
    timestamp_trusted: bool
    seal_revoked_at: datetime | None
    seal_revocation_reason: str | None
    ltv_embedded: bool = Field(description="revocation data is embedded (PAdES B-LT)")


class VerificationPublic(BaseModel):
    genuine: bool
    reasons: list[str] = Field(
        description="machine codes, empty when genuine: not_signed, signature_invalid, "
        "untrusted_signer, modified_after_signing, unknown_document, revoked, superseded, "
        "expired, signing_certificate_revoked, timestamp_invalid"
    )
    hash_matches_record: bool = Field(description="the file's SHA-256 is one the portal issued")
    document: VerifiedDocumentPublic | None
    signature: SignaturePublic | None


class QrRequest(BaseModel):
    payload: str = Field(max_length=2048, description="the text the QR code carries")


class QrVerificationPublic(BaseModel):
    qr_status: Literal["valid", "malformed", "unknown_key", "forged"] = Field(
        description="the offline check of the QR signature against the portal's keys"
    )
    genuine: bool = Field(description="signature valid and the record is found")
    number: str | None
    document: VerifiedDocumentPublic | None


_NOT_FOUND_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "unknown number or wrong check code (the same answer)"},
    429: {"description": "rate limited; see Retry-After"},
}


@router.get(
    "/verify/{number}", response_model=VerifiedDocumentPublic, responses=_NOT_FOUND_RESPONSES
)
async def verify_number(number: str, request: Request, code: str = "") -> Response:
    """What the document with this number and check code shows, and whether it is still valid.

    Documents issued before check codes verify by number alone. Answers carry an ETag and
    `Cache-Control: public, max-age=5`; a revocation shows within seconds.
    """
    decision = await rate_limit_async(request)
    if not decision.allowed:
        return rate_limited_json(decision)
    number = normalise_number(number)
    state = verify_state(request.app)
    guard = await code_attempts_left_async(state, number, code)
    if not guard.allowed:
        return rate_limited_json(guard)
    entry = await cached_lookup(request, number)
    status, headers, body = number_answer(
        entry, code, max_age=state.max_age,
        if_none_match=request.headers.get("if-none-match"),
    )  # fmt: skip
    await record_wrong_code_async(state, number, code, found=status != 404)
    return Response(body, status_code=status, headers=dict(headers))


_NOT_FOUND_BODY = (
    b'{"error":"document_not_found","message":{"th":"'
    + DocumentNotFoundError.default_th.encode()
    + b'","en":"'
    + DocumentNotFoundError.default_en.encode()
    + b'"}}'
)


def number_answer(
    entry: LookupEntry, code: str, *, max_age: int, if_none_match: str | None
) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of a by-number answer: shared by the route and the fast path."""
    document = match_code(entry, code)
    if document is None:
        return 404, [("content-type", "application/json")], _NOT_FOUND_BODY
    rendered = entry.rendered.get("json")
    if rendered is None:
        fields = {f.name: getattr(document, f.name) for f in dataclass_fields(document)}
        body = VerifiedDocumentPublic(**fields).model_dump_json().encode()
        rendered = (body, f'"{hashlib.sha256(body).hexdigest()[:20]}"')
        entry.rendered["json"] = rendered
    body, etag = rendered
    headers = [("etag", etag), ("cache-control", f"public, max-age={max_age}")]
    if if_none_match and etag in if_none_match:
        return 304, headers, b""
    return 200, [("content-type", "application/json"), *headers], body


@router.post("/verify", response_model=VerificationPublic, responses={429: {}})
def verify_upload(
    request: Request,
    db: ReadDb,
    settings: SettingsDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> Any:
    """Checks an uploaded PDF: signature, chain, timestamp, hash against our record, revocation
    of the document and of its signing certificate, supersession and validity.

    415 when the file is not a PDF, 413 when it is over 10 MB.
    """
    decision = rate_limit(request, upload=True)
    if not decision.allowed:
        return rate_limited_json(decision)
    data = read_pdf_upload(file, limit=settings.max_upload_bytes)
    try:
        result = verify_pdf(db, data, data_dir=settings.data_dir)
    except NotAPdfError as exc:
        raise not_a_pdf() from exc
    view = upload_view(result)
    document = view.pop("document")
    return VerificationPublic(
        genuine=result.genuine,
        reasons=list(result.reasons),
        hash_matches_record=view.pop("hash_matches_record"),
        document=VerifiedDocumentPublic(**asdict(document)) if document else None,
        signature=SignaturePublic(**view) if result.signature is not None else None,
    )


@router.post("/verify/qr", response_model=QrVerificationPublic, responses={429: {}})
async def verify_qr(body: QrRequest, request: Request, settings: SettingsDep) -> Any:
    """Checks a QR payload: its Ed25519 signature against the portal's keys, then the record.

    A forged or unknown-key signature answers `genuine: false` without looking anything up.
    """
    decision = await rate_limit_async(request)
    if not decision.allowed:
        return rate_limited_json(decision)
    parsed = parse_qr_payload(body.payload)
    if parsed is None:
        return QrVerificationPublic(
            qr_status="malformed", genuine=False, number=None, document=None
        )
    check = verify_qr_parts(*parsed, public_keys=load_public_keys(settings.data_dir))
    document = None
    if check.valid and check.number and check.check_code:
        found = match_code(await cached_lookup(request, check.number), check.check_code)
        document = VerifiedDocumentPublic(**asdict(found)) if found else None
    return QrVerificationPublic(
        qr_status=check.status,
        genuine=document is not None,
        number=check.number,
        document=document,
    )


class FastVerifyPath:
    """ASGI middleware answering `GET /api/v1/verify/{number}` ahead of the rest of the stack.

    Same answer as the route above (it shares `number_answer`, the cache and the limiter), but
    without the session/CSRF/language middleware, routing and dependency resolution that
    dominate such a small request. Anything unexpected falls through to the normal route.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if (
            not path.startswith(BY_NUMBER_PREFIX)
            or scope["method"] not in ("GET", "HEAD")
            or "/" in path[len(BY_NUMBER_PREFIX) :]
            or "app" not in scope
        ):
            await self.app(scope, receive, send)
            return
        try:
            status, headers, body = await self._answer(scope, path[len(BY_NUMBER_PREFIX) :])
        except Exception:  # the normal route answers (and logs) whatever went wrong here
            log.warning("fast verify path failed; falling back", exc_info=True)
            await self.app(scope, receive, send)
            return
        raw = [(k.encode(), v.encode()) for k, v in headers] + _SECURITY_HEADERS
        if scope["app"].state.settings.secure_cookies:
            raw.append((b"strict-transport-security", HSTS.encode()))
        raw.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )

    async def _answer(self, scope: Scope, number: str) -> tuple[int, list[tuple[str, str]], bytes]:
        app = scope["app"]
        state = verify_state(app)
        client = scope.get("client")
        decision = await hit_async(state.limiter, address_key(client[0]) if client else "unknown")
        query = scope.get("query_string", b"")
        code = parse_qs(query.decode("latin-1")).get("code", [""])[0] if query else ""
        number = normalise_number(number)
        if decision.allowed:
            decision = await code_attempts_left_async(state, number, code)
        if not decision.allowed:
            import json

            body = json.dumps(rate_limited_body(decision.retry_after), ensure_ascii=False).encode()
            return 429, [("content-type", "application/json"),
                         ("retry-after", str(decision.retry_after))], body  # fmt: skip
        if_none_match = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"if-none-match"), None
        )
        entry = state.cache.get(number)
        if entry is None:
            entry = await run_sync(_read_entry, app, number)
            state.cache.put(number, entry)
        answer = number_answer(entry, code, max_age=state.max_age, if_none_match=if_none_match)
        await record_wrong_code_async(state, number, code, found=answer[0] != 404)
        return answer


_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    # A JSON answer loads nothing and may be framed by nobody.
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
]
