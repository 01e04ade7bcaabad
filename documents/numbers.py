"""Document numbers such as `DOPA-2569-7K3M9QXD`.

The tail is 8 random Crockford base32 characters (40 bits from `secrets`), so numbers cannot be
enumerated from the public verify page. Uniqueness is enforced by the database; the issuer draws
again on the (rare) clash.
"""

from __future__ import annotations

import re
import secrets
from datetime import date

from documents.dates import buddhist_year

# Crockford base32: no I, L, O or U, so a number read aloud or retyped is not ambiguous.
CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 8

_AGENCY_CODE = re.compile(r"[a-z][a-z0-9]{1,9}", re.IGNORECASE | re.ASCII)
_NUMBER = re.compile(r"[A-Z][A-Z0-9]{1,9}-[0-9]{4}-[0-9A-HJKMNP-TV-Z]{8}")


def new_document_number(agency_code: str, issued_on: date) -> str:
    """A fresh random number: upper-case agency code, Buddhist-era year, 8 random characters."""
    if not _AGENCY_CODE.fullmatch(agency_code):
        raise ValueError(f"not an agency code: {agency_code!r}")
    tail = "".join(secrets.choice(CROCKFORD_ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"{agency_code.upper()}-{buddhist_year(issued_on)}-{tail}"


def is_well_formed_number(value: str) -> bool:
    """True if `value` could be a document number; routes use it to answer 404 before the DB."""
    return bool(_NUMBER.fullmatch(value))
