"""The simulated outside world of the load run: the digital-ID provider and every agency registry.

Run as its own process by `bench/load/runner.py` (so the portal under load shares no event loop
with them), configured by the same `PORTAL_*` environment as the portal:

    python bench/load/stack.py --population 2000 --accounts 50

Differences from `portal demo`, all for the load run: the registries hold `--population` people
(not 200), the provider has `--accounts` sign-in accounts (every living adult, from the start of
the population, not 12), and its access tokens live `--token-hours` (the run obtains them once,
before measuring, and must not see them expire). Prints `ready` when every server listens.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--population", type=int, default=2000)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--token-hours", type=float, default=6.0)
    args = parser.parse_args()

    from identity.provider.accounts import ProviderClient
    from identity.provider.app import create_provider_app
    from portal.servers import (
        ServerSpec,
        _host_port,
        provider_account,
        registry_specs,
        uvicorn_server,
    )
    from portal.settings import get_settings
    from services.dopa.people import PersonStatus, age_on, synthetic_population

    settings = get_settings()
    people = synthetic_population(size=args.population)
    today = date.today()
    holders = [
        p for p in people if p.status == PersonStatus.ALIVE and age_on(p.birthdate, today) >= 18
    ]
    holders = holders[: args.accounts]
    host, port = _host_port(settings.oidc_issuer)
    provider = create_provider_app(
        issuer=settings.oidc_issuer,
        key_path=settings.data_dir / "provider" / "signing-key.pem",
        clients=[
            ProviderClient(
                client_id=settings.oidc_client_id,
                client_secret=settings.oidc_client_secret,
                redirect_uris=(f"{settings.base_url}/auth/callback",),
                post_logout_redirect_uris=(f"{settings.base_url}/",),
                grant_types=("authorization_code", "refresh_token"),
            )
        ],
        # IAL 2.3: every service's `min_ial` is met, so no step-up interrupts a submission.
        accounts=[provider_account(p, ial=2.3) for p in holders],
        environment=settings.env,
        access_token_lifetime_seconds=int(args.token_hours * 3600),
    )
    specs = [ServerSpec("provider", provider, host, port), *registry_specs(settings, people)]

    async def serve() -> None:
        servers = [uvicorn_server(s) for s in specs]
        tasks = [asyncio.create_task(s.serve()) for s in servers]
        while not all(s.started for s in servers):
            if any(t.done() for t in tasks):
                raise SystemExit("a simulated server failed to start")
            await asyncio.sleep(0.05)
        print(f"ready accounts={len(holders)} population={len(people)}", flush=True)
        await asyncio.gather(*tasks)

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
