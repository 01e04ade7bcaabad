"""Check codes, number normalisation, document status, the lookup cache and the rate limiter."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from documents.checkcode import (
    CHECK_CODE_LENGTH,
    check_code_matches,
    is_well_formed_check_code,
    new_check_code,
    normalise_check_code,
)
from documents.lookup import LookupCache, LookupEntry, normalise_number
from documents.models import Document
from documents.numbers import CROCKFORD_ALPHABET
from portal.ratelimit import TokenBucketLimiter, rate_limited_body


def test_new_codes_are_six_crockford_characters_and_differ():
    codes = {new_check_code() for _ in range(200)}
    assert len(codes) > 190
    for code in codes:
        assert len(code) == CHECK_CODE_LENGTH and set(code) <= set(CROCKFORD_ALPHABET)
        assert is_well_formed_check_code(code)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("7k3m9q", "7K3M9Q"),
        ("7K3-M9Q", "7K3M9Q"),
        (" 7k3 m9q ", "7K3M9Q"),
        ("O1ILo0", "011100"),
        ("l0ol-I1", "100111"),
    ],
)
def test_typed_codes_are_normalised_the_crockford_way(typed, canonical):
    assert normalise_check_code(typed) == canonical


def test_code_matching_accepts_retyped_forms_and_refuses_others():
    assert check_code_matches("1A0B2C", "la0b-2c")
    assert check_code_matches("1A0B2C", "IAOB2C")
    assert not check_code_matches("1A0B2C", "1A0B2D")
    assert not check_code_matches("1A0B2C", "1A0B2")
    assert not check_code_matches("1A0B2C", "")
    assert not check_code_matches("1A0B2C", "๑A0B2C")  # Thai digits: no match, no crash
    assert not check_code_matches("", "")  # pre-code documents are the caller's decision
    assert not is_well_formed_check_code("1A0B2U")


def test_number_normalisation_maps_only_the_random_tail():
    assert normalise_number(" dol-2569-7k3m9oxd ") == "DOL-2569-7K3M90XD"
    assert normalise_number("DOPA-2569-IL0O0000") == "DOPA-2569-11000000"
    assert normalise_number("nonsense") == "NONSENSE"


def _doc(**values) -> Document:
    return Document(
        number="DOPA-2569-AAAAAAAA", citizen_id=1, agency="dopa", template="t", title_th="t",
        title_en="t", holder_display_th="h", holder_display_en="h",
        issued_at=datetime(2026, 1, 1, tzinfo=UTC), sha256="0" * 64, size_bytes=1,
        storage_key="k", signer_subject="s", **values,
    )  # fmt: skip


def test_status_revoked_beats_superseded_beats_expired():
    today = date(2026, 6, 1)
    past = date(2026, 5, 31)
    now = datetime(2026, 5, 1, tzinfo=UTC)
    assert _doc().status_on(today) == "valid"
    assert _doc(valid_until=today).status_on(today) == "valid"  # the last valid day
    assert _doc(valid_until=past).status_on(today) == "expired"
    assert _doc(valid_until=past, superseded_by="X").status_on(today) == "superseded"
    assert _doc(valid_until=past, superseded_by="X", revoked_at=now).status_on(today) == "revoked"


def test_lookup_cache_expires_entries_and_stays_bounded(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("documents.lookup.time.monotonic", lambda: clock[0])
    cache = LookupCache(ttl=5, max_entries=2)
    reads: list[str] = []

    def read(number: str) -> LookupEntry:
        reads.append(number)
        return LookupEntry(None)

    cache.lookup("A", read)
    cache.lookup("A", read)
    assert reads == ["A"]
    clock[0] += 5.01
    cache.lookup("A", read)
    assert reads == ["A", "A"]  # a revocation shows once the entry has expired
    cache.lookup("B", read)
    cache.lookup("C", read)
    cache.lookup("A", read)  # evicted as the least recently stored
    assert reads == ["A", "A", "B", "C", "A"]
    off = LookupCache(ttl=0)
    off.lookup("A", read)
    off.lookup("A", read)
    assert reads[-2:] == ["A", "A"]


def test_token_bucket_allows_a_burst_then_says_when_to_retry():
    clock = [0.0]
    limiter = TokenBucketLimiter(rate_per_minute=6, burst=3, clock=lambda: clock[0])
    assert [limiter.hit("ip").allowed for _ in range(3)] == [True, True, True]
    refused = limiter.hit("ip")
    assert not refused.allowed and refused.retry_after == 10  # one token per 10 s
    assert limiter.hit("other").allowed  # per client
    clock[0] += 10
    assert limiter.hit("ip").allowed
    assert not limiter.hit("ip").allowed


def test_token_bucket_keeps_its_size_by_dropping_the_least_recently_seen():
    clock = [0.0]
    limiter = TokenBucketLimiter(rate_per_minute=60, burst=1, max_clients=2, clock=lambda: clock[0])
    limiter.hit("a")
    limiter.hit("b")
    limiter.hit("a")  # a is now the most recent
    limiter.hit("c")
    assert list(limiter._buckets) == ["a", "c"]


def test_a_flood_of_new_addresses_costs_each_request_the_same():
    """Past its size the limiter drops one bucket per new client instead of scanning all."""
    limiter = TokenBucketLimiter(rate_per_minute=120, burst=60, max_clients=1_000)
    for i in range(5_000):
        limiter.hit(f"2001:db8:{i:x}::1")
    assert len(limiter._buckets) == 1_000


def test_check_does_not_take_a_token():
    limiter = TokenBucketLimiter(rate_per_minute=1, burst=1, clock=lambda: 0.0)
    assert limiter.check("n").allowed and limiter.check("n").allowed
    assert limiter.hit("n").allowed
    assert not limiter.check("n").allowed


def test_ipv6_clients_are_counted_by_their_64():
    from portal.ratelimit import address_key

    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::2")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert address_key("192.0.2.7") == "192.0.2.7"
    assert address_key("testclient") == "testclient"


def test_rate_limited_message_is_thai_and_english():
    body = rate_limited_body(7)
    assert body["error"] == "rate_limited" and body["details"] == {"retry_after": 7}
    assert "7" in body["message"]["th"] and "กรุณารอ" in body["message"]["th"]  # type: ignore[index]
    assert "wait 7 s" in body["message"]["en"]  # type: ignore[index]
