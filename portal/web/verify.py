"""Public verification pages: by number + check code, by QR, by uploading the PDF; the QR keys.

    GET  /verify                         the form (number + code, or a PDF)
    GET  /verify/{number}?code=…         the answer; an unknown number and a wrong code look
                                         the same (404), so numbers cannot be enumerated;
                                         without a code, the form asking for it (200, for
                                         every number; only pre-code documents show at once)
    GET  /v/{number}/{code}?k=…&s=…      what a certificate's QR code opens: the signature is
                                         checked first, a forged one shows a warning only
    POST /verify                         upload: signature, chain, timestamp, hash, revocation
    GET  /.well-known/document-keys.json the QR signing keys (JWKS) for offline checkers

Lookups and rate limits are shared with the JSON API through `verify_state(app)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, File, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from documents.checkcode import normalise_check_code
from documents.lookup import (
    LookupCache,
    LookupEntry,
    PublicRowReader,
    VerifiedDocument,
    match_code,
    normalise_number,
    public_view,
)
from documents.qrpayload import jwks, load_public_keys, verify_qr_parts
from documents.verify import NotAPdfError, VerificationResult, verify_pdf
from portal.csrf import CsrfProtected
from portal.deps import SESSION_COOKIE, ReadDb, SettingsDep, get_optional_citizen
from portal.errors import NotFoundError
from portal.ratelimit import (
    RateDecision,
    RateLimiter,
    address_key,
    build_limiter,
    check_async,
    hit_async,
    rate_limited_body,
)
from portal.runtime import run_sync
from portal.settings import Settings
from portal.templating import render
from portal.uploads import not_a_pdf, read_pdf_upload

router = APIRouter(
    tags=["public"], include_in_schema=False, dependencies=[Depends(get_optional_citizen)]
)

JWKS_PATH = "/.well-known/document-keys.json"


class DocumentNotFoundError(NotFoundError):
    code = "document_not_found"
    default_th = "ไม่พบเอกสารที่ตรงกับเลขที่และรหัสตรวจสอบนี้ กรุณาตรวจสอบทั้งสองค่ากับเอกสารอีกครั้ง"
    default_en = (
        "No document matches this number and check code; please check both against the document"
    )


@dataclass
class VerifyState:
    """Per-app lookup cache and rate limiters, created on first use from the app's settings."""

    cache: LookupCache
    limiter: RateLimiter
    upload_limiter: RateLimiter
    max_age: int
    # Wrong check codes per document number, from any client (see `guard_code_attempt`).
    wrong_codes: RateLimiter


def verify_state(app: FastAPI) -> VerifyState:
    state = getattr(app.state, "verify", None)
    if state is None:
        settings: Settings = app.state.settings
        engine = app.state.engine  # rate-limit buckets are written: never the replica
        state = VerifyState(
            cache=LookupCache(settings.verify_cache_seconds),
            # Shared across processes when configured (portal/ratelimit.py, issue 8).
            limiter=build_limiter(
                settings,
                engine,
                limit="verify",
                rate_per_minute=settings.verify_rate_per_minute,
                burst=settings.verify_burst,
            ),
            upload_limiter=build_limiter(
                settings,
                engine,
                limit="verify_upload",
                rate_per_minute=settings.verify_upload_rate_per_minute,
                burst=settings.verify_upload_burst,
            ),
            max_age=settings.verify_http_max_age,
            wrong_codes=build_limiter(
                settings,
                engine,
                limit="verify_wrong_code",
                rate_per_minute=settings.verify_wrong_codes_per_hour / 60,
                burst=settings.verify_wrong_codes_burst,
            ),
        )
        app.state.verify = state
    return state


def client_key(request: Request) -> str:
    """The client's address, an IPv6 one by its /64 (uvicorn has already applied trusted
    X-Forwarded-For)."""
    return address_key(request.client.host) if request.client else "unknown"


def code_attempts_left(state: VerifyState, number: str, code: str) -> RateDecision:
    """Refuses, before anything is looked up, a number whose wrong-code budget is spent.

    Counted per number, not per client, so guessing one document's code from many addresses
    hits the same wall; unknown numbers are counted alike, so a 429 says nothing about whether
    a number exists. Requests without a code are not counted.
    """
    if not code.strip():
        return RateDecision(True)
    return state.wrong_codes.check(number)


def record_wrong_code(state: VerifyState, number: str, code: str, found: bool) -> None:
    """Spends one of the number's wrong-code tokens when a code was given and did not match."""
    if code.strip() and not found:
        state.wrong_codes.hit(number)


def rate_limit(request: Request, *, upload: bool = False) -> RateDecision:
    state = verify_state(request.app)
    return (state.upload_limiter if upload else state.limiter).hit(client_key(request))


# Async routes call these: a shared limiter (database, Redis) does I/O, so it runs in the
# thread pool rather than on the event loop.
async def rate_limit_async(request: Request, *, upload: bool = False) -> RateDecision:
    state = verify_state(request.app)
    return await hit_async(state.upload_limiter if upload else state.limiter, client_key(request))


async def code_attempts_left_async(state: VerifyState, number: str, code: str) -> RateDecision:
    if not code.strip():
        return RateDecision(True)
    return await check_async(state.wrong_codes, number)


async def record_wrong_code_async(state: VerifyState, number: str, code: str, found: bool) -> None:
    if code.strip() and not found:
        await hit_async(state.wrong_codes, number)


def rate_limited_page(request: Request, decision: RateDecision) -> Response:
    body = rate_limited_body(decision.retry_after)
    response = render(
        request,
        "verify_limited.html",
        status_code=429,
        message=body["message"],
        retry_after=decision.retry_after,
    )
    response.headers["Retry-After"] = str(decision.retry_after)
    return response


def rate_limited_json(decision: RateDecision) -> JSONResponse:
    return JSONResponse(
        rate_limited_body(decision.retry_after),
        status_code=429,
        headers={"Retry-After": str(decision.retry_after)},
    )


async def cached_lookup(request: Request, number: str) -> LookupEntry:
    """The lookup entry for a normalised number: from the cache, else one query in a thread."""
    state = verify_state(request.app)
    entry = state.cache.get(number)
    if entry is None:
        entry = await run_sync(_read_entry, request.app, number)
        state.cache.put(number, entry)
    return entry


def _read_entry(app: FastAPI, number: str) -> LookupEntry:
    """One lookup on a cache miss, through the precompiled reader (no ORM session)."""
    reader = getattr(app.state, "verify_reader", None)
    if reader is None:
        reader = app.state.verify_reader = PublicRowReader(app.state.read_engine)
    return reader.lookup(number)


@router.get("/verify", response_class=HTMLResponse)
def verify_start(request: Request, number: str = "", code: str = "") -> Response:
    if number.strip():
        target = f"/verify/{quote(normalise_number(number), safe='')}"
        if code.strip():
            target += f"?code={quote(normalise_check_code(code), safe='')}"
        return RedirectResponse(target, status_code=303)
    return render(request, "verify.html", number="", code="", not_found=False, ask_code=False)


@router.get("/verify/{number}", response_class=HTMLResponse)
async def verify_number(request: Request, number: str, code: str = "") -> Response:
    decision = await rate_limit_async(request)
    if not decision.allowed:
        return rate_limited_page(request, decision)
    number = normalise_number(number)
    state = verify_state(request.app)
    guard = await code_attempts_left_async(state, number, code)
    if not guard.allowed:
        return rate_limited_page(request, guard)
    document = match_code(await cached_lookup(request, number), code)
    await record_wrong_code_async(state, number, code, found=document is not None)
    return _number_page(request, document, number=number, code=code)


@router.get("/v/{number}/{code}", response_class=HTMLResponse)
async def verify_qr(request: Request, number: str, code: str, k: str = "", s: str = "") -> Response:
    """A certificate's QR code: the signature must hold before the record is even looked up."""
    decision = await rate_limit_async(request)
    if not decision.allowed:
        return rate_limited_page(request, decision)
    if k or s:
        settings: Settings = request.app.state.settings
        check = verify_qr_parts(number, code, k, s, public_keys=load_public_keys(settings.data_dir))
        if not check.valid:
            return render(request, "verify_qr_invalid.html", problem=check.status)
    number = normalise_number(number)
    state = verify_state(request.app)
    signed = bool(k or s)  # a valid signature: the code was printed by us, not guessed
    if not signed:
        guard = await code_attempts_left_async(state, number, code)
        if not guard.allowed:
            return rate_limited_page(request, guard)
    document = match_code(await cached_lookup(request, number), code)
    if not signed:
        await record_wrong_code_async(state, number, code, found=document is not None)
    return _number_page(request, document, number=number, code=code, by_qr=bool(k))


def _number_page(
    request: Request,
    document: VerifiedDocument | None,
    *,
    number: str,
    code: str,
    by_qr: bool = False,
) -> Response:
    if document is None and not code.strip():
        # Typed or printed number without its code: ask for it (same page for every number).
        return render(
            request, "verify.html", number=number[:32], code="", not_found=False, ask_code=True
        )
    if document is None:
        error = DocumentNotFoundError()
        return render(
            request,
            "verify.html",
            status_code=404,
            number=number[:32],
            code=normalise_check_code(code)[:16],
            not_found=True,
            ask_code=False,
            error=error,
        )
    response = render(request, "verify_number.html", document=document, by_qr=by_qr)
    # A signed-in header must not land in a shared cache (nor a new cookie: the middleware
    # makes an answer that sets one private).
    if not _personal(request):
        max_age = verify_state(request.app).max_age
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _personal(request: Request) -> bool:
    from portal.web.backoffice import OFFICER_COOKIE
    from portal.web.kiosk import SESSION_COOKIE_NAME as KIOSK_COOKIE

    cookies = request.cookies
    return any(name in cookies for name in (SESSION_COOKIE, OFFICER_COOKIE, KIOSK_COOKIE))


@router.post("/verify", response_class=HTMLResponse, dependencies=[CsrfProtected])
def verify_upload(
    request: Request,
    db: ReadDb,
    settings: SettingsDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    decision = rate_limit(request, upload=True)
    if not decision.allowed:
        return rate_limited_page(request, decision)
    data = read_pdf_upload(file, limit=settings.max_upload_bytes)
    try:
        result = verify_pdf(db, data, data_dir=settings.data_dir)
    except NotAPdfError as exc:
        raise not_a_pdf() from exc
    return render(request, "verify_result.html", result=result, view=upload_view(result))


def upload_view(result: VerificationResult) -> dict[str, Any]:
    """What the upload page and API show, read defensively: the signature report grows over
    time (PKI work fills chain, timestamp and seal revocation), and absent fields mean unknown."""
    sig = result.signature
    document = public_view(result.document) if result.document is not None else None

    def field(name: str, default: Any = None) -> Any:
        return getattr(sig, name, default) if sig is not None else default

    return {
        "document": document,
        "signed": bool(field("signed", False)),
        "intact": bool(field("intact", False)),
        "valid": bool(field("valid", False)),
        "trusted": bool(field("trusted", False)),
        "covers_whole_file": bool(field("covers_whole_file", False)),
        "signer_subject": field("signer_subject"),
        "signed_at": field("signed_at"),
        "chain": list(field("chain", ()) or ()),
        "seal_serial": field("seal_serial"),
        "seal_not_after": field("seal_not_after"),
        "timestamp_at": field("timestamp_at"),
        "timestamp_trusted": bool(field("timestamp_trusted", False)),
        "seal_revoked_at": field("seal_revoked_at"),
        "seal_revocation_reason": field("seal_revocation_reason"),
        "ltv_embedded": bool(field("ltv_embedded", False)),
        # The exact bytes are one of ours when the hash found a record (not just a prefix).
        "hash_matches_record": result.document is not None
        and "unknown_document" not in result.reasons,
    }


@router.get(JWKS_PATH)
def document_keys(settings: SettingsDep) -> JSONResponse:
    """Every QR signing key, current and rotated out (JWKS, RFC 7517 / RFC 8037 OKP)."""
    return JSONResponse(
        jwks(load_public_keys(settings.data_dir)),
        headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"},
    )
