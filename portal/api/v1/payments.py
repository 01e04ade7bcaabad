"""Payments over the API: the bank's signed callback (public, signature required) and a
citizen's payment status (bearer token)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from portal.api.v1.responses import CITIZEN_ERRORS, error_responses
from portal.deps import ApiCitizen, Db, RowId, SettingsDep
from portal.metrics import counter
from services.exchange.signing import SignatureError
from services.payments.callback import ReceiptSettings, settle_callback
from services.payments.errors import CallbackSignatureError
from services.payments.provider import get_provider
from services.payments.service import get_citizen_payment
from services.payments.signing import verify_callback

log = logging.getLogger(__name__)

public = APIRouter(
    prefix="/api/v1", tags=["public"], responses=error_responses(400, 401, 404, 409, 422, 503)
)
router = APIRouter(prefix="/api/v1", tags=["citizen"], responses=error_responses(*CITIZEN_ERRORS))


@public.post("/payments/callback")
async def payment_callback(request: Request, settings: SettingsDep) -> JSONResponse:
    """The provider says a bill was paid. Public, but only a signature it trusts is heard:
    401 before anything is read or recorded (an unsigned request must not claim a txn id)."""
    body = await request.body()
    provider = get_provider(settings)
    try:
        key_id = verify_callback(request, keys=provider.callback_keys(), body=body)
    except SignatureError as exc:
        log.warning("payment callback refused: %s", exc)
        raise CallbackSignatureError() from exc
    # In a thread even with inline handlers: settling renders and seals a receipt (tens of
    # milliseconds, and a round trip to the TSA when PORTAL_TSA_URL names one).
    answer = await run_in_threadpool(
        settle_callback,
        request.app.state.engine,
        provider=provider.name,
        key_id=key_id,
        body=body,
        receipts=ReceiptSettings(data_dir=settings.data_dir, base_url=settings.base_url),
    )
    if answer.body.get("outcome") == "paid" and not answer.body.get("replay"):
        counter("payments_confirmed").inc()  # committed by settle_callback
    return JSONResponse(answer.body, answer.status_code)


@router.get("/payments/{payment_id}")
def payment(payment_id: RowId, db: Db, citizen: ApiCitizen) -> dict[str, object]:
    from portal.web.payments import payment_status_body

    found = get_citizen_payment(db, citizen_id=citizen.id, payment_id=payment_id)  # type: ignore[arg-type]
    return payment_status_body(db, found)
