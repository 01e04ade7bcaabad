"""What the portal's CA publishes, for anyone: certificates, CRLs, the timestamp authority.

    GET  /pki                  the CA certificates with their SHA-256 fingerprints (Thai+English)
    GET  /pki/root.crt         the root CA certificate (DER)
    GET  /pki/issuing-ca.crt   the issuing CA certificate (DER)
    GET  /pki/tsa.crt          the timestamp authority's certificate (DER)
    GET  /pki/root.crl         the root's CRL (DER): revoked issuing CAs
    GET  /pki/issuing-ca.crl   the issuing CA's CRL (DER): revoked seals and TSA certificates
    POST /pki/tsa              RFC 3161 over HTTP (application/timestamp-query -> -reply)

The URLs are those written into every certificate's CRL distribution point and AIA extension
(documents/pki.py), so validators can find them on their own.
"""

from __future__ import annotations

from typing import Literal

from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from documents.crl import crl_from_db
from documents.pki import (
    ensure_ca,
    issuing_ca_paths,
    list_certificates,
    load_cert,
    root_ca_paths,
    tsa_paths,
)
from documents.tsa import MAX_REQUEST_BYTES, get_bundled_timestamper, respond_to_request
from portal.deps import Db, SettingsDep
from portal.errors import PortalError
from portal.ratelimit import TokenBucketLimiter, address_key, rate_limited_body
from portal.runtime import run_sync
from portal.templating import render

router = APIRouter(tags=["public"], include_in_schema=False)

# Certificates change once in years; CRLs are re-signed every day or two and live four.
CERT_CACHE = "public, max-age=86400"
CRL_CACHE = "public, max-age=3600"


class UnsupportedTimestampRequestError(PortalError):
    status_code = 415
    code = "unsupported_timestamp_request"
    default_th = "คำขอประทับเวลาต้องเป็น application/timestamp-query ตาม RFC 3161"
    default_en = "A timestamp request must be application/timestamp-query (RFC 3161)"


class TimestampRequestTooLargeError(PortalError):
    status_code = 413
    code = "timestamp_request_too_large"
    default_th = "คำขอประทับเวลามีขนาดใหญ่เกินไป"
    default_en = "The timestamp request is too large"


@router.get("/pki", response_class=HTMLResponse)
def pki_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    ensure_ca(settings.data_dir)
    certificates = [
        c for c in list_certificates(settings.data_dir) if c.kind in ("root", "issuing", "tsa")
    ]
    return render(request, "pki.html", certificates=certificates)


def _cert_response(path_pair: tuple[object, object]) -> Response:
    cert = load_cert(path_pair[1])  # type: ignore[arg-type]
    return Response(
        cert.public_bytes(serialization.Encoding.DER),
        media_type="application/pkix-cert",
        headers={"Cache-Control": CERT_CACHE},
    )


@router.get("/pki/root.crt")
def root_certificate(settings: SettingsDep) -> Response:
    ensure_ca(settings.data_dir)
    return _cert_response(root_ca_paths(settings.data_dir))


@router.get("/pki/issuing-ca.crt")
def issuing_certificate(settings: SettingsDep) -> Response:
    ensure_ca(settings.data_dir)
    return _cert_response(issuing_ca_paths(settings.data_dir))


@router.get("/pki/tsa.crt")
def tsa_certificate(settings: SettingsDep) -> Response:
    ensure_ca(settings.data_dir)
    return _cert_response(tsa_paths(settings.data_dir))


def _crl_response(db: Db, settings: SettingsDep, issuer: Literal["root", "issuing"]) -> Response:
    return Response(
        crl_from_db(db, settings.data_dir, issuer),
        media_type="application/pkix-crl",
        headers={"Cache-Control": CRL_CACHE},
    )


@router.get("/pki/root.crl")
def root_crl(db: Db, settings: SettingsDep) -> Response:
    return _crl_response(db, settings, "root")


@router.get("/pki/issuing-ca.crl")
def issuing_crl(db: Db, settings: SettingsDep) -> Response:
    return _crl_response(db, settings, "issuing")


@router.post("/pki/tsa")
async def timestamp(request: Request, settings: SettingsDep) -> Response:
    """RFC 3161 §3.4: a DER request in, a DER response out; a bad request gets a rejection."""
    decision = _tsa_limiter(request).hit(
        address_key(request.client.host) if request.client else "unknown"
    )
    if not decision.allowed:
        return JSONResponse(
            rate_limited_body(decision.retry_after),
            status_code=429,
            headers={"Retry-After": str(decision.retry_after)},
        )
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/timestamp-query":
        raise UnsupportedTimestampRequestError()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REQUEST_BYTES:
            raise TimestampRequestTooLargeError()
    timestamper = await run_sync(get_bundled_timestamper, settings.data_dir)
    reply = await run_sync(respond_to_request, timestamper, bytes(body))
    return Response(
        reply, media_type="application/timestamp-reply", headers={"Cache-Control": "no-store"}
    )


# The bundled TSA signs for anyone who asks (about 2 ms of CPU each): per client address, a
# burst of 30 and 60 a minute, per worker process. The portal's own workers stamp in process.
TSA_RATE_PER_MINUTE = 60.0
TSA_BURST = 30


def _tsa_limiter(request: Request) -> TokenBucketLimiter:
    limiter = getattr(request.app.state, "tsa_limiter", None)
    if limiter is None:
        limiter = TokenBucketLimiter(rate_per_minute=TSA_RATE_PER_MINUTE, burst=TSA_BURST)
        request.app.state.tsa_limiter = limiter
    return limiter
