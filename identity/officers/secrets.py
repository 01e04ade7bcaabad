"""Officers' TOTP secrets sealed at rest (ADR 0004).

A TOTP secret lets whoever holds it mint an officer's codes, so the database keeps only
`"v1:" + urlsafe-base64(nonce || AES-256-GCM ciphertext and tag)`:

- the key is derived with HKDF-SHA256 from the portal's secret key (`PORTAL_SECRET_KEY`, or the
  one generated into the data directory), `info=b"portal/officer-totp/v1"`, so a database dump
  alone yields nothing and the key is used for nothing else;
- the nonce is 96 random bits, new at every seal;
- the officer's row id is the associated data, so a sealed value copied into another officer's
  row does not open.

A value without the `v1:` prefix is a clear-text base32 secret from an older database: it is
accepted (`is_sealed` tells the service to seal it again on its next successful use). Anything
that does not open — wrong key, tampered or truncated value, another officer's row, an unknown
version — raises `SealedSecretError`; the service fails closed on it.
"""

from __future__ import annotations

import base64
import binascii
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION_PREFIX = "v1:"
HKDF_INFO = b"portal/officer-totp/v1"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96 bits, the GCM nonce size (NIST SP 800-38D §8.2)
TAG_BYTES = 16
_BASE32 = re.compile(r"^[A-Z2-7]+=*$")


class SealedSecretError(Exception):
    """The stored TOTP secret cannot be opened: wrong key, tampered, or another officer's."""


def derive_key(key_material: str | bytes) -> bytes:
    """The AES-256 key for TOTP secrets, derived from the portal's secret key."""
    raw = key_material.encode() if isinstance(key_material, str) else key_material
    if not raw:
        raise ValueError("The portal's secret key is empty; TOTP secrets cannot be sealed")
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=HKDF_INFO).derive(raw)


def _associated_data(officer_id: int) -> bytes:
    return f"officer:{int(officer_id)}".encode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(VERSION_PREFIX)


def seal_totp_secret(secret: str, *, officer_id: int, key_material: str | bytes) -> str:
    """The stored form of an officer's base32 TOTP secret."""
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(derive_key(key_material)).encrypt(
        nonce, secret.encode("ascii"), _associated_data(officer_id)
    )
    return VERSION_PREFIX + base64.urlsafe_b64encode(nonce + ciphertext).decode("ascii")


def open_totp_secret(stored: str, *, officer_id: int, key_material: str | bytes) -> str:
    """The base32 secret from its stored form; a legacy clear-text value is returned as is.

    Raises:
        SealedSecretError: the value does not open under this key for this officer, or is
            neither a sealed value nor a base32 secret.
    """
    if not is_sealed(stored):
        if _BASE32.match(stored):
            return stored  # legacy clear text; the caller seals it again
        raise SealedSecretError("Not a sealed TOTP secret")
    try:
        blob = base64.urlsafe_b64decode(stored.removeprefix(VERSION_PREFIX).encode("ascii"))
    except (binascii.Error, ValueError) as error:
        raise SealedSecretError("The sealed TOTP secret is not valid base64") from error
    if len(blob) < NONCE_BYTES + TAG_BYTES + 1:
        raise SealedSecretError("The sealed TOTP secret is truncated")
    nonce, ciphertext = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
    try:
        plain = AESGCM(derive_key(key_material)).decrypt(
            nonce, ciphertext, _associated_data(officer_id)
        )
    except InvalidTag as error:
        raise SealedSecretError(
            "The sealed TOTP secret does not open: wrong key, tampered, or another officer's"
        ) from error
    secret = plain.decode("ascii", errors="replace")
    if not _BASE32.match(secret):
        raise SealedSecretError("The sealed TOTP secret is not a base32 secret")
    return secret
