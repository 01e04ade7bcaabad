"""The service catalogue and life-event bundles (public: no sign-in, cacheable for 5 minutes)."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from fastapi import APIRouter, Response
from pydantic import BaseModel

from portal.api.v1.responses import error_responses
from portal.web.catalogue import (
    MAX_QUERY,
    CatalogueDep,
    describe_evidence,
    search_bundles,
    search_catalogue,
)
from services.agencies import get_agency
from services.catalogue.definitions import (
    CATEGORIES,
    LIFE_EVENTS,
    BundleDefinition,
    ServiceDefinition,
    Text,
)

router = APIRouter(prefix="/api/v1", tags=["public"], responses=error_responses(404, 422, 503))

CACHE_CONTROL = "public, max-age=300"
"""The catalogue is the same for everyone and changes only with a deployment."""

Category = StrEnum("Category", {code: code for code in CATEGORIES})  # type: ignore[misc]
LifeEvent = StrEnum("LifeEvent", {code: code for code in LIFE_EVENTS})  # type: ignore[misc]


class FieldPublic(BaseModel):
    name: str
    label: Text


class EvidencePublic(BaseModel):
    dataset: str
    dataset_title: Text
    agency: str
    mode: str  # fetch: the fields are read; match: only yes/no on the match fields
    subject: str  # petitioner, or form:<field> naming the record
    fields: list[str]
    match: dict[str, str]
    purpose: Text
    legal_basis: Text
    consent_required: bool
    upload_instead: Text | None


class FormFieldPublic(BaseModel):
    name: str
    label: Text
    kind: str
    required: bool
    hint: Text | None


class UploadPublic(BaseModel):
    name: str
    label: Text
    required: bool


class ApprovalPublic(BaseModel):
    role: Text
    citizen_field: str


class ServiceSummary(BaseModel):
    code: str
    version: int
    agency: str
    agency_name: Text
    name: Text
    category: str
    life_events: list[str]
    channels: list[str]
    fee_baht: Decimal
    processing_days: int
    min_ial: float
    decision: str
    outcome: str


class ServiceDetail(ServiceSummary):
    description: Text
    form: list[FormFieldPublic]
    evidence: list[EvidencePublic]
    uploads: list[UploadPublic]
    approval: ApprovalPublic | None
    certificate_title: Text | None
    issues_certificate: bool
    paper_documents_before: int
    paper_documents_now: int


class BundlePart(BaseModel):
    code: str
    agency: str
    name: Text


class BundlePublic(BaseModel):
    code: str
    version: int
    life_event: str
    name: Text
    description: Text
    parts: list[BundlePart]


def _agency_name(code: str) -> Text:
    agency = get_agency(code)
    return Text(th=agency.name_th, en=agency.name_en) if agency else Text(th=code, en=code)


def _summary(service: ServiceDefinition) -> dict[str, object]:
    return {
        **service.model_dump(
            include={
                "code",
                "version",
                "agency",
                "name",
                "category",
                "life_events",
                "channels",
                "fee_baht",
                "processing_days",
                "min_ial",
                "decision",
                "outcome",
            }
        ),
        "agency_name": _agency_name(service.agency),
    }


def _detail(service: ServiceDefinition) -> ServiceDetail:
    evidence = [
        EvidencePublic(
            dataset=view.spec.dataset,
            dataset_title=(
                Text(th=view.dataset.title_th, en=view.dataset.title_en)
                if view.dataset
                else Text(th=view.spec.dataset, en=view.spec.dataset)
            ),
            agency=view.spec.agency,
            mode=view.spec.mode,
            subject=view.spec.subject,
            fields=list(view.spec.fields),
            match=dict(view.spec.match),
            purpose=view.spec.purpose,
            legal_basis=view.spec.legal_basis,
            consent_required=view.spec.consent_required,
            upload_instead=view.spec.upload_instead,
        )
        for view in describe_evidence(service)
    ]
    return ServiceDetail(
        **_summary(service),  # type: ignore[arg-type]
        description=service.description,
        form=[FormFieldPublic.model_validate(f, from_attributes=True) for f in service.form],
        evidence=evidence,
        uploads=[UploadPublic.model_validate(u, from_attributes=True) for u in service.uploads],
        approval=(
            ApprovalPublic.model_validate(service.approval, from_attributes=True)
            if service.approval
            else None
        ),
        certificate_title=service.certificate.title if service.certificate else None,
        issues_certificate=service.outcome == "certificate",
        paper_documents_before=service.paper_documents_before,
        paper_documents_now=service.paper_documents_now,
    )


def _bundle(bundle: BundleDefinition, catalogue: CatalogueDep) -> BundlePublic:
    parts = [catalogue.get(code) for code in bundle.parts]
    return BundlePublic(
        **bundle.model_dump(include={"code", "version", "life_event", "name", "description"}),
        parts=[BundlePart(code=p.code, agency=p.agency, name=p.name) for p in parts],
    )


@router.get("/services", response_model=list[ServiceSummary])
def list_services(
    response: Response,
    catalogue: CatalogueDep,
    q: str = "",
    category: Category | None = None,
    event: LifeEvent | None = None,
) -> list[ServiceSummary]:
    """Every service in the catalogue, optionally searched (Thai or English, by substring) and
    filtered by category and life event."""
    response.headers["Cache-Control"] = CACHE_CONTROL
    found = search_catalogue(
        catalogue,
        query=q[:MAX_QUERY],
        category=category.value if category else "",
        event=event.value if event else "",
    )
    return [ServiceSummary.model_validate(_summary(s)) for s in found]


@router.get("/services/{code}", response_model=ServiceDetail)
def get_service(code: str, response: Response, catalogue: CatalogueDep) -> ServiceDetail:
    """One service: what it needs, what the portal fetches itself, from whom and why."""
    response.headers["Cache-Control"] = CACHE_CONTROL
    return _detail(catalogue.get(code))


@router.get("/bundles", response_model=list[BundlePublic])
def list_bundles(
    response: Response, catalogue: CatalogueDep, q: str = "", event: LifeEvent | None = None
) -> list[BundlePublic]:
    """Life-event bundles: one application that files several services."""
    response.headers["Cache-Control"] = CACHE_CONTROL
    found = search_bundles(catalogue, query=q[:MAX_QUERY], event=event.value if event else "")
    return [_bundle(b, catalogue) for b in found]


@router.get("/bundles/{code}", response_model=BundlePublic)
def get_bundle(code: str, response: Response, catalogue: CatalogueDep) -> BundlePublic:
    """One life-event bundle and the services it files."""
    response.headers["Cache-Control"] = CACHE_CONTROL
    return _bundle(catalogue.get_bundle(code), catalogue)
