"""The Department of Lands' reference registry: the land title register behind the generic
registry interface."""

from __future__ import annotations

from collections.abc import Sequence

from services.dol.contract import LAND_TITLE, TITLE_OWNER
from services.dol.records import synthetic_land_titles, title_owner_record, title_to_record
from services.dopa.people import Person
from services.exchange.registry import RegistryDataset

__all__ = ["registry_datasets"]


def registry_datasets(people: Sequence[Person]) -> tuple[RegistryDataset, ...]:
    """DOL's datasets over the land owned by `people`, keyed by title deed."""
    titles = synthetic_land_titles(people)
    records = {deed: title_to_record(t) for deed, t in titles.items()}
    owners = {deed: title_owner_record(t) for deed, t in titles.items()}
    return (
        RegistryDataset(LAND_TITLE, records.get, size=len(records)),
        RegistryDataset(TITLE_OWNER, owners.get, size=len(owners)),
    )
