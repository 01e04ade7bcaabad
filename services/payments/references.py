"""PromptPay references: upper-case letters and digits, at most 20 characters each.

- **Reference 1 names the petition.** A petition id is a UUID (32 hex digits without its
  hyphens: 128 bits), which no 20-character reference can hold. Reference 1 is its first 20 hex
  digits, upper-case (80 bits, a clash between two petitions with a fee is negligible), stored
  on the payment; the way back is that stored column, and `petition_matches_ref1` checks it.
- **Reference 2 names the document, reversibly.** A document number `DOPA-2569-7K3M9QXD` is
  an agency code (letters and digits), a 4-digit Buddhist-era year and 8 Crockford base32
  characters (documents.numbers). Reference 2 is the number without its hyphens,
  `DOPA25697K3M9QXD`; `document_number_from_ref2` puts them back: the last 8 characters are
  the tail, the 4 before them the year, the rest the agency code. Agency codes up to 8
  characters fit (every agency here has 2-4).
"""

from __future__ import annotations

import re

from services.payments.errors import PaymentReferenceError

_TAIL = 8
_YEAR = 4
_REF2 = re.compile(r"([A-Z][A-Z0-9]{1,7})([0-9]{4})([0-9A-HJKMNP-TV-Z]{8})")
_NUMBER = re.compile(r"([A-Z][A-Z0-9]{1,7})-([0-9]{4})-([0-9A-HJKMNP-TV-Z]{8})")
REF1_LENGTH = 20


def ref1_for_petition(petition_id: str) -> str:
    """The first 20 hex digits of the petition's UUID, upper-case."""
    digits = petition_id.replace("-", "").upper()
    if len(digits) < REF1_LENGTH or not re.fullmatch(r"[0-9A-F]+", digits):
        raise PaymentReferenceError(f"not a petition id: {petition_id!r}")
    return digits[:REF1_LENGTH]


def petition_matches_ref1(petition_id: str, ref1: str) -> bool:
    """True when `ref1` is the reference of this petition."""
    try:
        return ref1_for_petition(petition_id) == ref1
    except PaymentReferenceError:
        return False


def ref2_for_document(number: str) -> str:
    """`DOPA-2569-7K3M9QXD` -> `DOPA25697K3M9QXD`."""
    if not _NUMBER.fullmatch(number):
        raise PaymentReferenceError(f"document number does not fit a reference: {number!r}")
    return number.replace("-", "")


def document_number_from_ref2(ref2: str) -> str:
    """`DOPA25697K3M9QXD` -> `DOPA-2569-7K3M9QXD`; PaymentReferenceError if it is not one."""
    match = _REF2.fullmatch(ref2)
    if match is None:
        raise PaymentReferenceError(f"not a document reference: {ref2!r}")
    agency, year, tail = match.groups()
    return f"{agency}-{year}-{tail}"
