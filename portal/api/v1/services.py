"""The service catalogue (public)."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter
from pydantic import BaseModel

from portal.web.catalogue import evidence_items
from services.catalogue.definitions import Text
from services.catalogue.service import get_catalogue, search_services

router = APIRouter(prefix="/api/v1", tags=["public"])


class EvidencePublic(BaseModel):
    dataset: str
    agency: str
    fields: list[str]
    purpose: Text
    legal_basis: Text
    consent_required: bool


class ServiceSummary(BaseModel):
    code: str
    version: int
    agency: str
    name: Text
    category: str
    channels: list[str]
    fee_baht: Decimal
    processing_days: int
    min_ial: float


class ServiceDetail(ServiceSummary):
    description: Text
    decision: str
    evidence: list[EvidencePublic]
    issues_certificate: bool


@router.get("/services", response_model=list[ServiceSummary])
def list_services(q: str = "") -> list[ServiceSummary]:
    """Every service in the catalogue (optionally filtered by a Thai or English search text)."""
    return [
        ServiceSummary.model_validate(s.model_dump())
        for s in search_services(get_catalogue(), q[:100])
    ]


@router.get("/services/{code}", response_model=ServiceDetail)
def get_service(code: str) -> ServiceDetail:
    """One service: what it needs, what the portal fetches itself, from whom and why."""
    service = get_catalogue().get(code)
    evidence = [
        EvidencePublic(
            dataset=item["spec"].dataset,  # type: ignore[attr-defined]
            agency=item["agency"].code,  # type: ignore[attr-defined]
            fields=list(item["spec"].fields),  # type: ignore[attr-defined]
            purpose=item["spec"].purpose,  # type: ignore[attr-defined]
            legal_basis=item["spec"].legal_basis,  # type: ignore[attr-defined]
            consent_required=item["spec"].consent_required,  # type: ignore[attr-defined]
        )
        for item in evidence_items(code)
    ]
    return ServiceDetail(
        **service.model_dump(exclude={"evidence"}),
        evidence=evidence,
        issues_certificate=service.certificate is not None,
    )
