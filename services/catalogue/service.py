"""Loading and querying the service catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import ValidationError

from services.agencies import AGENCY_MODULES, CERTIFICATE_CONTEXTS, definitions_dir, get_agency
from services.catalogue.definitions import BundleDefinition, ServiceDefinition
from services.catalogue.errors import DefinitionError, UnknownServiceError

_M = TypeVar("_M", ServiceDefinition, BundleDefinition)


@dataclass(frozen=True)
class Catalogue:
    services: tuple[ServiceDefinition, ...]
    bundles: tuple[BundleDefinition, ...] = ()

    def get(self, code: str) -> ServiceDefinition:
        for service in self.services:
            if service.code == code:
                return service
        raise UnknownServiceError(code=code)

    def get_bundle(self, code: str) -> BundleDefinition:
        for bundle in self.bundles:
            if bundle.code == code:
                return bundle
        raise UnknownServiceError(code=code)


BUNDLES_DIR = Path(__file__).resolve().parent / "bundles"


class _Located:
    """A parsed YAML file that can say on which line a value stands."""

    def __init__(self, path: Path) -> None:
        self.path = path
        text = path.read_text(encoding="utf-8")
        try:
            self.data = yaml.safe_load(text)
            self.root = yaml.compose(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            raise DefinitionError(f"{path}:{line}: not valid YAML: {exc}") from exc

    def line(self, loc: tuple[object, ...]) -> int:
        """The line of the deepest node on the path `loc` (1-based)."""
        node = self.root
        best = node.start_mark.line + 1 if node is not None else 1
        for key in loc:
            if isinstance(node, yaml.MappingNode):
                found = next(
                    (
                        (k, v)
                        for k, v in node.value
                        if k.value == key or (key == "schema_" and k.value == "schema")
                    ),
                    None,
                )
                if found is None:
                    break
                best, node = found[0].start_mark.line + 1, found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
                if key >= len(node.value):
                    break
                node = node.value[key]
                best = node.start_mark.line + 1
            else:
                break
        return best

    def error(self, loc: tuple[object, ...], message: str) -> str:
        where = ".".join(map(str, loc)) or "(top)"
        return f"{self.path}:{self.line(loc)}: {where}: {message}"


def _validate(located: _Located, model: type[_M]) -> _M:
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        raise DefinitionError(
            "\n".join(located.error(tuple(e["loc"]), e["msg"]) for e in exc.errors())
        ) from exc


def load_definition(path: Path) -> ServiceDefinition:
    """Parses and validates one definition file, checking it against the agency contracts.

    Every error names the file, the line and the field.
    """
    located = _Located(path)
    definition = _validate(located, ServiceDefinition)
    errors: list[str] = []
    if get_agency(definition.agency) is None:
        errors.append(located.error(("agency",), f"unknown agency {definition.agency!r}"))
    if definition.certificate and definition.certificate.template not in CERTIFICATE_CONTEXTS:
        errors.append(
            located.error(
                ("certificate", "template"),
                f"no context builder for {definition.certificate.template!r} in "
                "services.agencies.CERTIFICATE_CONTEXTS",
            )
        )
    for i, item in enumerate(definition.evidence):
        owner = get_agency(item.agency)
        contract = owner.dataset(item.dataset_name) if owner else None
        if contract is None:
            errors.append(
                located.error(("evidence", i, "dataset"), f"unknown dataset {item.dataset!r}")
            )
            continue
        unknown = sorted(set(item.asked_fields) - contract.field_names)
        if unknown:
            key = "fields" if item.mode == "fetch" else "match"
            errors.append(
                located.error(("evidence", i, key), f"not in {item.dataset} contract: {unknown}")
            )
        if contract.public and item.consent_required:
            errors.append(
                located.error(
                    ("evidence", i, "consent_required"),
                    f"{item.dataset} is a public register: it needs no consent",
                )
            )
        if item.subject != "petitioner":
            field = next(f for f in definition.form if f.name == item.subject[5:])
            if (
                contract.subject_kind in ("citizen_id", "juristic_id")
                and field.kind != contract.subject_kind
            ):
                errors.append(
                    located.error(
                        ("evidence", i, "subject"),
                        f"{item.dataset} is keyed by {contract.subject_kind}: the form field "
                        f"must be of that kind",
                    )
                )
        elif contract.subject_kind != "citizen_id":
            errors.append(
                located.error(
                    ("evidence", i, "subject"),
                    f"{item.dataset} is keyed by {contract.subject_kind}, not by a citizen: "
                    "name the form field that holds the key",
                )
            )
    for i, produced in enumerate(definition.produces):
        agency_code, _, name = produced.partition(".")
        owner = get_agency(agency_code)
        if owner is None or owner.dataset(name) is None:
            errors.append(located.error(("produces", i), f"unknown dataset {produced!r}"))
    if errors:
        raise DefinitionError("\n".join(errors))
    return definition


def load_bundle(path: Path, services: dict[str, ServiceDefinition]) -> BundleDefinition:
    """Parses and validates one bundle against the services it files.

    A bundle never asks the citizen for a document that one of its own parts produces: a part
    may not offer an upload in place of a dataset another part creates.
    """
    located = _Located(path)
    bundle = _validate(located, BundleDefinition)
    errors: list[str] = []
    parts: list[ServiceDefinition] = []
    for i, code in enumerate(bundle.parts):
        if code not in services:
            errors.append(located.error(("parts", i), f"unknown service {code!r}"))
        else:
            parts.append(services[code])
    for i, part in enumerate(parts):
        produced_elsewhere = {d for p in parts if p is not part for d in p.produces}
        for item in part.evidence:
            if item.dataset in produced_elsewhere and item.upload_instead is not None:
                errors.append(
                    located.error(
                        ("parts", i),
                        f"{part.code} may ask for a copy of {item.dataset}, which another "
                        "part of this bundle produces",
                    )
                )
        channels = set(part.channels)
        if "web" not in channels:
            errors.append(located.error(("parts", i), f"{part.code} is not offered on the web"))
    if errors:
        raise DefinitionError("\n".join(errors))
    return bundle


def definition_paths() -> list[Path]:
    return [p for m in AGENCY_MODULES for p in sorted(definitions_dir(m).glob("*.yaml"))]


def load_catalogue() -> Catalogue:
    """Every definition of every agency module and every bundle, validated; codes unique.

    Every file is checked before failing, so one run reports every error.
    """
    services: dict[str, ServiceDefinition] = {}
    errors: list[str] = []
    for path in definition_paths():
        try:
            definition = load_definition(path)
        except DefinitionError as exc:
            errors.append(str(exc))
            continue
        if definition.code in services:
            errors.append(f"{path}:1: code: duplicate service code {definition.code!r}")
        services[definition.code] = definition
    bundles: list[BundleDefinition] = []
    for path in sorted(BUNDLES_DIR.glob("*.yaml")):
        try:
            bundles.append(load_bundle(path, services))
        except DefinitionError as exc:
            errors.append(str(exc))
    if errors:
        raise DefinitionError("\n".join(errors))
    return Catalogue(services=tuple(services.values()), bundles=tuple(bundles))


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
