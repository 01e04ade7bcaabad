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


def test_the_replay_plays_the_locust_mix_with_its_weights() -> None:
    """bench/load/replay.py's MIX is locustfile.py's: the same tasks with the same weights
    (read from the @task decorators without importing Locust)."""
    import ast

    tree = ast.parse((ROOT / "bench" / "load" / "locustfile.py").read_text())
    weights = {
        node.name: decorator.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        for decorator in node.decorator_list
        if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "task"
    }
    spec = importlib.util.spec_from_file_location("replay", ROOT / "bench" / "load" / "replay.py")
    assert spec is not None and spec.loader is not None
    replay = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(replay)
    assert replay.MIX == weights


def test_a_held_stack_is_replayed_in_process() -> None:
    """`runner.py --hold` seeds and keeps the stack up; replay.py then plays the mix into the
    application in-process against that database and reports CPU per request."""
    if importlib.util.find_spec("locust") is None:
        pytest.skip("the load benchmark needs Locust: pip install -e '.[bench]'")
    import signal
    import time

    command = [
        sys.executable, str(ROOT / "bench" / "load" / "runner.py"), "--hold",
        "--database-url", "sqlite://", "--petitions", "200", "--citizens", "50",
        "--sessions", "10", "--officers", "2", "--population", "200", "--submitters", "2",
        "--workers", "1",
    ]  # fmt: skip
    runner = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    data_dir = None
    try:
        deadline = time.monotonic() + 300
        assert runner.stdout is not None
        for line in runner.stdout:
            if "--data-dir" in line:
                data_dir = line.rsplit("--data-dir", 1)[1].strip()
                break
            assert time.monotonic() < deadline
        assert data_dir, "the runner never held"
        done = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "load" / "replay.py"),
             "--data-dir", data_dir, "--tasks", "40"],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        figures = dict(
            line.split("=", 1) for line in done.stdout.splitlines() if line.startswith("replay_")
        )
        assert int(figures["replay_requests"]) >= 40
        assert float(figures["replay_cpu_ms_per_request"]) > 0
    finally:
        runner.send_signal(signal.SIGTERM)
        runner.communicate(timeout=60)  # drains and closes its output
        if data_dir:
            import shutil

            shutil.rmtree(data_dir, ignore_errors=True)
