"""References: reversible for documents, a stored prefix for petitions; amounts in words."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from documents.numbers import CROCKFORD_ALPHABET
from services.payments.errors import PaymentReferenceError
from services.payments.references import (
    document_number_from_ref2,
    petition_matches_ref1,
    ref1_for_petition,
    ref2_for_document,
)
from services.payments.thai_words import baht_text


def test_a_document_number_maps_to_a_reference_and_back():
    assert ref2_for_document("DOPA-2569-7K3M9QXD") == "DOPA25697K3M9QXD"
    assert document_number_from_ref2("DOPA25697K3M9QXD") == "DOPA-2569-7K3M9QXD"


@given(
    agency=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=8),
    year=st.integers(2400, 2999),
    tail=st.text(alphabet=CROCKFORD_ALPHABET, min_size=8, max_size=8),
)
def test_every_document_number_round_trips(agency, year, tail):
    number = f"{agency}-{year}-{tail}"
    ref2 = ref2_for_document(number)
    assert re.fullmatch(r"[A-Z0-9]{1,20}", ref2)
    assert document_number_from_ref2(ref2) == number


def test_a_petition_reference_is_its_uuid_prefix():
    petition_id = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
    ref1 = ref1_for_petition(petition_id)
    assert ref1 == "3F2A9C1E5B7D4E8F9A0B" and len(ref1) == 20
    assert petition_matches_ref1(petition_id, ref1)
    assert not petition_matches_ref1(petition_id, "3F2A9C1E5B7D4E8F9A0C")


@pytest.mark.parametrize("bad", ["DOPA-2569", "ABCDEFGHIJ-2569-7K3M9QXD", "dopa-2569-7K3M9QXD"])
def test_numbers_that_do_not_fit_are_refused(bad):
    with pytest.raises(PaymentReferenceError):
        ref2_for_document(bad)


@pytest.mark.parametrize(
    ("satang", "words"),
    [
        (2000, "ยี่สิบบาทถ้วน"),
        (10000, "หนึ่งร้อยบาทถ้วน"),
        (10100, "หนึ่งร้อยเอ็ดบาทถ้วน"),
        (2150, "ยี่สิบเอ็ดบาทห้าสิบสตางค์"),
        (1_250_000_00, "หนึ่งล้านสองแสนห้าหมื่นบาทถ้วน"),
    ],
)
def test_amounts_in_thai_words(satang, words):
    assert baht_text(satang) == words
