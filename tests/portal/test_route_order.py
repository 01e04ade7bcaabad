"""The routers are included busiest first (portal.app.by_traffic), and that changes no answer.

A request is matched against routes in order and the first full match wins, so moving a
router ahead could only change an answer if one of its routes and a route it overtook could
match the same path. Every route starts with a literal segment, so two routes can only both
match when they share that segment: routers sharing one must keep their declared order.
"""

from __future__ import annotations

from itertools import combinations

from fastapi.routing import _IncludedRouter
from fastapi.testclient import TestClient

from portal.api.v1 import routers as api_routers
from portal.app import by_traffic, create_app, first_segments, traffic_rank
from portal.web import routers as web_routers


def declared() -> list:
    return [*web_routers(), *api_routers()]


def test_every_route_starts_with_a_literal_segment():
    parameterised = [
        getattr(route, "path", "?")
        for router in declared()
        for route in router.routes
        if "{" in getattr(route, "path", "/").strip("/").split("/")[0]
    ]
    assert parameterised == []


def test_routers_sharing_a_first_segment_keep_their_declared_order():
    routers = declared()
    ordered = by_traffic(routers)
    position = {id(r): i for i, r in enumerate(ordered)}
    swapped = [
        (sorted(first_segments(a)), sorted(first_segments(b)))
        for a, b in combinations(routers, 2)
        if first_segments(a) & first_segments(b) and position[id(a)] > position[id(b)]
    ]
    assert swapped == []


def test_the_busiest_routes_come_first(settings):
    app = create_app(settings)
    included = [r.original_router for r in app.router.routes if isinstance(r, _IncludedRouter)]
    assert len(included) == len(declared())
    leading = [sorted(first_segments(r))[0] for r in included[:2]]
    assert leading == ["petitions", "petitions"]
    order = [traffic_rank(r) for r in included]
    assert order == sorted(order)


def test_pages_of_every_group_still_answer(settings):
    with TestClient(create_app(settings)) as client:
        assert client.get("/services").status_code == 200
        assert client.get("/api/v1/services").status_code == 200
        assert client.get("/healthz").status_code == 200
        assert client.get("/petitions", follow_redirects=False).status_code == 303
        assert client.get("/backoffice/", follow_redirects=False).status_code in (303, 307)
        assert client.get("/no-such-page").status_code == 404
