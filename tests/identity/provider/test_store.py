"""The in-memory store under concurrency: a code can be redeemed exactly once."""

from __future__ import annotations

import threading

import pytest

from identity.provider.store import AuthorizationCode, CodeRejectedError, ProviderStore

from .helpers import CLIENT_ID, REDIRECT_URI, SOMCHAI, FakeClock


def make_code(clock: FakeClock, value: str = "the-code") -> AuthorizationCode:
    return AuthorizationCode(
        code=value,
        client_id=CLIENT_ID,
        redirect_uri=REDIRECT_URI,
        scope="openid",
        pid=SOMCHAI.pid,
        auth_time=int(clock()),
        nonce=None,
        code_challenge="x" * 43,
        code_challenge_method="S256",
        expires_at=clock() + 60,
    )


def test_racing_redemptions_of_one_code_let_exactly_one_win() -> None:
    clock = FakeClock()
    store = ProviderStore(clock=clock, retain_seconds=900)
    store.save_code(make_code(clock))
    start = threading.Barrier(16)
    winners: list[AuthorizationCode] = []
    losers: list[str] = []

    def redeem() -> None:
        start.wait()
        try:
            winners.append(store.redeem_code("the-code", client_id=CLIENT_ID))
        except CodeRejectedError as error:
            losers.append(error.reason)

    threads = [threading.Thread(target=redeem) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(winners) == 1
    assert len(losers) == 15


def test_replay_revokes_the_tokens_issued_from_the_code() -> None:
    clock = FakeClock()
    store = ProviderStore(clock=clock, retain_seconds=900)
    code = make_code(clock)
    store.save_code(code)
    store.record_token(store.redeem_code("the-code", client_id=CLIENT_ID), token_id="jti-1")
    assert not store.is_revoked("jti-1")

    with pytest.raises(CodeRejectedError, match="already used"):
        store.redeem_code("the-code", client_id=CLIENT_ID)

    assert store.is_revoked("jti-1")


def test_old_codes_and_sessions_are_forgotten() -> None:
    clock = FakeClock()
    store = ProviderStore(clock=clock, retain_seconds=900)
    store.save_code(make_code(clock, "old"))
    session_id = store.create_session(pid=SOMCHAI.pid, auth_time=int(clock()))
    clock.advance(9 * 3600)

    store.save_code(make_code(clock, "new"))

    with pytest.raises(CodeRejectedError, match="Invalid code"):
        store.redeem_code("old", client_id=CLIENT_ID)
    assert store.get_session(session_id) is None


def test_wrong_user_codes_are_limited_per_client_and_pruned() -> None:
    from identity.provider.store import (
        USER_CODE_FAILURE_WINDOW_SECONDS,
        UserCodeAttemptsExceededError,
    )

    clock = FakeClock()
    store = ProviderStore(clock=clock, retain_seconds=900)
    for i in range(5):
        assert store.check_user_code("ip:a", "BBBBBBB" + "CDFGH"[i]) is None
        clock.advance(10)
    with pytest.raises(UserCodeAttemptsExceededError) as raised:
        store.check_user_code("ip:a", "BBBBBBBB")
    assert raised.value.retry_after == USER_CODE_FAILURE_WINDOW_SECONDS - 50
    assert store.check_user_code("ip:b", "BBBBBBBB") is None  # another client

    clock.advance(USER_CODE_FAILURE_WINDOW_SECONDS)
    store.check_user_code("ip:c", "")  # any entry prunes what has left the window
    assert store._user_code_failures == {}
