"""Process-wide runtime settings every portal process applies when it builds the app."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime

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


def test_a_serve_worker_freezes_what_it_built_before_its_first_request(tmp_path):
    """`portal.asgi` (what each `portal serve` worker imports) leaves the app, its routes and
    the catalogue out of the cyclic collector's walks. In a process of its own: freezing the
    test process would keep every app the tests build."""
    script = (
        "import gc; assert gc.get_freeze_count() == 0; import portal.asgi; "
        "print(gc.get_freeze_count())"
    )
    env = dict(os.environ, PORTAL_DATA_DIR=str(tmp_path), PORTAL_ENV="development")
    env.pop("PORTAL_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) > 10_000


def test_default_factories_are_inspected_once_each(settings, monkeypatch):
    """pydantic asks whether a default factory takes the validated data on every default it
    makes (by `inspect.signature`); after create_app it asks once per factory."""
    from pydantic._internal import _fields, _typing_extra

    from portal.app import create_app
    from portal.db import utcnow
    from services.mailbox.models import MailboxMessage

    create_app(settings)

    def message() -> MailboxMessage:
        return MailboxMessage(
            citizen_id=1, kind="notice", subject_th="", subject_en="", body_th="", body_en=""
        )

    message()  # each factory asked once
    asked: list[object] = []
    inspect_signature = _typing_extra.signature_no_eval
    monkeypatch.setattr(
        _typing_extra, "signature_no_eval", lambda f: asked.append(f) or inspect_signature(f)
    )
    before = datetime.now(UTC)
    first, second = message(), message()
    assert first.id != second.id and second.created_at >= before
    assert asked == []
    _fields.takes_validated_data_argument.__wrapped__(utcnow)  # the uncached check asks
    assert asked == [utcnow]


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
