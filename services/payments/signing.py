"""Signed bank callbacks: RFC 9421 HTTP Message Signatures (Ed25519), as the exchange signs.

The keys, key ids (RFC 7638 thumbprints), freshness window and `alg` policy are the
exchange's (`services.exchange.signing`); what differs is the tag (`payment-callback`, so a
signature made for one protocol is never accepted by the other) and the components: method,
authority, path, the RFC 9530 `Content-Digest` of the body, its content type and the bank's
transaction id in `X-Request-Id`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import (
    HTTPMessageSigner,
    MappingKeyResolver,
    algorithms,
)

from services.exchange.signing import verify_message

LABEL = "bank"
TAG = "payment-callback"
COMPONENTS = ("@method", "@authority", "@path", "content-digest", "content-type", "x-request-id")


def sign_callback(
    request: Any,
    *,
    key: Ed25519PrivateKey,
    key_id: str,
    body: bytes,
    created: datetime.datetime | None = None,
) -> None:
    """Adds `Content-Digest`, `Signature-Input` and `Signature` to an httpx.Request."""
    resolver = MappingKeyResolver(public_keys={}, private_keys={key_id: key})
    HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=resolver).sign(
        request,
        key_id=key_id,
        created=created or datetime.datetime.now(datetime.UTC),
        label=LABEL,
        tag=TAG,
        covered_component_ids=COMPONENTS,
        body=body,
    )


def verify_callback(request: Any, *, keys: Mapping[str, Ed25519PublicKey], body: bytes) -> str:
    """Checks a callback against the bank keys the portal trusts; returns the keyid.

    Raises SignatureError: unsigned, unknown key, not Ed25519, a component not covered, older
    than 60 s or more than 5 s ahead, or a body that does not match its digest.
    """
    parameters = verify_message(request, keys=keys, tag=TAG, components=COMPONENTS, body=body)
    return str(parameters["keyid"])
