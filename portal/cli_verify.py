"""`portal verify qr PAYLOAD`: check a certificate's QR code offline.

Exit status: 0 the signature is the portal's, 1 forged / unknown key / not a portal QR code,
2 the keys could not be read. Keys come from `--keys` (a JWKS file, the URL of the portal's
`/.well-known/document-keys.json`, or a folder of `*.pub.pem`), by default from this
installation's data directory. Only the signature is checked: whether the document is still
valid (not revoked, not superseded) needs the online check.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

verify_app = typer.Typer(help="Offline verification", no_args_is_help=True)


@verify_app.command("qr")
def verify_qr(
    payload: str = typer.Argument(..., help="the text of the QR code (the URL it opens)"),
    keys: str = typer.Option(
        "", "--keys", help="JWKS file, its URL, or a folder of .pub.pem (default: data dir)"
    ),
) -> None:
    """Check a QR payload's Ed25519 signature against the portal's published keys."""
    from documents.qrpayload import verify_qr_payload

    try:
        public_keys = _load_keys(keys)
    except (OSError, ValueError) as exc:
        typer.secho(f"cannot read keys: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    if not public_keys:
        typer.secho("no keys found", fg="red", err=True)
        raise typer.Exit(2)
    check = verify_qr_payload(payload, public_keys)
    if check.valid:
        typer.echo(f"valid  {check.number}  check code {check.check_code}  key {check.kid}")
        typer.echo("signed by the portal; check online whether it is still valid")
        return
    messages = {
        "forged": "FORGED: the signature does not match the number and check code",
        "unknown_key": f"NOT VALID: signed with an unknown key ({check.kid})",
        "malformed": "NOT VALID: not a QR code of the portal",
    }
    typer.secho(messages[check.status], fg="red", err=True)
    raise typer.Exit(1)


def _load_keys(source: str) -> dict[str, Any]:
    from documents.qrpayload import keys_from_jwks, load_public_keys, public_keys_in

    if source.startswith(("https://", "http://")):
        import httpx

        try:
            answer = httpx.get(source, timeout=10, follow_redirects=True)
            answer.raise_for_status()
        except httpx.HTTPError as exc:
            raise ValueError(f"{source}: {exc}") from exc
        return keys_from_jwks(answer.json())
    if source:
        path = Path(source)
        if path.is_dir():
            return public_keys_in(path)
        return keys_from_jwks(json.loads(path.read_text()))
    from portal.settings import get_settings

    return load_public_keys(get_settings().data_dir, create=False)
