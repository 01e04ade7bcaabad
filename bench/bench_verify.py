"""Request rate of the public verification endpoints, beside a minimal FastAPI endpoint.

Both servers run as separate uvicorn processes (one worker each) on 127.0.0.1 and are loaded by
`wrk` (Debian package, a C load generator) with the same connections for the same time, so the
ratio shows what the portal's verification adds over the framework's floor.

    .venv/bin/python bench/bench_verify.py [--seconds 5] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MINIMAL_APP = textwrap.dedent(
    """
    from fastapi import FastAPI
    app = FastAPI()

    @app.get("/ping/{number}")
    def ping(number: str) -> dict:
        return {"number": number, "status": "valid"}
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed_document(data_dir: Path, database_url: str) -> tuple[str, bytes]:
    """Migrates a fresh SQLite database and issues one residence certificate into it."""
    from samples import sample_residence_context

    from documents.service import issue_document, read_document_pdf
    from identity.models import Citizen
    from portal.db import get_engine, session_scope
    from portal.migrate import migrate
    from services.dopa import AGENCY

    migrate(database_url)
    context = sample_residence_context()
    with session_scope(get_engine(database_url)) as db:
        citizen = Citizen(
            national_id=context["holder"]["national_id"], subject="bench", issuer="bench"
        )
        db.add(citizen)
        db.flush()
        document = issue_document(
            db,
            data_dir=data_dir,
            base_url="http://127.0.0.1:8000",
            citizen_id=citizen.id,  # type: ignore[arg-type]
            petition_id=None,
            agency_code=AGENCY.code,
            agency_name_th=AGENCY.name_th,
            agency_name_en=AGENCY.name_en,
            template="residence",
            title_th="หนังสือรับรองการอยู่อาศัย",
            title_en="Certificate of Residence",
            context=context,
            holder_display_th="นาย สมชาย ใ***",
            holder_display_en="Mr Somchai J***",
        )
        return document.number, read_document_pdf(data_dir, document)


def start_server(
    app_ref: str, port: int, env: dict[str, str], cwd: Path
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            app_ref,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=cwd,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app_ref} did not start")


POST_SCRIPT = """
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "multipart/form-data; boundary=benchboundary"
"""


@dataclass
class Result:
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(text: str) -> float:
    """wrk prints latencies as 812.00us, 6.67ms, 1.02s or 1.10m."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        return math.nan
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[match.group(2)]
    return float(match.group(1)) * scale


def drive(url: str, *, seconds: float, concurrency: int, script: Path | None = None) -> Result:
    """Loads one URL with wrk (a C load generator, so the client is not what is measured)."""

    def wrk(duration: str) -> str:
        command = ["wrk", "-t2", f"-c{concurrency}", f"-d{duration}", "--latency"]
        if script is not None:
            command += ["-s", str(script)]
        return subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout

    wrk("1s")  # warm-up: connections, caches, first-request imports
    out = wrk(f"{seconds:.0f}s")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return Result(rate, p50, p99, errors)


def multipart_body(pdf: bytes) -> bytes:
    return (
        b'--benchboundary\r\nContent-Disposition: form-data; name="file"; filename="c.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + pdf + b"\r\n--benchboundary--\r\n"
    )


def report(name: str, result: Result, baseline: Result | None = None) -> None:
    ratio = f"   {result.rate / baseline.rate:5.2f}x baseline" if baseline else ""
    print(
        f"{name:<36} {result.rate:8.0f} req/s   p50 {result.p50_ms:7.2f} ms"
        f"   p99 {result.p99_ms:7.2f} ms   errors {result.errors}{ratio}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        database_url = f"sqlite:///{data_dir / 'portal.db'}"
        data_dir.mkdir()
        number, pdf = seed_document(data_dir, database_url)
        (Path(tmp) / "minimal_app.py").write_text(MINIMAL_APP)

        env = dict(
            os.environ,
            PORTAL_DATA_DIR=str(data_dir),
            PORTAL_DATABASE_URL=database_url,
            PORTAL_RUN_WORKER_IN_PROCESS="false",
            PYTHONPATH=f"{ROOT}:{tmp}",
        )
        portal_port, minimal_port = free_port(), free_port()
        servers = [
            start_server("portal.asgi:app", portal_port, env, ROOT),
            start_server("minimal_app:app", minimal_port, env, Path(tmp)),
        ]
        try:
            portal = f"http://127.0.0.1:{portal_port}"
            minimal = f"http://127.0.0.1:{minimal_port}"
            body = Path(tmp) / "body.bin"
            body.write_bytes(multipart_body(pdf))
            script = Path(tmp) / "post.lua"
            script.write_text(POST_SCRIPT)
            os.environ["BENCH_BODY"] = str(body)
            print(
                f"cores: {os.cpu_count()}  wrk connections: {args.concurrency}  "
                f"{args.seconds:.0f} s per endpoint, one uvicorn worker per server"
            )
            baseline = drive(
                f"{minimal}/ping/{number}", seconds=args.seconds, concurrency=args.concurrency
            )
            report("minimal FastAPI endpoint (baseline)", baseline)
            for name, url, lua in (
                ("GET /api/v1/verify/{number}", f"{portal}/api/v1/verify/{number}", None),
                ("GET /verify/{number} (HTML page)", f"{portal}/verify/{number}", None),
                ("POST /api/v1/verify (PDF upload)", f"{portal}/api/v1/verify", script),
            ):
                result = drive(url, seconds=args.seconds, concurrency=args.concurrency, script=lua)
                report(name, result, baseline)
        finally:
            for server in servers:
                server.terminate()
                server.wait(10)


if __name__ == "__main__":
    main()
