"""The simulated bank: pays a PromptPay bill and tells the portal, signed, over HTTP.

Its own ASGI app and server (`portal demo` runs it beside the registries; tests use the
`simulated_bank` fixture), so the portal meets it exactly as it would meet a real acquirer:

- `POST /pay` `{"payload": "...", "txn_id"?: "...", "payer_name"?: "..."}` decodes the
  payload (the CRC first: a bad one is refused, 400), takes the biller ID, references and
  amount from it, and calls the portal's callback (`POST {portal}/api/v1/payments/callback`)
  signed with its Ed25519 key (services.payments.signing). It answers what the portal said.
  A given `txn_id` is reused as is, so a test can replay a transaction.
- `GET /` is a page a tester opens on a phone: paste (or scan into) the payload, press Pay.
- `GET /transactions` lists every transaction for reconciliation.

The key is generated on first run under `<data_dir>/payments/bank-ed25519.pem`; its public half
goes where the portal reads it (`PORTAL_PAYMENT_BANK_PUBLIC_KEY`).
"""

from __future__ import annotations

import html
import json
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse

from services.exchange.signing import key_id_for, load_or_create_private_key, write_public_key
from services.payments.promptpay import PromptPayError, decode
from services.payments.signing import sign_callback

CALLBACK_PATH = "/api/v1/payments/callback"
_TXN_ID_MAX = 64


def bank_key(data_dir: Path, *, publish_to: Path | None = None) -> Ed25519PrivateKey:
    """The bank's signing key (created on first run); its public half written to `publish_to`."""
    key = load_or_create_private_key(Path(data_dir) / "payments" / "bank-ed25519.pem")
    if publish_to is not None:
        write_public_key(key.public_key(), publish_to)
    return key


def create_bank_app(
    *, signing_key: Ed25519PrivateKey, portal_url: str, timeout: float = 10.0
) -> FastAPI:
    """The bank's app; `app.state.portal_url` may be changed (tests point it at their portal)."""
    app = FastAPI(title="Simulated bank (PromptPay)", docs_url=None, redoc_url=None)
    app.state.portal_url = portal_url.rstrip("/")
    app.state.transactions = {}
    key_id = key_id_for(signing_key.public_key())
    app.state.key_id = key_id

    async def pay(payload: str, txn_id: str | None, payer_name: str) -> tuple[int, dict[str, Any]]:
        try:
            parsed = decode(payload.strip())
        except PromptPayError as exc:
            return 400, {"error": "bad_payload", "detail": str(exc)}
        if parsed.bill_payment is None or parsed.amount is None or parsed.ref1 is None:
            return 400, {"error": "not_a_bill", "detail": "no bill payment with an amount"}
        if parsed.currency != "764":
            return 400, {"error": "currency", "detail": "only baht (764)"}
        txn_id = txn_id or f"SIM{secrets.token_hex(8).upper()}"
        if len(txn_id) > _TXN_ID_MAX:
            return 400, {"error": "txn_id", "detail": "at most 64 characters"}
        record = {
            "txn_id": txn_id,
            "biller_id": parsed.biller_id,
            "ref1": parsed.ref1,
            "ref2": parsed.ref2 or "",
            "amount": parsed.fields["54"],
            "currency": parsed.currency,
            "paid_at": datetime.now(UTC).isoformat(),
            "payer_name": payer_name[:100],
        }
        body = json.dumps(record, ensure_ascii=False).encode()
        request = httpx.Request(
            "POST",
            app.state.portal_url + CALLBACK_PATH,
            content=body,
            headers={"Content-Type": "application/json", "X-Request-Id": txn_id},
        )
        sign_callback(request, key=signing_key, key_id=key_id, body=body)
        try:
            async with httpx.AsyncClient(timeout=timeout) as client:
                response = await client.send(request)
        except httpx.HTTPError as exc:
            app.state.transactions[txn_id] = {**record, "callback_status": None}
            return 502, {"error": "portal_unreachable", "detail": str(exc), "txn_id": txn_id}
        try:
            answer = response.json()
        except ValueError:
            answer = {"raw": response.text[:500]}
        app.state.transactions[txn_id] = {**record, "callback_status": response.status_code}
        return 200, {"txn_id": txn_id, "callback_status": response.status_code, "portal": answer}

    @app.post("/pay")
    async def pay_json(request: Request) -> JSONResponse:
        try:
            data = json.loads(await request.body())
            payload = str(data["payload"])
            txn_id = data.get("txn_id")
            payer_name = str(data.get("payer_name") or "Simulated Payer")
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "bad_request", "detail": 'send {"payload": "..."}'}, 400)
        status, answer = await pay(payload, str(txn_id) if txn_id else None, payer_name)
        return JSONResponse(answer, status)

    @app.get("/", response_class=HTMLResponse)
    def page() -> HTMLResponse:
        return HTMLResponse(_page())

    @app.post("/pay-form", response_class=HTMLResponse)
    async def pay_form(payload: Annotated[str, Form(max_length=2000)] = "") -> HTMLResponse:
        status, answer = await pay(payload, None, "Simulated Payer")
        return HTMLResponse(_page(payload=payload, status=status, answer=answer), status)

    @app.get("/transactions")
    def transactions() -> dict[str, Any]:
        return {"transactions": list(app.state.transactions.values())}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "key_id": key_id}

    return app


def _page(*, payload: str = "", status: int | None = None, answer: Any = None) -> str:
    result = ""
    if status is not None:
        ok = status == 200 and answer.get("callback_status") == 200
        heading = "ชำระเงินสำเร็จ / Paid" if ok else "ไม่สำเร็จ / Not paid"
        result = (
            f'<section role="status"><h2>{heading}</h2>'
            f"<pre>{html.escape(json.dumps(answer, ensure_ascii=False, indent=2))}</pre></section>"
        )
    return f"""<!doctype html>
<html lang="th"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ธนาคารจำลอง / Simulated bank</title>
<style>body{{font:18px/1.5 sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;color:#111}}
textarea{{width:100%;min-height:8rem;font:16px monospace}}
button{{min-height:48px;min-width:8rem;font-size:18px;background:#0b5394;color:#fff;border:0}}
button:focus,textarea:focus{{outline:3px solid #f1c232}}</style></head>
<body><h1>ธนาคารจำลอง (พร้อมเพย์)<br><span lang="en">Simulated bank (PromptPay)</span></h1>
<p>วางหรือสแกนข้อมูล QR แล้วกดชำระเงิน<br><span lang="en">Paste or scan the QR payload, then
press Pay.</span></p>
<form method="post" action="/pay-form">
<label for="payload">ข้อมูล QR / QR payload</label>
<textarea id="payload" name="payload" required>{html.escape(payload)}</textarea>
<p><button type="submit">ชำระเงิน / Pay</button></p></form>{result}</body></html>"""
