"""Schemathesis against the portal's own `/openapi.json`, over a real socket.

Every operation gets generated requests (valid and invalid), anonymously and with a citizen's
real access token. Each answer must not be a server error, must have a status code the
operation documents, a documented content type, and a body matching the documented schema.

Bounded for CI: 25 derandomised examples per operation (the same cases every run, so a
failure reproduces), on SQLite and on PostgreSQL like every database test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from portal.app import create_app
from tests.fixtures.db import empty_all_tables
from tests.fixtures.identity import obtain_access_token
from tests.fixtures.servers import LiveServer, free_port, make_settings, start_live_server

pytestmark = pytest.mark.e2e  # over a real socket; `make test` (CI) runs it on both databases

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

BOUNDED = hypothesis_settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,  # no example database: the same cases every run, nothing written to disk
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def fuzzed_portal(
    live_servers, data_dir, ports, database_url, engine
) -> Iterator[tuple[LiveServer, dict]]:
    """One portal on a real port for the whole module; its tables are emptied afterwards."""
    settings = make_settings(
        data_dir=data_dir,
        ports=ports,
        database_url=database_url,
        base_url="http://127.0.0.1",
    )
    app = create_app(settings)
    server = start_live_server(app, free_port())
    yield server, app.openapi()
    server.stop()
    empty_all_tables(engine)


@pytest.fixture(scope="module")
def citizen_token(fuzzed_portal, live_servers, data_dir, ports, people) -> str:
    settings = make_settings(data_dir=data_dir, ports=ports, database_url="sqlite://")
    return obtain_access_token(settings, people[0])


def fuzz(openapi: dict, base_url: str, *, tag: str | None = None, **call) -> list[str]:
    """Runs every operation's generated cases (valid and invalid); returns one line per
    operation that failed a check, with the first failure Schemathesis reports for it."""
    schema = schemathesis.openapi.from_dict(openapi)
    if tag is not None:
        schema = schema.include(tag=tag)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "no operation to test"
    for operation in operations:
        strategy = operation.as_strategy(GenerationMode.POSITIVE)
        try:
            strategy = strategy | operation.as_strategy(GenerationMode.NEGATIVE)
        except Exception:  # nothing to make invalid (no parameters, no body)
            pass

        @BOUNDED
        @given(case=strategy)
        def run(case) -> None:
            case.call_and_validate(base_url=base_url, checks=CHECKS, timeout=30, **call)

        try:
            run()
        except (Exception, BaseExceptionGroup) as failure:  # each operation's failure reported
            summary = str(failure).split("Reproduce with:")[0][:600]
            reproduce = str(failure).split("Reproduce with:")[-1].strip().split("\n")[0]
            failures.append(f"{operation.label}: {summary} ... {reproduce}")
    return failures


def test_the_api_answers_anonymous_clients_as_documented(fuzzed_portal):
    server, openapi = fuzzed_portal
    failures = fuzz(openapi, server.url)
    assert failures == [], "\n\n".join(failures)


def test_the_api_answers_a_signed_in_citizen_as_documented(fuzzed_portal, citizen_token):
    server, openapi = fuzzed_portal
    bearer = {"Authorization": f"Bearer {citizen_token}"}
    failures = fuzz(openapi, server.url, tag="citizen", headers=bearer)
    assert failures == [], "\n\n".join(failures)


def test_every_operation_documents_its_refusals(fuzzed_portal):
    """401 on citizen endpoints, 422 wherever input is parsed: what a client must handle."""
    _, openapi = fuzzed_portal
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if "citizen" in operation.get("tags", ()):
                assert "401" in codes, f"{method.upper()} {path}"
