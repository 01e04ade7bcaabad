"""The load benchmark's script, run tiny so it cannot rot: every process, every request type.

`bench/bench_load.py` with a few hundred petitions, one step of a few users for a few seconds:
the whole pipeline runs for real (fresh database, provider and registries, `portal serve`,
`portal worker`, bearer tokens, template petitions through the worker, the bulk seed, Locust's
preflight of every request type of the mix, the step, the backlog drain and the durability
check). On SQLite, and on PostgreSQL (database `load_smoke` on the test server, emptied;
the runner refuses names not starting with `load`) when PORTAL_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from portal.db import normalise_url

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
TARGETS = ["sqlite"] + (["postgresql"] if PG_URL else [])
REQUEST_TYPES = 17  # every request type of bench/load/locustfile.py's mix


def _database_url(target: str) -> str:
    if target == "sqlite":
        return "sqlite://"  # the runner makes a fresh file in its data dir
    return make_url(normalise_url(PG_URL)).set(database="load_smoke").render_as_string(False)


def _figures(output: str) -> dict[str, str]:
    pairs = (line.partition("=") for line in output.splitlines() if line.startswith("load_"))
    return {key: value for key, _, value in pairs}


@pytest.mark.parametrize("target", TARGETS)
def test_the_load_mix_runs_end_to_end_and_loses_no_submission(target: str) -> None:
    if importlib.util.find_spec("locust") is None:  # never imported here: gevent patches
        pytest.skip("the load benchmark needs Locust: pip install -e '.[bench]'")
    command = [
        sys.executable, str(ROOT / "bench" / "bench_load.py"),
        "--database-url", _database_url(target),
        "--petitions", "400", "--citizens", "100", "--sessions", "20", "--officers", "2",
        "--population", "200", "--submitters", "4", "--workers", "1", "--job-workers", "1",
        "--steps", "4", "--step-seconds", "4", "--ramp-seconds", "1", "--drain-timeout", "120",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    figures = _figures(done.stdout)

    assert figures["load_preflight_failures"] == "0", done.stdout[-3000:]
    assert int(figures["load_preflight_types"]) == REQUEST_TYPES, done.stdout[-3000:]
    assert figures["load_seed_petitions"] == "400"
    assert int(figures["load_seed_documents"]) > 0
    assert figures["load_steps_run"] == "1"
    assert figures["load_errors_total"] == "0", done.stdout[-3000:]
    # Durability: every accepted submission exists, and the workers issued it afterwards.
    accepted = int(figures["load_submissions_accepted"])
    assert accepted >= 1  # the preflight files one
    assert figures["load_submissions_lost"] == "0"
    assert figures["load_backlog_drain_s"] != "timeout"
    assert figures["load_submissions_issued"] == str(accepted)
