"""A read replica URL: public read-only routes read through it, writes never go there."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from portal.app import create_app
from portal.deps import ReadOnlySessionError, get_read_db
from portal.migrate import migrate
from services.calendar.models import Holiday


@pytest.fixture
def replica_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'replica.db'}"
    migrate(url)
    return url


def test_public_statistics_read_the_replica_and_writes_stay_on_the_primary(
    settings, clean_engine, replica_url
):
    app = create_app(settings.model_copy(update={"database_replica_url": replica_url}))
    assert app.state.read_engine is not app.state.engine
    assert str(app.state.read_engine.url).endswith("replica.db")
    statements: list[str] = []

    from sqlalchemy import event

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(app.state.read_engine, "before_cursor_execute", record)
    try:
        with TestClient(app) as client:
            assert client.get("/api/v1/statistics").status_code == 200
            assert client.get("/statistics.csv").status_code == 200
            assert statements, "the statistics were not read through the replica"
            seen = len(statements)
            client.get("/services")  # the catalogue needs no database at all
    finally:
        event.remove(app.state.read_engine, "before_cursor_execute", record)
    writes = [
        s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == [] and len(statements) >= seen


def test_a_write_through_readdb_is_refused(settings, clean_engine, replica_url):
    from datetime import date

    app = create_app(settings.model_copy(update={"database_replica_url": replica_url}))

    class FakeRequest:
        pass

    request = FakeRequest()
    request.app = app  # type: ignore[attr-defined]
    sessions = get_read_db(request)  # type: ignore[arg-type]
    db = next(sessions)
    db.add(Holiday(day=date(2030, 1, 2), name_th="x", name_en="x"))
    with pytest.raises(ReadOnlySessionError):
        db.flush()
    sessions.close()
    with app.state.read_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM holiday")).scalar_one() == 0
