"""Process-wide runtime settings every portal process applies when it builds the app."""

from __future__ import annotations

import gc
import threading

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from portal.runtime import GC_GEN0_THRESHOLD, InlineHandlers, offloaded, tune_garbage_collector


@pytest.fixture
def default_gc_thresholds():
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # CPython's defaults
    yield
    gc.set_threshold(*saved)


def test_building_the_app_runs_the_young_generation_collector_less_often(
    default_gc_thresholds, settings
):
    from portal.app import create_app

    create_app(settings)
    assert gc.get_threshold() == (GC_GEN0_THRESHOLD, 10, 10)


def test_a_higher_threshold_set_by_the_operator_is_kept(default_gc_thresholds):
    gc.set_threshold(50_000, 10, 10)
    tune_garbage_collector()
    assert gc.get_threshold() == (50_000, 10, 10)


# -- handlers on the event loop (settings.inline_handlers) -------------------------------------


def _thread_recording_app(*, inline: bool):
    """A FastAPI app whose sync dependency, generator dependency and endpoints say which thread
    ran them, with InlineHandlers as the portal installs it when the setting is on.
    (`Depends` as defaults: string annotations could not name these local functions.)"""
    seen: dict[str, object] = {"closed": [], "loop": None}

    def session_like():
        seen["generator_enter"] = threading.get_ident()
        try:
            yield "session"
        except ValueError as error:
            seen["closed"].append(f"rolled back: {error}")  # type: ignore[union-attr]
            raise
        else:
            seen["closed"].append("committed")  # type: ignore[union-attr]
        seen["generator_exit"] = threading.get_ident()

    def viewer(session: str = Depends(session_like)) -> str:
        seen["dependency"] = threading.get_ident()
        return session

    app = FastAPI()

    @app.middleware("http")
    async def note_loop_thread(request, call_next):  # type: ignore[no-untyped-def]
        seen["loop"] = threading.get_ident()
        return await call_next(request)

    @app.get("/page")
    def page(who: str = Depends(viewer)) -> dict[str, str]:
        seen["endpoint"] = threading.get_ident()
        return {"who": who}

    @app.get("/calls-out")
    @offloaded
    def calls_out(who: str = Depends(viewer)) -> dict[str, str]:
        seen["offloaded"] = threading.get_ident()
        return {"who": who}

    @app.get("/fails")
    def fails(who: str = Depends(viewer)) -> dict[str, str]:
        raise ValueError("boom")

    if inline:
        app.add_middleware(InlineHandlers)
    return app, seen


def test_inline_handlers_run_endpoints_and_dependencies_on_the_event_loop():
    app, seen = _thread_recording_app(inline=True)
    with TestClient(app) as client:
        assert client.get("/page").json() == {"who": "session"}
        loop = seen["loop"]
        assert seen["endpoint"] == seen["dependency"] == seen["generator_enter"] == loop
        assert seen["closed"] == ["committed"]
        assert seen["generator_exit"] == loop
        # A handler that waits on another server keeps its thread; its dependencies need not,
        # but their exit (a commit) follows it off the loop, where it could queue behind
        # requests waiting for its locks.
        assert client.get("/calls-out").status_code == 200
        assert seen["offloaded"] != seen["loop"]
        assert seen["generator_exit"] != seen["loop"]
        assert seen["closed"] == ["committed", "committed"]


def test_inline_handlers_still_let_a_generator_dependency_see_the_failure():
    app, seen = _thread_recording_app(inline=True)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/fails").status_code == 500
    assert seen["closed"] == ["rolled back: boom"]


def test_without_inline_handlers_fastapi_keeps_its_thread_pool():
    app, seen = _thread_recording_app(inline=False)
    with TestClient(app) as client:
        client.get("/page")
    assert seen["endpoint"] != seen["loop"]
    assert seen["dependency"] != seen["loop"]


def test_the_handlers_that_wait_on_the_provider_or_a_registry_are_offloaded():
    from portal.web import auth, delegations, kiosk
    from portal.web.backoffice import signin

    for handler in (
        auth.login,
        auth.callback,
        auth.logout,
        signin.login,
        signin.callback,
        signin.logout,
        kiosk.sign_in,
        kiosk.sign_in_status,
        delegations.find_children,
    ):
        assert getattr(handler, "__portal_offloaded__", False), handler.__qualname__


def test_the_portal_answers_pages_and_the_api_with_inline_handlers(settings, clean_engine):
    from portal.app import create_app

    app = create_app(settings.model_copy(update={"inline_handlers": True}))
    with TestClient(app) as client:
        page = client.get("/services")
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
        assert client.get("/api/v1/services").status_code == 200
        assert client.get("/petitions", follow_redirects=False).status_code in (302, 303, 401)


# -- which bearer tokens can be checked without the provider -----------------------------------


def _offline_relying_party():
    from identity.oidc import RelyingParty

    return RelyingParty(
        issuer="http://provider.invalid",
        client_id="portal",
        client_secret="secret",
        redirect_uri="http://portal.invalid/auth/callback",
        scopes="openid",
        http=None,  # type: ignore[arg-type]  # nothing here may reach the provider
    )


def _relying_party_with_keys(fetched_seconds_ago: float):
    import time

    from joserfc.jwk import KeySet

    keys = KeySet.generate_key_set("RSA", 2048, count=1)
    rp = _offline_relying_party()
    rp._jwks, rp._jwks_at = keys, time.monotonic() - fetched_seconds_ago
    return rp, keys.keys[0].kid


def _token_with_kid(kid: object) -> str:
    import base64
    import json

    header = base64.urlsafe_b64encode(json.dumps({"alg": "RS256", "kid": kid}).encode())
    return header.decode().rstrip("=") + ".e30.c2ln"


def test_a_token_of_a_cached_key_is_checked_without_the_provider():
    rp, kid = _relying_party_with_keys(fetched_seconds_ago=3600)
    assert rp.can_verify_offline(_token_with_kid(kid))
    assert rp.can_verify_offline("not a jwt")  # refused before any key is needed


def test_an_unknown_key_needs_the_provider_unless_the_keys_were_just_fetched():
    rp, _ = _relying_party_with_keys(fetched_seconds_ago=3600)
    assert not rp.can_verify_offline(_token_with_kid("rotated-key"))
    rp, _ = _relying_party_with_keys(fetched_seconds_ago=1)
    assert rp.can_verify_offline(_token_with_kid("rotated-key"))  # refused, no refresh


def test_no_cached_keys_needs_the_provider():
    assert not _offline_relying_party().can_verify_offline(_token_with_kid("any"))
