"""`portal documents …`: revoke and reissue issued documents (placeholder)."""

from __future__ import annotations

import typer

documents_app = typer.Typer(help="Issued documents", no_args_is_help=True)
