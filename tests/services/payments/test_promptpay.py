"""PromptPay payloads against published vectors, the CRC check value, round trips."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payments.promptpay import (
    PromptPayError,
    crc16_ccitt,
    decode,
    encode,
)

# ThaiQR/ThaiQR-Go, test/thaiqr_test.go, TestMerchantBillpaymentQRGenerate: a bill payment
# (tag 30) with biller ID 011234567891233, references REF123456789 / REF987654321, 200.00 baht
# and merchant name THAIQR, one-time (dynamic).
THAIQR_GO_BILL_PAYMENT = (
    "00020101021230710016A00000067701011201150112345678912330212REF1234567890312REF987654321"
    "53037645406200.005802TH5906THAIQR6304F528"
)
# ThaiQR/ThaiQR-Go, test/thaiqr_test.go, TestMerchantPromptpayQRGenerate: a credit transfer
# (tag 29) to mobile 0912345678, 100.00 baht, dynamic.
THAIQR_GO_CREDIT_TRANSFER = (
    "00020101021229370016A0000006770101110113006691234567853037645406100.005802TH6304D803"
)
# dtinth/promptpay-qr, index.test.js, "Amount setting": 000-000-0000 with amount 4.22.
DTINTH_AMOUNT = "00020101021229370016A000000677010111011300660000000005802TH530376454044.226304E469"
# dtinth/promptpay-qr, index.test.js, "Local phone number": 0801234567, static, no amount.
DTINTH_PHONE = "00020101021129370016A000000677010111011300668012345675802TH530376463046197"


def test_the_crc_check_value_of_123456789_is_29b1():
    """CRC-16/CCITT-FALSE's catalogued check value (poly 0x1021, init 0xFFFF)."""
    assert crc16_ccitt(b"123456789") == 0x29B1


def test_encode_reproduces_the_thaiqr_go_bill_payment_vector():
    payload = encode(
        biller_id="011234567891233",
        ref1="REF123456789",
        ref2="REF987654321",
        amount_satang=20000,
        merchant_name="THAIQR",
    )
    assert payload == THAIQR_GO_BILL_PAYMENT


def test_decode_reads_the_thaiqr_go_bill_payment_vector():
    parsed = decode(THAIQR_GO_BILL_PAYMENT)
    assert parsed.biller_id == "011234567891233"
    assert (parsed.ref1, parsed.ref2) == ("REF123456789", "REF987654321")
    assert parsed.amount == Decimal("200.00")
    assert (parsed.currency, parsed.country, parsed.point_of_initiation) == ("764", "TH", "12")
    assert parsed.fields["59"] == "THAIQR"


@pytest.mark.parametrize(
    ("payload", "account", "amount"),
    [
        (THAIQR_GO_CREDIT_TRANSFER, "0066912345678", Decimal("100.00")),
        (DTINTH_AMOUNT, "0066000000000", Decimal("4.22")),
        (DTINTH_PHONE, "0066801234567", None),
    ],
    ids=["thaiqr-go-credit-transfer", "dtinth-amount", "dtinth-phone"],
)
def test_published_credit_transfer_vectors_decode_with_their_crc(payload, account, amount):
    parsed = decode(payload)
    assert parsed.templates["29"]["00"] == "A000000677010111"
    assert parsed.templates["29"]["01"] == account
    assert parsed.amount == amount
    assert parsed.bill_payment is None


def test_dtinth_national_id_vector_checks():
    """dtinth/promptpay-qr, index.test.js, "National ID number": 1111111111111, static."""
    payload = "00020101021129370016A000000677010111021311111111111115802TH530376463047B5A"
    assert decode(payload).templates["29"]["02"] == "1111111111111"


@pytest.mark.parametrize(
    "bad",
    [
        THAIQR_GO_BILL_PAYMENT[:-1] + "9",  # CRC digit changed
        THAIQR_GO_BILL_PAYMENT.replace("200.00", "900.00"),  # amount changed, CRC kept
        "",
        "0002016304",
        "00020101021230990016A00000067701011263040000",  # length runs past the end
        "ข้อมูล",
    ],
)
def test_decode_refuses_a_bad_crc_or_tlv(bad):
    with pytest.raises(PromptPayError):
        decode(bad)


def test_a_bad_tlv_with_a_correct_crc_is_refused():
    from services.payments.promptpay import with_crc

    with pytest.raises(PromptPayError, match="runs past"):
        decode(with_crc("000201" + "3099" + "0016A000000677010112"))
    with pytest.raises(PromptPayError, match="twice"):
        decode(with_crc("000201000201"))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"biller_id": "12345", "ref1": "A"},
        {"biller_id": "011234567891233", "ref1": "lower"},
        {"biller_id": "011234567891233", "ref1": "A" * 21},
        {"biller_id": "011234567891233", "ref1": "A", "ref2": "DOPA-2569"},
        {"biller_id": "011234567891233", "ref1": "A", "amount_satang": 0},
        {"biller_id": "011234567891233", "ref1": "A", "merchant_name": "ร้าน"},
    ],
)
def test_encode_refuses_what_the_standard_does_not_allow(kwargs):
    with pytest.raises(PromptPayError):
        encode(**kwargs)


references = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=20)


@given(
    biller_id=st.text(alphabet="0123456789", min_size=15, max_size=15),
    ref1=references,
    ref2=st.none() | references,
    amount_satang=st.integers(min_value=1, max_value=10**11 - 1),
    dynamic=st.booleans(),
)
def test_every_payload_round_trips(biller_id, ref1, ref2, amount_satang, dynamic):
    payload = encode(
        biller_id=biller_id, ref1=ref1, ref2=ref2, amount_satang=amount_satang, dynamic=dynamic
    )
    parsed = decode(payload)
    assert (parsed.biller_id, parsed.ref1, parsed.ref2) == (biller_id, ref1, ref2)
    assert parsed.amount == Decimal(amount_satang) / 100
    assert parsed.point_of_initiation == ("12" if dynamic else "11")
    assert payload[-8:-4] == "6304"


@given(st.binary(max_size=64), st.integers(min_value=0, max_value=63), st.integers(1, 255))
def test_the_crc_notices_any_single_byte_change(data, position, flip):
    if not data:
        return
    position %= len(data)
    changed = bytearray(data)
    changed[position] ^= flip
    assert crc16_ccitt(bytes(changed)) != crc16_ccitt(data)
