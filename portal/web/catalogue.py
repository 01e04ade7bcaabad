"""The service catalogue and a page per service (public: no sign-in needed)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from portal.deps import get_optional_citizen
from portal.templating import render
from services.agencies import get_agency
from services.catalogue.service import get_catalogue, search_services

public = APIRouter(
    tags=["public"], include_in_schema=False, dependencies=[Depends(get_optional_citizen)]
)


def evidence_items(service_code: str) -> list[dict[str, object]]:
    """What the portal will fetch for a service, with agency and field labels, for display."""
    service = get_catalogue().get(service_code)
    items = []
    for item in service.evidence:
        agency = get_agency(item.agency)
        contract = agency.dataset(item.dataset_name) if agency else None
        assert agency is not None and contract is not None  # checked when the catalogue loads
        items.append(
            {
                "spec": item,
                "agency": agency,
                "dataset": contract,
                "fields": [contract.field(f) for f in item.fields],
            }
        )
    return items


@public.get("/services", response_class=HTMLResponse)
def catalogue(request: Request, q: str = "") -> HTMLResponse:
    services = search_services(get_catalogue(), q[:100])
    return render(
        request, "catalogue.html", services=services, query=q[:100], get_agency=get_agency
    )


@public.get("/services/{code}", response_class=HTMLResponse)
def service_page(request: Request, code: str) -> HTMLResponse:
    service = get_catalogue().get(code)
    return render(
        request,
        "service.html",
        service=service,
        agency=get_agency(service.agency),
        evidence=evidence_items(code),
    )
