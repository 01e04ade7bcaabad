"""The service catalogue, a page per service and a page per life-event bundle (public).

1. `/services` searches (`?q=`) and filters by category (`?category=`) and life event
   (`?event=`) with plain links and a GET form: no script needed. Counts per category follow
   the search and the life event, so a reader sees where the matches are.
2. `/services/{code}` states what the citizen fills in, what the portal fetches itself (from
   whom, why, under which law, with or without consent, or which copy may be uploaded
   instead), uploads, someone else's approval, fee, legal processing time, decision, identity
   assurance level, channels, outcome and how many paper documents it saves.
3. `/bundles/{code}` shows a life-event bundle: each service it files, from whom, and what is
   fetched for it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from portal.deps import get_optional_citizen
from portal.templating import render_public
from services.agencies import get_agency
from services.catalogue.agency import Agency
from services.catalogue.definitions import (
    CATEGORIES,
    LIFE_EVENTS,
    BundleDefinition,
    EvidenceSpec,
    ServiceDefinition,
)
from services.catalogue.service import Catalogue, get_catalogue
from services.exchange.datasets import DatasetContract, FieldContract

public = APIRouter(
    tags=["public"], include_in_schema=False, dependencies=[Depends(get_optional_citizen)]
)

CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]
"""The loaded catalogue; tests replace it through `app.dependency_overrides[get_catalogue]`."""

MAX_QUERY = 100

# Thai text is often typed with a zero-width space between words, or with SARA AM written as
# NIKHAHIT + SARA AA (two code points that look the same); NFKC folds the latter.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def normalise(text: str) -> str:
    """Text as compared by the search: NFKC, case-folded, without zero-width characters."""
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE).casefold()


def searchable_texts(service: ServiceDefinition) -> list[str]:
    """Everything a search looks in, in Thai and English: names, description, agency, category,
    life events, what is fetched and the paper copies it replaces, uploads, the outcome."""
    texts = [service.code, service.name.th, service.name.en]
    texts += [service.description.th, service.description.en]
    agency = get_agency(service.agency)
    if agency is not None:
        texts += [agency.name_th, agency.name_en]
    texts += CATEGORIES.get(service.category, ())
    for event in service.life_events:
        texts += LIFE_EVENTS.get(event, ())
    for item in service.evidence:
        contract = _contract(item)
        if contract is not None:
            texts += [contract.title_th, contract.title_en]
        if item.upload_instead is not None:
            texts += [item.upload_instead.th, item.upload_instead.en]
    for upload in service.uploads:
        texts += [upload.label.th, upload.label.en]
    if service.certificate is not None:
        texts += [service.certificate.title.th, service.certificate.title.en]
    return texts


def matches(service: ServiceDefinition, query: str) -> bool:
    """Whether every word of the query is a substring of one of the service's texts.

    Thai is written without spaces between words, so each word is matched as a substring
    ("ทะเบียนบ้าน" inside "สำเนาทะเบียนบ้าน"); words the reader separated with spaces must all
    be found, in any order ("residence certificate" finds "Certificate of residence").
    """
    words = normalise(query).split()
    if not words:
        return True
    haystack = _haystack(service)
    return all(word in haystack for word in words)


# Normalised search texts per service definition, built at its first search: a catalogue's
# definitions do not change once loaded (a reload makes new ones), and normalising every text of
# every service was most of a search (1.5 ms of 2 on the load benchmark). Keyed by id() with the
# definition kept alive beside it, so an id is never reused while its entry exists.
_HAYSTACKS: dict[int, tuple[ServiceDefinition, str]] = {}
_HAYSTACKS_MAX = 4096


def _haystack(service: ServiceDefinition) -> str:
    entry = _HAYSTACKS.get(id(service))
    if entry is not None and entry[0] is service:
        return entry[1]
    if len(_HAYSTACKS) >= _HAYSTACKS_MAX:
        _HAYSTACKS.clear()
    haystack = "\n".join(normalise(t) for t in searchable_texts(service))
    _HAYSTACKS[id(service)] = (service, haystack)
    return haystack


def search_catalogue(
    catalogue: Catalogue, *, query: str = "", category: str = "", event: str = ""
) -> list[ServiceDefinition]:
    """The services matching a search text, a category and a life event (each optional).

    An unknown category or life event matches nothing: a stale link shows an empty list,
    never the whole catalogue.
    """
    return [
        s
        for s in catalogue.services
        if (not category or s.category == category)
        and (not event or event in s.life_events)
        and matches(s, query[:MAX_QUERY])
    ]


def search_bundles(
    catalogue: Catalogue, *, query: str = "", event: str = ""
) -> list[BundleDefinition]:
    """Bundles whose name, description or life event match, optionally of one life event."""
    words = normalise(query[:MAX_QUERY]).split()
    found = []
    for bundle in catalogue.bundles:
        if event and bundle.life_event != event:
            continue
        texts = [bundle.code, bundle.name.th, bundle.name.en, bundle.description.th]
        texts += [bundle.description.en, *LIFE_EVENTS.get(bundle.life_event, ())]
        haystack = "\n".join(normalise(t) for t in texts)
        if all(word in haystack for word in words):
            found.append(bundle)
    return found


def count_by(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


@dataclass(frozen=True)
class EvidenceView:
    """One evidence item with the labels a page shows: dataset, agency, fields."""

    spec: EvidenceSpec
    agency: Agency | None
    dataset: DatasetContract | None
    fields: list[FieldContract]  # the fields read (empty for a match check)
    match_fields: list[FieldContract]  # the fields compared without being read

    def __getitem__(self, key: str) -> Any:
        # apply.html reads items as mappings (item["spec"] and item.spec both work in Jinja).
        return getattr(self, key)


def _contract(item: EvidenceSpec) -> DatasetContract | None:
    agency = get_agency(item.agency)
    return agency.dataset(item.dataset_name) if agency else None


def describe_evidence(service: ServiceDefinition) -> list[EvidenceView]:
    """What the portal will fetch for a service, with agency and field labels, for display."""
    return describe_items(service.evidence)


def describe_items(items: Iterable[EvidenceSpec]) -> list[EvidenceView]:
    """Evidence items with their agency and field labels, for display."""
    views = []
    for item in items:
        contract = _contract(item)
        views.append(
            EvidenceView(
                spec=item,
                agency=get_agency(item.agency),
                dataset=contract,
                fields=_labels(contract, item.fields),
                match_fields=_labels(contract, item.match),
            )
        )
    return views


def _labels(contract: DatasetContract | None, names: Iterable[str]) -> list[FieldContract]:
    found = (contract.field(n) if contract else None for n in names)
    return [f for f in found if f is not None]


def evidence_items(service_code: str) -> list[EvidenceView]:
    """`describe_evidence` for a service of the loaded catalogue, by code."""
    return describe_evidence(get_catalogue().get(service_code))


def services_url(**params: str) -> str:
    """A link to the catalogue with the given search and filters (empty ones left out)."""
    query = urlencode({k: v for k, v in params.items() if v})
    return f"/services?{query}" if query else "/services"


def _known(value: str, known: dict[str, tuple[str, str]]) -> str:
    return value if value in known else ""


@public.get("/services", response_class=HTMLResponse)
def catalogue_page(
    request: Request, catalogue: CatalogueDep, q: str = "", category: str = "", event: str = ""
) -> HTMLResponse:
    query = q[:MAX_QUERY]
    category, event = _known(category, CATEGORIES), _known(event, LIFE_EVENTS)
    return render_public(
        request,
        "catalogue.html",
        source=catalogue,
        key=(query, category, event),
        context=lambda: _catalogue_context(catalogue, query, category, event),
    )


def _catalogue_context(
    catalogue: Catalogue, query: str, category: str, event: str
) -> dict[str, Any]:
    before_category = search_catalogue(catalogue, query=query, event=event)
    services = [s for s in before_category if not category or s.category == category]
    groups = [
        (code, [s for s in services if s.category == code])
        for code in CATEGORIES
        if any(s.category == code for s in services)
    ]
    return {
        "services": services,
        "groups": groups,
        "query": query,
        "category": category,
        "event": event,
        "categories": CATEGORIES,
        "life_events": LIFE_EVENTS,
        "category_counts": count_by(s.category for s in before_category),
        "event_counts": count_by(
            e
            for s in search_catalogue(catalogue, query=query, category=category)
            for e in s.life_events
        ),
        "bundles": search_bundles(catalogue, query=query, event=event),
        "get_agency": get_agency,
        "services_url": services_url,
    }


@public.get("/services/{code}", response_class=HTMLResponse)
def service_page(request: Request, code: str, catalogue: CatalogueDep) -> HTMLResponse:
    service = catalogue.get(code)
    return render_public(
        request,
        "service.html",
        source=catalogue,
        key=(),
        context=lambda: {
            "service": service,
            "agency": get_agency(service.agency),
            "evidence": describe_evidence(service),
            "categories": CATEGORIES,
            "life_events": LIFE_EVENTS,
            "bundles": [b for b in catalogue.bundles if code in b.parts],
        },
    )


@public.get("/bundles/{code}", response_class=HTMLResponse)
def bundle_page(request: Request, code: str, catalogue: CatalogueDep) -> HTMLResponse:
    bundle = catalogue.get_bundle(code)
    parts = [catalogue.get(part) for part in bundle.parts]
    return render_public(
        request,
        "bundle.html",
        source=catalogue,
        key=(),
        context=lambda: {
            "bundle": bundle,
            "parts": [(s, get_agency(s.agency), describe_evidence(s)) for s in parts],
            "life_events": LIFE_EVENTS,
        },
    )
