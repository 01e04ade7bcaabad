"""The portal's own signing key for `private_key_jwt` client authentication (RFC 7523).

Generated on first run into the data directory (0600, never in git); its public half is served
at `/oidc/jwks.json` for the provider to register as the portal's `jwks_uri`.
"""

from __future__ import annotations

import os
from pathlib import Path

from joserfc.jwk import RSAKey


def load_or_create_client_key(path: Path) -> RSAKey:
    """Reads the portal's client key, creating a 2048-bit RSA key on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = RSAKey.generate_key(2048, private=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(key.as_pem(private=True))
        tmp.chmod(0o600)
        os.replace(tmp, path)  # a racing process wins or loses whole; both read one key
    key = RSAKey.import_key(path.read_bytes())
    key.ensure_kid()
    return key


def public_jwks(key: RSAKey) -> dict[str, list[dict[str, object]]]:
    """The JWKS document with only the public half of the key."""
    public = key.as_dict(private=False)
    return {"keys": [{**public, "use": "sig", "alg": "RS256", "kid": key.kid}]}
