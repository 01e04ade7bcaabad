"""The print agent: runs on a CUPS-mode kiosk's host and prints what the portal queues for it.

Each cycle (`PrintAgent.run_once`):
1. Asks CUPS about the printer (`lpstat -l -p PRINTER`) and reports the status when it changed,
   or every `status_every` seconds (`POST /kiosk/agent/status`).
2. Fetches its work (`GET /kiosk/agent/jobs`): queued jobs, and jobs already in the spool.
3. Follows up spooled jobs against the printer's not-completed jobs (`lpstat -o`): gone from
   the queue means printed; still there while its session has ended means `cancel JOB`.
4. Prints each queued job: downloads the signed PDF to a private temporary file, runs
   `lp -d PRINTER -t <print id> FILE`, and reports 'sent' with the CUPS job id (or 'failed').
   If the portal answers that the job was cancelled meanwhile, the CUPS job is cancelled too.

It authenticates with the print-agent credential (`portal kiosks agent-credential ID`), read
from a file only its user can read, in an `Authorization: Bearer` header; the portal must be
reached over HTTPS except on the loopback interface. The CUPS commands are configurable
(argument lists), which is also how the tests put recording fakes in their place.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

log = logging.getLogger("portal.kiosk_agent")

LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
COMMAND_TIMEOUT = 60  # seconds; lp on a large file over a slow USB link still fits
DETAIL_MAX = 200
_REQUEST_ID = re.compile(r"request id is (\S+)")
_DEFAULT_DESTINATION = re.compile(r"system default destination:\s*(\S+)")

# printer-state-reasons (RFC 8011 §5.4.12, CUPS) and lpstat's own wording, most serious first.
_PAPER_OUT = ("media-empty", "media-needed", "out of paper", "paper out", "no paper")
_PAPER_LOW = ("media-low", "paper low", "low on paper", "toner-low")
_OFFLINE = (
    "offline",
    "not connected",
    "unable to connect",
    "connecting-to-device",
    "waiting for printer to become available",
    "disabled since",
)
_ERROR = ("-error", "paused", "stopped", "jam", "door-open", "cover-open")


class AgentConfigError(Exception):
    """The agent cannot start: a bad portal URL or an unreadable credential file."""


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    stdout: str
    stderr: str


Runner = Callable[[Sequence[str]], CommandResult]


def run_command(argv: Sequence[str]) -> CommandResult:
    """Runs a CUPS command; a missing program is a failed command, not a crash."""
    try:
        done = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
        )
    except FileNotFoundError:
        return CommandResult(127, "", f"{argv[0]}: command not found")
    except subprocess.TimeoutExpired:
        return CommandResult(124, "", f"{argv[0]}: timed out after {COMMAND_TIMEOUT} s")
    return CommandResult(done.returncode, done.stdout, done.stderr)


def parse_printer_status(result: CommandResult) -> tuple[str, str]:
    """('ok' | 'paper_low' | 'paper_out' | 'offline' | 'error', detail) from `lpstat -l -p`."""
    text = (result.stdout + "\n" + result.stderr).strip()
    detail = " ".join(text.split())[:DETAIL_MAX]
    if result.returncode != 0 or not result.stdout.strip():
        return "error", detail or "lpstat failed"
    lowered = text.lower()
    for status, markers in (
        ("paper_out", _PAPER_OUT),
        ("offline", _OFFLINE),
        ("error", _ERROR),
        ("paper_low", _PAPER_LOW),
    ):
        if any(marker in lowered for marker in markers):
            return status, detail
    return "ok", detail


def parse_active_jobs(result: CommandResult) -> set[str] | None:
    """The CUPS job ids `lpstat -o` lists (not yet completed), or None if it failed."""
    if result.returncode != 0:
        return None
    return {line.split()[0] for line in result.stdout.splitlines() if line.strip()}


@dataclass
class AgentConfig:
    portal_url: str
    credential: str
    printer: str | None = None
    lp_command: list[str] = field(default_factory=lambda: ["lp"])
    lpstat_command: list[str] = field(default_factory=lambda: ["lpstat"])
    cancel_command: list[str] = field(default_factory=lambda: ["cancel"])
    poll_seconds: float = 5.0
    status_every: float = 60.0


def check_portal_url(url: str) -> str:
    """HTTPS, or plain HTTP to this machine only: the credential and citizens' PDFs travel."""
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        return url.rstrip("/")
    raise AgentConfigError(f"the portal must be reached over https (got {url!r})")


def read_credential_file(path: Path) -> str:
    """The print-agent credential, from a file no one else on the host can read."""
    try:
        mode = path.stat().st_mode
        credential = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise AgentConfigError(f"cannot read the credential file {path}: {exc}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise AgentConfigError(f"{path} is readable by others: chmod 600 {path}")
    if not credential:
        raise AgentConfigError(f"{path} is empty")
    return credential


@dataclass
class CycleReport:
    """What one cycle did, for the log and the tests."""

    status: str | None = None
    sent: list[tuple[int, str]] = field(default_factory=list)  # (print id, CUPS job)
    failed: list[int] = field(default_factory=list)
    printed: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)


class PrintAgent:
    def __init__(
        self,
        config: AgentConfig,
        *,
        http: httpx.Client | None = None,
        run: Runner = run_command,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.portal_url = check_portal_url(config.portal_url)
        self.http = http or httpx.Client(timeout=30)
        self.run = run
        self.clock = clock
        self._headers = {
            "Authorization": f"Bearer {config.credential}",
            "Accept": "application/json",
        }
        self._last_status: tuple[str, str] | None = None
        self._last_status_at = float("-inf")

    def close(self) -> None:
        self.http.close()

    # -- HTTP ---------------------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.http.request(
            method, self.portal_url + path, headers=self._headers, **kwargs
        )
        if response.status_code == 401:
            raise AgentConfigError("the portal refused the credential (kiosk disabled?)")
        return response

    def _report(self, print_id: int, state: str, **fields: str | None) -> httpx.Response:
        body = {"state": state, **{k: v for k, v in fields.items() if v is not None}}
        return self._call("POST", f"/kiosk/agent/jobs/{print_id}", json=body)

    # -- CUPS ---------------------------------------------------------------------------------

    def printer(self) -> str | None:
        """The configured printer, else CUPS's default destination (None if there is none)."""
        if self.config.printer:
            return self.config.printer
        found = _DEFAULT_DESTINATION.search(self.run([*self.config.lpstat_command, "-d"]).stdout)
        return found.group(1) if found else None

    def printer_status(self, printer: str | None) -> tuple[str, str]:
        if printer is None:
            return "error", "no printer given and no CUPS default destination"
        return parse_printer_status(self.run([*self.config.lpstat_command, "-l", "-p", printer]))

    def cancel(self, cups_job: str) -> bool:
        return self.run([*self.config.cancel_command, cups_job]).returncode == 0

    def lp(self, printer: str | None, print_id: int, pdf: Path) -> CommandResult:
        destination = ["-d", printer] if printer else []
        return self.run([*self.config.lp_command, *destination, "-t", str(print_id), str(pdf)])

    # -- one cycle ----------------------------------------------------------------------------

    def run_once(self) -> CycleReport:
        report = CycleReport()
        printer = self.printer()
        status = self.printer_status(printer)
        report.status = status[0]
        now = self.clock()
        if status != self._last_status or now - self._last_status_at >= self.config.status_every:
            answer = self._call(
                "POST", "/kiosk/agent/status", json={"status": status[0], "detail": status[1]}
            )
            if answer.status_code == 200:
                self._last_status, self._last_status_at = status, now
        answer = self._call("GET", "/kiosk/agent/jobs")
        answer.raise_for_status()
        work = answer.json()
        if work["spooled"]:
            self._follow_up(printer, work["spooled"], report)
        for job in work["jobs"]:
            self._print(printer, job, report)
        return report

    def _follow_up(
        self, printer: str | None, spooled: list[dict[str, Any]], report: CycleReport
    ) -> None:
        listing = [*self.config.lpstat_command, "-o", *([printer] if printer else [])]
        active = parse_active_jobs(self.run(listing))
        if active is None:
            return  # CUPS did not answer: ask again next cycle rather than guess
        for job in spooled:
            print_id, cups_job = int(job["id"]), str(job["cups_job"])
            if cups_job not in active:
                # No longer queued in CUPS: it has come out of the printer.
                if self._report(print_id, "printed").status_code == 200:
                    report.printed.append(print_id)
            elif job["cancel"] and self.cancel(cups_job):
                self._report(print_id, "cancelled", detail="session ended; cancelled in CUPS")
                report.cancelled.append(print_id)

    def _print(self, printer: str | None, job: dict[str, Any], report: CycleReport) -> None:
        print_id = int(job["id"])
        answer = self._call("GET", job["pdf"])
        if answer.status_code != 200 or answer.headers.get("content-type") != "application/pdf":
            log.info("print %s not fetched (%s): cancelled or closed", print_id, answer.status_code)
            return
        with tempfile.TemporaryDirectory(prefix="portal-print-") as folder:
            path = Path(folder) / f"print-{print_id}.pdf"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as out:
                out.write(answer.content)
            # lp hands the file to the scheduler, which keeps its own spool copy.
            result = self.lp(printer, print_id, path)
        found = _REQUEST_ID.search(result.stdout)
        if result.returncode != 0 or found is None:
            detail = " ".join((result.stderr or result.stdout).split())[:DETAIL_MAX]
            self._report(print_id, "failed", detail=detail or f"lp exited {result.returncode}")
            report.failed.append(print_id)
            return
        cups_job = found.group(1)
        sent = self._report(print_id, "sent", cups_job=cups_job)
        if sent.status_code == 409:
            # The session ended while the job was on its way: take it back out of the spool.
            self.cancel(cups_job)
            report.cancelled.append(print_id)
            return
        report.sent.append((print_id, cups_job))

    # -- the loop -----------------------------------------------------------------------------

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Cycles until stopped; a portal or network outage waits and retries, backing off."""
        stop = stop or threading.Event()
        delay = self.config.poll_seconds
        while not stop.is_set():
            try:
                self.run_once()
                delay = self.config.poll_seconds
            except (httpx.HTTPError, ValueError, KeyError, AgentConfigError) as exc:
                # Refused (a disabled kiosk may be enabled again) or unreachable: keep trying.
                log.warning("print agent cycle failed: %s", exc)
                delay = min(delay * 2, 60.0)
            stop.wait(delay)
