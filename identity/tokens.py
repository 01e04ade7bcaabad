"""Secrets the browser or a device holds are stored only as their SHA-256.

Session cookies, kiosk credentials and activation codes are random and long, so a plain hash
is enough (no salt or slow hash needed), and a database leak yields nothing usable.
"""

from __future__ import annotations

import hashlib


def hash_token(token: str) -> str:
    """The stored form of a random secret token."""
    return hashlib.sha256(token.encode()).hexdigest()
