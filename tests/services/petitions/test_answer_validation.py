"""Answers are checked by the kind of each question, table by table, and normalised."""

from __future__ import annotations

import pytest

from identity.citizen_ids import check_digit
from services.catalogue.definitions import ServiceDefinition
from services.petitions.errors import InvalidAnswersError
from services.petitions.service import ANSWER_PROBLEMS, validate_answers

_TEXT = {"th": "ข้อความ", "en": "Text"}
JURISTIC = "010553600001" + str(check_digit("010553600001"))


def service_asking(**field: object) -> ServiceDefinition:
    """A service with one optional question `q` of the given kind, plus `field` options."""
    return ServiceDefinition.model_validate(
        {
            "code": "dopa.sample",
            "version": 1,
            "agency": "dopa",
            "name": _TEXT,
            "description": _TEXT,
            "category": "civil-registration",
            "decision": "automatic",
            "processing_days": 1,
            "min_ial": 1.2,
            "channels": ["web"],
            "outcome": "record",
            "form": [{"name": "q", "label": _TEXT, **field}],
        }
    )


def problem_of(service: ServiceDefinition, value: str) -> str | None:
    try:
        validate_answers(service, {"q": value})
    except InvalidAnswersError as error:
        return error.details["fields"]["q"]
    return None


CHOICE = {"kind": "choice", "choices": [["a", _TEXT], ["b", _TEXT]]}

CASES = [
    # (field spec, answer, expected problem or None)
    ({}, "hello", None),
    ({"max_length": 3}, "abcd", "too_long"),
    ({"max_length": 3}, "abc", None),
    ({"pattern": r"\d{2}-\d+"}, "10-123", None),
    ({"pattern": r"\d{2}-\d+"}, "10-123x", "invalid_format"),  # the whole answer must match
    ({"kind": "textarea", "max_length": 5}, "123456", "too_long"),
    (CHOICE, "a", None),
    (CHOICE, "c", "not_a_choice"),
    (CHOICE, "A", "not_a_choice"),
    ({"kind": "date"}, "2024-02-29", None),
    ({"kind": "date"}, "2023-02-29", "invalid_date"),
    ({"kind": "date"}, "29/02/2024", "invalid_date"),
    ({"kind": "date"}, "yesterday", "invalid_date"),
    ({"kind": "number"}, "12.5", None),
    ({"kind": "number"}, "-3", None),
    ({"kind": "number"}, "twelve", "invalid_number"),
    ({"kind": "number"}, "NaN", "invalid_number"),
    ({"kind": "number"}, "Infinity", "invalid_number"),
    ({"kind": "number", "minimum": 1, "maximum": 10}, "0", "too_small"),
    ({"kind": "number", "minimum": 1, "maximum": 10}, "1", None),
    ({"kind": "number", "minimum": 1, "maximum": 10}, "10", None),
    ({"kind": "number", "minimum": 1, "maximum": 10}, "10.01", "too_big"),
    ({"kind": "citizen_id"}, "3103900123458", None),
    ({"kind": "citizen_id"}, "3103900123459", "invalid_citizen_id"),  # check digit
    ({"kind": "citizen_id"}, "310390012345", "invalid_citizen_id"),  # 12 digits
    ({"kind": "citizen_id"}, "31039OO123458", "invalid_citizen_id"),
    ({"kind": "juristic_id"}, JURISTIC, None),
    (
        {"kind": "juristic_id"},
        JURISTIC[:-1] + str((int(JURISTIC[-1]) + 1) % 10),
        "invalid_juristic_id",
    ),
    ({"kind": "juristic_id"}, "3103900123458", "invalid_juristic_id"),  # a person's, not 0…
    ({"kind": "phone"}, "0812345678", None),
    ({"kind": "phone"}, "021234567", None),  # 9 digits: a Bangkok landline
    ({"kind": "phone"}, "08123456", "invalid_phone"),
    ({"kind": "phone"}, "+66812345678", "invalid_phone"),
    ({"kind": "phone"}, "1812345678", "invalid_phone"),
    ({"kind": "email"}, "somchai@example.co.th", None),
    ({"kind": "email"}, "somchai@example", "invalid_email"),
    ({"kind": "email"}, "som chai@example.com", "invalid_email"),
    ({"kind": "email", "pattern": r".*\.go\.th"}, "a@b.com", "invalid_format"),
]


@pytest.mark.parametrize(("spec", "value", "expected"), CASES)
def test_each_kind_accepts_and_refuses_by_its_rules(spec, value, expected):
    assert problem_of(service_asking(required=False, **spec), value) == expected


def test_every_problem_code_has_a_thai_and_english_message():
    codes = {expected for _, _, expected in CASES if expected} | {"required"}
    assert codes == set(ANSWER_PROBLEMS)
    assert all(th and en and th != en for th, en in ANSWER_PROBLEMS.values())


@pytest.mark.parametrize(
    ("kind", "given", "kept"),
    [
        ("citizen_id", " 3-1039-00123-45-8 ", "3103900123458"),
        ("citizen_id", "3 1039 00123 45 8", "3103900123458"),
        ("juristic_id", f"{JURISTIC[0]}-{JURISTIC[1:5]}-{JURISTIC[5:]}", JURISTIC),
        ("phone", "081-234-5678", "0812345678"),
        ("phone", "02 123 4567", "021234567"),
        ("text", " a-b c ", "a-b c"),  # only the IDs and phones lose their spaces and dashes
    ],
)
def test_ids_and_phones_are_kept_without_spaces_and_dashes(kind, given, kept):
    assert validate_answers(service_asking(kind=kind), {"q": given}) == {"q": kept}


def test_a_required_blank_answer_and_unknown_fields():
    service = service_asking()
    with pytest.raises(InvalidAnswersError) as caught:
        validate_answers(service, {"q": "   ", "other": "x"})
    assert caught.value.details["fields"] == {"q": "required"}
    assert validate_answers(service, {"q": "x", "other": "y"}) == {"q": "x"}  # only the form's


def test_an_optional_blank_answer_is_left_out_not_checked():
    assert validate_answers(service_asking(kind="phone", required=False), {"q": " "}) == {}


def test_length_is_counted_after_normalising():
    service = service_asking(kind="citizen_id", max_length=13)
    assert validate_answers(service, {"q": "3-1039-00123-45-8"}) == {"q": "3103900123458"}


def test_every_bad_field_is_reported_at_once():
    service = ServiceDefinition.model_validate(
        service_asking().model_dump(mode="json", by_alias=True)
        | {
            "form": [
                {"name": "a", "label": _TEXT, "kind": "date"},
                {"name": "b", "label": _TEXT, "kind": "phone"},
                {"name": "c", "label": _TEXT},
            ]
        }
    )
    with pytest.raises(InvalidAnswersError) as caught:
        validate_answers(service, {"a": "2024-13-01", "b": "12"})
    assert caught.value.details["fields"] == {
        "a": "invalid_date",
        "b": "invalid_phone",
        "c": "required",
    }
