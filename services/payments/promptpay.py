"""PromptPay bill payment QR: Thai QR Payment, EMVCo merchant-presented mode.

A payload is a string of TLV data objects: a 2-digit ID, a 2-digit length (in characters),
the value. The portal writes a *bill payment* (merchant account template 30):

    00 02 01                    payload format indicator
    01 02 12                    point of initiation: 12 dynamic (one bill), 11 static
    30 LL                       merchant account information, Thai QR bill payment
        00 16 A000000677010112  AID of domestic bill payment
        01 15 <biller ID>       agency tax ID (13 digits) + suffix (2 digits)
        02 LL <reference 1>     upper-case letters and digits, at most 20
        03 LL <reference 2>     idem (optional)
    53 03 764                   currency, ISO 4217 (baht)
    54 LL 100.00                amount, two decimals
    58 02 TH                    country
    59 LL <merchant name>       optional
    63 04 <CRC>                 CRC-16/CCITT-FALSE over everything before it, "6304" included

`decode` reads any EMVCo payload (credit transfer, tag 29, included), checks the CRC first,
and parses the merchant-account templates (26-51) and additional data (62) one level down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

BILL_PAYMENT_AID = "A000000677010112"
CREDIT_TRANSFER_AID = "A000000677010111"
CURRENCY_BAHT = "764"
COUNTRY_THAILAND = "TH"
POINT_OF_INITIATION_DYNAMIC = "12"
POINT_OF_INITIATION_STATIC = "11"

TAG_FORMAT = "00"
TAG_INITIATION = "01"
TAG_BILL_PAYMENT = "30"
TAG_CURRENCY = "53"
TAG_AMOUNT = "54"
TAG_COUNTRY = "58"
TAG_MERCHANT_NAME = "59"
TAG_ADDITIONAL_DATA = "62"
TAG_CRC = "63"
# Templates whose value is itself TLV (EMVCo MPM: merchant account information 26-51, 62).
_TEMPLATE_TAGS = frozenset({f"{n:02d}" for n in range(26, 52)} | {TAG_ADDITIONAL_DATA})

_REFERENCE = re.compile(r"[A-Z0-9]{1,20}")
_BILLER_ID = re.compile(r"[0-9]{15}")
_MERCHANT_NAME = re.compile(r"[ -~]{1,25}")  # printable ASCII: lengths count characters
MAX_AMOUNT_SATANG = 10**11  # tag 54 holds at most 13 characters: 999,999,999.99


class PromptPayError(ValueError):
    """A payload that is not well-formed TLV, has a bad CRC, or lacks a required field."""


@dataclass(frozen=True)
class ParsedPayload:
    """A decoded payload: every top-level value by tag, and the templates parsed one level."""

    fields: dict[str, str]
    templates: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def point_of_initiation(self) -> str:
        return self.fields.get(TAG_INITIATION, "")

    @property
    def currency(self) -> str:
        return self.fields.get(TAG_CURRENCY, "")

    @property
    def country(self) -> str:
        return self.fields.get(TAG_COUNTRY, "")

    @property
    def amount(self) -> Decimal | None:
        """The amount as a Decimal (None when the payer types it: a static QR)."""
        raw = self.fields.get(TAG_AMOUNT)
        return None if raw is None else Decimal(raw)

    @property
    def bill_payment(self) -> dict[str, str] | None:
        """Template 30 when it is a Thai QR bill payment (AID A000000677010112)."""
        template = self.templates.get(TAG_BILL_PAYMENT)
        if template is None or template.get("00") != BILL_PAYMENT_AID:
            return None
        return template

    @property
    def biller_id(self) -> str | None:
        bill = self.bill_payment
        return bill.get("01") if bill else None

    @property
    def ref1(self) -> str | None:
        bill = self.bill_payment
        return bill.get("02") if bill else None

    @property
    def ref2(self) -> str | None:
        bill = self.bill_payment
        return bill.get("03") if bill else None


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR.

    The check value of b"123456789" is 0x29B1.
    """
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def tlv(tag: str, value: str) -> str:
    """One data object. Lengths count characters and must fit two digits."""
    if len(tag) != 2 or not tag.isdigit():
        raise PromptPayError(f"bad tag {tag!r}")
    if not 0 < len(value) <= 99:
        raise PromptPayError(f"value of tag {tag} must be 1-99 characters")
    return f"{tag}{len(value):02d}{value}"


def format_amount(amount_satang: int) -> str:
    """Satang as tag 54 writes it: "100.00"."""
    if not 0 < amount_satang < MAX_AMOUNT_SATANG:
        raise PromptPayError("amount out of range")
    return f"{amount_satang // 100}.{amount_satang % 100:02d}"


def encode(
    *,
    biller_id: str,
    ref1: str,
    ref2: str | None = None,
    amount_satang: int | None = None,
    merchant_name: str | None = None,
    dynamic: bool = True,
) -> str:
    """A bill-payment payload with its CRC (see the module doc for the layout).

    Raises PromptPayError for a biller ID that is not 15 digits, a reference outside
    [A-Z0-9]{1,20}, an amount out of range or a merchant name that is not printable ASCII.
    """
    if not _BILLER_ID.fullmatch(biller_id):
        raise PromptPayError("biller ID must be 15 digits")
    for name, ref in (("reference 1", ref1), ("reference 2", ref2)):
        if ref is not None and not _REFERENCE.fullmatch(ref):
            raise PromptPayError(f"{name} must be 1-20 upper-case letters or digits")
    account = tlv("00", BILL_PAYMENT_AID) + tlv("01", biller_id) + tlv("02", ref1)
    if ref2 is not None:
        account += tlv("03", ref2)
    initiation = POINT_OF_INITIATION_DYNAMIC if dynamic else POINT_OF_INITIATION_STATIC
    payload = (
        tlv(TAG_FORMAT, "01")
        + tlv(TAG_INITIATION, initiation)
        + tlv(TAG_BILL_PAYMENT, account)
        + tlv(TAG_CURRENCY, CURRENCY_BAHT)
    )
    if amount_satang is not None:
        payload += tlv(TAG_AMOUNT, format_amount(amount_satang))
    payload += tlv(TAG_COUNTRY, COUNTRY_THAILAND)
    if merchant_name is not None:
        if not _MERCHANT_NAME.fullmatch(merchant_name):
            raise PromptPayError("merchant name must be 1-25 printable ASCII characters")
        payload += tlv(TAG_MERCHANT_NAME, merchant_name)
    return with_crc(payload)


def with_crc(payload_without_crc: str) -> str:
    """Appends "6304" and the CRC over everything up to and including it."""
    body = payload_without_crc + TAG_CRC + "04"
    return body + f"{crc16_ccitt(body.encode('ascii')):04X}"


def decode(payload: str) -> ParsedPayload:
    """Parses a payload, checking the CRC before anything else is trusted.

    Raises PromptPayError: not ASCII, no CRC as the last object, a CRC that does not match,
    a length that runs past the end, a repeated tag, or a template that is not TLV.
    """
    if not payload.isascii() or not payload.isprintable():
        raise PromptPayError("payload must be printable ASCII")
    if len(payload) < 8 or payload[-8:-4] != TAG_CRC + "04":
        raise PromptPayError("payload does not end with a CRC (tag 63, length 04)")
    expected = payload[-4:].upper()
    actual = f"{crc16_ccitt(payload[:-4].encode('ascii')):04X}"
    if expected != actual:
        raise PromptPayError(f"CRC mismatch: payload says {expected}, content gives {actual}")
    fields = _parse_tlv(payload)
    if fields.get(TAG_FORMAT) != "01":
        raise PromptPayError("payload format indicator (tag 00) must be 01")
    templates = {tag: _parse_tlv(value) for tag, value in fields.items() if tag in _TEMPLATE_TAGS}
    amount = fields.get(TAG_AMOUNT)
    if amount is not None:
        try:
            if Decimal(amount) <= 0 or not re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", amount):
                raise PromptPayError(f"bad amount {amount!r}")
        except InvalidOperation as exc:
            raise PromptPayError(f"bad amount {amount!r}") from exc
    return ParsedPayload(fields=fields, templates=templates)


def _parse_tlv(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    position = 0
    while position < len(text):
        header = text[position : position + 4]
        if len(header) < 4 or not header.isdigit():
            raise PromptPayError(f"bad TLV header at {position}: {header!r}")
        tag, length = header[:2], int(header[2:])
        start, end = position + 4, position + 4 + length
        if end > len(text) or length == 0:
            raise PromptPayError(f"tag {tag} at {position}: length {length} runs past the end")
        if tag in values:
            raise PromptPayError(f"tag {tag} appears twice")
        values[tag] = text[start:end]
        position = end
    return values
