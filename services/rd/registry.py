"""The Revenue Department's reference registry: the taxpayer register behind the generic
registry interface."""

from __future__ import annotations

from collections.abc import Sequence

from services.dopa.people import Person
from services.exchange.registry import RegistryDataset
from services.rd.contract import TAXPAYER
from services.rd.records import synthetic_taxpayers, taxpayer_to_record

__all__ = ["registry_datasets"]


def registry_datasets(people: Sequence[Person]) -> tuple[RegistryDataset, ...]:
    """RD's datasets over the taxpayers among `people`."""
    records = {k: taxpayer_to_record(v) for k, v in synthetic_taxpayers(list(people)).items()}
    return (RegistryDataset(TAXPAYER, records.get, size=len(records)),)
