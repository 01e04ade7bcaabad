"""The bank's callback: verify, record, settle once, issue the receipt; all in one transaction.

`settle_callback` is what the API route calls after the signature verified
(services.payments.signing). For one verified callback it:

1. answers a replay (same provider and transaction id, same body) with the stored answer,
   and refuses the same transaction id with another body (409 `txn_reused`);
2. finds the payment by reference 1 + reference 2 (404 `unknown_reference`), checks the
   amount (409 `amount_mismatch`) and that it is still pending (409 `already_settled`: the
   citizen paid twice; the bank must refund);
3. records the callback (unique `(provider, txn_id)`), marks the payment paid with a
   conditional UPDATE (`status = 'pending'`), issues the signed receipt, posts it to the
   mailbox and writes the audit event.

Every outcome is recorded in `payment_callback` and audited. Two concurrent callbacks with one
transaction id: the second's INSERT waits for the first (PostgreSQL unique index; SQLite's
single writer) and fails; the transaction is rolled back (the receipt PDF with it) and the
call is retried, which then finds the first's row and replays its answer. Two transactions
paying one bill: the conditional UPDATE lets one win; the other is retried and answers
`already_settled`.

**Why the receipt is issued here, not by the worker:** the bank's 200 then means "paid and
receipted", the citizen sees the receipt as soon as the page polls, and no new job kind is
needed. The cost is a render and seal (about 60 ms) inside the transaction, once per payment.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal.db import utcnow
from portal.errors import BadRequestError
from services.audit.service import record_event
from services.payments.models import Payment, PaymentCallback
from services.payments.receipts import issue_receipt

log = logging.getLogger(__name__)

_TXN_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_ATTEMPTS = 3


class _Conflict(Exception):
    """Another transaction settled the payment first: roll back and answer again."""


@dataclass(frozen=True)
class CallbackAnswer:
    status_code: int
    body: dict[str, Any]


@dataclass(frozen=True)
class ReceiptSettings:
    """What issuing a receipt needs from the settings."""

    data_dir: Path
    base_url: str


def settle_callback(
    engine: Engine, *, provider: str, key_id: str, body: bytes, receipts: ReceiptSettings
) -> CallbackAnswer:
    """Handles one verified callback in its own transaction, retried on a lost race."""
    for attempt in range(_ATTEMPTS):
        with Session(engine, expire_on_commit=False) as db:
            try:
                answer = handle_callback(
                    db, provider=provider, key_id=key_id, body=body, receipts=receipts
                )
                db.commit()
                return answer
            except (IntegrityError, _Conflict) as exc:
                db.rollback()
                log.info("payment callback raced (attempt %d): %s", attempt + 1, exc)
    raise RuntimeError("payment callback kept racing")  # pragma: no cover


def handle_callback(
    db: Session, *, provider: str, key_id: str, body: bytes, receipts: ReceiptSettings
) -> CallbackAnswer:
    """See the module doc. Flushes; the caller commits (or rolls back on IntegrityError)."""
    data = _parse(body)
    txn_id = data["txn_id"]
    digest = hashlib.sha256(body).hexdigest()
    earlier = db.exec(
        select(PaymentCallback).where(
            PaymentCallback.provider == provider, PaymentCallback.txn_id == txn_id
        )
    ).first()
    if earlier is not None:
        if earlier.body_sha256 != digest:
            return CallbackAnswer(
                409,
                {
                    "txn_id": txn_id,
                    "outcome": "txn_reused",
                    "detail": "this transaction id was used with another body",
                },
            )
        return _answer(earlier, replay=True)

    ref1, ref2, raw_amount = data["ref1"], data["ref2"], data["amount"]
    callback = PaymentCallback(
        provider=provider,
        txn_id=txn_id,
        body_sha256=digest,
        key_id=key_id[:128],
        raw_ref1=ref1[:64],
        raw_ref2=ref2[:64],
        raw_amount=raw_amount[:32],
        outcome="",
        http_status=0,
    )
    payment = db.exec(select(Payment).where(Payment.ref1 == ref1, Payment.ref2 == ref2)).first()
    amount_satang = _satang(raw_amount)
    if payment is None:
        _refuse(callback, 404, "unknown_reference", "no payment has these references")
    elif amount_satang != payment.amount_satang:
        _refuse(
            callback,
            409,
            "amount_mismatch",
            f"amount {raw_amount} does not match the fee {payment.amount_baht_text}",
        )
    elif payment.status != "pending":
        _refuse(callback, 409, "already_settled", f"the payment is already {payment.status}")
    else:
        callback.outcome, callback.http_status, callback.detail = "paid", 200, ""
    callback.payment_id = payment.id if payment else None
    db.add(callback)
    db.flush()  # a concurrent duplicate of this transaction id fails here (IntegrityError)

    if callback.outcome == "paid":
        assert payment is not None
        _mark_paid(db, payment, provider=provider, txn_id=txn_id, payer=data["payer_name"])
        receipt = issue_receipt(
            db,
            payment=payment,
            txn_id=txn_id,
            data_dir=receipts.data_dir,
            base_url=receipts.base_url,
        )
        callback.detail = f"receipt {receipt.number}"
        db.add(callback)
        db.flush()
    record_event(
        db,
        actor=f"provider:{provider}",
        action="payment.paid" if callback.outcome == "paid" else "payment.callback_refused",
        object_type="payment",
        object_id=payment.id if payment else f"{ref1}/{ref2}"[:64],  # type: ignore[arg-type]
        details={"txn_id": txn_id, "outcome": callback.outcome, "detail": callback.detail},
    )
    return _answer(callback, replay=False)


def _mark_paid(db: Session, payment: Payment, *, provider: str, txn_id: str, payer: str) -> None:
    result = db.exec(  # type: ignore[call-overload]
        update(Payment)
        .where(Payment.id == payment.id, Payment.status == "pending")  # type: ignore[arg-type]
        .values(
            status="paid",
            paid_at=utcnow(),
            provider=provider,
            provider_txn_id=txn_id,
            payer_display=mask_payer(payer),
        )
    )
    if result.rowcount != 1:
        raise _Conflict(f"payment {payment.id} was settled by another transaction")
    db.refresh(payment)


def mask_payer(name: str) -> str:
    """ "Somchai Jaidee" -> "S*** J***": the receipt shows who paid without naming them."""
    words = [w for w in " ".join(name.split()).split(" ") if w][:4]
    return " ".join(f"{w[0]}***" for w in words)[:200]


def _refuse(callback: PaymentCallback, status: int, outcome: str, detail: str) -> None:
    callback.http_status, callback.outcome, callback.detail = status, outcome, detail[:300]


def _answer(callback: PaymentCallback, *, replay: bool) -> CallbackAnswer:
    return CallbackAnswer(
        callback.http_status,
        {
            "txn_id": callback.txn_id,
            "outcome": callback.outcome,
            "detail": callback.detail,
            "replay": replay,
        },
    )


def _parse(body: bytes) -> dict[str, str]:
    """The callback's fields, as strings; 400 (not recorded: no transaction to key it by)."""
    try:
        data = json.loads(body)
    except ValueError:
        raise BadRequestError("callback body is not JSON", "ข้อมูลที่ธนาคารส่งมาไม่ใช่ JSON") from None
    if not isinstance(data, dict):
        raise BadRequestError("callback body must be an object", "ข้อมูลต้องเป็นออบเจ็กต์")
    fields = {}
    for name in ("txn_id", "ref1", "ref2", "amount"):
        value = data.get(name)
        if not isinstance(value, str) or not value or len(value) > 64:
            raise BadRequestError(
                f"callback field {name} is missing or not a short string",
                f"ข้อมูล {name} ไม่ครบหรือไม่ถูกต้อง",
            )
        fields[name] = value
    if not _TXN_ID.fullmatch(fields["txn_id"]):
        raise BadRequestError("txn_id has characters outside [A-Za-z0-9._:-]", "txn_id ไม่ถูกต้อง")
    payer = data.get("payer_name")
    fields["payer_name"] = payer if isinstance(payer, str) else ""
    return fields


def _satang(amount: str) -> int | None:
    """ "100.00" -> 10000; None for anything that is not a positive amount with ≤ 2 decimals."""
    if not re.fullmatch(r"[0-9]{1,11}(\.[0-9]{1,2})?", amount):
        return None
    try:
        return int(Decimal(amount) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern rules it out
        return None
