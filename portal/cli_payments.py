"""`portal payments reconcile | exemptions grant|revoke`: fees, kept small; logic in services."""

from __future__ import annotations

from datetime import date

import typer

payments_app = typer.Typer(help="PromptPay payments and fee exemptions", no_args_is_help=True)
exemptions_app = typer.Typer(help="Fee exemption cards (disability, welfare)", no_args_is_help=True)
payments_app.add_typer(exemptions_app, name="exemptions")


@payments_app.command("reconcile")
def reconcile_command() -> None:
    """Compare the provider's transactions with the portal's; exit 1 on any mismatch."""
    from portal.cli import _settings
    from portal.db import get_engine, session_scope
    from services.payments.provider import get_provider
    from services.payments.reconcile import count_payments, reconcile

    settings = _settings()
    provider = get_provider(settings)
    try:
        transactions = provider.list_transactions()
    except Exception as exc:  # the provider is down or answers nonsense: say so, exit 2
        typer.secho(f"could not read the provider's transactions: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    with session_scope(get_engine(settings.database_url)) as db:
        mismatches = reconcile(db, provider=provider.name, transactions=transactions)
        counts = count_payments(db)
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"
    typer.echo(f"provider {provider.name}: {len(transactions)} transactions; payments: {summary}")
    for m in mismatches:
        typer.echo(f"MISMATCH {m.kind} {m.txn_id} {m.detail}")
    if mismatches:
        raise typer.Exit(1)
    typer.echo("all transactions agree")


@exemptions_app.command("grant")
def grant_command(
    national_id: str,
    category: str,
    source: str = typer.Option(..., help="what was seen: card number, list name"),
    until: str = typer.Option("", help="last day it applies, YYYY-MM-DD (default: no end)"),
) -> None:
    """Record that a citizen holds a disability or state welfare card."""
    from portal.cli import _refusals_exit, _settings
    from portal.db import get_engine, session_scope
    from services.payments.exemptions import grant_exemption

    with _refusals_exit(), session_scope(get_engine(_settings().database_url)) as db:
        grant = grant_exemption(
            db,
            national_id=national_id,
            category=category,
            source=source,
            valid_until=date.fromisoformat(until) if until else None,
            actor="cli",
        )
        typer.echo(f"granted: {grant.category} for {grant.national_id}")


@exemptions_app.command("revoke")
def revoke_command(national_id: str, category: str) -> None:
    """End a citizen's exemption card grant."""
    from portal.cli import _settings
    from portal.db import get_engine, session_scope
    from services.payments.exemptions import revoke_exemption

    with session_scope(get_engine(_settings().database_url)) as db:
        done = revoke_exemption(db, national_id=national_id, category=category, actor="cli")
    typer.echo("revoked" if done else "no grant in force")
    if not done:
        raise typer.Exit(1)
