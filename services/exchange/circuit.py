"""A circuit breaker per registry, so a registry that is down is not hammered by every job.

closed ──5 transient failures in a row──> open ──30 s──> half-open ──trial succeeds──> closed
                                            ^                          │
                                            └──────trial fails─────────┘

While open, calls fail at once with RegistryUnavailableError: the petition stays in
`evidence_pending` and the worker's job backoff retries it later. State lives in memory only:
after a restart the circuit starts closed and the first calls find out again; nothing about a
petition is kept here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _State:
    failures: int = 0
    opened_at: float | None = None
    trial_running: bool = False


class CircuitBreakers:
    """One circuit per name (an agency code); thread-safe, with an injectable monotonic clock."""

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        cooldown_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.cooldown_seconds = cooldown_seconds
        self.clock = clock
        self._states: dict[str, _State] = {}
        self._lock = threading.Lock()

    def allow(self, name: str) -> bool:
        """Whether a call may go out now. After the cooldown exactly one trial call is let
        through (half-open) until it reports success or failure."""
        with self._lock:
            state = self._states.setdefault(name, _State())
            if state.opened_at is None:
                return True
            if state.trial_running or self.clock() - state.opened_at < self.cooldown_seconds:
                return False
            state.trial_running = True
            return True

    def record_success(self, name: str) -> None:
        """An answer came back (any answer that is not a transient failure): close."""
        with self._lock:
            self._states[name] = _State()

    def record_failure(self, name: str) -> None:
        """A transient failure: count it; open at the threshold, reopen after a failed trial."""
        with self._lock:
            state = self._states.setdefault(name, _State())
            state.failures += 1
            if state.trial_running or state.failures >= self.failure_threshold:
                state.opened_at = self.clock()
                state.trial_running = False

    def release(self, name: str) -> None:
        """A call let through ended without telling anything about the registry's health
        (say, refused locally): a trial slot it held is freed for the next caller."""
        with self._lock:
            state = self._states.get(name)
            if state is not None:
                state.trial_running = False

    def is_open(self, name: str) -> bool:
        with self._lock:
            state = self._states.get(name)
            return state is not None and state.opened_at is not None
