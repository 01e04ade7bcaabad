"""DOPA's reference registry: a separate ASGI app that answers the exchange's dataset queries.

It stands in for the real civil register in the demo and the tests, and it is as strict as the
real one should be: a request outside the contract is refused, never trimmed, because the
portal must learn that it asked for too much. It keeps what it was asked in `app.state.received`.
docs/agencies/dopa.md shows how to run it alone with uvicorn.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from identity.citizen_ids import is_valid_citizen_id
from services.dopa.contract import DATASETS
from services.dopa.people import Person, person_to_record

REQUIRED_HEADERS = ("X-Request-Id", "X-Caller", "X-Purpose")
"""Without these the registry cannot say who asked what and why, so it refuses to answer."""


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


@dataclass(frozen=True)
class _Query:
    subject: str
    fields: tuple[str, ...]


class _Refusal(Exception):
    """An answer other than 200, raised while reading the query."""

    def __init__(self, status_code: int, **content: Any) -> None:
        super().__init__(content.get("error", ""))
        self.status_code = status_code
        self.content = content


def create_registry_app(*, people: Sequence[Person], api_key: str) -> FastAPI:
    """The registry app holding `people`, answering callers that present `api_key`.

    Raises ValueError for an empty key or two people with one citizen ID, as a real register
    would never hold them.
    """
    if not api_key:
        raise ValueError("the registry needs an API key")
    by_id: dict[str, Person] = {}
    for person in people:
        if person.national_id in by_id:
            raise ValueError(f"duplicate citizen ID {person.national_id}")
        by_id[person.national_id] = person
    contracts = {d.name: d for d in DATASETS}

    app = FastAPI(
        title="DOPA reference registry",
        description="Synthetic civil register for the citizen service portal.",
        docs_url=None,
        redoc_url=None,
    )
    received: list[ReceivedQuery] = []
    app.state.received = received

    @app.get("/healthz")
    def healthz() -> dict[str, object]:
        return {"status": "ok", "agency": "dopa", "people": len(by_id)}

    @app.post("/v1/datasets/{dataset}/query")
    async def query(dataset: str, request: Request) -> JSONResponse:
        headers = request.headers
        request_id = headers.get("X-Request-Id", "").strip()
        echo = {"X-Request-Id": request_id} if request_id else {}
        if not _is_authorised(headers.get("Authorization", ""), api_key):
            return JSONResponse(
                {"error": "unauthorized"},
                status_code=401,
                headers={**echo, "WWW-Authenticate": "Bearer"},
            )
        for name in REQUIRED_HEADERS:
            if not headers.get(name, "").strip():
                return JSONResponse(
                    {"error": "missing_header", "header": name}, status_code=400, headers=echo
                )

        asked = _Query(subject="", fields=())
        try:
            contract = contracts.get(dataset)
            if contract is None:
                raise _Refusal(404, error="unknown_dataset")
            asked = _read_query(await request.body())
            if not is_valid_citizen_id(asked.subject):
                raise _Refusal(400, error="invalid_subject")
            unknown = [f for f in asked.fields if f not in contract.field_names]
            if unknown or not asked.fields:
                raise _Refusal(400, error="unknown_fields", fields=unknown)
            person = by_id.get(asked.subject)
            if person is None:
                raise _Refusal(404, error="not_found")
            record = person_to_record(person)
            status_code = 200
            content: dict[str, Any] = {
                "dataset": contract.name,
                "subject": person.national_id,
                "fields": {name: record[name] for name in asked.fields},
                "source": "dopa",
                "as_of": datetime.now(UTC).isoformat(timespec="seconds"),
            }
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
                fields=asked.fields,
                status_code=status_code,
            )
        )
        return JSONResponse(content, status_code=status_code, headers=echo)

    return app


def _is_authorised(authorization: str, api_key: str) -> bool:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":  # the scheme is case-insensitive (RFC 9110, section 11.1)
        return False
    # Bytes, because compare_digest refuses non-ASCII str; constant time against key guessing.
    return hmac.compare_digest(token.strip().encode(), api_key.encode())


def _read_query(body: bytes) -> _Query:
    """The subject and fields of a query body; a wrong shape is malformed input (422)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise _Refusal(422, error="malformed_body", detail="body is not JSON") from None
    if not isinstance(data, dict):
        raise _Refusal(422, error="malformed_body", detail="body is not a JSON object")
    subject, fields = data.get("subject"), data.get("fields")
    if not isinstance(subject, str):
        raise _Refusal(422, error="malformed_body", detail="subject must be a string")
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise _Refusal(422, error="malformed_body", detail="fields must be a list of strings")
    return _Query(subject=subject, fields=tuple(dict.fromkeys(fields)))
