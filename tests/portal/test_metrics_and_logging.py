"""/metrics (route templates, queue depth, certificates, access rules) and request ids in
structured logs (issue 8)."""

from __future__ import annotations

import json
import logging

from fastapi.testclient import TestClient

from portal.app import create_app
from portal.observability import JsonFormatter, accept_request_id, log_context


def scrape(client: TestClient, token: str = "scrape-secret") -> str:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.text


def metric_value(text: str, prefix: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix)
    )


def test_metrics_count_requests_by_route_template_and_need_the_token(settings, clean_engine):
    app = create_app(settings.model_copy(update={"metrics_token": "scrape-secret"}))
    with TestClient(app) as client:
        assert client.get("/metrics").status_code == 404  # not a loopback client, no token
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
        before = metric_value(
            scrape(client),
            'portal_http_requests_total{method="GET",route="/services/{code}",status="200"}',
        )
        client.get("/services/dopa.residence-certificate")
        client.get("/services/dopa.residence-certificate?lang=en")
        client.get("/no/such/page/12345")
        text = scrape(client)
    after = metric_value(
        text, 'portal_http_requests_total{method="GET",route="/services/{code}",status="200"}'
    )
    assert after - before == 2
    assert "dopa.residence-certificate" not in text  # template, never the raw path
    assert 'route="<unmatched>"' in text and "/no/such/page" not in text
    assert (
        'portal_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/services/{code}"}'
        in text
    )
    assert 'portal_petition_jobs{state="pending"}' in text


def test_queue_depth_and_certificates_issued_follow_the_database(
    settings, clean_engine, client, people, process_jobs
):
    from tests.fixtures.identity import obtain_access_token

    app = client.app
    app.state.settings = settings.model_copy(update={"metrics_token": "scrape-secret"})
    token = obtain_access_token(settings, people[0])
    before = metric_value(scrape(client), 'portal_certificates_issued_total{agency="dopa"}')
    created = client.post(
        "/api/v1/petitions",
        json={
            "service_code": "dopa.residence-certificate",
            "consent": ["dopa.population"],
            "answers": {"purpose": "employment"},
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 202
    assert metric_value(scrape(client), 'portal_petition_jobs{state="pending"}') == 1
    process_jobs()
    text = scrape(client)
    assert metric_value(text, 'portal_petition_jobs{state="pending"}') == 0
    assert metric_value(text, 'portal_certificates_issued_total{agency="dopa"}') - before == 1


def test_a_request_id_is_accepted_echoed_or_made(client):
    given = client.get("/healthz", headers={"X-Request-ID": "lb-1234.abcd"})
    assert given.headers["x-request-id"] == "lb-1234.abcd"
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert forged.headers["x-request-id"] != "bad id\nwith newline"
    assert len(forged.headers["x-request-id"]) == 32
    assert accept_request_id("x" * 129) != "x" * 129


def test_json_log_lines_carry_the_request_id_and_context():
    from portal.observability import ContextFilter, request_id_scope

    record = logging.LogRecord("portal.test", logging.INFO, __file__, 1, "hello %s", ("ไทย",), None)
    with request_id_scope("req-1"), log_context(petition_id="P-1"):
        ContextFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "hello ไทย" and line["request_id"] == "req-1"
    assert line["petition_id"] == "P-1" and line["level"] == "info"


def test_the_exchange_passes_the_request_id_and_counts_failures_per_registry(db, people):
    import httpx
    import pytest

    from portal.metrics import EVIDENCE_FETCH_ERRORS
    from portal.observability import request_id_scope
    from services.exchange.errors import RegistryUnavailableError
    from tests.services.exchange.test_client import request_for
    from tests.services.petitions.factories import create_citizen, registry_answering

    citizen = create_citizen(db, people[0])
    sent: list[httpx.Request] = []

    def unavailable(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(503)

    errors = EVIDENCE_FETCH_ERRORS.labels(agency="dopa", reason="http_503")
    before = errors._value.get()
    with request_id_scope("req-abc"), pytest.raises(RegistryUnavailableError):
        registry_answering(unavailable).fetch(db, request_for(citizen))
    assert sent[0].headers["X-Correlation-ID"] == "req-abc"
    assert sent[0].headers["X-Request-Id"] != "req-abc"  # the message's own id, signed
    assert errors._value.get() - before == 1


def test_in_production_only_a_bearer_of_the_token_may_scrape():
    """Behind a proxy on the same host every client looks like loopback: in production,
    with no token configured, nobody scrapes."""
    from types import SimpleNamespace

    from portal.metrics import may_scrape

    loopback = SimpleNamespace(client=SimpleNamespace(host="127.0.0.1"), headers={})
    assert may_scrape(loopback, "", production=False)  # type: ignore[arg-type]
    assert not may_scrape(loopback, "", production=True)  # type: ignore[arg-type]
    bearer = SimpleNamespace(
        client=SimpleNamespace(host="203.0.113.9"), headers={"authorization": "Bearer s3cret"}
    )
    assert may_scrape(bearer, "s3cret", production=True)  # type: ignore[arg-type]
