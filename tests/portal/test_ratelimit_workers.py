"""`portal serve --workers 2` over a real socket: the two processes share one rate-limit budget
(database, and Redis when one is running), `/metrics` sums both workers, and the JSON logs
carry the request id (issue 8)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import httpx
import pytest

from tests.fixtures.servers import free_port
from tests.portal.test_ratelimit_backends import REDIS_URL, redis_reachable

pytestmark = pytest.mark.e2e

BURST = 12
REQUESTS = 40
TOKEN = "scrape-secret"


def portal_command() -> list[str]:
    return [str(Path(sys.executable).parent / "portal"), "serve", "--workers", "2"]


def start_portal(
    env: dict[str, str], port: int, log: Path, out: BinaryIO
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [*portal_command(), "--port", str(port)],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"portal serve exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"portal serve did not start: {log.read_text()[-3000:]}")


@pytest.fixture(params=["database", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "redis":
        if not redis_reachable():
            pytest.skip("no Redis server on 127.0.0.1:6379 (the Redis backend test)")
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter("portal:ratelimit:verify*"):
            client.delete(key)
    return str(request.param)


@pytest.fixture
def two_workers(
    backend: str, database_url: str, clean_engine, tmp_path: Path
) -> Iterator[tuple[str, Path, Path]]:
    from portal.ratelimit import RateLimitBucket, bucket_engine

    with bucket_engine(clean_engine).begin() as conn:
        conn.execute(RateLimitBucket.__table__.delete())  # type: ignore[attr-defined]
    port = free_port()
    metrics_dir = tmp_path / "prometheus"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "PROMETHEUS_"))},
        "PORTAL_ENV": "development",
        "PORTAL_DATA_DIR": str(tmp_path / "data"),
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_RUN_WORKER_IN_PROCESS": "false",
        "PORTAL_RATE_LIMIT_BACKEND": backend,
        "PORTAL_REDIS_URL": REDIS_URL if backend == "redis" else "",
        "PORTAL_VERIFY_BURST": str(BURST),
        "PORTAL_VERIFY_RATE_PER_MINUTE": "0.01",
        "PORTAL_METRICS_TOKEN": TOKEN,
        "PORTAL_LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = start_portal(env, port, log, out)
        try:
            yield f"http://127.0.0.1:{port}", metrics_dir, log
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def requests_counted_in(path: Path) -> float:
    """The verify requests one worker process counted (its own multiprocess metrics file)."""
    from prometheus_client.mmap_dict import MmapedDict

    return sum(
        value
        for key, value, _, _ in MmapedDict.read_all_values_from_file(str(path))
        if json.loads(key)[1] == "portal_http_requests_total" and "/api/v1/verify/" in key
    )


def test_two_workers_share_one_budget_one_metrics_view_and_log_request_ids(two_workers):
    url, metrics_dir, log = two_workers
    statuses = []
    for i in range(REQUESTS):
        # A new connection each time, so the kernel hands requests to both workers.
        with httpx.Client() as fresh:
            answer = fresh.get(
                f"{url}/api/v1/verify/DOPA-2569-ABCDEFGH",
                headers={"X-Request-ID": f"test-{i:03d}"},
            )
        assert answer.headers["x-request-id"] == f"test-{i:03d}"
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert int(answer.headers["retry-after"]) >= 1
            assert "กรุณารอ" in answer.json()["message"]["th"]
    assert set(statuses) <= {404, 429}
    # Per-process buckets would allow up to 2 × BURST: the shared budget allows exactly BURST.
    assert statuses.count(404) == BURST, statuses

    served_by = {
        path.name: served
        for path in metrics_dir.glob("counter_*.db")
        if (served := requests_counted_in(path))
    }
    assert len(served_by) == 2, f"not both workers served: {served_by}"

    text = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    route = 'route="/api/v1/verify/{number}"'
    served = sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("portal_http_requests_total") and route in line
    )
    assert served == REQUESTS  # summed over both workers
    assert httpx.get(f"{url}/metrics").status_code == 404  # with a token set, loopback needs it

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [e for e in lines if e.get("logger") == "portal.access"]
    assert {e["request_id"] for e in access} >= {f"test-{i:03d}" for i in range(REQUESTS)}
    assert all(
        e["route"] == "/api/v1/verify/{number}" for e in access if "test-" in e["request_id"]
    )
