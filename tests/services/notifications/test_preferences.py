"""Choosing notification channels: what is accepted, and what is refused with which message."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from services.notifications.errors import PreferencesInvalidError
from services.notifications.service import get_preferences, save_preferences
from tests.services.petitions.factories import create_citizen


def save(db: Session, citizen_id: int, **fields: object):  # type: ignore[no-untyped-def]
    arguments = {
        "email": "",
        "phone": "",
        "email_enabled": False,
        "sms_enabled": False,
    } | fields
    return save_preferences(db, citizen_id=citizen_id, **arguments)  # type: ignore[arg-type]


def test_a_citizen_who_never_chose_has_no_channel(db: Session, people):
    citizen = create_citizen(db, people[0])
    preference = get_preferences(db, citizen_id=citizen.id)  # type: ignore[arg-type]
    assert not preference.email_enabled and not preference.sms_enabled


def test_valid_channels_are_stored_with_the_phone_normalised(db: Session, people):
    citizen = create_citizen(db, people[0])
    save(
        db,
        citizen.id,
        email=" somchai@example.co.th ",
        phone="081-234 5678",
        email_enabled=True,
        sms_enabled=True,
    )
    db.commit()
    stored = get_preferences(db, citizen_id=citizen.id)  # type: ignore[arg-type]
    assert (stored.email, stored.phone) == ("somchai@example.co.th", "0812345678")
    assert stored.email_enabled and stored.sms_enabled


@pytest.mark.parametrize(
    ("fields", "field", "english"),
    [
        ({"email": "not-an-address"}, "email", "valid e-mail address"),
        ({"email": "a@b"}, "email", "valid e-mail address"),
        ({"email_enabled": True}, "email", "enter an e-mail address"),
        ({"phone": "0212345678"}, "phone", "Thai mobile number"),  # a Bangkok landline
        ({"phone": "081234567"}, "phone", "Thai mobile number"),  # nine digits
        ({"phone": "+66812345678"}, "phone", "Thai mobile number"),
        ({"sms_enabled": True}, "phone", "enter a mobile number"),
    ],
)
def test_invalid_channels_are_refused_with_a_thai_and_english_message(
    db: Session, people, fields, field, english
):
    citizen = create_citizen(db, people[0])
    with pytest.raises(PreferencesInvalidError) as raised:
        save(db, citizen.id, **fields)
    assert raised.value.status_code == 400
    th, en = raised.value.problems[field]
    assert english in en and th
    assert raised.value.as_json()["details"]["fields"][field]["th"] == th


def test_every_problem_is_reported_at_once(db: Session, people):
    citizen = create_citizen(db, people[0])
    with pytest.raises(PreferencesInvalidError) as raised:
        save(db, citizen.id, email="x", phone="12", email_enabled=True, sms_enabled=True)
    assert set(raised.value.problems) == {"email", "phone"}
