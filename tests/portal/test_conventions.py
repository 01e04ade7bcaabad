"""Guard tests that keep the project's conventions true."""

from __future__ import annotations

import inspect
from pathlib import Path

from babel.messages.extract import extract_from_dir
from fastapi.routing import APIRoute

from portal.api.v1 import routers as api_routers
from portal.csrf import verify_csrf
from portal.deps import get_api_citizen, get_current_citizen
from portal.i18n import load_catalog
from portal.web import routers as web_routers

AUDIENCES = {"public", "citizen", "officer", "kiosk"}
ROOT = Path(__file__).resolve().parents[2]


def _dependency_calls(route: APIRoute) -> set[object]:
    seen: set[object] = set()
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        seen.add(dep.call)
        stack.extend(dep.dependencies)
    return seen


def all_routes() -> list[APIRoute]:
    """Every route of the app, from the routers `create_app` includes (FastAPI 0.16x includes
    routers lazily, so `app.routes` no longer lists them one by one)."""
    routes = [r for router in (*web_routers(), *api_routers()) for r in router.routes]
    assert all(isinstance(r, APIRoute) for r in routes)
    return routes  # type: ignore[return-value]


def test_the_route_list_is_complete():
    paths = {r.path for r in all_routes()}
    assert {"/login", "/auth/callback", "/services/{code}/apply", "/verify", "/healthz"} <= paths
    assert {"/api/v1/petitions", "/api/v1/verify"} <= paths
    assert len(paths) > 20


def test_every_route_names_exactly_one_audience():
    for route in all_routes():
        audiences = set(route.tags) & AUDIENCES
        assert len(audiences) == 1, f"{route.path} has audiences {route.tags}"


def test_citizen_routes_require_a_signed_in_citizen():
    for route in all_routes():
        if "citizen" in route.tags:
            calls = _dependency_calls(route)
            assert get_current_citizen in calls or get_api_citizen in calls, route.path


# Machine protocols, not forms: no cookies are read, nothing changes for a signed-in person.
NOT_FORMS = {
    "/pki/tsa",  # RFC 3161 timestamp requests (application/timestamp-query)
    # The kiosk print agent: JSON with a bearer credential, no cookie (portal/web/kiosk_agent.py).
    "/kiosk/agent/jobs/{print_id}",
    "/kiosk/agent/status",
}


def test_every_html_form_post_checks_csrf():
    posts = [
        r
        for r in all_routes()
        if "POST" in r.methods and not r.path.startswith("/api/") and r.path not in NOT_FORMS
    ]
    assert {r.path for r in posts} >= {"/logout", "/verify", "/services/{code}/apply"}
    for route in posts:
        assert verify_csrf in _dependency_calls(route), f"{route.path} has no CSRF check"


def test_every_message_has_a_thai_translation():
    thai = load_catalog("th")
    missing = []
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map=[("templates/pages/**.html", "jinja2")],
        options_map={"templates/pages/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid and msgid not in thai:
                missing.append(msgid)
    assert missing == []


def test_every_agency_folder_is_listed():
    from services.agencies import AGENCY_MODULES

    listed = {Path(inspect.getfile(m)).parent.name for m in AGENCY_MODULES}
    folders = {p.parent.name for p in (ROOT / "services").glob("*/contract.py")}
    assert folders == listed


def test_every_service_definition_validates():
    from services.catalogue.service import load_catalogue

    catalogue = load_catalogue()
    assert "dopa.residence-certificate" in {s.code for s in catalogue.services}
