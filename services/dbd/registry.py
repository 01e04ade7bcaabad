"""The Department of Business Development's reference registry: the company register behind the
generic registry interface."""

from __future__ import annotations

from collections.abc import Sequence

from services.dbd.contract import COMPANY, COMPANY_DIRECTOR
from services.dbd.records import company_director_record, company_to_record, synthetic_companies
from services.dopa.people import Person
from services.exchange.registry import RegistryDataset

__all__ = ["registry_datasets"]


def registry_datasets(people: Sequence[Person]) -> tuple[RegistryDataset, ...]:
    """DBD's datasets over the companies `people` direct, keyed by juristic ID."""
    companies = synthetic_companies(people)
    records = {k: company_to_record(c) for k, c in companies.items()}
    directors = {k: company_director_record(c) for k, c in companies.items()}
    return (
        RegistryDataset(COMPANY, records.get, size=len(records)),
        RegistryDataset(COMPANY_DIRECTOR, directors.get, size=len(directors)),
    )
