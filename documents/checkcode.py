"""Check codes: a short code printed beside the document number.

Number + check code is what a verifier types; the number alone reveals nothing (numbers are
random, but a printed number is seen by many more people than the holder chose to show).
Six Crockford base32 characters carry 30 bits: with the per-IP rate limit on the verify
endpoints, guessing a code for a known number takes far longer than a document lives.

People retype codes from paper, so input is normalised the Crockford way (case, O→0, I/L→1,
spaces and hyphens dropped) and compared in constant time.
"""

from __future__ import annotations

import hmac
import re
import secrets

from documents.numbers import CROCKFORD_ALPHABET

CHECK_CODE_LENGTH = 6
_WELL_FORMED = re.compile(f"[{CROCKFORD_ALPHABET}]{{{CHECK_CODE_LENGTH}}}")
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-]+")


def new_check_code() -> str:
    """A fresh random check code (Crockford base32)."""
    return "".join(secrets.choice(CROCKFORD_ALPHABET) for _ in range(CHECK_CODE_LENGTH))


def normalise_check_code(value: str) -> str:
    """What a person typed, in canonical form: upper case, look-alikes mapped, no separators."""
    return _SEPARATORS.sub("", value).upper().translate(_LOOKALIKES)


def is_well_formed_check_code(value: str) -> bool:
    """True for six canonical Crockford characters (after `normalise_check_code`)."""
    return bool(_WELL_FORMED.fullmatch(value))


def check_code_matches(expected: str, given: str) -> bool:
    """Whether `given` (as typed) is `expected`, compared in constant time.

    An empty `expected` never matches: documents issued before check codes are verified by
    number alone, and the caller decides that explicitly.
    """
    if not expected:
        return False
    candidate = normalise_check_code(given).encode("utf-8", "replace")
    return hmac.compare_digest(candidate, expected.encode("ascii"))
