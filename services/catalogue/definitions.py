"""The declarative service definition: what a service needs, fetches, costs and issues.

Definitions are YAML files in each agency module's `definitions/` folder, validated by
`ServiceDefinition`. A petition records the `version` it was filed under.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Text(BaseModel):
    """A text in Thai and English; Thai is shown first."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    th: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.th if lang == "th" else self.en


class EvidenceSpec(BaseModel):
    """One item of evidence the portal fetches from a registry instead of asking for a copy."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    dataset: str = Field(pattern=r"^[a-z]+\.[a-z0-9_]+$")  # agency.dataset
    fields: tuple[str, ...] = Field(min_length=1)
    purpose: Text
    legal_basis: Text
    consent_required: bool = True

    @property
    def agency(self) -> str:
        return self.dataset.split(".", 1)[0]

    @property
    def dataset_name(self) -> str:
        return self.dataset.split(".", 1)[1]


class FormFieldSpec(BaseModel):
    """A question the citizen answers on the petition form."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z_]+$")
    label: Text
    kind: Literal["text", "choice"] = "text"
    required: bool = True
    max_length: int = 200
    choices: tuple[tuple[str, Text], ...] = ()


class CertificateSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    template: str = Field(pattern=r"^[a-z_]+$")
    title: Text


class ServiceDefinition(BaseModel):
    """A service in the catalogue (schema version 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^[a-z]+\.[a-z0-9-]+$")
    version: int = Field(ge=1)
    agency: str
    name: Text
    description: Text
    category: str
    form: tuple[FormFieldSpec, ...] = ()
    evidence: tuple[EvidenceSpec, ...] = ()
    decision: Literal["automatic", "one_officer", "two_officers"]
    processing_days: int = Field(ge=0)
    fee_baht: Decimal = Decimal(0)
    min_ial: float = Field(ge=1.0, le=3.0)
    channels: tuple[Literal["web", "kiosk", "api"], ...]
    certificate: CertificateSpec | None = None
