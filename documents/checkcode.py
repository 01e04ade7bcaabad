"""Check codes: a short code printed beside the document number (STUB: verify helper owns this).

Number + check code is what a verifier types; the number alone reveals nothing.
"""

from __future__ import annotations

import secrets

from documents.numbers import CROCKFORD_ALPHABET

CHECK_CODE_LENGTH = 6


def new_check_code() -> str:
    """A fresh random check code (Crockford base32)."""
    return "".join(secrets.choice(CROCKFORD_ALPHABET) for _ in range(CHECK_CODE_LENGTH))
