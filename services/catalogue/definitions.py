"""The declarative service definition: what a service needs, fetches, costs and issues.

Definitions are YAML files in each agency module's `definitions/` folder, validated by
`ServiceDefinition`; life-event bundles are YAML files in `services/catalogue/bundles/`,
validated by `BundleDefinition`. A petition keeps a copy of the definition it was filed under
(`Petition.definition`), so changing a definition never changes a petition already filed.

Adding a service is writing a definition: `portal services check` validates every file and
names the file and line of each error.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = 2
"""The definition format. Version 1 files (no `schema`) are read as version 2 with defaults."""

CATEGORIES: dict[str, tuple[str, str]] = {
    "civil-registration": ("ทะเบียนราษฎร", "Civil registration"),
    "tax": ("ภาษี", "Tax"),
    "land": ("ที่ดิน", "Land"),
    "transport": ("การขนส่งและยานพาหนะ", "Transport and vehicles"),
    "justice": ("ความปลอดภัยและกระบวนการยุติธรรม", "Safety and justice"),
    "work": ("การทำงานและประกันสังคม", "Work and social security"),
    "education": ("การศึกษา", "Education"),
    "business": ("ธุรกิจ", "Business"),
    "local": ("บริการท้องถิ่น", "Local services"),
    "health": ("สุขภาพ", "Health"),
}
"""Catalogue categories: code -> (Thai, English)."""

LIFE_EVENTS: dict[str, tuple[str, str]] = {
    "moving-house": ("ย้ายที่อยู่", "Moving house"),
    "new-baby": ("มีบุตร", "Having a baby"),
    "new-job": ("เริ่มงานใหม่", "Starting a job"),
    "buying-property": ("ซื้อบ้านหรือที่ดิน", "Buying a home or land"),
    "starting-business": ("เริ่มธุรกิจ", "Starting a business"),
    "marriage": ("แต่งงาน", "Getting married"),
    "studying": ("ศึกษาต่อ", "Going on to study"),
    "travelling-abroad": ("เดินทางไปต่างประเทศ", "Travelling or working abroad"),
}
"""Life events a service or bundle can be filed under: code -> (Thai, English)."""

_REF = re.compile(r"^(petitioner|form:[a-z_]+)$")


class Text(BaseModel):
    """A text in Thai and English; Thai is shown first."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    th: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.th if lang == "th" else self.en


class EvidenceSpec(BaseModel):
    """One item of evidence the portal obtains from a registry instead of asking for a copy.

    `mode: fetch` reads `fields`; `mode: match` asks only a yes/no: do the record's `match`
    fields equal the given values ("is the petitioner the owner of title deed X?"), so no
    value leaves the registry. `subject` says whose record: the petitioner's, or the key the
    citizen typed into a form field (`form:<name>`, such as a title-deed number).
    `upload_instead` names the paper document a citizen may upload if they decline the fetch;
    without it the item cannot be declined.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    dataset: str = Field(pattern=r"^[a-z]+\.[a-z0-9_]+$")  # agency.dataset
    fields: tuple[str, ...] = ()
    mode: Literal["fetch", "match"] = "fetch"
    subject: str = Field(default="petitioner", pattern=_REF.pattern)
    match: dict[str, str] = Field(default_factory=dict)  # record field -> petitioner | form:<f>
    purpose: Text
    legal_basis: Text
    consent_required: bool = True
    upload_instead: Text | None = None

    @model_validator(mode="after")
    def _fields_for_mode(self) -> EvidenceSpec:
        if self.mode == "fetch" and not self.fields:
            raise ValueError("a fetch needs at least one field")
        if self.mode == "match":
            if not self.match or self.fields:
                raise ValueError("a match check names `match` fields and no `fields`")
            bad = [v for v in self.match.values() if not _REF.match(v)]
            if bad:
                raise ValueError(f"match values must be petitioner or form:<field>: {bad}")
        return self

    @property
    def agency(self) -> str:
        return self.dataset.split(".", 1)[0]

    @property
    def dataset_name(self) -> str:
        return self.dataset.split(".", 1)[1]

    @property
    def asked_fields(self) -> tuple[str, ...]:
        """The record fields this item touches: read, or compared without being read."""
        return self.fields if self.mode == "fetch" else tuple(self.match)

    def form_refs(self) -> set[str]:
        """Form fields this item takes its subject or match values from."""
        refs = [self.subject, *self.match.values()]
        return {r.removeprefix("form:") for r in refs if r.startswith("form:")}


FormFieldKind = Literal[
    "text", "textarea", "choice", "date", "number", "citizen_id", "juristic_id", "phone", "email"
]


class FormFieldSpec(BaseModel):
    """A question the citizen answers on the petition form, with its validation."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z_]+$")
    label: Text
    kind: FormFieldKind = "text"
    required: bool = True
    max_length: int = Field(default=200, ge=1, le=5000)
    pattern: str | None = None  # a regular expression the whole answer must match
    minimum: Decimal | None = None  # number fields
    maximum: Decimal | None = None
    hint: Text | None = None
    choices: tuple[tuple[str, Text], ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> FormFieldSpec:
        if (self.kind == "choice") != bool(self.choices):
            raise ValueError("choices are given exactly when kind is choice")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern is not a regular expression: {exc}") from None
        if (self.minimum is not None or self.maximum is not None) and self.kind != "number":
            raise ValueError("minimum and maximum apply to number fields only")
        return self


class UploadSpec(BaseModel):
    """A document the citizen must (or may) upload because no registry holds it, e.g. a photo
    of a broken street light for a complaint."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z_]+$")
    label: Text
    required: bool = False


class ThirdPartyApproval(BaseModel):
    """Another citizen who must approve in their own account before the petition goes on,
    such as the house owner for a move-in (Civil Registration Act B.E. 2534, section 30)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    role: Text
    citizen_field: str = Field(pattern=r"^[a-z_]+$")  # a citizen_id form field naming them


class CertificateSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    template: str = Field(pattern=r"^[a-z_]+$")
    title: Text
    # How long the document itself is valid from the day of issue (None: no end date).
    valid_days: int | None = Field(default=None, ge=1, le=3650)
    # Print numbers and dates with Thai digits (๐-๙) in the Thai text, as some agencies do.
    thai_digits: bool = False


class ServiceDefinition(BaseModel):
    """A service in the catalogue."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    schema_: int = Field(default=SCHEMA_VERSION, alias="schema", ge=1, le=SCHEMA_VERSION)
    code: str = Field(pattern=r"^[a-z]+\.[a-z0-9-]+$")
    version: int = Field(ge=1)
    agency: str
    name: Text
    description: Text
    category: str
    life_events: tuple[str, ...] = ()
    form: tuple[FormFieldSpec, ...] = ()
    evidence: tuple[EvidenceSpec, ...] = ()
    uploads: tuple[UploadSpec, ...] = ()
    approval: ThirdPartyApproval | None = None
    decision: Literal["automatic", "one_officer", "two_officers"]
    processing_days: int = Field(ge=0)
    fee_baht: Decimal = Field(default=Decimal(0), ge=0)
    # Citizen categories whose fee is waived (services.payments.exemptions.CATEGORIES), in
    # the order they are tried: the first that applies is recorded and shown.
    fee_exemptions: tuple[str, ...] = ()
    min_ial: float = Field(ge=1.0, le=3.0)
    channels: tuple[Literal["web", "kiosk", "api"], ...] = Field(min_length=1)
    # What the petition ends in: a signed certificate, a signed reply letter written by an
    # officer (a complaint), or only a decision recorded in the agency's register.
    outcome: Literal["certificate", "letter", "record"] = "certificate"
    certificate: CertificateSpec | None = None
    # Documents (as `agency.dataset`) that issuing this service creates or changes, so that a
    # bundle never asks for them from the citizen.
    produces: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> ServiceDefinition:
        if self.code.split(".", 1)[0] != self.agency:
            raise ValueError(f"code must start with the agency code {self.agency!r}")
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown category {self.category!r}; known: {sorted(CATEGORIES)}")
        unknown_events = [e for e in self.life_events if e not in LIFE_EVENTS]
        if unknown_events:
            raise ValueError(f"unknown life events {unknown_events}; known: {sorted(LIFE_EVENTS)}")
        from services.payments.exemptions import CATEGORIES as FEE_EXEMPTIONS

        unknown_exemptions = [e for e in self.fee_exemptions if e not in FEE_EXEMPTIONS]
        if unknown_exemptions:
            raise ValueError(
                f"unknown fee exemptions {unknown_exemptions}; known: {sorted(FEE_EXEMPTIONS)}"
            )
        if len(set(self.fee_exemptions)) != len(self.fee_exemptions):
            raise ValueError("each fee exemption appears once")
        if (self.outcome in ("certificate", "letter")) != (self.certificate is not None):
            raise ValueError(
                "certificate is given exactly when the outcome is a certificate or letter"
            )
        names = [f.name for f in self.form]
        if len(set(names)) != len(names):
            raise ValueError("form field names must be unique")
        form = {f.name: f for f in self.form}
        for item in self.evidence:
            missing = item.form_refs() - set(form)
            if missing:
                raise ValueError(
                    f"evidence {item.dataset} refers to unknown form fields {sorted(missing)}"
                )
        if self.approval is not None:
            field = form.get(self.approval.citizen_field)
            if field is None or field.kind != "citizen_id":
                raise ValueError("approval.citizen_field must name a citizen_id form field")
        if self.decision == "automatic" and self.uploads:
            raise ValueError("a service with uploads needs an officer to look at them")
        datasets = [e.dataset for e in self.evidence]
        if len(set(datasets)) != len(datasets):
            raise ValueError("each dataset appears once in evidence")
        return self

    def evidence_item(self, dataset: str) -> EvidenceSpec | None:
        return next((e for e in self.evidence if e.dataset == dataset), None)

    @property
    def paper_documents_before(self) -> int:
        """Documents a citizen carried on paper before the portal: one per evidence item plus
        the uploads no registry can replace."""
        return len(self.evidence) + len(self.uploads)

    @property
    def paper_documents_now(self) -> int:
        """Documents a citizen must still bring: only the uploads no registry holds."""
        return sum(1 for u in self.uploads if u.required)


class BundleDefinition(BaseModel):
    """A life-event bundle: one application that files several services at once."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    schema_: int = Field(default=SCHEMA_VERSION, alias="schema", ge=1, le=SCHEMA_VERSION)
    code: str = Field(pattern=r"^bundle\.[a-z0-9-]+$")
    version: int = Field(ge=1)
    life_event: str
    name: Text
    description: Text
    parts: tuple[str, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _known_event(self) -> BundleDefinition:
        if self.life_event not in LIFE_EVENTS:
            raise ValueError(f"unknown life event {self.life_event!r}")
        if len(set(self.parts)) != len(self.parts):
            raise ValueError("a service appears once in a bundle")
        return self
