"""The service definition a petition was filed under (its snapshot), validated once per
process, and what that definition allows a petition to hold.

Petitions of one service version carry equal snapshots, and the citizen's and the officer's
pages ask for a petition's definition on every view: validating the snapshot with pydantic
each time cost more than reading the petition. A validated snapshot is kept per (service,
version) and recognised by comparing the stored dicts.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from services.catalogue.definitions import ServiceDefinition
from services.petitions.models import Petition, PetitionEvent, PetitionState

_VALIDATED: dict[tuple[str, Any], tuple[dict[str, Any], ServiceDefinition]] = {}
_VALIDATED_MAX = 1024


def snapshot_definition(petition: Petition) -> ServiceDefinition:
    """The petition's own snapshot, validated (pydantic's ValidationError if it is not valid;
    the petition must have one)."""
    key = (petition.service_code, petition.service_version)
    known = _VALIDATED.get(key)
    if known is not None and known[0] == petition.definition:
        return known[1]
    definition = ServiceDefinition.model_validate(petition.definition)
    if len(_VALIDATED) >= _VALIDATED_MAX:
        _VALIDATED.clear()
    _VALIDATED[key] = (copy.deepcopy(petition.definition), definition)
    return definition


def may_hold_uploads(service: ServiceDefinition, events: Iterable[PetitionEvent]) -> bool:
    """Whether the petition can have uploaded files at all: copies come with the petition only
    where its definition takes them (instead of a fetch, or as an upload of its own), and
    later only in answer to a supplement request. Pages skip the query otherwise."""
    if service.uploads or any(item.upload_instead is not None for item in service.evidence):
        return True
    return was_asked_for_supplements(events)


def was_asked_for_supplements(events: Iterable[PetitionEvent]) -> bool:
    """Whether an officer ever asked for more (each request moves the petition to
    SUPPLEMENT_REQUESTED, recorded as an event)."""
    return any(e.to_state == PetitionState.SUPPLEMENT_REQUESTED for e in events)
