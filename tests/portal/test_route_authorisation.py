"""Every route refuses anonymous and foreign users unless it is public on purpose.

The routes are read from the application itself (`app.routes`, walking FastAPI's lazily
included routers), so a route added later is seen here at once and fails
`test_every_route_is_classified` until someone decides what it is: an entry in `PUBLIC` with a
reason, or in `AUTHENTICATED` naming who may use it.

For every authenticated route an anonymous request (with a valid CSRF token, so that it is the
sign-in check that answers, not the CSRF check) must be refused: 401, a redirect to a sign-in,
or 403 for a kiosk that is not registered; never 2xx, never 5xx. For every route naming an
object (`{petition_id}`, `{number}`, …), a signed-in citizen who does not own the object, or an
officer of another agency, must get 403 or 404, on real objects made here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import _IncludedRouter
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from starlette.routing import BaseRoute, Mount

from documents.sharing import create_share_link
from identity.delegation.service import grant_delegation
from identity.kiosks.service import register_kiosk
from identity.models import Citizen
from portal.db import utcnow
from portal.web.backoffice.signin import get_current_officer
from services.mailbox.service import post_to_mailbox
from services.payments.models import Payment
from services.petitions.models import PetitionApproval
from tests.documents.factories import create_document
from tests.fixtures.identity import obtain_access_token, parse_forms, sign_in
from tests.services.petitions.casework import ONE_OFFICER, make_officer, make_petition

# -- classification --------------------------------------------------------------------------

PUBLIC: dict[str, str] = {
    # Framework
    "GET /openapi.json": "the API description; describes, never answers, personal data",
    "GET /api/docs": "the API explorer page for developers",
    "GET /docs/oauth2-redirect": "part of the API explorer",
    "MOUNT /static": "stylesheets, scripts and images shared by every page",
    # Home, language, health
    "GET /healthz": "load balancers probe it without credentials",
    "GET /": "the home page for everyone",
    "GET /lang/{code}": "choosing a language before signing in",
    # Signing in and out
    "GET /login": "starts the sign-in",
    "GET /auth/callback": "the provider's redirect back; checks state, nonce and PKCE itself",
    "GET /oidc/jwks.json": "the portal's public client key for private_key_jwt",
    "POST /logout": "ends whatever session the browser has; harmless without one",
    # The catalogue
    "GET /services": "the public catalogue",
    "GET /services/{code}": "a service's public description",
    "GET /bundles/{code}": "a life event's public description",
    "GET /api/v1/services": "the public catalogue over the API",
    "GET /api/v1/services/{code}": "a service's public description over the API",
    "GET /api/v1/bundles": "the life events over the API",
    "GET /api/v1/bundles/{code}": "a life event over the API",
    # Verification: anyone holding a document may check it (number + check code, QR or file)
    "GET /verify": "the verification form",
    "GET /verify/{number}": "answers only with the check code; unknown and wrong look alike",
    "GET /v/{number}/{code}": "what a certificate's QR code opens; signature checked first",
    "POST /verify": "checks an uploaded PDF; shows only what the document shows",
    "GET /.well-known/document-keys.json": "public keys for offline QR checks",
    "GET /api/v1/verify/{number}": "verification by number + check code over the API",
    "POST /api/v1/verify": "verification of an uploaded PDF over the API",
    "POST /api/v1/verify/qr": "verification of a QR payload over the API",
    # The PKI: certificates and CRLs must be fetchable by any relying party
    "GET /pki": "the list of CA certificates and fingerprints",
    "GET /pki/root.crt": "the root CA certificate",
    "GET /pki/issuing-ca.crt": "the issuing CA certificate",
    "GET /pki/tsa.crt": "the timestamp authority's certificate",
    "GET /pki/root.crl": "the root's revocation list",
    "GET /pki/issuing-ca.crl": "the issuing CA's revocation list",
    "POST /pki/tsa": "RFC 3161 timestamps (rate limited per address)",
    # Sharing: the 256-bit token in the link is the credential
    "GET /s/{token}": "a share link's landing page; the token is the credential",
    "POST /s/{token}": "opens a shared document; the token is the credential",
    "POST /s/{token}/pdf": "downloads a shared document; the token is the credential",
    # Public statistics: aggregates only, no personal data, minimum group size 5
    "GET /statistics": "public statistics per service",
    "GET /statistics.csv": "public statistics as CSV",
    "GET /api/v1/statistics": "public statistics over the API",
    # The back office's own sign-in steps
    "GET /backoffice/login": "starts the officers' sign-in",
    "GET /backoffice/auth/callback": "the provider's redirect back for officers",
    "POST /backoffice/logout": "ends the officer session the browser has, if any",
    # Kiosk set-up and wipe
    "GET /kiosk/activate": "the activation form for a new device (one-time code)",
    "POST /kiosk/activate": "activates a device with an admin-issued one-time code",
    "POST /kiosk/finish": "wipes the browser; must work even on a disabled kiosk",
    # Payments: the bank's signature is the credential
    "POST /api/v1/payments/callback": "the bank's callback; refused without its RFC 9421 signature",
    # Operations
    "GET /metrics": "Prometheus; a bearer of PORTAL_METRICS_TOKEN or loopback only, else 404",
}

CITIZEN, OFFICER, KIOSK = "citizen", "officer", "kiosk"

AUTHENTICATED: dict[str, str] = {
    # Citizen pages
    "GET /services/{code}/apply": CITIZEN,
    "POST /services/{code}/apply": CITIZEN,
    "GET /bundles/{code}/apply": CITIZEN,
    "POST /bundles/{code}/apply": CITIZEN,
    "GET /me/approvals": CITIZEN,
    "POST /me/approvals/{approval_id}": CITIZEN,
    "GET /petitions": CITIZEN,
    "GET /petitions/{petition_id}": CITIZEN,
    "GET /petitions/{petition_id}/report-error": CITIZEN,
    "POST /petitions/{petition_id}/report-error": CITIZEN,
    "GET /petitions/{petition_id}/supplement": CITIZEN,
    "POST /petitions/{petition_id}/supplement": CITIZEN,
    "GET /petitions/{petition_id}/messages": CITIZEN,
    "POST /petitions/{petition_id}/messages": CITIZEN,
    "GET /documents": CITIZEN,
    "GET /documents/{number}": CITIZEN,
    "GET /documents/{number}/pdf": CITIZEN,
    "POST /documents/{number}/reissue": CITIZEN,
    "GET /documents/{number}/share": CITIZEN,
    "POST /documents/{number}/share": CITIZEN,
    "POST /documents/{number}/share/{share_id}/revoke": CITIZEN,
    "GET /me/data-access": CITIZEN,
    "GET /me/account": CITIZEN,
    "POST /me/sessions/revoke-all": CITIZEN,
    "GET /me/mailbox": CITIZEN,
    "GET /me/mailbox/{message_id}": CITIZEN,
    "POST /me/mailbox/{message_id}/unread": CITIZEN,
    "GET /me/notifications": CITIZEN,
    "POST /me/notifications": CITIZEN,
    "GET /me/delegations": CITIZEN,
    "POST /me/delegations": CITIZEN,
    "POST /me/delegations/children": CITIZEN,
    "POST /me/delegations/{delegation_id}/revoke": CITIZEN,
    # Citizen API (bearer access token)
    "POST /api/v1/petitions": CITIZEN,
    "GET /api/v1/petitions": CITIZEN,
    "GET /api/v1/petitions/{petition_id}": CITIZEN,
    "GET /api/v1/documents": CITIZEN,
    "GET /api/v1/documents/{number}": CITIZEN,
    "GET /api/v1/documents/{number}/pdf": CITIZEN,
    "POST /api/v1/documents/{number}/reissue": CITIZEN,
    "GET /api/v1/documents/{number}/shares": CITIZEN,
    "POST /api/v1/documents/{number}/shares": CITIZEN,
    "DELETE /api/v1/documents/{number}/shares/{share_id}": CITIZEN,
    "GET /api/v1/me/data-access": CITIZEN,
    "GET /api/v1/me/mailbox": CITIZEN,
    "GET /api/v1/payments/{payment_id}": CITIZEN,
    # Paying a fee
    "GET /payments/{payment_id}": CITIZEN,
    "GET /payments/{payment_id}/status": CITIZEN,
    # Back office (second factor included)
    "GET /backoffice/second-factor": OFFICER,
    "POST /backoffice/second-factor": OFFICER,
    "GET /backoffice/": OFFICER,
    "POST /backoffice/next": OFFICER,
    "POST /backoffice/petitions/{petition_id}/claim": OFFICER,
    "POST /backoffice/petitions/{petition_id}/assign": OFFICER,
    "POST /backoffice/petitions/{petition_id}/release": OFFICER,
    "GET /backoffice/petitions/{petition_id}": OFFICER,
    "POST /backoffice/petitions/{petition_id}/approve": OFFICER,
    "POST /backoffice/petitions/{petition_id}/reject": OFFICER,
    "POST /backoffice/petitions/{petition_id}/supplement": OFFICER,
    "POST /backoffice/petitions/{petition_id}/transfer": OFFICER,
    "POST /backoffice/petitions/{petition_id}/notes": OFFICER,
    "POST /backoffice/petitions/{petition_id}/messages": OFFICER,
    "GET /backoffice/bulk": OFFICER,
    "POST /backoffice/bulk-approve": OFFICER,
    "GET /backoffice/dashboard": OFFICER,
    "GET /backoffice/dashboard/{table}.csv": OFFICER,
    "GET /backoffice/admin/holidays": OFFICER,
    "POST /backoffice/admin/holidays": OFFICER,
    "POST /backoffice/admin/holidays/remove": OFFICER,
    "GET /backoffice/admin/kiosks": OFFICER,
    "POST /backoffice/admin/kiosks": OFFICER,
    "POST /backoffice/admin/kiosks/{kiosk_id}/activation-code": OFFICER,
    "POST /backoffice/admin/kiosks/{kiosk_id}/agent-credential": OFFICER,
    "POST /backoffice/admin/kiosks/{kiosk_id}/disable": OFFICER,
    "POST /backoffice/admin/kiosks/{kiosk_id}/enable": OFFICER,
    "POST /backoffice/admin/kiosks/{kiosk_id}/print-mode": OFFICER,
    # Kiosk (a registered device; the citizen's kiosk session where a page is personal)
    "GET /kiosk/": KIOSK,
    "POST /kiosk/sign-in": KIOSK,
    "GET /kiosk/sign-in": KIOSK,
    "GET /kiosk/sign-in/status": KIOSK,
    "GET /kiosk/home": KIOSK,
    "GET /kiosk/choose": KIOSK,
    "POST /kiosk/choose": KIOSK,
    "GET /kiosk/confirm": KIOSK,
    "POST /kiosk/confirm": KIOSK,
    "GET /kiosk/wait": KIOSK,
    "GET /kiosk/status": KIOSK,
    "GET /kiosk/pay": KIOSK,
    "GET /kiosk/print": KIOSK,
    "POST /kiosk/print": KIOSK,
    "GET /kiosk/prints/{print_id}/pdf": KIOSK,
    "POST /kiosk/activity": KIOSK,
    "POST /kiosk/heartbeat": KIOSK,
    # The print agent on the kiosk host (a bearer credential derived from the device's)
    "GET /kiosk/agent/jobs": KIOSK,
    "GET /kiosk/agent/jobs/{print_id}/pdf": KIOSK,
    "POST /kiosk/agent/jobs/{print_id}": KIOSK,
    "POST /kiosk/agent/status": KIOSK,
}

OBJECT_PARAMETERS = {
    "petition_id",
    "number",
    "share_id",
    "message_id",
    "approval_id",
    "delegation_id",
    "payment_id",
    "kiosk_id",
}
"""Path parameters naming something that belongs to one citizen (or one agency)."""


# -- reading the routes off the app ----------------------------------------------------------


def _walk(routes: list[BaseRoute]) -> Iterator[tuple[str, str]]:
    for route in routes:
        if isinstance(route, _IncludedRouter):
            for candidate in route.effective_candidates():
                if isinstance(candidate, _IncludedRouter):
                    yield from _walk([candidate])
                else:
                    yield from _walk([candidate.starlette_route or candidate.original_route])
        elif isinstance(route, Mount):
            yield "MOUNT", route.path
        else:
            for method in sorted(getattr(route, "methods", None) or ()):
                if method != "HEAD":
                    yield method, route.path  # type: ignore[attr-defined]


def app_routes(app: FastAPI) -> set[str]:
    """Every "METHOD /path" the app answers, as FastAPI actually mounts them."""
    return {f"{method} {path}" for method, path in _walk(app.routes)}


def test_every_route_is_classified(app):
    routes = app_routes(app)
    assert len(routes) > 100, "the route walk found too few routes: FastAPI changed?"
    unclassified = sorted(routes - PUBLIC.keys() - AUTHENTICATED.keys())
    assert unclassified == [], (
        "Classify each new route in tests/portal/test_route_authorisation.py: PUBLIC (with a "
        "reason) or AUTHENTICATED (citizen, officer or kiosk)"
    )
    assert not PUBLIC.keys() & AUTHENTICATED.keys()


def test_no_classified_route_is_stale(app):
    """A route renamed or removed must leave the lists too, or they stop meaning anything."""
    routes = app_routes(app)
    assert sorted((PUBLIC.keys() | AUTHENTICATED.keys()) - routes) == []


def test_public_routes_are_tagged_public_and_authenticated_ones_are_not():
    from tests.portal.test_conventions import all_routes

    for route in all_routes():
        for method in route.methods - {"HEAD"}:
            key = f"{method} {route.path}"
            if key in AUTHENTICATED:
                assert AUTHENTICATED[key] in route.tags, key
            elif route.path.startswith(("/backoffice", "/kiosk")):
                assert set(route.tags) & {"officer", "kiosk", "public"}, key
            else:
                assert "public" in route.tags, key


# -- real objects ----------------------------------------------------------------------------


@dataclass
class Objects:
    """One citizen's things (and one agency's petition) that others must not reach."""

    values: dict[str, str]
    owner: Citizen
    share_id: int
    delegation_id: str


@pytest.fixture
def owned(db: Session, people, data_dir) -> Objects:
    owner = Citizen(national_id=people[0].national_id, subject="owner", issuer="test")
    approver = Citizen(national_id=people[2].national_id, subject="approver", issuer="test")
    db.add(owner)
    db.add(approver)
    db.commit()
    petition = make_petition(db, owner, service_code=ONE_OFFICER)  # a BMA petition
    document = create_document(db, citizen_id=owner.id, petition_id=petition.id)
    share, token = create_share_link(
        db,
        document=document,
        citizen_id=owner.id,  # type: ignore[arg-type]
        recipient_name="Bank",
        expires_in_minutes=60,
    )
    message = post_to_mailbox(
        db,
        citizen_id=owner.id,  # type: ignore[arg-type]
        kind="receipt",
        subject_th="ทดสอบ",
        subject_en="Test",
        body_th="ทดสอบ",
        body_en="Test",
        petition_id=petition.id,
    )
    approval = PetitionApproval(
        petition_id=petition.id,
        approver_national_id=owner.national_id,
        role_th="เจ้าบ้าน",
        role_en="House owner",
    )
    db.add(approval)
    delegation = grant_delegation(
        db,
        grantor=owner,
        grantee_national_id=people[2].national_id,
        services=["*"],
        expires_at=utcnow() + timedelta(days=30),
    )
    payment = Payment(
        document_id=document.id,  # type: ignore[arg-type]
        citizen_id=owner.id,  # type: ignore[arg-type]
        petition_id=petition.id,
        service_code=petition.service_code,
        agency="bma",
        amount_satang=2000,
        ref1="0123456789ABCDEF0123",
        ref2=document.number.replace("-", "")[:20],
        biller_id="099400015980801",
    )
    db.add(payment)
    kiosk, _ = register_kiosk(db, name="Front desk", location="City Hall", agency="bma")
    db.commit()
    return Objects(
        values={
            "petition_id": petition.id,
            "number": document.number,
            "share_id": str(share.id),
            "message_id": message.id,
            "approval_id": approval.id,
            "delegation_id": delegation.id,
            "code": ONE_OFFICER,
            "table": "backlog",
            "token": token,
            "payment_id": str(payment.id),
            "kiosk_id": str(kiosk.id),
            # Anonymous requests are refused before any print is looked up; the kiosk tests
            # show another device's agent and session cannot reach a real one.
            "print_id": "1",
        },
        owner=owner,
        share_id=share.id,  # type: ignore[arg-type]
        delegation_id=delegation.id,
    )


def fill(path: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"{path}: make a real object for {{{name}}} in the `owned` fixture"
        return values[name]

    return re.sub(r"\{(\w+)\}", value, path)


def csrf_token(client: TestClient) -> str:
    """A valid token for this browser, read off a public page's form."""
    page = client.get("/verify")
    form = next(f for f in parse_forms(page.text) if "csrf_token" in f["fields"])
    return form["fields"]["csrf_token"]


WELL_FORMED = {
    "decision": "approve",
    "dataset": "dopa.population",
    "details": "The address is wrong",
    "message": "A message long enough to be accepted",
    "note": "A note long enough to be accepted",
    "reason": "A reason long enough to be accepted",
    "recipient_name": "Bank",
    "expires_in_minutes": "60",
}
"""Form fields (and JSON members) each route may need, so that a request is refused for who
sends it, not for a malformed body (422); unused ones are ignored."""


def call(
    client: TestClient, key: str, values: dict[str, str], form: dict | None = None, **kwargs
) -> httpx.Response:
    method, path = key.split(" ", 1)
    url = fill(path, values)
    if method == "POST" and not path.startswith("/api/"):
        body = WELL_FORMED | (form or {}) | {"csrf_token": csrf_token(client)}
        kwargs.setdefault("data", body)
    elif method == "POST":
        kwargs.setdefault("json", WELL_FORMED)
    return client.request(method, url, follow_redirects=False, **kwargs)


def is_sign_in_redirect(answer: httpx.Response) -> bool:
    location = answer.headers.get("location", "")
    return answer.status_code in (302, 303, 307) and (
        location.startswith(("/login", "/backoffice/login", "/backoffice/second-factor"))
        or location in ("/kiosk/", "/kiosk/activate")
    )


# -- anonymous -------------------------------------------------------------------------------


def test_every_authenticated_route_refuses_an_anonymous_visitor(client, owned):
    problems = []
    for key, audience in sorted(AUTHENTICATED.items()):
        answer = call(client, key, owned.values)
        refused = answer.status_code == 401 or is_sign_in_redirect(answer)
        if audience == KIOSK:
            refused = refused or answer.status_code == 403  # "this device is not registered"
        if not refused:
            problems.append(f"{key}: {answer.status_code} {answer.headers.get('location', '')}")
    assert problems == []
    assert client.get("/api/v1/petitions").json()["error"]  # a JSON refusal, not a page


def test_a_bad_bearer_token_is_refused_on_every_api_route(client, owned):
    for key, _ in sorted(AUTHENTICATED.items()):
        if " /api/" not in key:
            continue
        answer = call(client, key, owned.values, headers={"Authorization": "Bearer junk"})
        assert answer.status_code == 401, key


# -- foreign citizens and officers -----------------------------------------------------------


def object_routes(audience: str, *, api: bool) -> list[str]:
    return [
        key
        for key, who in sorted(AUTHENTICATED.items())
        if who == audience
        and (" /api/" in key) == api
        and set(re.findall(r"\{(\w+)\}", key)) & OBJECT_PARAMETERS
    ]


def test_a_foreign_citizen_gets_404_or_403_on_every_object_page(client, owned, people, db):
    sign_in(client, people[1])  # signed in, but owns none of these
    routes = object_routes(CITIZEN, api=False)
    assert len(routes) >= 15
    problems = []
    for key in routes:
        answer = call(client, key, owned.values)
        if answer.status_code not in (403, 404):
            problems.append(f"{key}: {answer.status_code}")
    assert problems == []
    _nothing_changed(db, owned)


def test_a_foreign_citizen_gets_404_or_403_on_every_object_api_route(
    client, owned, people, settings, db
):
    token = obtain_access_token(settings, people[1])
    routes = object_routes(CITIZEN, api=True)
    assert len(routes) >= 7
    problems = []
    for key in routes:
        answer = call(client, key, owned.values, headers={"Authorization": f"Bearer {token}"})
        if answer.status_code not in (403, 404):
            problems.append(f"{key}: {answer.status_code}")
    assert problems == []
    _nothing_changed(db, owned)


def test_the_owner_reaches_the_same_objects(client, owned, people):
    """The foreign tests above prove something only if the owner is let in with the same ids."""
    sign_in(client, people[0])
    for key in (
        "GET /petitions/{petition_id}",
        "GET /documents/{number}/share",
        "GET /me/mailbox/{message_id}",
    ):
        assert call(client, key, owned.values).status_code == 200, key


@pytest.fixture
def officer_of(app: FastAPI, db: Session) -> Iterator[SimpleNamespace]:
    """Puts an officer of the given agency in place, as the signed-in back-office user."""

    def become(agency: str, roles: list[str] | None = None):
        found = make_officer(db, agency=agency, roles=roles or ["officer", "supervisor"])
        app.dependency_overrides[get_current_officer] = lambda: found
        return found

    yield SimpleNamespace(become=become)
    app.dependency_overrides.pop(get_current_officer, None)


def test_an_officer_of_another_agency_gets_404_or_403_on_every_petition_route(
    client, owned, officer_of, db
):
    outsider = officer_of.become("dopa")  # the petition is the BMA's
    routes = object_routes(OFFICER, api=False)
    assert len(routes) >= 10
    problems = []
    for key in routes:
        answer = call(client, key, owned.values, form={"officer_id": str(outsider.id)})
        if answer.status_code not in (403, 404):
            problems.append(f"{key}: {answer.status_code}")
    assert problems == []
    _nothing_changed(db, owned)


def test_an_officer_of_the_agency_reaches_the_petition(client, owned, officer_of):
    officer_of.become("bma")
    assert call(client, "GET /backoffice/petitions/{petition_id}", owned.values).status_code == 200


def _nothing_changed(db: Session, owned: Objects) -> None:
    from documents.models import ShareLink
    from identity.delegation.models import Delegation
    from services.petitions.models import Petition

    db.expire_all()
    assert db.get(ShareLink, owned.share_id).revoked_at is None  # type: ignore[union-attr]
    assert db.get(Delegation, owned.delegation_id).revoked_at is None  # type: ignore[union-attr]
    petition = db.get(Petition, owned.values["petition_id"])
    assert petition.state == "in_review" and petition.assigned_officer_id is None  # type: ignore[union-attr]
    approval = db.exec(select(PetitionApproval)).one()
    assert approval.state == "pending"
