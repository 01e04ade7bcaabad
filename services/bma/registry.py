"""The BMA reference registry: empty, as the city keeps no register the portal asks about.

`registry_datasets` still exists so that every agency module has the same shape; the generic
registry accepts an empty dataset list (it answers /healthz and refuses every dataset as
unknown), so `services.agencies.create_agency_registry_app` works too, though the demo
runs no registry for an agency without datasets.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.dopa.people import Person
from services.exchange.registry import RegistryDataset

__all__ = ["registry_datasets"]


def registry_datasets(people: Sequence[Person]) -> tuple[RegistryDataset, ...]:
    """No datasets, whatever the population."""
    return ()
