"""Every agency module, listed once. Nothing is registered by import side effect.

An agency module (`services/<code>/`) exports:
- `AGENCY`: the `Agency` with its dataset contracts;
- `registry_datasets(people)`: its reference registry's datasets over the demo population (the
  same people as DOPA's register, so data agrees across agencies);
- `CERTIFICATE_CONTEXTS`: certificate template name -> function building the template context
  from the fetched evidence (see `CertificateContext`);
- a `definitions/` folder of service definitions (YAML).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from fastapi import FastAPI

from services import bma, dbd, dlt, dol, dopa, moe, nhso, rd, rtp, sso
from services.catalogue.agency import Agency
from services.dopa.people import Person
from services.exchange.registry import create_registry_app

CertificateContext = Callable[..., dict[str, Any]]
"""`(*, evidence, holder, answers) -> context`: `evidence` maps "agency.dataset" to the fetched
fields (or `{"match": bool}`), `holder` is the petition's subject as the digital ID names them
(`national_id`, `title_th`, `given_name_th`, `family_name_th` and the `_en` forms), `answers`
the form answers. The context may replace `holder` with register data."""

AGENCY_MODULES: tuple[ModuleType, ...] = (
    dopa,
    rd,
    dol,
    dlt,
    rtp,
    sso,
    moe,
    dbd,
    bma,
    nhso,
)
AGENCIES: tuple[Agency, ...] = tuple(m.AGENCY for m in AGENCY_MODULES)

CERTIFICATE_CONTEXTS: dict[str, CertificateContext] = {
    name: build for m in AGENCY_MODULES for name, build in m.CERTIFICATE_CONTEXTS.items()
}


def create_agency_registry_app(
    module: ModuleType, *, people: Sequence[Person], api_key: str, **signing: Any
) -> FastAPI:
    """The reference registry of one agency module over `people`: its datasets behind the one
    registry interface (`services.exchange.registry`; `signing` are that function's key
    arguments: `portal_public_keys`, `signing_key`, `key_id`)."""
    agency: Agency = module.AGENCY
    return create_registry_app(
        agency=agency.code,
        title=f"{agency.name_en} reference registry",
        datasets=module.registry_datasets(people),
        api_key=api_key,
        **signing,
    )


def get_agency(code: str) -> Agency | None:
    return next((a for a in AGENCIES if a.code == code), None)


def definitions_dir(module: ModuleType) -> Path:
    return Path(module.__file__ or "").parent / "definitions"
