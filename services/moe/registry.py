"""The Ministry of Education reference registry: the education register behind the generic
registry interface. Run it alone like DOPA's (docs/agencies/dopa.md), with this module's app.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.dopa.people import Person
from services.exchange.registry import RegistryDataset
from services.moe.contract import EDUCATION
from services.moe.records import education_record

__all__ = ["registry_datasets"]


def registry_datasets(people: Sequence[Person]) -> tuple[RegistryDataset, ...]:
    """The MOE dataset over `people` (the DOPA population). Raises ValueError for two people
    with one citizen ID."""
    by_id: dict[str, Person] = {}
    for person in people:
        if person.national_id in by_id:
            raise ValueError(f"duplicate citizen ID {person.national_id}")
        by_id[person.national_id] = person
    records = {cid: education_record(person) for cid, person in by_id.items()}
    return (RegistryDataset(EDUCATION, records.get, size=len(records)),)
