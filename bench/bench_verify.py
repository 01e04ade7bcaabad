"""Request rate of the public verification endpoints, served the way production serves them.

Issues a few real certificates into a fresh database, starts `portal serve --workers N` (uvicorn
with its worker processes, uvloop and httptools, access log on as deployed) on 127.0.0.1, and
loads it with `wrk` (Debian package, a C load generator) on the same machine:

- `GET /api/v1/verify/{number}?code=…` (JSON), rotating over the issued numbers — the figure
  issue 6 sets a target for (>= 2,000 requests/s on 2 cores);
- `GET /verify/{number}?code=…` (the HTML page a QR code or a person opens);
- `POST /api/v1/verify` (a PDF upload: signature, chain, hash).

Rate limits are raised for the run (one client address sends everything); the limiter still
runs on every request. The last lines are `key=value` pairs for `make bench`.

    .venv/bin/python bench/bench_verify.py [--seconds 10] [--connections 64] [--workers 2]
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DOCUMENTS = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed_documents(data_dir: Path, database_url: str, count: int) -> list[tuple[str, str, bytes]]:
    """Migrates a fresh database and issues `count` residence certificates: (number, code, pdf)."""
    from samples import sample_residence_context

    from documents.service import issue_document, read_document_pdf
    from identity.models import Citizen
    from portal.db import get_engine, session_scope
    from portal.migrate import migrate
    from services.dopa import AGENCY

    migrate(database_url)
    context = sample_residence_context()
    issued = []
    with session_scope(get_engine(database_url)) as db:
        citizen = Citizen(
            national_id=context["holder"]["national_id"], subject="bench", issuer="bench"
        )
        db.add(citizen)
        db.flush()
        for _ in range(count):
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
            pdf = read_document_pdf(data_dir, document)
            issued.append((document.number, document.check_code, pdf))
    return issued


def start_portal(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`portal serve` exactly as deployed: its own worker processes, stdout to /dev/null."""
    portal = shutil.which("portal", path=str(Path(sys.executable).parent)) or "portal"
    process = subprocess.Popen(
        [portal, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                time.sleep(1.0 + 0.5 * workers)  # every worker imports the app
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("portal serve did not start")


ROTATE_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
"""

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


def drive(
    url: str, *, seconds: float, connections: int, script: Path, env: dict[str, str]
) -> Result:
    """Loads `url` with wrk (2 threads) after a 2 s warm-up; non-2xx answers count as errors."""

    def wrk(duration: str) -> str:
        command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}", "--latency", "-s"]
        return subprocess.run(
            [*command, str(script), url], capture_output=True, text=True, check=True, env=env
        ).stdout

    wrk("2s")
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


def report(name: str, result: Result) -> None:
    print(
        f"{name:<44} {result.rate:8.0f} req/s   p50 {result.p50_ms:7.2f} ms"
        f"   p99 {result.p99_ms:7.2f} ms   errors {result.errors}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2, help="portal serve --workers")
    parser.add_argument("--upload-connections", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install -y wrk)")

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        database_url = os.environ.get("PORTAL_BENCH_VERIFY_DATABASE_URL") or (
            f"sqlite:///{data_dir / 'portal.db'}"
        )
        issued = seed_documents(data_dir, database_url, DOCUMENTS)
        port = free_port()
        env = dict(
            os.environ,
            PORTAL_DATA_DIR=str(data_dir),
            PORTAL_DATABASE_URL=database_url,
            PORTAL_RUN_WORKER_IN_PROCESS="false",
            PORTAL_VERIFY_RATE_PER_MINUTE="1e12",
            PORTAL_VERIFY_BURST="1000000000",
            PORTAL_VERIFY_UPLOAD_RATE_PER_MINUTE="1e12",
            PORTAL_VERIFY_UPLOAD_BURST="1000000000",
        )
        api_paths = Path(tmp) / "api.txt"
        api_paths.write_text("".join(f"/api/v1/verify/{n}?code={c}\n" for n, c, _ in issued))
        page_paths = Path(tmp) / "page.txt"
        page_paths.write_text("".join(f"/verify/{n}?code={c}\n" for n, c, _ in issued))
        rotate = Path(tmp) / "rotate.lua"
        rotate.write_text(ROTATE_SCRIPT)
        post = Path(tmp) / "post.lua"
        post.write_text(POST_SCRIPT)
        body = Path(tmp) / "body.bin"
        body.write_bytes(multipart_body(issued[0][2]))

        server = start_portal(port, args.workers, env)
        try:
            base = f"http://127.0.0.1:{port}"
            print(
                f"cores: {os.cpu_count()}  portal serve --workers {args.workers}  "
                f"wrk -t2 -c{args.connections}  {args.seconds:.0f} s per endpoint  "
                f"{DOCUMENTS} documents  database: {database_url.split(':')[0]}",
                flush=True,
            )
            api = drive(
                base, seconds=args.seconds, connections=args.connections, script=rotate,
                env={**os.environ, "BENCH_PATHS": str(api_paths)},
            )  # fmt: skip
            report("GET /api/v1/verify/{number}?code= (JSON)", api)
            page = drive(
                base, seconds=args.seconds, connections=args.connections, script=rotate,
                env={**os.environ, "BENCH_PATHS": str(page_paths)},
            )  # fmt: skip
            report("GET /verify/{number}?code= (HTML page)", page)
            upload = drive(
                f"{base}/api/v1/verify", seconds=args.seconds,
                connections=args.upload_connections, script=post,
                env={**os.environ, "BENCH_BODY": str(body)},
            )  # fmt: skip
            report("POST /api/v1/verify (PDF upload)", upload)
        finally:
            os.killpg(server.pid, 15)
            server.wait(20)
        failed = api.errors + page.errors + upload.errors
        if failed:
            print(f"WARNING: {failed} failed requests (non-2xx or socket errors)", flush=True)
        print(f"verify_rps={api.rate:.0f}")
        print(f"verify_p50_ms={api.p50_ms:.2f}")
        print(f"verify_p99_ms={api.p99_ms:.2f}")
        print(f"verify_page_rps={page.rate:.0f}")
        print(f"verify_page_p50_ms={page.p50_ms:.2f}")
        print(f"verify_upload_rps={upload.rate:.0f}")
        print(f"verify_upload_p50_ms={upload.p50_ms:.2f}")
        print(f"verify_errors={failed}")


if __name__ == "__main__":
    main()
