"""The exchange: only contract fields are asked, every answer is logged, bad answers are caught."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import Session, select

from services.dopa.contract import POPULATION
from services.exchange.client import EvidenceRequest
from services.exchange.errors import (
    ContractViolationError,
    RegistryUnavailableError,
    SubjectNotFoundError,
)
from services.exchange.models import DataAccess, ExchangeMessage
from tests.services.petitions.factories import (
    create_citizen,
    population_answer,
    registry_answering,
)


def request_for(citizen, fields=("given_name_th", "moved_in_on")) -> EvidenceRequest:  # type: ignore[no-untyped-def]
    return EvidenceRequest(
        dataset=POPULATION,
        fields=tuple(fields),
        subject=citizen.national_id,
        subject_citizen_id=citizen.id,
        purpose_th="ทดสอบ",
        purpose_en="test",
        petition_id="p-1",
        consent_id="c-1",
        accessed_by="dopa.residence-certificate",
    )


def never_called(request: httpx.Request) -> httpx.Response:
    raise AssertionError("the registry must not be called")


def test_fields_outside_the_contract_are_refused_without_calling(db: Session, people):
    citizen = create_citizen(db, people[0])
    exchange = registry_answering(never_called)
    with pytest.raises(ContractViolationError):
        exchange.fetch(db, request_for(citizen, fields=("given_name_th", "religion")))


def test_a_good_answer_is_logged_as_a_message_and_a_read(db: Session, people):
    citizen = create_citizen(db, people[0])
    sent = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return population_answer(people[0])(request)

    fields = registry_answering(handler).fetch(db, request_for(citizen))
    db.commit()
    assert fields["given_name_th"] == people[0].given_name_th
    assert sent[0].headers["X-Purpose"] == "test" and sent[0].headers["X-Consent-Ref"] == "c-1"
    assert db.exec(select(ExchangeMessage)).one().status_code == 200
    assert db.exec(select(DataAccess)).one().fields == ["given_name_th", "moved_in_on"]


@pytest.mark.parametrize(
    "changes", [{"moved_in_on": "31/12/2560"}, {"moved_in_on": 20250101}, {"given_name_th": ["x"]}]
)
def test_malformed_values_are_a_contract_violation_and_the_read_is_still_logged(
    db: Session, people, changes
):
    citizen = create_citizen(db, people[0])
    exchange = registry_answering(population_answer(people[0], **changes))
    with pytest.raises(ContractViolationError, match="malformed"):
        exchange.fetch(db, request_for(citizen))
    assert len(db.exec(select(DataAccess)).all()) == 1


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(200, text="<html>maintenance</html>"), RegistryUnavailableError),
        (httpx.Response(503, json={"error": "down"}), RegistryUnavailableError),
        (httpx.Response(404, json={"error": "not_found"}), SubjectNotFoundError),
        (httpx.Response(404, json=["not", "an", "object"]), ContractViolationError),
        (httpx.Response(400, json={"error": "unknown_fields"}), ContractViolationError),
    ],
)
def test_bad_answers_raise_the_right_kind_of_error(db: Session, people, response, error):
    citizen = create_citizen(db, people[0])
    exchange = registry_answering(lambda request: response)
    with pytest.raises(error):
        exchange.fetch(db, request_for(citizen))
    assert db.exec(select(ExchangeMessage)).one().status_code == response.status_code
    assert db.exec(select(DataAccess)).all() == []


def test_an_unreachable_registry_is_transient_and_logged(db: Session, people):
    citizen = create_citizen(db, people[0])

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(RegistryUnavailableError):
        registry_answering(refuse).fetch(db, request_for(citizen))
    assert db.exec(select(ExchangeMessage)).one().status_code == 0
