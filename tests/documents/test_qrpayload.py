"""QR payloads: signed verify URLs, their keys, rotation, and the offline check."""

from __future__ import annotations

import base64
import multiprocessing
import stat
from pathlib import Path

import segno

from documents.qrpayload import (
    SIGNING_DOMAIN,
    ensure_qr_key,
    jwks,
    keys_from_jwks,
    load_public_keys,
    parse_qr_payload,
    qr_key_dir,
    qr_payload,
    rotate_qr_key,
    signed_message,
    verify_qr_payload,
)

BASE = "https://portal.example.go.th"
NUMBER = "DOPA-2569-7K3M9QXD"
CODE = "1A0B2C"


def _flip_signature(payload: str) -> str:
    head, sig = payload.rsplit("&s=", 1)
    raw = bytearray(base64.urlsafe_b64decode(sig + "=="))
    raw[10] ^= 0x01
    return f"{head}&s={base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"


def test_payload_is_the_verify_url_with_key_and_signature(tmp_path: Path):
    payload = qr_payload(tmp_path, BASE + "/", NUMBER, CODE)
    assert payload.startswith(f"{BASE}/v/{NUMBER}/{CODE}?k=")
    number, code, kid, sig = parse_qr_payload(payload)  # type: ignore[misc]
    assert (number, code) == (NUMBER, CODE)
    assert len(base64.urlsafe_b64decode(sig + "==")) == 64
    check = verify_qr_payload(payload, load_public_keys(tmp_path))
    assert check.valid and check.number == NUMBER and check.check_code == CODE and check.kid == kid


def test_signature_covers_a_domain_separated_message():
    message = signed_message("kid1", NUMBER, CODE)
    assert message.startswith(SIGNING_DOMAIN + b"\x00")
    assert message == b"\x00".join([SIGNING_DOMAIN, b"kid1", NUMBER.encode(), CODE.encode()])


def test_qr_stays_small_enough_to_print_at_28_mm(tmp_path: Path):
    payload = qr_payload(tmp_path, BASE, NUMBER, CODE)
    version = segno.make(payload, error="m", micro=False, boost_error=False).version
    assert version <= 8  # 49 modules: 0.57 mm each at 28 mm


def test_forged_signature_tampered_number_or_code_and_unknown_key_are_refused(tmp_path: Path):
    payload = qr_payload(tmp_path, BASE, NUMBER, CODE)
    keys = load_public_keys(tmp_path)
    assert verify_qr_payload(_flip_signature(payload), keys).status == "forged"
    other_number = payload.replace(NUMBER, "DOPA-2569-7K3M9QXE")
    assert verify_qr_payload(other_number, keys).status == "forged"
    assert verify_qr_payload(payload.replace(CODE, "1A0B2D"), keys).status == "forged"
    other_dir = tmp_path / "elsewhere"
    foreign = qr_payload(other_dir, BASE, NUMBER, CODE)  # a key the portal never published
    assert verify_qr_payload(foreign, keys).status in ("unknown_key", "forged")
    kid = parse_qr_payload(foreign)[2]  # type: ignore[index]
    if kid not in keys:
        assert verify_qr_payload(foreign, keys).status == "unknown_key"
    assert verify_qr_payload(payload, {}).status == "unknown_key"


def test_malformed_payloads_are_refused_without_errors(tmp_path: Path):
    keys = load_public_keys(tmp_path)
    for text in (
        "",
        "hello",
        f"{BASE}/verify/{NUMBER}",
        f"{BASE}/v/{NUMBER}/{CODE}",  # no signature at all
        f"{BASE}/v/{NUMBER}/{CODE}?k=abcd&s=%%%",
        f"{BASE}/v/not-a-number/{CODE}?k=abcd&s=AAAA",
        f"{BASE}/v/{NUMBER}/UUUUUU?k=abcd&s=AAAA",
        f"{BASE}/v/{NUMBER}/{CODE}?k=a&s=AAAA",
        "http://[::1/v/x/y",
    ):
        assert not verify_qr_payload(text, keys).valid, text


def test_keys_are_private_files_and_rotation_keeps_old_public_keys(tmp_path: Path):
    first = ensure_qr_key(tmp_path)
    folder = qr_key_dir(tmp_path)
    assert stat.S_IMODE((folder / f"{first}.key.pem").stat().st_mode) == 0o600
    old_payload = qr_payload(tmp_path, BASE, NUMBER, CODE)
    second = rotate_qr_key(tmp_path)
    assert second != first
    assert not (folder / f"{first}.key.pem").exists()  # a retired key signs nothing more
    new_payload = qr_payload(tmp_path, BASE, NUMBER, CODE)
    assert parse_qr_payload(new_payload)[2] == second  # type: ignore[index]
    keys = load_public_keys(tmp_path)
    assert set(keys) == {first, second}
    assert verify_qr_payload(old_payload, keys).valid
    assert verify_qr_payload(new_payload, keys).valid


def test_jwks_round_trips_and_skips_foreign_entries(tmp_path: Path):
    payload = qr_payload(tmp_path, BASE, NUMBER, CODE)
    document = jwks(load_public_keys(tmp_path))
    (entry,) = document["keys"]
    assert entry["kty"] == "OKP" and entry["crv"] == "Ed25519" and entry["alg"] == "EdDSA"
    assert "d" not in entry  # never the private part
    document["keys"].append({"kty": "RSA", "kid": "rsa", "n": "x", "e": "AQAB"})
    document["keys"].append({"kty": "OKP", "crv": "Ed25519", "kid": "short", "x": "AAAA"})
    keys = keys_from_jwks(document)
    assert set(keys) == {entry["kid"]}
    assert verify_qr_payload(payload, keys).valid


def _first_key(data_dir: str, barrier, results) -> None:  # type: ignore[no-untyped-def]
    barrier.wait()
    results.put(ensure_qr_key(Path(data_dir)))


def test_two_processes_starting_together_agree_on_one_key(tmp_path: Path):
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(4), context.Queue()
    processes = [
        context.Process(target=_first_key, args=(str(tmp_path), barrier, results)) for _ in range(4)
    ]
    for process in processes:
        process.start()
    kids = {results.get(timeout=20) for _ in processes}
    for process in processes:
        process.join(10)
    assert len(kids) == 1
    assert len(list(qr_key_dir(tmp_path).glob("*.pub.pem"))) == 1
