from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from documents.numbers import CROCKFORD_ALPHABET, is_well_formed_number, new_document_number


def test_number_has_agency_buddhist_year_and_eight_crockford_characters() -> None:
    number = new_document_number("dopa", date(2026, 11, 21))
    assert re.fullmatch(r"DOPA-2569-[0-9A-HJKMNP-TV-Z]{8}", number)
    assert is_well_formed_number(number)


def test_year_is_the_thai_year_of_the_issue_time() -> None:
    assert new_document_number("rd", datetime(2026, 12, 31, 17, 30, tzinfo=UTC)).startswith(
        "RD-2570-"
    )


def test_numbers_are_random_and_use_the_whole_alphabet() -> None:
    numbers = [new_document_number("dopa", date(2026, 11, 21)) for _ in range(2000)]
    assert len(set(numbers)) == len(numbers)
    tails = Counter("".join(n.rsplit("-", 1)[1] for n in numbers))
    assert set(tails) == set(CROCKFORD_ALPHABET)
    # 16,000 characters over 32 symbols: about 500 each; a skewed source would show here.
    assert min(tails.values()) > 350
    assert max(tails.values()) < 650


def test_alphabet_leaves_out_easily_confused_letters() -> None:
    assert len(CROCKFORD_ALPHABET) == 32
    assert not set("ILOU") & set(CROCKFORD_ALPHABET)


@pytest.mark.parametrize("code", ["", "d", "do-pa", "dopa1234567", "ดปค", "1dopa"])
def test_bad_agency_code_is_refused(code: str) -> None:
    with pytest.raises(ValueError):
        new_document_number(code, date(2026, 11, 21))


@pytest.mark.parametrize(
    "value",
    ["DOPA-2569-7K3M9QXD", "RD-2570-00000000", "NHSO-2569-ZZZZZZZZ"],
)
def test_well_formed_numbers(value: str) -> None:
    assert is_well_formed_number(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "dopa-2569-7K3M9QXD",  # lower case
        "DOPA-2569-7K3M9QX",  # seven characters
        "DOPA-2569-7K3M9QXDA",  # nine
        "DOPA-69-7K3M9QXD",
        "DOPA-2569-7K3M9QXI",  # I is not Crockford
        "DOPA-2569-7K3M9QXU",
        "DOPA-2569-7K3M9QX%",
        "DOPA-2569-7K3M9QXD\n",
        "../../etc/passwd",
        "DOPA-2569-7K3M9QXD' OR 1=1",
    ],
)
def test_malformed_numbers(value: str) -> None:
    assert not is_well_formed_number(value)
