"""Loading and querying the service catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from services.agencies import AGENCY_MODULES, CERTIFICATE_CONTEXTS, definitions_dir, get_agency
from services.catalogue.definitions import ServiceDefinition
from services.catalogue.errors import DefinitionError, UnknownServiceError


@dataclass(frozen=True)
class Catalogue:
    services: tuple[ServiceDefinition, ...]

    def get(self, code: str) -> ServiceDefinition:
        for service in self.services:
            if service.code == code:
                return service
        raise UnknownServiceError(code=code)


def load_definition(path: Path) -> ServiceDefinition:
    """Parses and validates one definition file, checking its evidence against the contracts."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DefinitionError(f"{path}: {exc}") from exc
    try:
        definition = ServiceDefinition.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{path}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise DefinitionError("\n".join(lines)) from exc
    agency = get_agency(definition.agency)
    if agency is None:
        raise DefinitionError(f"{path}: agency: unknown agency {definition.agency!r}")
    if definition.certificate and definition.certificate.template not in CERTIFICATE_CONTEXTS:
        raise DefinitionError(
            f"{path}: certificate.template: no context builder for "
            f"{definition.certificate.template!r} in services.agencies.CERTIFICATE_CONTEXTS"
        )
    for i, item in enumerate(definition.evidence):
        owner = get_agency(item.agency)
        contract = owner.dataset(item.dataset_name) if owner else None
        if contract is None:
            raise DefinitionError(f"{path}: evidence.{i}.dataset: unknown dataset {item.dataset!r}")
        unknown = sorted(set(item.fields) - contract.field_names)
        if unknown:
            raise DefinitionError(
                f"{path}: evidence.{i}.fields: not in {item.dataset} contract: {unknown}"
            )
    return definition


def load_catalogue() -> Catalogue:
    """Every definition of every agency module, validated; codes must be unique."""
    services: list[ServiceDefinition] = []
    for module in AGENCY_MODULES:
        for path in sorted(definitions_dir(module).glob("*.yaml")):
            definition = load_definition(path)
            if any(s.code == definition.code for s in services):
                raise DefinitionError(f"{path}: code: duplicate service code {definition.code!r}")
            services.append(definition)
    return Catalogue(services=tuple(services))


@lru_cache
def get_catalogue() -> Catalogue:
    """The catalogue, loaded once per process."""
    return load_catalogue()


def search_services(catalogue: Catalogue, query: str) -> list[ServiceDefinition]:
    """Substring search over Thai and English names and descriptions.

    Thai is written without spaces between words, so matching is by substring, not by word.
    """
    needle = query.strip().casefold()
    if not needle:
        return list(catalogue.services)
    return [
        s
        for s in catalogue.services
        if any(
            needle in text.casefold()
            for text in (s.name.th, s.name.en, s.description.th, s.description.en, s.code)
        )
    ]
