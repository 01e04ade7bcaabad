"""Fetching evidence from agency registries: the portal's information mediator.

Each call names the caller, the purpose, the petition and the consent; asks only for fields in
the dataset contract; is written to the message log (digests of request and answer) and, when
it returns a person's data, to that person's access log. The answer must hold exactly the
fields asked for.

Every request is signed by the portal and every answer verified against the agency's key
before it is read (`services.exchange.signing`); a circuit breaker per agency
(`services.exchange.circuit`) stops calling a registry that keeps failing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlmodel import Session

from portal.metrics import EVIDENCE_FETCH_ERRORS
from portal.observability import CORRELATION_HEADER, current_request_id
from services.exchange.circuit import CircuitBreakers
from services.exchange.datasets import DatasetContract
from services.exchange.errors import (
    ContractViolationError,
    RegistryUnavailableError,
    ResponseSignatureError,
    SubjectNotFoundError,
)
from services.exchange.models import DataAccess, ExchangeMessage
from services.exchange.signing import SignatureError, sign_request, verify_response

logger = logging.getLogger(__name__)

MAX_RETRY_PAUSE_SECONDS = 0.2


@dataclass(frozen=True)
class EvidenceRequest:
    """Who is asked what, about whom, and why."""

    dataset: DatasetContract
    fields: tuple[str, ...]  # for a match check: the fields compared, the keys of `match`
    subject: str  # the record's key: a citizen ID, a juristic-person ID or a title deed
    subject_citizen_id: int  # whose "Who used my data" the read goes into
    purpose_th: str
    purpose_en: str
    petition_id: str
    consent_id: str | None
    accessed_by: str
    match: dict[str, str] | None = None  # a yes/no check: record field -> expected value
    acting_user: str = ""  # who filed the petition: "citizen:<id>" or "officer:<id>"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Exchange:
    """Sends evidence requests over HTTP to the registry URL configured for each agency."""

    def __init__(
        self,
        *,
        registry_urls: Mapping[str, str],
        api_key: str,
        http: httpx.Client,
        signing_key: Ed25519PrivateKey,
        key_id: str,
        registry_keys: Mapping[str, Ed25519PublicKey],
        timeout_seconds: float = 5.0,
        timeouts: Mapping[str, float] | None = None,
        caller: str = "citizen-service-portal",
        breakers: CircuitBreakers | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`signing_key`/`key_id` sign every request; `registry_keys` (agency -> key) verify
        every answer; `timeouts` (agency -> seconds) override `timeout_seconds`."""
        self.registry_urls = registry_urls
        self.api_key = api_key
        self.http = http
        self.signing_key = signing_key
        self.key_id = key_id
        self.registry_keys = registry_keys
        self.timeout_seconds = timeout_seconds
        self.timeouts = dict(timeouts or {})
        self.caller = caller
        self.breakers = breakers or CircuitBreakers()
        self.sleep = sleep

    def fetch(self, db: Session, request: EvidenceRequest) -> dict[str, Any]:
        """Returns the requested fields; logs the call, and the access when data came back."""
        response, request_id = self._post(db, request, "query")
        fields = _answered_fields(response)
        # The person's data was read as soon as it came back, well-formed or not: log it first.
        self._log_access(db, request, sorted(set(fields) & set(request.fields)), request_id)
        dataset = request.dataset
        if set(fields) != set(request.fields):
            raise ContractViolationError(
                f"{dataset.qualified_name}: answered {sorted(fields)}, asked {list(request.fields)}"
            )
        malformed = sorted(
            name
            for name, value in fields.items()
            if not dataset.field(name).accepts(value)  # type: ignore[union-attr]
        )
        if malformed:
            raise ContractViolationError(f"{dataset.qualified_name}: malformed values {malformed}")
        return fields

    def match(self, db: Session, request: EvidenceRequest) -> bool:
        """Asks the registry a yes/no question about a record; no field value comes back.

        The check still touches the person's record, so it is logged to their access log.
        """
        if not request.match:
            raise ContractViolationError("a match check needs values to compare")
        response, request_id = self._post(db, request, "match")
        try:
            answer = response.json()["match"]
        except (ValueError, KeyError, TypeError) as exc:
            raise RegistryUnavailableError(
                "registry answered something that is not the contract"
            ) from exc
        if not isinstance(answer, bool):
            raise ContractViolationError(
                f"{request.dataset.qualified_name}: match is not a boolean"
            )
        self._log_access(db, request, sorted(request.match), request_id)
        return answer

    def _log_access(
        self, db: Session, request: EvidenceRequest, fields: list[str], request_id: str
    ) -> None:
        db.add(
            DataAccess(
                citizen_id=request.subject_citizen_id,
                agency=request.dataset.agency,
                dataset=request.dataset.name,
                fields=fields,
                purpose_th=request.purpose_th,
                purpose_en=request.purpose_en,
                accessed_by=request.accessed_by,
                petition_id=request.petition_id or None,
                request_id=request_id,
            )
        )

    def _post(self, db: Session, request: EvidenceRequest, kind: str) -> tuple[httpx.Response, str]:
        """Sends one signed query or match check and logs it; returns the verified answer
        (200) and the request id."""
        dataset = request.dataset
        agency = dataset.agency
        asked = tuple(request.match or ()) if kind == "match" else request.fields
        unknown = sorted(set(asked) - dataset.field_names)
        if unknown or not asked:
            raise ContractViolationError(f"fields outside {dataset.qualified_name}: {unknown}")
        base_url = self.registry_urls.get(agency)
        if not base_url:
            raise RegistryUnavailableError(f"no registry URL configured for {agency}")
        registry_key = self.registry_keys.get(agency)
        if registry_key is None:
            # Transient: the petition waits until the key is configured (in the demo, until the
            # registry has written it), rather than trusting an answer nobody can check.
            raise RegistryUnavailableError(f"no registry public key configured for {agency}")
        if not self.breakers.allow(agency):
            EVIDENCE_FETCH_ERRORS.labels(agency=agency, reason="circuit_open").inc()
            raise RegistryUnavailableError(f"{agency}: circuit open")

        request_id = uuid.uuid4().hex
        payload: dict[str, Any] = {"subject": request.subject}
        if kind == "match":
            payload["match"] = dict(request.match or {})
        else:
            payload["fields"] = list(request.fields)
        body = json.dumps(payload, ensure_ascii=False).encode()
        message = ExchangeMessage(
            request_id=request_id,
            agency=agency,
            dataset=dataset.name,
            petition_id=request.petition_id or None,
            consent_id=request.consent_id,
            purpose=request.purpose_en,
            request_sha256=_sha256(body),
        )
        started = time.perf_counter()
        try:
            http_request = self.http.build_request(
                "POST",
                f"{base_url.rstrip('/')}/v1/datasets/{dataset.name}/{kind}",
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {self.api_key}",
                    "X-Request-Id": request_id,
                    "X-Caller": self.caller,
                    "X-Purpose": request.purpose_en,
                    "X-Petition-Id": request.petition_id,
                    "X-Consent-Ref": request.consent_id or "",
                    "X-Acting-User": request.acting_user,
                    # The portal request (or worker job) this read belongs to, for the logs.
                    CORRELATION_HEADER: current_request_id() or request_id,
                },
                timeout=self.timeouts.get(agency, self.timeout_seconds),
            )
            sign_request(http_request, key=self.signing_key, key_id=self.key_id, body=body)
            response = self._send(http_request)
        except httpx.HTTPError as exc:
            self.breakers.record_failure(agency)
            EVIDENCE_FETCH_ERRORS.labels(agency=agency, reason=type(exc).__name__).inc()
            message.duration_ms = int((time.perf_counter() - started) * 1000)
            db.add(message)
            raise RegistryUnavailableError(f"{agency}: {type(exc).__name__}") from exc
        except BaseException:
            self.breakers.release(agency)
            raise
        message.duration_ms = int((time.perf_counter() - started) * 1000)
        message.status_code = response.status_code
        message.response_sha256 = _sha256(response.content)
        db.add(message)

        transient = response.status_code >= 500 or response.status_code in (408, 429)
        if transient:
            self.breakers.record_failure(agency)
            EVIDENCE_FETCH_ERRORS.labels(agency=agency, reason=f"http_{response.status_code}").inc()
            raise RegistryUnavailableError(f"{agency}: HTTP {response.status_code}")
        if response.status_code == 200 and not _is_json_object(response):
            # Garbage (a proxy's HTML page, a truncated body) is no registry answer, signed or
            # not, and nothing anyone could act on: a registry answering only this is as down
            # as one that times out, so it counts towards opening the circuit.
            self.breakers.record_failure(agency)
            EVIDENCE_FETCH_ERRORS.labels(agency=agency, reason="garbage").inc()
            raise RegistryUnavailableError(f"{agency}: answered something that is not the contract")
        self.breakers.record_success(agency)
        not_found = response.status_code == 404 and _error_code(response) == "not_found"
        if response.status_code == 200 or not_found:
            # Both are answers the petition acts on (data, or a rejection): nothing of them is
            # read before the signature and digest check out.
            self._verify(message, http_request, response, registry_key)
        if not_found:
            raise SubjectNotFoundError(f"{dataset.qualified_name}: no record for subject")
        if response.status_code != 200:
            raise ContractViolationError(
                f"{dataset.qualified_name}: HTTP {response.status_code} {_error_code(response)}"
            )
        return response, request_id

    def _send(self, http_request: httpx.Request) -> httpx.Response:
        """Sends once, and once more after a short jittered pause if the connection failed.

        A refused or reset connection is often a registry restarting or a stale pooled
        connection, and the request never reached the registry, so one quick retry is safe and
        usually enough. Timeouts are not retried here: the registry may be working on it, and
        waiting twice would hold the worker; the job's own backoff (5 s … 1 h) retries those.
        """
        try:
            return self.http.send(http_request)
        except httpx.ConnectError:
            self.sleep(random.uniform(0.05, MAX_RETRY_PAUSE_SECONDS))
            return self.http.send(http_request)

    def _verify(
        self,
        message: ExchangeMessage,
        http_request: httpx.Request,
        response: httpx.Response,
        key: Ed25519PublicKey,
    ) -> None:
        response.request = http_request  # the answer is bound to the signature we sent
        try:
            verify_response(response, key=key, body=response.content)
        except SignatureError as exc:
            message.response_signature = "invalid"
            EVIDENCE_FETCH_ERRORS.labels(agency=message.agency, reason="bad_signature").inc()
            logger.warning(
                "exchange security event: answer from %s to request %s failed its signature "
                "check (%s); the petition goes to review",
                message.agency,
                message.request_id,
                exc,
            )
            raise ResponseSignatureError(
                f"{message.agency}: answer signature does not verify: {exc}"
            ) from exc
        message.response_signature = "verified"


def _error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error", "")) if isinstance(body, dict) else ""


def _is_json_object(response: httpx.Response) -> bool:
    try:
        return isinstance(json.loads(response.content), dict)
    except ValueError:  # not JSON, or not UTF-8
        return False


def _answered_fields(response: httpx.Response) -> dict[str, Any]:
    try:
        fields = response.json()["fields"]
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise RegistryUnavailableError(
            "registry answered something that is not the contract"
        ) from exc
    if not isinstance(fields, dict):
        raise RegistryUnavailableError("registry answered something that is not the contract")
    return fields
