"""The Department of Business Development's reference registry: the company register behind the
generic registry interface."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from services.dbd.contract import COMPANY, COMPANY_DIRECTOR
from services.dbd.records import company_director_record, company_to_record, synthetic_companies
from services.dopa.people import Person
from services.exchange.registry import RegistryDataset
from services.exchange.registry import create_registry_app as _create_app

__all__ = ["create_registry_app", "registry_datasets"]


def registry_datasets(people: Sequence[Person]) -> tuple[RegistryDataset, ...]:
    """DBD's datasets over the companies `people` direct, keyed by juristic ID."""
    companies = synthetic_companies(people)
    records = {k: company_to_record(c) for k, c in companies.items()}
    directors = {k: company_director_record(c) for k, c in companies.items()}
    return (
        RegistryDataset(COMPANY, records.get, size=len(records)),
        RegistryDataset(COMPANY_DIRECTOR, directors.get, size=len(directors)),
    )


def create_registry_app(*, people: Sequence[Person], api_key: str) -> FastAPI:
    """The DBD registry app over `people`, answering callers that present `api_key`."""
    return _create_app(
        agency="dbd",
        title="DBD reference registry",
        datasets=registry_datasets(people),
        api_key=api_key,
    )
