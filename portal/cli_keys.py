"""`portal keys …`: the portal CA, agency seals, the timestamp authority (placeholder)."""

from __future__ import annotations

import typer

keys_app = typer.Typer(
    help="Signing keys: CA, agency seals, timestamps, CRLs", no_args_is_help=True
)
