"""`portal kiosks …`: register, list, disable and enable kiosks, set their print mode, and run
the CUPS print agent on a kiosk host. Administrators' changes are audited (actor "cli")."""

from __future__ import annotations

import logging
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

kiosks_app = typer.Typer(help="Kiosk devices", no_args_is_help=True)


@contextmanager
def _refusals_exit() -> Iterator[None]:
    """A refusal prints its English and Thai message and exits 1; nothing is written."""
    from portal.errors import PortalError

    try:
        yield
    except PortalError as exc:
        typer.secho(f"{exc.message_en} / {exc.message_th}", fg="red", err=True)
        raise typer.Exit(1) from exc


def _settings():  # type: ignore[no-untyped-def]
    from portal.settings import get_settings

    try:
        return get_settings()
    except ValueError as exc:  # production mode with demo secrets, and the like
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from exc


@contextmanager
def _db() -> Iterator[object]:
    from portal.db import get_engine, session_scope

    with _refusals_exit(), session_scope(get_engine(_settings().database_url)) as db:
        yield db


def _audit(db, action: str, kiosk_id: int, details: dict | None = None) -> None:  # type: ignore[no-untyped-def]
    from services.audit.service import record_event

    record_event(
        db, actor="cli", action=action, object_type="kiosk", object_id=kiosk_id, details=details
    )


@kiosks_app.command("add")
def kiosks_add(
    name: str = typer.Option(..., "--name"),
    location: str = typer.Option(..., "--location"),
    agency: str = typer.Option(..., "--agency"),
) -> None:
    """Register a kiosk and print its one-time activation code (24 h, at /kiosk/activate)."""
    from identity.kiosks.service import ACTIVATION_LIFETIME, register_kiosk

    with _db() as db:
        device, code = register_kiosk(db, name=name, location=location, agency=agency)  # type: ignore[arg-type]
        _audit(
            db,
            "kiosk.add",
            device.id or 0,
            {"name": device.name, "location": device.location, "agency": device.agency},
        )
    hours = int(ACTIVATION_LIFETIME.total_seconds() // 3600)
    typer.echo(f"kiosk {device.id}: {device.name} · {device.location} ({device.agency})")
    typer.echo(f"activation code (once, within {hours} h, at /kiosk/activate): {code}")


@kiosks_app.command("disable")
def kiosks_disable(kiosk_id: int) -> None:
    """Take a kiosk out of service at once (its sessions, sign-ins and queued prints end)."""
    from identity.kiosks.service import disable_kiosk

    with _db() as db:
        device = disable_kiosk(db, device_id=kiosk_id)  # type: ignore[arg-type]
        _audit(db, "kiosk.disable", kiosk_id)
    typer.echo(f"kiosk {device.id} disabled: {device.name} · {device.location}")


@kiosks_app.command("enable")
def kiosks_enable(kiosk_id: int) -> None:
    """Put a disabled kiosk back in service (its device credential works again)."""
    from identity.kiosks.service import enable_kiosk

    with _db() as db:
        device = enable_kiosk(db, device_id=kiosk_id)  # type: ignore[arg-type]
        _audit(db, "kiosk.enable", kiosk_id)
    typer.echo(f"kiosk {device.id} enabled: {device.name} · {device.location}")


@kiosks_app.command("print-mode")
def kiosks_print_mode(
    kiosk_id: int, mode: str = typer.Argument(..., help="browser or cups")
) -> None:
    """How a kiosk prints: 'browser' (Chromium --kiosk-printing) or 'cups' (the print agent)."""
    from identity.kiosks.service import set_print_mode

    with _db() as db:
        device = set_print_mode(db, device_id=kiosk_id, print_mode=mode)  # type: ignore[arg-type]
        _audit(db, "kiosk.print_mode", kiosk_id, {"print_mode": mode})
    typer.echo(f"kiosk {device.id} prints through {device.print_mode}")


@kiosks_app.command("list")
def kiosks_list(agency: str | None = typer.Option(None, "--agency")) -> None:
    """Each kiosk: state, print mode, last contact, printer status, documents printed per day
    over the last 7 days (Bangkok dates, oldest first)."""
    from identity.kiosks.service import list_kiosks

    with _db() as db:
        rows = list_kiosks(db, agency=agency)  # type: ignore[arg-type]
    if rows:
        days = " ".join(day.strftime("%m-%d") for day, _ in rows[0].prints_by_day)
        typer.echo(
            f"{'id':>4} {'agency':<6} {'state':<9} {'mode':<7} {'last contact':<17} "
            f"{'printer':<10} prints {days}"
        )
    for row in rows:
        device = row.device
        state = "disabled" if device.disabled_at else ("active" if device.activated_at else "new")
        seen = device.last_seen_at.strftime("%Y-%m-%d %H:%M") + "Z" if device.last_seen_at else "-"
        counts = " ".join(f"{n:>5}" for _, n in row.prints_by_day)
        typer.echo(
            f"{device.id:>4} {device.agency:<6} {state:<9} {device.print_mode:<7} {seen:<17} "
            f"{device.printer_status or '-':<10} {row.prints_total:>6} {counts}  "
            f"{device.name} · {device.location}"
        )


@kiosks_app.command("agent-credential")
def kiosks_agent_credential(kiosk_id: int) -> None:
    """Print the credential for a CUPS kiosk's print agent (put it in a file only the agent's
    user can read). It changes when the kiosk is activated again."""
    from identity.kiosks.service import agent_credential_for, get_kiosk

    secret_key = _settings().resolved_secret_key()
    with _db() as db:
        device = get_kiosk(db, kiosk_id)  # type: ignore[arg-type]
        credential = agent_credential_for(device, secret_key=secret_key)
        _audit(db, "kiosk.agent_credential", kiosk_id)
    typer.echo(credential)


@kiosks_app.command("agent")
def kiosks_agent(
    portal: str = typer.Option(..., "--portal", help="The portal's URL (https)"),
    credential_file: Path = typer.Option(..., "--credential-file"),
    printer: str | None = typer.Option(None, "--printer", help="CUPS queue; default: CUPS's"),
    once: bool = typer.Option(False, "--once", help="One cycle, then exit"),
    interval: float = typer.Option(5.0, "--interval", min=1.0, help="Seconds between polls"),
    lp_command: str = typer.Option("lp", "--lp-command"),
    lpstat_command: str = typer.Option("lpstat", "--lpstat-command"),
    cancel_command: str = typer.Option("cancel", "--cancel-command"),
) -> None:
    """Run the print agent on a CUPS-mode kiosk host: print queued jobs with lp, report the
    printer's status, cancel a finished session's jobs still in the spool."""
    import httpx

    from identity.kiosks.agent import (
        AgentConfig,
        AgentConfigError,
        PrintAgent,
        read_credential_file,
    )

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        agent = PrintAgent(
            AgentConfig(
                portal_url=portal,
                credential=read_credential_file(credential_file),
                printer=printer,
                lp_command=shlex.split(lp_command),
                lpstat_command=shlex.split(lpstat_command),
                cancel_command=shlex.split(cancel_command),
                poll_seconds=interval,
            )
        )
        if once:
            try:
                report = agent.run_once()
            finally:
                agent.close()
            typer.echo(
                f"printer {report.status}; sent {len(report.sent)}, failed {len(report.failed)}, "
                f"printed {len(report.printed)}, cancelled {len(report.cancelled)}"
            )
            return
    except AgentConfigError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from exc
    except httpx.HTTPError as exc:
        typer.secho(f"the portal did not answer: {exc}", fg="red", err=True)
        raise typer.Exit(1) from exc
    try:
        agent.run_forever()
    except KeyboardInterrupt:
        typer.echo("print agent stopped")
