"""`portal verify-qr`: check a certificate's QR payload offline (placeholder)."""

from __future__ import annotations

import typer

verify_app = typer.Typer(help="Offline verification", no_args_is_help=True)
