"""The provider's RSA signing key: generated on first run, kept as a 0600 PEM file, never in git.

Relying parties cache the JWKS, so the key must survive restarts: a new key on every start would
invalidate every ID token a running portal still holds. The `kid` is the RFC 7638 thumbprint, so
the same file always yields the same `kid`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from joserfc.jwk import KeySet, RSAKey

SIGNING_ALG = "RS256"
RSA_KEY_BITS = 2048


def load_or_create_signing_key(path: Path) -> RSAKey:
    """Reads the private key at `path`, creating it (mode 0600) if it does not exist yet."""
    if not path.exists():
        _create_key_file(path)
    pem = path.read_bytes()
    key = RSAKey.import_key(pem)
    if not key.is_private:
        raise ValueError(f"{path} holds a public key; the provider needs the private key")
    return RSAKey.import_key(pem, {"kid": key.thumbprint(), "use": "sig", "alg": SIGNING_ALG})


def public_jwks(key: RSAKey) -> dict[str, object]:
    """The JWKS document relying parties fetch from `jwks_uri`: public parts only."""
    return KeySet([key]).as_dict(private=False)


def _create_key_file(path: Path) -> None:
    """Writes a fresh key without ever exposing it: mkstemp creates the file 0600, and the
    hard link refuses to overwrite, so two processes starting together agree on one key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = RSAKey.generate_key(RSA_KEY_BITS, private=True).as_pem(private=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".signing-key-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(pem)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, 0o600)
        try:
            os.link(tmp_name, path)
        except FileExistsError:
            pass  # another process won the race; use its key
    finally:
        os.unlink(tmp_name)
