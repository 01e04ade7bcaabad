"""Calling pyHanko's synchronous API from any thread.

pyHanko's sync functions wrap `asyncio.run`, which refuses to start when the calling thread
already runs an event loop: inside an `async` endpoint, or in a process where Playwright's sync
API holds the main thread's loop (the browser tests). There the call moves to a helper thread
with no loop. It still blocks the caller, so async code should rather use
`await anyio.to_thread.run_sync(...)`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

logger = logging.getLogger(__name__)


def call_outside_event_loop(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """`function(*args, **kwargs)`, run in a helper thread if this thread runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    logger.debug("%s called inside a running event loop; using a helper thread", function)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="documents-sync") as executor:
        return executor.submit(function, *args, **kwargs).result()
