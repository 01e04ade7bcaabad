"""Settings, read once from `PORTAL_*` environment variables.

Defaults run the whole portal on a laptop: SQLite under `./var`, the bundled digital-ID provider
and the simulated agency registries on 127.0.0.1. Production mode refuses those demo values.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_OIDC_CLIENT_SECRET = "demo-portal-client-secret"
DEMO_REGISTRY_API_KEY = "demo-registry-api-key"
DEMO_ISSUER = "http://127.0.0.1:8001"
# One simulated registry per agency with a register, each on its own port (8101…).
DEFAULT_REGISTRY_URLS = {
    code: f"http://127.0.0.1:{8101 + i}"
    for i, code in enumerate(("dopa", "rd", "dol", "dlt", "rtp", "sso", "moe", "dbd", "nhso"))
}


class Settings(BaseSettings):
    """Every knob of the portal. Domain code receives the values it needs, not this object."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore")

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str = ""
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000

    secret_key: str = ""

    oidc_issuer: str = DEMO_ISSUER
    oidc_client_id: str = "portal"
    oidc_client_secret: str = DEMO_OIDC_CLIENT_SECRET
    oidc_scopes: str = "openid profile address pid"
    # How the portal authenticates at the token endpoint (RFC 6749 §2.3, OIDC Core §9).
    oidc_client_auth: Literal["client_secret_basic", "client_secret_post", "private_key_jwt"] = (
        "client_secret_basic"
    )
    # ThaID claim name -> the provider's claim name, for providers that name claims otherwise,
    # e.g. {"pid": "citizen_id", "given_name": "first_name_th"}.
    oidc_claim_map: dict[str, str] = Field(default_factory=dict)

    registry_urls: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_REGISTRY_URLS))
    registry_api_key: str = DEMO_REGISTRY_API_KEY
    registry_timeout_seconds: float = 5.0
    registry_timeouts: dict[str, float] = Field(default_factory=dict)  # agency -> seconds
    # The portal's Ed25519 key signing exchange requests (RFC 9421); generated on first run.
    # Default: <data_dir>/exchange/portal-ed25519.pem, its public half beside it (.pub.pem).
    exchange_key_path: Path | None = None
    # Agency -> PEM file of the public key its registry signs answers with. Default for each
    # agency in registry_urls: <data_dir>/exchange/registries/<agency>.pub.pem (the demo
    # registries write theirs there).
    registry_public_keys: dict[str, str] = Field(default_factory=dict)

    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    max_upload_bytes: int = 10 * 1024 * 1024
    run_worker_in_process: bool = True
    # How long a worker holds a claimed petition job; a worker that died mid-job (killed, its
    # machine lost) has its job taken over by another once this runs out. Longer than any job
    # (registry timeouts + a render), short enough that a crash delays a petition little.
    job_lease_seconds: float = Field(default=300.0, gt=0)

    # Notifications (services/notifications): "file" writes .eml files and an SMS JSON-lines
    # file under <data_dir>/outbox/ (demo, tests; allowed in production but logged at start).
    email_provider: Literal["file", "smtp"] = "file"
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    smtp_from: str = "portal@localhost"
    smtp_timeout_seconds: float = 10.0
    sms_provider: Literal["file", "none"] = "file"

    # --- signing (issue 6)
    # RFC 3161 timestamp authority: empty = the bundled TSA, in process (documents/tsa.py);
    # a URL = that TSA over HTTP (production).
    tsa_url: str = ""
    # Where agency seal keys live (documents/keystore.py): generated files under
    # <data_dir>/pki, one <agency>.p12 per agency in seal_pkcs12_dir, or a PKCS#11 token whose
    # key and certificate labels are the agency codes.
    seal_keystore: Literal["files", "pkcs12", "pkcs11"] = "files"
    seal_pkcs12_dir: Path | None = None
    seal_pkcs12_password: str = ""
    pkcs11_module: str = ""
    pkcs11_token_label: str = ""
    pkcs11_pin: str = ""

    # --- verification (issue 6)
    # Per client IP and per worker process (portal/ratelimit.py): by number or QR (page + API),
    # and PDF uploads (each costs ~20 ms of CPU), as tokens per minute with a burst allowance.
    verify_rate_per_minute: float = 120.0
    verify_burst: int = 60
    verify_upload_rate_per_minute: float = 20.0
    verify_upload_burst: int = 10
    # Lookups by number are cached this long per process; a revocation shows after at most
    # this plus the HTTP max-age below. 0 turns the cache off.
    verify_cache_seconds: float = 5.0
    verify_http_max_age: int = 5
    # Wrong check codes per document number (from any address; QR checks are not counted):
    # after the burst, that number answers 429 for a while, so a 30-bit code cannot be
    # guessed from many addresses.
    verify_wrong_codes_per_hour: float = 30.0
    verify_wrong_codes_burst: int = 10

    # --- payments (issue 7)
    # Who confirms PromptPay payments: "simulated" is the bundled bank (services/payments/
    # bank_sim.py, demo and tests); a real acquirer plugs in behind services.payments.provider.
    payment_provider: Literal["simulated"] = "simulated"
    # The simulated bank's base URL (`portal demo` runs it there; reconciliation asks it).
    payment_bank_url: str = "http://127.0.0.1:8201"
    # PEM of the Ed25519 public key the bank signs callbacks with (RFC 9421). Default:
    # <data_dir>/payments/bank.pub.pem, where the simulated bank publishes its key.
    payment_bank_public_key: Path | None = None
    # Agency -> 15-digit PromptPay biller ID (13-digit tax ID + 2-digit suffix). An agency not
    # listed gets a demo ID (09940 + digits + check digit + 00) outside production.
    payment_biller_ids: dict[str, str] = Field(default_factory=dict)
    # Tag 59 of the QR (printable ASCII, at most 25 characters).
    payment_merchant_name: str = "THAI GOV PORTAL"

    # --- national scale (issue 8)
    # Rate-limit buckets (portal/ratelimit.py): "auto" = Redis when redis_url is set, else the
    # database in production, else this process's memory (demo, tests: per process only).
    rate_limit_backend: Literal["auto", "memory", "database", "redis"] = "auto"
    redis_url: str = ""
    # Sign-in starts (citizen and officer /login) per client address, and officers'
    # second-factor codes per officer; petition submissions (web and API) per address and per
    # citizen. A kiosk or an office NAT shares one address: the address budgets are generous.
    signin_rate_per_minute: float = 30.0
    signin_burst: int = 20
    second_factor_rate_per_minute: float = 5.0
    second_factor_burst: int = 10
    submission_rate_per_minute: float = 120.0
    submission_burst: int = 60
    submission_account_rate_per_minute: float = 6.0
    submission_account_burst: int = 20
    # Prometheus /metrics: answered to a bearer of this token, or, with no token set, only to
    # clients on the loopback address (a scraper on the same host or in the same pod).
    metrics_token: str = ""
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    # Connections per web or worker process: pool_size kept open, max_overflow more at peaks.
    # (web workers + worker processes) × (pool + overflow) must stay under PostgreSQL's
    # max_connections (docs/architecture.md, "Running at national scale").
    db_pool_size: int = 10
    db_max_overflow: int = 10
    # Test each pooled connection before use (one round trip per request): after a database
    # restart or failover no request fails on a broken connection. Off at a peak: each broken
    # connection answers one 503 with Retry-After, and the pool is then refilled.
    db_pool_pre_ping: bool = True
    # Read-only traffic (catalogue, public verification, public statistics) goes here when
    # set; writes never do.
    database_replica_url: str = ""

    # --- kiosks (issue 7)
    # After this many seconds without a touch a kiosk asks "Are you still there?" and counts
    # down the second figure; at zero it wipes itself. The server ends a session idle for
    # longer than both together on its next request, even if the page's script never ran.
    kiosk_idle_seconds: int = Field(default=60, ge=2, le=600)
    kiosk_idle_warning_seconds: int = Field(default=30, ge=2, le=300)

    # --- audit chain (issue 8, ADR 0007 update)
    # Recording an event takes no lock; a sealer links it into the hash chain. True: the
    # recording process also seals right after its commit (one short transaction that never
    # waits on PostgreSQL). False: only workers seal, about every second.
    audit_seal_after_commit: bool = True
    # Run the portal's sync endpoints and dependencies on the event loop instead of in threads
    # (portal.runtime): about 1 ms of CPU less per request, one request at a time per process,
    # so run one `portal serve` worker per vCPU (measured best). Off: FastAPI's thread pool.
    inline_handlers: bool = False

    @model_validator(mode="after")
    def _fill_defaults_and_refuse_demo_secrets(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'portal.db'}"
        if self.exchange_key_path is None:
            self.exchange_key_path = self.data_dir / "exchange" / "portal-ed25519.pem"
        if self.payment_bank_public_key is None:
            self.payment_bank_public_key = self.data_dir / "payments" / "bank.pub.pem"
        self.registry_public_keys = {
            **{
                agency: str(default_registry_public_key_path(self.data_dir, agency))
                for agency in self.registry_urls
            },
            **self.registry_public_keys,
        }
        if self.env == "production":
            problems = []
            if (
                self.oidc_client_auth != "private_key_jwt"
                and self.oidc_client_secret == DEMO_OIDC_CLIENT_SECRET
            ):
                problems.append("PORTAL_OIDC_CLIENT_SECRET is the demo value")
            if self.registry_api_key == DEMO_REGISTRY_API_KEY:
                problems.append("PORTAL_REGISTRY_API_KEY is the demo value")
            if self.oidc_issuer == DEMO_ISSUER:
                problems.append("PORTAL_OIDC_ISSUER points at the bundled development provider")
            if len(self.secret_key) < 32:
                problems.append("PORTAL_SECRET_KEY must be set, at least 32 characters")
            if not self.base_url.startswith("https://"):
                problems.append("PORTAL_BASE_URL must be https in production")
            if not self.oidc_issuer.startswith("https://"):
                problems.append("PORTAL_OIDC_ISSUER must be https (keys travel from it)")
            plain = sorted(
                a for a, url in self.registry_urls.items() if not url.startswith("https://")
            )
            if plain:
                problems.append(f"PORTAL_REGISTRY_URLS must all be https (not: {', '.join(plain)})")
            # Without its key no answer of a registry can be trusted: refuse now, not at the
            # first petition.
            keyless = sorted(
                a for a in self.registry_urls if not Path(self.registry_public_keys[a]).is_file()
            )
            if keyless:
                problems.append(
                    "PORTAL_REGISTRY_PUBLIC_KEYS needs a public key file for each registry "
                    f"(missing: {', '.join(keyless)})"
                )
            if problems:
                raise ValueError("refusing to start in production mode: " + "; ".join(problems))
        return self

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    def registry_public_key_paths(self) -> dict[str, Path]:
        """Agency -> the PEM file of its registry's public key."""
        return {agency: Path(path) for agency, path in self.registry_public_keys.items()}

    def resolved_exchange_key_path(self) -> Path:
        """The portal's exchange signing key file (filled in by the validator)."""
        assert self.exchange_key_path is not None
        return self.exchange_key_path

    def resolved_secret_key(self) -> str:
        """The key for CSRF tokens and cookies: configured, or generated once into the data dir."""
        if self.secret_key:
            return self.secret_key
        return load_or_create_secret(self.data_dir / "secret.key")


def default_registry_public_key_path(data_dir: Path, agency: str) -> Path:
    """Where the portal looks for a registry's public key unless configured otherwise."""
    return data_dir / "exchange" / "registries" / f"{agency}.pub.pem"


def load_or_create_secret(path: Path) -> str:
    """Reads a random secret from `path`, creating it (mode 0600) on first run."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(value)
    tmp.chmod(0o600)
    tmp.replace(path)
    return value


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests clear the cache after changing the environment."""
    return Settings()
