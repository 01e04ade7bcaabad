"""The load mix replayed in-process, one request at a time: CPU (or instructions) per request.

The load benchmark measures the portal as deployed, on a machine whose speed drifts with its
host; to compare two versions of the code, this replays the same mix straight into the ASGI
application (no network, no uvicorn), against the database `runner.py --hold` seeded and
keeps up, and prints the CPU per request type and per mixed request. Under callgrind it
counts instructions, which repeat from run to run whatever else the machine does:

    .venv/bin/python bench/load/runner.py --hold          # prints the data dir; Ctrl-C stops
    .venv/bin/python bench/load/replay.py --data-dir /tmp/portal-load-… [--tasks 2000]
    valgrind --tool=callgrind --instr-atstart=no .venv/bin/python bench/load/replay.py \\
        --data-dir /tmp/portal-load-… --tasks 300 --callgrind     # "Collected" / requests

The mix is locustfile.py's (the same weights; the officer task is three requests: next
petition, its page, approve or reject), played with a fixed random seed. Submissions and
officer decisions change the database, so successive runs differ slightly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# (task, weight), as the @task weights of locustfile.PortalVisitor (tests/bench checks).
MIX = {
    "petition_page": 20,
    "petition_list": 8,
    "api_petition_status": 8,
    "document_list": 8,
    "document_page": 8,
    "document_pdf": 8,
    "catalogue": 6,
    "catalogue_search": 3,
    "service_page": 5,
    "api_catalogue": 3,
    "api_service": 3,
    "submit": 10,
    "verify_json": 3,
    "verify_page": 2,
    "officer_decision": 5,
}
SEARCHES = ("ทะเบียน", "certificate", "ภาษี", "address", "บ้าน")

Request = tuple[str, str, list[tuple[str, str]], bytes]


class Replay:
    """One visitor of the mix (a viewer, an officer, a bearer token), as locustfile's."""

    def __init__(self, app: Any, fixtures: dict[str, Any]) -> None:
        self.app = app
        self.fx = fixtures
        viewer, officer = fixtures["viewers"][0], fixtures["officers"][0]
        self.viewer, self.officer = viewer, officer
        self.browser = [("cookie", f"portal_session={viewer['cookie']}; "
                                   f"portal_csrf={viewer['csrf']['cookie']}")]  # fmt: skip
        self.back_office = [("cookie", f"portal_officer_session={officer['cookie']}; "
                                       f"portal_csrf={officer['csrf']['cookie']}")]  # fmt: skip
        self.bearer = [("authorization", f"Bearer {fixtures['bearer_tokens'][0]}")]
        self.mine: list[str] = []

    async def call(self, method: str, target: str, headers: list[tuple[str, str]],
                   body: bytes = b"") -> tuple[int, dict[bytes, bytes], bytes]:  # fmt: skip
        path, _, query = target.partition("?")
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": query.encode(), "root_path": "",
            "headers": [(b"host", b"127.0.0.1")]
            + [(k.encode(), v.encode()) for k, v in headers],
            "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 80), "state": {},
        }  # fmt: skip
        sent = False
        answer: dict[str, Any] = {"status": 0, "headers": {}, "body": b""}

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["headers"] = dict(message.get("headers", ()))
            else:
                answer["body"] += message.get("body", b"")

        await self.app(scope, receive, send)
        return answer["status"], answer["headers"], answer["body"]

    def request(self, task: str) -> Request:
        fx = self.fx
        if task == "api_petition_status" and not self.mine:
            task = "petition_page"
        match task:
            case "petition_page":
                return (
                    "GET",
                    f"/petitions/{random.choice(self.viewer['petitions'])}",
                    self.browser,
                    b"",
                )
            case "petition_list":
                return "GET", "/petitions", self.browser, b""
            case "api_petition_status":
                return "GET", f"/api/v1/petitions/{random.choice(self.mine[-5:])}", self.bearer, b""
            case "document_list":
                return "GET", "/documents", self.browser, b""
            case "document_page":
                return (
                    "GET",
                    f"/documents/{random.choice(self.viewer['documents'])}",
                    self.browser,
                    b"",
                )
            case "document_pdf":
                number = random.choice(self.viewer["documents"])
                return "GET", f"/documents/{number}/pdf", self.browser, b""
            case "catalogue":
                return "GET", "/services", [], b""
            case "catalogue_search":
                from urllib.parse import quote

                return "GET", f"/services?q={quote(random.choice(SEARCHES))}", [], b""
            case "service_page":
                return "GET", f"/services/{random.choice(fx['services'])}", [], b""
            case "api_catalogue":
                return "GET", "/api/v1/services", [], b""
            case "api_service":
                return "GET", f"/api/v1/services/{random.choice(fx['services'])}", [], b""
            case "submit":
                headers = self.bearer + [("idempotency-key", str(uuid.uuid4())),
                                         ("content-type", "application/json")]  # fmt: skip
                body = json.dumps(random.choice(fx["submission_bodies"])).encode()
                return "POST", "/api/v1/petitions", headers, body
            case "verify_json":
                number, code = random.choice(fx["verifiable"])
                return "GET", f"/api/v1/verify/{number}?code={code}", [], b""
            case "verify_page":
                number, code = random.choice(fx["verifiable"])
                return "GET", f"/verify/{number}?code={code}", [], b""
            case "officer_decision":
                form = f"csrf_token={self.officer['csrf']['token']}".encode()
                headers = self.back_office + [("content-type", "application/x-www-form-urlencoded")]
                return "POST", "/backoffice/next", headers, form
        raise ValueError(task)

    async def play(self, task: str) -> tuple[int, int]:
        """Plays one task; returns (requests made, the first answer's status)."""
        method, target, headers, body = self.request(task)
        status, answer_headers, answer = await self.call(method, target, headers, body)
        if task == "submit" and status == 202:
            self.mine.append(json.loads(answer)["id"])
        if task != "officer_decision":
            return 1, status
        location = answer_headers.get(b"location", b"").decode()
        if "/backoffice/petitions/" not in location:
            return 1, status
        await self.call("GET", location, self.back_office)
        if random.random() < 0.7:
            action, field = "approve", "note=checked"
        else:
            action, field = "reject", "reason=does+not+match"
        form = f"csrf_token={self.officer['csrf']['token']}&{field}".encode()
        headers = self.back_office + [("content-type", "application/x-www-form-urlencoded")]
        await self.call("POST", f"{location}/{action}", headers, form)
        return 3, status


async def replay(data_dir: Path, tasks: int, callgrind: bool) -> None:
    os.environ.update(json.loads((data_dir / "portal.env.json").read_text()))
    os.environ.setdefault("PORTAL_INLINE_HANDLERS", "true")
    from portal.app import create_app
    from portal.runtime import freeze_startup_objects

    app = create_app()
    freeze_startup_objects()  # as a `portal serve` worker (portal.asgi)
    visitor = Replay(app, json.loads((data_dir / "fixtures.json").read_text()))
    random.seed(1)
    for task in MIX:  # warm-up: every task a few times, every answer checked
        for _ in range(3):
            _, status = await visitor.play(task)
            if status >= 400:
                raise SystemExit(f"{task}: HTTP {status} in the warm-up")
    names, weights = list(MIX), list(MIX.values())
    cpu: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    if callgrind:  # count only the measured loop (valgrind ... --instr-atstart=no)
        subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], capture_output=True)
    requests = 0
    started = time.process_time()
    for task in random.choices(names, weights, k=tasks):
        before = time.process_time()
        made, _ = await visitor.play(task)
        cpu[task] += time.process_time() - before
        counts[task] += made
        requests += made
    total = time.process_time() - started
    if callgrind:
        subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], capture_output=True)
    print(f"{'task':<22} {'requests':>8} {'CPU ms/request':>15}")
    for task in MIX:
        if counts[task]:
            print(f"{task:<22} {counts[task]:>8} {cpu[task] / counts[task] * 1000:>15.2f}")
    print(f"replay_requests={requests}")
    print(f"replay_cpu_ms_per_request={total / requests * 1000:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="runner.py --hold's")
    parser.add_argument("--tasks", type=int, default=2000, help="tasks of the mix played")
    parser.add_argument("--callgrind", action="store_true", help="toggle callgrind around it")
    args = parser.parse_args(argv)
    asyncio.run(replay(args.data_dir, args.tasks, args.callgrind))
    return 0


if __name__ == "__main__":
    sys.exit(main())
