"""The reference registry every agency module serves: one ASGI app per agency.

A registry stands in for an agency's real system in the demo and the tests, and it is as strict
as the real one should be: a request outside the contract is refused, never trimmed, because the
portal must learn that it asked for too much. An agency module supplies its dataset contracts and
a lookup per dataset (subject -> full record, or None); this module supplies the HTTP interface
described in `services.exchange.datasets.DatasetContract`. It keeps what it was asked in
`app.state.received`.

Signatures (`services.exchange.signing`): with `portal_public_keys` the registry answers only
requests signed by one of those keys (401 `bad_signature` otherwise, before any lookup, and
not recorded). Without them it checks no request signature: a registry for unit tests of its
own datasets only; the portal's wiring (`portal.servers.registry_specs`) always passes them.
Every answer to a query or match, refusals included, is signed with `signing_key` (or a key
generated for this app when none is given: then nobody can verify it, and the portal will not
trust it). `app.state.public_key` and `app.state.key_id` say which key that is.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.exchange.datasets import DatasetContract, is_valid_subject
from services.exchange.signing import (
    ResponseView,
    SignatureError,
    key_id_for,
    sign_response,
    verify_request,
)

logger = logging.getLogger(__name__)

REQUIRED_HEADERS = ("X-Request-Id", "X-Caller", "X-Purpose")
"""Without these the registry cannot say who asked what and why, so it refuses to answer."""

Lookup = Callable[[str], Mapping[str, Any] | None]
"""Subject -> every field of that subject's record in one dataset (JSON-ready), or None."""


@dataclass(frozen=True)
class RegistryDataset:
    """A dataset contract with the data behind it."""

    contract: DatasetContract
    lookup: Lookup
    size: int = 0  # records held, for /healthz


@dataclass(frozen=True)
class ReceivedQuery:
    """One authorised query as the registry received it, for tests to check what was asked."""

    request_id: str
    caller: str
    purpose: str
    petition_id: str
    consent_ref: str
    dataset: str
    subject: str
    fields: tuple[str, ...]
    status_code: int
    kind: str = "query"  # or "match"
    acting_user: str = ""  # who filed the petition: "citizen:<id>" or "officer:<id>"
    correlation_id: str = ""  # the portal request or worker job behind it (X-Correlation-ID)


@dataclass(frozen=True)
class _Query:
    subject: str
    fields: tuple[str, ...]
    match: dict[str, str]


class _Refusal(Exception):
    """An answer other than 200, raised while reading the query."""

    def __init__(self, status_code: int, **content: Any) -> None:
        super().__init__(content.get("error", ""))
        self.status_code = status_code
        self.content = content


def create_registry_app(
    *,
    agency: str,
    title: str,
    datasets: Sequence[RegistryDataset],
    api_key: str,
    portal_public_keys: Mapping[str, Ed25519PublicKey] | None = None,
    signing_key: Ed25519PrivateKey | None = None,
    key_id: str | None = None,
) -> FastAPI:
    """The registry app of `agency`, answering callers that present `api_key`.

    `portal_public_keys` (keyid -> key): the callers whose signed requests it answers; None
    checks no request signature. `signing_key`/`key_id` sign its answers (`key_id` defaults
    to the key's JWK thumbprint). Raises ValueError for an empty key, an empty set of portal
    keys, or two datasets of one name.
    """
    if not api_key:
        raise ValueError("the registry needs an API key")
    if portal_public_keys is not None and not portal_public_keys:
        raise ValueError("no portal key: the registry would refuse every request")
    if portal_public_keys is None:
        logger.warning("%s registry accepts unsigned requests: for tests only", agency)
    response_key = signing_key or Ed25519PrivateKey.generate()
    response_key_id = key_id or key_id_for(response_key.public_key())
    by_name: dict[str, RegistryDataset] = {}
    for item in datasets:
        if item.contract.agency != agency or item.contract.name in by_name:
            raise ValueError(f"dataset {item.contract.qualified_name} does not fit {agency}")
        by_name[item.contract.name] = item

    app = FastAPI(
        title=title,
        description="Synthetic reference registry for the citizen service portal.",
        docs_url=None,
        redoc_url=None,
    )
    received: list[ReceivedQuery] = []
    app.state.received = received
    app.state.public_key = response_key.public_key()
    app.state.key_id = response_key_id

    def signed(
        request: Request,
        content: dict[str, Any],
        status_code: int,
        headers: dict[str, str],
        *,
        verified: bool = False,
    ) -> JSONResponse:
        response = JSONResponse(content, status_code=status_code, headers=headers)
        sign_response(
            ResponseView(response.status_code, response.headers, request),
            key=response_key,
            key_id=response_key_id,
            body=bytes(response.body),
            # Only a verified request's signature is worth binding the answer to.
            bind_request=verified,
        )
        return response

    @app.get("/healthz")
    def healthz() -> dict[str, object]:
        return {
            "status": "ok",
            "agency": agency,
            "datasets": {name: item.size for name, item in by_name.items()},
        }

    async def answer(dataset: str, request: Request, kind: str) -> JSONResponse:
        headers = request.headers
        request_id = headers.get("X-Request-Id", "").strip()
        # Always sent, empty when the caller gave none: the answer's signature covers it.
        echo = {"X-Request-Id": request_id}
        if not _is_authorised(headers.get("Authorization", ""), api_key):
            return signed(
                request,
                {"error": "unauthorized"},
                401,
                {**echo, "WWW-Authenticate": "Bearer"},
            )
        for name in REQUIRED_HEADERS:
            if not headers.get(name, "").strip():
                return signed(request, {"error": "missing_header", "header": name}, 400, echo)
        verified = False
        if portal_public_keys is not None:
            try:
                verify_request(request, keys=portal_public_keys, body=await request.body())
            except SignatureError as exc:
                logger.warning("%s registry refused request %s: %s", agency, request_id, exc)
                return signed(request, {"error": "bad_signature"}, 401, echo)
            verified = True

        asked = _Query(subject="", fields=(), match={})
        try:
            item = by_name.get(dataset)
            if item is None:
                raise _Refusal(404, error="unknown_dataset")
            contract = item.contract
            asked = _read_query(await request.body(), kind)
            if not is_valid_subject(contract.subject_kind, asked.subject):
                raise _Refusal(400, error="invalid_subject")
            names = asked.fields if kind == "query" else tuple(asked.match)
            unknown = [f for f in names if f not in contract.field_names]
            if unknown or not names:
                raise _Refusal(400, error="unknown_fields", fields=unknown)
            record = item.lookup(asked.subject)
            status_code = 200
            content: dict[str, Any] = {"dataset": contract.name, "subject": asked.subject}
            if kind == "match":
                # No record and a record that differs answer alike: a match check must not
                # tell the caller whether a record exists.
                content["match"] = record is not None and all(
                    str(record.get(k)) == v for k, v in asked.match.items()
                )
            elif record is None:
                raise _Refusal(404, error="not_found")
            else:
                content["fields"] = {name: record[name] for name in asked.fields}
            content["source"] = agency
            content["as_of"] = datetime.now(UTC).isoformat(timespec="seconds")
        except _Refusal as refusal:
            status_code, content = refusal.status_code, refusal.content

        received.append(
            ReceivedQuery(
                request_id=request_id,
                caller=headers.get("X-Caller", ""),
                purpose=headers.get("X-Purpose", ""),
                petition_id=headers.get("X-Petition-Id", ""),
                consent_ref=headers.get("X-Consent-Ref", ""),
                dataset=dataset,
                subject=asked.subject,
                fields=asked.fields or tuple(asked.match),
                status_code=status_code,
                kind=kind,
                acting_user=headers.get("X-Acting-User", ""),
                correlation_id=headers.get("X-Correlation-ID", ""),
            )
        )
        logger.info(
            "%s registry answered %s %s: %s",
            agency,
            kind,
            dataset,
            status_code,
            extra={
                "registry_request_id": request_id,
                "correlation_id": headers.get("X-Correlation-ID", ""),
                "petition_id": headers.get("X-Petition-Id", ""),
            },
        )
        return signed(request, content, status_code, echo, verified=verified)

    @app.post("/v1/datasets/{dataset}/query")
    async def query(dataset: str, request: Request) -> JSONResponse:
        return await answer(dataset, request, "query")

    @app.post("/v1/datasets/{dataset}/match")
    async def match(dataset: str, request: Request) -> JSONResponse:
        return await answer(dataset, request, "match")

    return app


def _is_authorised(authorization: str, api_key: str) -> bool:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":  # the scheme is case-insensitive (RFC 9110, section 11.1)
        return False
    # Bytes, because compare_digest refuses non-ASCII str; constant time against key guessing.
    return hmac.compare_digest(token.strip().encode(), api_key.encode())


def _read_query(body: bytes, kind: str) -> _Query:
    """The subject and fields (or match values) of a body; a wrong shape is malformed (422)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise _Refusal(422, error="malformed_body", detail="body is not JSON") from None
    if not isinstance(data, dict):
        raise _Refusal(422, error="malformed_body", detail="body is not a JSON object")
    subject = data.get("subject")
    if not isinstance(subject, str):
        raise _Refusal(422, error="malformed_body", detail="subject must be a string")
    if kind == "match":
        match = data.get("match")
        if not isinstance(match, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in match.items()
        ):
            raise _Refusal(422, error="malformed_body", detail="match must map names to strings")
        return _Query(subject=subject, fields=(), match=match)
    fields = data.get("fields")
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise _Refusal(422, error="malformed_body", detail="fields must be a list of strings")
    return _Query(subject=subject, fields=tuple(dict.fromkeys(fields)), match={})
