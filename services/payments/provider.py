"""The payment-provider interface the portal talks to, chosen by `PORTAL_PAYMENT_PROVIDER`.

The portal makes the QR itself (services.payments.promptpay); a provider confirms payments by
a signed callback (services.payments.callback) and answers what it holds for reconciliation.
`simulated` is the bundled bank (services.payments.bank_sim), reached over HTTP like a real one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from portal.settings import Settings
from services.exchange.signing import key_id_for, load_public_key


@dataclass(frozen=True)
class ProviderTransaction:
    """One transaction as the provider records it."""

    txn_id: str
    biller_id: str
    ref1: str
    ref2: str
    amount: str  # "100.00", as tag 54 and the callback write it
    callback_status: int | None  # what the portal answered, None if it was never reached


class PaymentProvider(Protocol):
    name: str

    def callback_keys(self) -> Mapping[str, Ed25519PublicKey]:
        """keyid -> public key the provider signs callbacks with (empty: none trusted yet)."""
        ...

    def list_transactions(self) -> list[ProviderTransaction]:
        """Every transaction the provider holds for the portal's billers (reconciliation)."""
        ...


class SimulatedBankProvider:
    """The bundled simulated bank: its public key from a PEM file, its records over HTTP."""

    name = "simulated"

    def __init__(self, *, base_url: str, public_key_path: Path, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.public_key_path = public_key_path
        self.timeout = timeout

    def callback_keys(self) -> Mapping[str, Ed25519PublicKey]:
        # Read each time: the bank writes its key on first run, perhaps after the portal
        # started; a missing file trusts nothing.
        try:
            key = load_public_key(self.public_key_path)
        except (OSError, ValueError):
            return {}
        return {key_id_for(key): key}

    def list_transactions(self) -> list[ProviderTransaction]:
        response = httpx.get(f"{self.base_url}/transactions", timeout=self.timeout)
        response.raise_for_status()
        return [
            ProviderTransaction(
                txn_id=t["txn_id"],
                biller_id=t["biller_id"],
                ref1=t["ref1"],
                ref2=t["ref2"],
                amount=t["amount"],
                callback_status=t.get("callback_status"),
            )
            for t in response.json()["transactions"]
        ]


def get_provider(settings: Settings) -> PaymentProvider:
    """The provider the settings name."""
    if settings.payment_provider == "simulated":
        assert settings.payment_bank_public_key is not None
        return SimulatedBankProvider(
            base_url=settings.payment_bank_url, public_key_path=settings.payment_bank_public_key
        )
    raise ValueError(f"unknown payment provider {settings.payment_provider!r}")
