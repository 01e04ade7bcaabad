"""Plain factory functions with safe defaults for petition tests."""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel import Session

from identity.models import Citizen
from services.catalogue.service import get_catalogue
from services.dopa.people import person_to_record
from services.exchange.client import Exchange
from services.exchange.signing import key_id_for
from services.petitions.models import Petition
from services.petitions.processing import ProcessingContext
from services.petitions.service import submit_petition
from tests.fixtures.exchange import PORTAL_KEY, REGISTRY_KEY, signed_by

SERVICE = "dopa.residence-certificate"


def create_citizen(db: Session, person: Any, **overrides: Any) -> Citizen:
    citizen = Citizen(
        **{
            "national_id": person.national_id,
            "subject": "s",
            "issuer": "i",
            "ial": 2.3,
            **overrides,
        }
    )
    db.add(citizen)
    db.commit()
    return citizen


def create_petition(db: Session, citizen: Citizen, **overrides: Any) -> Petition:
    arguments = {
        "citizen": citizen,
        "service": get_catalogue().get(SERVICE),
        "consented_datasets": ["dopa.population"],
        "answers": {"purpose": "bank"},
        "channel": "web",
    } | overrides
    petition = submit_petition(db, **arguments)
    db.commit()
    return petition


def registry_answering(handler: Any, *, signed: bool = True, **options: Any) -> Exchange:
    """An exchange whose DOPA registry is `handler` (an httpx.MockTransport handler), its
    answers signed with `REGISTRY_KEY` unless `signed` is false."""
    transport = httpx.MockTransport(signed_by(REGISTRY_KEY, handler) if signed else handler)
    return Exchange(
        **{
            "registry_urls": {"dopa": "http://registry.test"},
            "api_key": "k",
            "http": httpx.Client(transport=transport),
            "signing_key": PORTAL_KEY,
            "key_id": key_id_for(PORTAL_KEY.public_key()),
            "registry_keys": {"dopa": REGISTRY_KEY.public_key()},
            "sleep": lambda seconds: None,
            **options,
        }
    )


def population_answer(person: Any, **changes: Any):  # type: ignore[no-untyped-def]
    """A handler answering the population dataset for `person`, with `changes` applied."""
    record = person_to_record(person) | changes

    def handler(request: httpx.Request) -> httpx.Response:
        import json

        asked = json.loads(request.content)["fields"]
        return httpx.Response(200, json={"fields": {f: record.get(f) for f in asked}})

    return handler


def context_for(exchange: Exchange, data_dir: Any) -> ProcessingContext:
    return ProcessingContext(exchange=exchange, data_dir=data_dir, base_url="http://testserver")


def make_parent_of(db: Session, *, parent_national_id: str, child_national_id: str) -> Citizen:
    """What "Find my children in the population register" records: the child's row and a
    parental delegation to the parent, so the parent may name the child on a form."""
    from datetime import timedelta

    from identity.delegation.service import record_parental_delegation
    from identity.sessions import get_citizen_by_national_id
    from portal.db import utcnow

    child = get_citizen_by_national_id(db, national_id=child_national_id)
    if child is None:
        child = Citizen(national_id=child_national_id, subject="", issuer="")
        db.add(child)
        db.flush()
    record_parental_delegation(
        db,
        child=child,
        parent_national_id=parent_national_id,
        until=utcnow() + timedelta(days=30),
    )
    db.commit()
    return child
