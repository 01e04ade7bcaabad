"""Process-wide runtime settings that every portal process (web worker, `portal worker`, the
demo) applies once, when `create_app` builds the application: the garbage collector's pace,
pydantic's default factories, and whether the portal's request handlers run on the event loop
or in threads."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from anyio import CancelScope, CapacityLimiter, to_thread
from fastapi.concurrency import contextmanager_in_threadpool
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

GC_GEN0_THRESHOLD = 10_000


def tune_garbage_collector() -> None:
    """Runs CPython's cyclic collector less often.

    Rendering and sealing a certificate allocate hundreds of thousands of short-lived
    containers (WeasyPrint's boxes and styles, pyHanko's PDF objects, asn1crypto's values), so
    the default young-generation threshold of 700 starts a collection every few hundred
    microseconds, and each one walks objects that are about to die anyway. At 10,000 a render +
    seal took 37.2 ms of CPU instead of 42.3 ms (median over 80 certificates each, interleaved
    in one process; docs/performance.md). Objects are still freed by reference counting at
    once; only cycles wait a little longer. The older generations keep their thresholds.
    """
    gen0, gen1, gen2 = gc.get_threshold()
    if gen0 < GC_GEN0_THRESHOLD:
        gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)


def freeze_startup_objects() -> None:
    """Moves every object alive once the app is built (modules, routes, templates, the
    catalogue, ORM metadata) out of the cyclic collector's sight.

    They live as long as the process, yet each full collection walks them all again.
    `gc.freeze()` is made for this (the CPython docs suggest it for long-lived objects of a
    server). Callgrind on the in-process load mix: 12.5 -> 11.3 million instructions per
    request (docs/performance.md). For the web worker processes of `portal serve`
    (portal.asgi), not for tests, which build many apps in one process.
    """
    gc.collect()
    gc.freeze()


def cache_default_factory_checks() -> None:
    """Asks pydantic once per default factory whether it takes the validated data.

    pydantic (2.14) answers by `inspect.signature` of the factory every time a model field
    gets its default: every `utcnow`, id, `dict` and `list` of every row the portal creates
    (SQLModel builds table rows that way). That was 5 % of a submission's CPU. A function's
    signature does not change, so the answer is kept per factory; one that cannot be a cache
    key is asked each time, as before. Without the private hook (another pydantic), nothing
    changes.
    """
    try:
        from pydantic._internal import _fields
    except ImportError:  # pragma: no cover - another pydantic layout
        return
    ask = getattr(_fields, "takes_validated_data_argument", None)
    if ask is None or getattr(ask, "__wrapped__", None) is not None:
        return
    remembered = lru_cache(maxsize=1024)(ask)

    def takes_validated_data_argument(factory: Callable[..., Any]) -> bool:
        try:
            return bool(remembered(factory))
        except TypeError:  # unhashable factory
            return bool(ask(factory))

    takes_validated_data_argument.__wrapped__ = ask  # type: ignore[attr-defined]
    _fields.takes_validated_data_argument = takes_validated_data_argument


# -- handlers on the event loop ----------------------------------------------------------------
# FastAPI runs every plain `def` endpoint and dependency in a thread of AnyIO's pool, so that a
# blocking call cannot stall the event loop. Our handlers block only on PostgreSQL for a
# millisecond or two, and a page passes through ten to twenty such hand-offs (each dependency,
# the endpoint, the response validation), each costing two thread switches and a wait for the
# GIL. With `inline_handlers` the portal runs them on the event loop instead, one request at a
# time per process, and scales by processes (`portal serve --workers`, one per vCPU: measured
# better than two, as the database and the other processes fill the waits), the way a WSGI
# server's sync workers do.
# Measured in-process: 0.8–2.4 ms of CPU less per request (docs/performance.md, "National
# peak").
#
# A handler that waits on another server (the digital-ID provider, a registry) would hold its
# whole process while it waits, so it is marked `@offloaded` and keeps its thread.


@dataclass
class _InlineRequest:
    """Per request under `inline_handlers`: whether a handler of it went to the pool."""

    offloaded: bool = False


_inline: ContextVar[_InlineRequest | None] = ContextVar("portal_inline_handlers", default=None)
_OFFLOADED = "__portal_offloaded__"
_F = TypeVar("_F", bound=Callable[..., Any])


def offloaded(function: _F) -> _F:
    """Keeps a handler or dependency in the thread pool under `inline_handlers`: it waits on
    another server (the provider's token endpoint, a registry), so on the event loop it would
    stall every other request of its process for as long."""
    setattr(function, _OFFLOADED, True)
    return function


def handlers_inline() -> bool:
    """Whether this request's sync handlers run on the event loop (`inline_handlers`)."""
    return _inline.get() is not None


async def run_sync(call: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Runs a blocking call from async code: in the thread pool, or at once on the event loop
    under `inline_handlers` (a request that hopped to a thread would wait for the busy loop to
    take it back, once per hop: seconds at overload, while inline requests finish in one go)."""
    request = _inline.get()
    if request is not None:
        # FastAPI hands an endpoint over as `_run_sync_endpoint(function=…, arguments=…)`.
        endpoint = getattr(call, "__name__", "") == "_run_sync_endpoint"
        target = kwargs.get("function") if endpoint else call
        if not getattr(target, _OFFLOADED, False):
            return call(*args, **kwargs)
        request.offloaded = True
    return await run_in_threadpool(call, *args, **kwargs)


@asynccontextmanager
async def _sync_generator_dependency(manager: AbstractContextManager[Any]) -> AsyncIterator[Any]:
    request = _inline.get()
    if request is None:
        async with contextmanager_in_threadpool(manager) as value:
            yield value
        return
    value = manager.__enter__()
    try:
        yield value
    except BaseException as error:
        if not await _exit(request, manager, (type(error), error, error.__traceback__)):
            raise
    else:
        await _exit(request, manager, (None, None, None))


async def _exit(request: _InlineRequest, manager: AbstractContextManager[Any], error: Any) -> bool:
    """Ends a generator dependency (`get_db`: commit or rollback, then close) on the loop, or in
    a thread when a handler of the request went to one: its transaction may hold row locks or
    the pool's last connection, and on the loop its commit would queue behind inline requests
    that may be waiting for exactly those, a wait no database could see as a deadlock."""
    if not request.offloaded:
        return bool(manager.__exit__(*error))
    with CancelScope(shield=True):
        # Its own limiter, as FastAPI's: an exit never waits for a free thread of the pool.
        return bool(await to_thread.run_sync(manager.__exit__, *error, limiter=CapacityLimiter(1)))


def install_handler_dispatch() -> None:
    """Routes FastAPI's thread-pool calls through `run_sync`, which hands over to the pool as
    before unless the request came through `InlineHandlers`. Idempotent; fails loudly if a
    FastAPI upgrade moved the names (tests/portal/test_runtime.py checks them too)."""
    import fastapi.dependencies.utils as dependency_utils
    import fastapi.routing as routing

    for module, name, replacement in (
        (routing, "run_in_threadpool", run_sync),
        (dependency_utils, "run_in_threadpool", run_sync),
        (dependency_utils, "contextmanager_in_threadpool", _sync_generator_dependency),
    ):
        if not hasattr(module, name):
            raise RuntimeError(f"{module.__name__}.{name} is gone: inline_handlers cannot work")
        setattr(module, name, replacement)


class InlineHandlers:
    """ASGI middleware (installed by `create_app` when `inline_handlers` is on): the portal's
    sync handlers of this HTTP request run on the event loop.

    Per request (a context variable), so the bundled provider and registries, which may share
    the process and even the event loop in the demo and the tests, keep the thread pool.
    """

    def __init__(self, app: ASGIApp) -> None:
        install_handler_dispatch()
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _inline.set(_InlineRequest())
        try:
            await self.app(scope, receive, send)
        finally:
            _inline.reset(token)
