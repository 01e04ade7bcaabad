"""Wiring the bundled development provider and simulated registries to the portal's settings.

Used by `portal demo` and by the end-to-end tests, so both run exactly the same set-up.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import uvicorn

from identity.provider.accounts import ProviderAccount, ProviderClient
from identity.provider.app import create_provider_app
from portal.settings import Settings
from services.agencies import AGENCY_MODULES, create_agency_registry_app
from services.dopa.people import (
    Person,
    PersonStatus,
    address_line_th,
    age_on,
    synthetic_population,
)
from services.exchange.signing import key_id_for, load_or_create_private_key, write_public_key

DEMO_ACCOUNTS = 12  # living adults of the synthetic population who can sign in at the provider
# Identity assurance levels the demo accounts are enrolled at, in turn, so step-up can be tried.
DEMO_IALS = (2.3, 1.3, 2.1, 1.2, 2.2, 2.3)


def demo_ial(index: int) -> float:
    """The IAL of the index-th demo account."""
    return DEMO_IALS[index % len(DEMO_IALS)]


@dataclass(frozen=True)
class ServerSpec:
    name: str
    app: Any
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else 80)


def provider_account(person: Person, *, ial: float) -> ProviderAccount:
    return ProviderAccount(
        pid=person.national_id,
        title_th=person.title_th,
        given_name_th=person.given_name_th,
        family_name_th=person.family_name_th,
        title_en=person.title_en,
        given_name_en=person.given_name_en,
        family_name_en=person.family_name_en,
        birthdate=person.birthdate,
        address=address_line_th(person.address),
        gender=person.gender,
        ial=ial,
    )


def demo_account_holders(people: list[Person]) -> list[Person]:
    """Who may sign in at the development provider: the living, 15 and over (ID-card holders
    who can enrol for a digital ID); children and the deceased stay in the registry only."""
    adults = [
        p
        for p in people
        if p.status == PersonStatus.ALIVE and age_on(p.birthdate, date.today()) >= 15
    ]
    return adults[:DEMO_ACCOUNTS]


def demo_population() -> list[Person]:
    return synthetic_population()


def provider_spec(
    settings: Settings, people: list[Person], *, extra_portal_urls: tuple[str, ...] = ()
) -> ServerSpec:
    """The development provider, with the portal (and any `extra_portal_urls`) as its client."""
    host, port = _host_port(settings.oidc_issuer)
    portals = (settings.base_url, *extra_portal_urls)
    app = create_provider_app(
        issuer=settings.oidc_issuer,
        key_path=settings.data_dir / "provider" / "signing-key.pem",
        clients=[
            ProviderClient(
                client_id=settings.oidc_client_id,
                client_secret=settings.oidc_client_secret,
                redirect_uris=tuple(
                    uri
                    for url in portals
                    for uri in (f"{url}/auth/callback", f"{url}/backoffice/auth/callback")
                ),
                post_logout_redirect_uris=tuple(f"{url}/" for url in portals),
                grant_types=(
                    "authorization_code",
                    "refresh_token",
                    "urn:ietf:params:oauth:grant-type:device_code",  # kiosks sign in by phone
                ),
            )
        ],
        accounts=[
            provider_account(p, ial=demo_ial(i)) for i, p in enumerate(demo_account_holders(people))
        ],
        environment=settings.env,
    )
    return ServerSpec("digital ID provider", app, host, port)


def registry_specs(settings: Settings, people: list[Person]) -> list[ServerSpec]:
    """The simulated registries of every agency module with datasets and a configured URL,
    signing both ways as real ones would: each trusts the portal's exchange key, and signs its
    answers with its own key, generated on first run into
    `<data_dir>/registries/<agency>-ed25519.pem`, whose public half it publishes where the
    portal reads it (`settings.registry_public_keys`). All hold the same demo population."""
    portal_key = load_or_create_private_key(settings.resolved_exchange_key_path()).public_key()
    portal_keys = {key_id_for(portal_key): portal_key}
    key_paths = settings.registry_public_key_paths()
    specs = []
    for module in AGENCY_MODULES:
        agency = module.AGENCY
        url = settings.registry_urls.get(agency.code)
        if not agency.datasets or not url:
            continue  # an agency with no register (a city's complaints desk) runs no registry
        key = load_or_create_private_key(
            settings.data_dir / "registries" / f"{agency.code}-ed25519.pem"
        )
        write_public_key(key.public_key(), key_paths[agency.code])
        app = create_agency_registry_app(
            module,
            people=people,
            api_key=settings.registry_api_key,
            portal_public_keys=portal_keys,
            signing_key=key,
        )
        host, port = _host_port(url)
        specs.append(ServerSpec(f"{agency.code} registry", app, host, port))
    return specs


def uvicorn_server(spec: ServerSpec, *, log_level: str = "warning") -> uvicorn.Server:
    config = uvicorn.Config(
        spec.app, host=spec.host, port=spec.port, log_level=log_level, lifespan="on"
    )
    return uvicorn.Server(config)


async def serve_all(specs: list[ServerSpec], *, log_level: str = "warning") -> None:
    """Runs several ASGI apps in one event loop until interrupted."""
    servers = [uvicorn_server(s, log_level=log_level) for s in specs]
    await asyncio.gather(*(s.serve() for s in servers))


def bank_spec(settings: Settings) -> ServerSpec:
    """The simulated PromptPay bank at `settings.payment_bank_url`: its key generated on first
    run under `<data_dir>/payments/`, its public half published where the portal reads it
    (`settings.payment_bank_public_key`), its callbacks going to `settings.base_url`."""
    from services.payments.bank_sim import bank_key, create_bank_app

    key = bank_key(settings.data_dir, publish_to=settings.payment_bank_public_key)
    host, port = _host_port(settings.payment_bank_url)
    return ServerSpec(
        "simulated bank", create_bank_app(signing_key=key, portal_url=settings.base_url), host, port
    )
