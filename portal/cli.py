"""The `portal` command. Each command calls a domain function and prints; no logic lives here."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from portal.cli_documents import documents_app
from portal.cli_keys import keys_app
from portal.cli_kiosks import kiosks_app
from portal.cli_payments import payments_app
from portal.cli_verify import verify_app

app = typer.Typer(
    help="Citizen Service Portal", no_args_is_help=True, pretty_exceptions_enable=False
)
services_app = typer.Typer(help="The service catalogue", no_args_is_help=True)
agencies_app = typer.Typer(help="Agency modules", no_args_is_help=True)
officers_app = typer.Typer(help="Back-office officers", no_args_is_help=True)
offices_app = typer.Typer(help="Agency offices, each with its own queue", no_args_is_help=True)
holidays_app = typer.Typer(help="The holiday calendar of legal deadlines", no_args_is_help=True)
audit_app = typer.Typer(help="The audit chain", no_args_is_help=True)
app.add_typer(services_app, name="services")
app.add_typer(agencies_app, name="agencies")
app.add_typer(officers_app, name="officers")
app.add_typer(offices_app, name="offices")
app.add_typer(kiosks_app, name="kiosks")
app.add_typer(holidays_app, name="holidays")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(documents_app, name="documents")
app.add_typer(verify_app, name="verify")
app.add_typer(payments_app, name="payments")


def _settings():  # type: ignore[no-untyped-def]
    from portal.settings import get_settings

    try:
        return get_settings()
    except ValueError as exc:  # production mode with demo secrets, and the like
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from exc


@contextmanager
def _refusals_exit() -> Iterator[None]:
    """A refused command (bad input, a duplicate) prints its Thai and English message and
    exits 1, with nothing written (the session rolls back), rather than a traceback."""
    from portal.errors import PortalError

    try:
        yield
    except PortalError as exc:
        typer.secho(f"{exc.message_en} / {exc.message_th}", fg="red", err=True)
        raise typer.Exit(1) from exc


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from portal.migrate import migrate as run_migrations

    settings = _settings()
    run_migrations(settings.database_url)
    typer.echo(f"database migrated: {settings.database_url.split('@')[-1]}")


@app.command()
def seed() -> None:
    """Create first-run key material (portal root CA, one seal per agency) in the data dir."""
    from portal.seed import seed_keys

    settings = _settings()
    codes = seed_keys(settings.data_dir)
    typer.echo(f"keys ready in {settings.data_dir / 'pki'} for: {', '.join(codes)}")


@app.command()
def serve(
    host: str = typer.Option(None, help="default: PORTAL_HOST (127.0.0.1)"),
    port: int = typer.Option(None, help="default: PORTAL_PORT (8000)"),
    workers: int = typer.Option(1, help="uvicorn worker processes"),
) -> None:
    """Run the portal web app (run `portal migrate` first).

    With several workers, Prometheus metrics are collected across them (a fresh
    PROMETHEUS_MULTIPROC_DIR unless one is given) and rate limits should be shared
    (PORTAL_REDIS_URL, or PORTAL_RATE_LIMIT_BACKEND=database).
    """
    import os

    import uvicorn

    settings = _settings()
    if workers > 1:
        _prepare_multiprocess_metrics(settings.data_dir)  # before anything imports metrics
    from portal.observability import configure_logging
    from portal.ratelimit import resolve_backend

    if workers > 1:
        if resolve_backend(settings) == "memory":
            typer.secho(
                f"warning: rate limits are per process ({workers} workers): set PORTAL_REDIS_URL "
                "or PORTAL_RATE_LIMIT_BACKEND=database to share them",
                fg="yellow",
                err=True,
            )
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    os.environ.setdefault("PORTAL_CONFIGURE_LOGGING", "1")  # the workers configure theirs too
    uvicorn.run(
        "portal.asgi:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        proxy_headers=True,
        log_config=None,
        access_log=False,  # portal.observability logs each request with its id
    )


def _prepare_multiprocess_metrics(data_dir: Path) -> None:
    """Points PROMETHEUS_MULTIPROC_DIR at an empty folder before the workers start (values of
    a previous run would otherwise be added to this one's)."""
    import os
    import shutil

    directory = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or data_dir / "prometheus")
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


@app.command()
def worker(once: bool = typer.Option(False, help="run due jobs, then exit")) -> None:
    """Run a background worker that fetches evidence and issues certificates."""
    import signal

    from portal.app import create_app
    from portal.db import utcnow
    from portal.observability import configure_logging
    from services.petitions.housekeeping import run_housekeeping
    from services.petitions.worker import BackgroundWorker, run_until_idle

    settings = _settings()
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    portal_app = create_app(settings)
    if once:
        engine, ctx = portal_app.state.engine, portal_app.state.processing
        typer.echo(f"jobs run: {run_until_idle(engine, ctx)}")
        run_housekeeping(engine, ctx, now=utcnow())
        return
    background = BackgroundWorker(portal_app.state.engine, portal_app.state.processing)
    background.start()
    signal.sigwait({signal.SIGINT, signal.SIGTERM})
    background.stop()


@app.command()
def demo(
    log_level: str = typer.Option("warning", help="uvicorn log level"),
) -> None:
    """Migrate, seed, and run the portal, the development digital-ID provider and the
    simulated agency registries together on 127.0.0.1."""
    from portal.app import create_app
    from portal.migrate import migrate as run_migrations
    from portal.seed import seed_demo_back_office, seed_holiday_calendar, seed_keys
    from portal.servers import (
        ServerSpec,
        bank_spec,
        demo_account_holders,
        demo_ial,
        demo_population,
        provider_spec,
        registry_specs,
        serve_all,
    )

    settings = _settings()
    if settings.is_production:
        typer.secho("`portal demo` never runs in production mode", fg="red", err=True)
        raise typer.Exit(2)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    run_migrations(settings.database_url)
    seed_keys(settings.data_dir)
    seed_holiday_calendar(settings.database_url)
    people = demo_population()
    staff = seed_demo_back_office(settings.database_url, demo_account_holders(people))
    portal_spec = ServerSpec("portal", create_app(settings), settings.host, settings.port)
    specs = [portal_spec, provider_spec(settings, people), *registry_specs(settings, people)]
    specs.append(bank_spec(settings))  # PromptPay payments (issue 7)
    typer.echo(
        "Citizen Service Portal — demo (SQLite, development digital ID, simulated registries)"
    )
    for spec in specs:
        typer.echo(f"  {spec.name:<28} {spec.url}")
    typer.echo(f"  {'database':<28} {settings.database_url}")
    typer.echo("\nSign in at the portal with one of these demo citizens (password: demo):")
    for index, person in enumerate(demo_account_holders(people)[:4]):
        typer.echo(
            f"  {person.national_id}  IAL {demo_ial(index):g}  {person.full_name_th}"
            f"  ({person.full_name_en})"
        )
    typer.echo(
        f"\nBack office ({settings.base_url}/backoffice/, same password; enrol any TOTP app"
        " at first sign-in):"
    )
    for member in staff:
        office = f" @ {member.office_code}" if member.office_code else ""
        typer.echo(f"  {member.national_id}  {member.agency}{office}  {', '.join(member.roles)}")
    typer.echo(f"\nOpen {settings.base_url}/ — press Ctrl+C to stop.")
    try:
        asyncio.run(serve_all(specs, log_level=log_level))
    except KeyboardInterrupt:
        pass


@services_app.command("check")
def services_check() -> None:
    """Validate every service definition; errors name the file and the field."""
    from services.catalogue.errors import DefinitionError
    from services.catalogue.service import load_catalogue

    try:
        catalogue = load_catalogue()
    except DefinitionError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from exc
    for s in catalogue.services:
        typer.echo(f"ok  {s.code} v{s.version}  {s.name.en}")
    for b in catalogue.bundles:
        typer.echo(f"ok  {b.code} v{b.version}  {b.name.en}  ({', '.join(b.parts)})")
    agencies = {s.agency for s in catalogue.services}
    typer.echo(
        f"{len(catalogue.services)} services from {len(agencies)} agencies and "
        f"{len(catalogue.bundles)} bundles valid"
    )


@agencies_app.command("list")
def agencies_list() -> None:
    """List the agency modules, their datasets and configured registry URLs."""
    from services.agencies import AGENCIES

    settings = _settings()
    for agency in AGENCIES:
        datasets = ", ".join(d.name for d in agency.datasets)
        url = settings.registry_urls.get(agency.code, "(not configured)")
        typer.echo(f"{agency.code:<6} {agency.name_en}  datasets: {datasets}  registry: {url}")


@officers_app.command("add")
def officers_add(
    national_id: str,
    agency: str,
    role: list[str] = typer.Option(["officer"], "--role", help="officer, supervisor, ..."),
    office: str | None = typer.Option(None, "--office", help="one office's queue (code)"),
    email: str = typer.Option("", "--email", help="for escalations to supervisors"),
) -> None:
    """Register a citizen ID as an officer of one agency (they enrol TOTP at first sign-in)."""
    from identity.officers.service import register_officer
    from portal.db import get_engine, session_scope
    from services.audit.service import record_event

    settings = _settings()
    with _refusals_exit(), session_scope(get_engine(settings.database_url)) as db:
        officer = register_officer(
            db,
            national_id=national_id,
            agency=agency,
            roles=role,
            office_code=office,
            email=email,
        )
        record_event(
            db,
            actor="cli",
            action="officer.add",
            object_type="officer",
            object_id=officer.id or 0,
            details={"agency": agency, "roles": list(officer.roles), "office": office},
        )
        typer.echo(f"officer {officer.id}: {agency} {', '.join(officer.roles)}")


@offices_app.command("add")
def offices_add(code: str, agency: str, name_th: str, name_en: str) -> None:
    """Open an office with its own queue; petitions can be transferred to it."""
    from identity.officers.service import add_office
    from portal.db import get_engine, session_scope
    from services.audit.service import record_event

    with _refusals_exit(), session_scope(get_engine(_settings().database_url)) as db:
        office = add_office(db, code=code, agency=agency, name_th=name_th, name_en=name_en)
        record_event(
            db,
            actor="cli",
            action="office.add",
            object_type="office",
            object_id=office.code,
            details={"agency": agency},
        )
        typer.echo(f"office {office.code}: {agency} {office.name_en}")


@offices_app.command("list")
def offices_list(agency: str | None = typer.Option(None, "--agency")) -> None:
    """List the offices, by agency."""
    from identity.officers.service import list_offices
    from portal.db import get_engine, session_scope

    with session_scope(get_engine(_settings().database_url)) as db:
        for office in list_offices(db, agency=agency):
            state = "" if office.active else "  (closed)"
            typer.echo(f"{office.agency:<6} {office.code:<24} {office.name_en}{state}")


@audit_app.command("verify")
def audit_verify(
    seal: bool = typer.Option(True, help="seal waiting events first, then walk the chain"),
    stale_minutes: int = typer.Option(5, help="events waiting longer mean no sealer runs"),
) -> None:
    """Walk the whole audit chain; exit 1 naming the first broken link, 3 if events waited
    longer than --stale-minutes to be sealed (no worker sealing)."""
    from datetime import timedelta

    from portal.db import get_engine, session_scope, utcnow
    from services.audit.service import seal_all
    from services.audit.verify import pending_backlog, verify_chain

    engine = get_engine(_settings().database_url)
    older_than = timedelta(minutes=stale_minutes)
    with session_scope(engine) as db:
        backlog = pending_backlog(db, now=utcnow(), older_than=older_than)
    if seal:
        seal_all(engine)
    with session_scope(engine) as db:
        report = verify_chain(db)
    if not report.ok:
        typer.secho(report.summary(), fg="red")
        raise typer.Exit(1)
    typer.echo(report.summary())
    typer.echo(backlog.summary(older_than) + (" (now sealed)" if seal and backlog.waiting else ""))
    if backlog.stale:
        raise typer.Exit(3)


@audit_app.command("show")
def audit_show(
    target: str = typer.Option(..., "--object", help="type:id, e.g. petition:<id>"),
) -> None:
    """Print one object's audit trail, oldest first (sealing waiting events first)."""
    from portal.db import get_engine, session_scope
    from services.audit.service import format_event, list_events_for, seal_all

    object_type, _, object_id = target.partition(":")
    engine = get_engine(_settings().database_url)
    seal_all(engine)
    with session_scope(engine) as db:
        events = list_events_for(db, object_type=object_type, object_id=object_id)
        for event in events:
            typer.echo(format_event(event))
    typer.echo(f"{len(events)} events for {target}")


@audit_app.command("heads")
def audit_heads(days: int = typer.Option(7, "--days", help="how many latest days")) -> None:
    """Print the latest days' chain heads (day, seq range, events, head hash) to publish."""
    from portal.db import get_engine, session_scope
    from services.audit.service import list_day_heads, seal_all

    engine = get_engine(_settings().database_url)
    seal_all(engine)
    with session_scope(engine) as db:
        for head in list_day_heads(db, limit=days):
            typer.echo(
                f"{head.day.isoformat()}  seq {head.first_seq}-{head.last_seq}  "
                f"{head.event_count} events  {head.head_hash}"
            )


@holidays_app.command("list")
def holidays_list(year: int = typer.Option(None, help="default: this year")) -> None:
    """List one year's holidays (the days legal deadlines skip besides weekends)."""
    from portal.db import get_engine, session_scope, utcnow
    from services.calendar.business_days import bangkok_date
    from services.calendar.service import list_holidays

    shown = year or bangkok_date(utcnow()).year
    with session_scope(get_engine(_settings().database_url)) as db:
        rows = list_holidays(db, year=shown)
        for h in rows:
            typer.echo(f"{h.day.isoformat()}  {h.source:<5}  {h.name_en}  ({h.name_th})")
        typer.echo(f"{len(rows)} holidays in {shown}")


@holidays_app.command("add")
def holidays_add(day: str, name_th: str, name_en: str) -> None:
    """Make DAY (YYYY-MM-DD) a holiday for due dates set from now on."""
    from portal.db import get_engine, session_scope
    from services.calendar.service import add_holiday, parse_holiday_date

    with _refusals_exit(), session_scope(get_engine(_settings().database_url)) as db:
        h = add_holiday(
            db, day=parse_holiday_date(day), name_th=name_th, name_en=name_en, actor="cli"
        )
        typer.echo(f"holiday added: {h.day.isoformat()} {h.name_en}")


@holidays_app.command("remove")
def holidays_remove(day: str) -> None:
    """Make DAY (YYYY-MM-DD) a working day again."""
    from portal.db import get_engine, session_scope
    from services.calendar.service import parse_holiday_date, remove_holiday

    with _refusals_exit(), session_scope(get_engine(_settings().database_url)) as db:
        h = remove_holiday(db, day=parse_holiday_date(day), actor="cli")
        typer.echo(f"holiday removed: {h.day.isoformat()} {h.name_en}")


@holidays_app.command("seed")
def holidays_seed(
    more_years: list[int] = typer.Argument(None, metavar="[YEARS]...", show_default=False),
    years: list[int] = typer.Option(
        [], "--years", help="`--years 2026 2027`; default: this year and the next"
    ),
) -> None:
    """Add Thailand's public holidays for the years from the `holidays` package (idempotent;
    a year already seeded is skipped, an administrator's rows stay)."""
    from portal.db import get_engine, session_scope, utcnow
    from services.calendar.business_days import bangkok_date
    from services.calendar.service import seed_holidays

    wanted = sorted({*years, *(more_years or [])})
    if not wanted:
        this_year = bangkok_date(utcnow()).year
        wanted = [this_year, this_year + 1]
    with session_scope(get_engine(_settings().database_url)) as db:
        added = seed_holidays(db, years=wanted)
    typer.echo(f"holidays added: {added} ({', '.join(map(str, wanted))})")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
