"""`portal documents …`: revoke and reissue issued documents (operators; audited).

Revoking takes effect at once (the verify page and API report the document as revoked, its
share links stop opening). Reissuing only queues the job: a worker (`portal worker`, or the
one inside the web process) re-reads the register and issues the new document.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

documents_app = typer.Typer(help="Issued documents: revoke, reissue", no_args_is_help=True)


@contextmanager
def _refusals_exit() -> Iterator[None]:
    """A refusal prints its English and Thai message and exits 1; nothing is written."""
    from portal.errors import PortalError

    try:
        yield
    except PortalError as exc:
        typer.secho(f"{exc.message_en} / {exc.message_th}", fg="red", err=True)
        raise typer.Exit(1) from exc


def _engine():  # type: ignore[no-untyped-def]
    from portal.db import get_engine
    from portal.settings import get_settings

    try:
        settings = get_settings()
    except ValueError as exc:  # production mode with demo secrets, and the like
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from exc
    return get_engine(settings.database_url)


@documents_app.command("revoke")
def revoke(
    number: str,
    reason: str = typer.Option(..., "--reason", help="why, 3 to 500 characters (shown)"),
) -> None:
    """Revoke a document: verification shows it as revoked with the reason."""
    from documents.service import revoke_document
    from portal.db import session_scope
    from services.audit.service import record_event

    with _refusals_exit(), session_scope(_engine()) as db:
        document = revoke_document(db, number=number.strip().upper(), reason=reason)
        record_event(
            db,
            actor="cli",
            action="document.revoke",
            object_type="document",
            object_id=document.number,
            details={"reason": document.revocation_reason},
        )
        typer.echo(f"revoked {document.number}: {document.revocation_reason}")


@documents_app.command("reissue")
def reissue(number: str) -> None:
    """Queue a reissue with the register's current data; the worker supersedes the old one."""
    from portal.db import session_scope
    from services.petitions.reissue import request_reissue

    with _refusals_exit(), session_scope(_engine()) as db:
        result = request_reissue(db, number=number.strip().upper(), citizen_id=None, actor="cli")
        state = "queued" if result.created else f"already {result.job.state}"
        typer.echo(f"reissue of {number.strip().upper()} {state} (job {result.job.id})")
