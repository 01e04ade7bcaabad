"""Sealing officers' TOTP secrets at rest: AES-256-GCM, HKDF-derived key, officer id as AAD."""

from __future__ import annotations

import base64

import pyotp
import pytest

from identity.officers.secrets import (
    VERSION_PREFIX,
    SealedSecretError,
    is_sealed,
    open_totp_secret,
    seal_totp_secret,
)

KEY = "portal-secret-key-for-these-tests-0123456789"
OTHER_KEY = "another-portal-secret-key-9876543210-zyxwv"


@pytest.fixture
def secret() -> str:
    return pyotp.random_base32(length=32)


def test_round_trip_and_the_stored_form(secret: str) -> None:
    sealed = seal_totp_secret(secret, officer_id=7, key_material=KEY)

    assert sealed.startswith(VERSION_PREFIX) and is_sealed(sealed)
    assert secret not in sealed
    assert len(sealed) <= 255  # fits Officer.totp_secret
    blob = base64.urlsafe_b64decode(sealed.removeprefix(VERSION_PREFIX))
    assert len(blob) == 12 + len(secret) + 16  # nonce, ciphertext, GCM tag
    assert open_totp_secret(sealed, officer_id=7, key_material=KEY) == secret


def test_each_seal_uses_a_fresh_nonce(secret: str) -> None:
    first = seal_totp_secret(secret, officer_id=7, key_material=KEY)
    second = seal_totp_secret(secret, officer_id=7, key_material=KEY)

    assert first != second


def test_another_officers_row_does_not_open(secret: str) -> None:
    sealed = seal_totp_secret(secret, officer_id=7, key_material=KEY)

    with pytest.raises(SealedSecretError):
        open_totp_secret(sealed, officer_id=8, key_material=KEY)


def test_another_key_does_not_open(secret: str) -> None:
    sealed = seal_totp_secret(secret, officer_id=7, key_material=KEY)

    with pytest.raises(SealedSecretError):
        open_totp_secret(sealed, officer_id=7, key_material=OTHER_KEY)


@pytest.mark.parametrize("position", [0, 12, 20, -1])  # nonce, ciphertext, ciphertext, tag
def test_a_tampered_value_does_not_open(secret: str, position: int) -> None:
    sealed = seal_totp_secret(secret, officer_id=7, key_material=KEY)
    blob = bytearray(base64.urlsafe_b64decode(sealed.removeprefix(VERSION_PREFIX)))
    blob[position] ^= 0x01
    tampered = VERSION_PREFIX + base64.urlsafe_b64encode(bytes(blob)).decode()

    with pytest.raises(SealedSecretError):
        open_totp_secret(tampered, officer_id=7, key_material=KEY)


@pytest.mark.parametrize(
    "stored",
    [
        "v1:",  # empty
        "v1:AAAA",  # truncated
        "v1:not base64!!",
        "v2:" + "A" * 80,  # an unknown version is not legacy clear text
        "not-a-base32-secret",
    ],
)
def test_malformed_values_do_not_open(stored: str) -> None:
    with pytest.raises(SealedSecretError):
        open_totp_secret(stored, officer_id=7, key_material=KEY)


def test_a_legacy_clear_text_secret_is_accepted_as_is(secret: str) -> None:
    assert not is_sealed(secret)
    assert open_totp_secret(secret, officer_id=7, key_material=KEY) == secret


def test_an_empty_key_is_refused(secret: str) -> None:
    with pytest.raises(ValueError):
        seal_totp_secret(secret, officer_id=7, key_material="")
