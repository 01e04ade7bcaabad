"""Every agency module, listed once. Nothing is registered by import side effect."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from services import dopa
from services.catalogue.agency import Agency
from services.dopa import certificates as dopa_certificates

AGENCY_MODULES: tuple[ModuleType, ...] = (dopa,)
AGENCIES: tuple[Agency, ...] = tuple(m.AGENCY for m in AGENCY_MODULES)

# Certificate template name -> function building its context from fetched evidence.
CERTIFICATE_CONTEXTS: dict[str, Callable[..., dict[str, Any]]] = {**dopa_certificates.CONTEXTS}


def get_agency(code: str) -> Agency | None:
    return next((a for a in AGENCIES if a.code == code), None)


def definitions_dir(module: ModuleType) -> Path:
    return Path(module.__file__ or "").parent / "definitions"
