"""Fixtures for the development provider: a shared signing key, a fake clock, a browser.

They live here rather than in `tests/fixtures/identity.py` only because this change may not
touch files outside the provider; move them there when the portal's OIDC tests need them too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from identity.provider import create_provider_app

from .helpers import ISSUER, KIOSK, MALEE, PORTAL, POST_CLIENT, SOMCHAI, FakeClock


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def shared_key_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One RSA key for the whole session: generating 2048-bit keys per test is slow."""
    return tmp_path_factory.mktemp("provider-key") / "signing-key.pem"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def provider_app(shared_key_path: Path, clock: FakeClock) -> Any:
    return create_provider_app(
        issuer=ISSUER,
        key_path=shared_key_path,
        clients=[PORTAL, POST_CLIENT, KIOSK],
        accounts=[SOMCHAI, MALEE],
        clock=clock,
    )


@pytest.fixture
async def browser(provider_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client standing in for the person's browser (and the portal's server)."""
    transport = httpx.ASGITransport(app=provider_app)
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as client:
        yield client
