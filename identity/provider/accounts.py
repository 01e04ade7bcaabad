"""The people and relying parties the development provider knows about.

Both are plain frozen dataclasses handed to `create_provider_app`; nothing here touches Authlib,
so the portal's demo data and tests can build them without importing the provider machinery.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

# Fixed namespace so a person's `sub` is the same on every run and every machine, yet reveals
# nothing about the citizen ID it was derived from without a brute-force over all 13-digit IDs.
SUBJECT_NAMESPACE = uuid.UUID("6f1c2a4e-8d3b-5c7a-9e10-2b4d6f8a0c1e")


@dataclass(frozen=True)
class ProviderAccount:
    """A synthetic person who can sign in at the development provider."""

    pid: str  # 13-digit Thai citizen ID
    title_th: str
    given_name_th: str
    family_name_th: str
    title_en: str
    given_name_en: str
    family_name_en: str
    birthdate: date
    address: str  # one-line formatted Thai address
    gender: str  # "male" | "female"
    ial: float  # identity assurance level, e.g. 2.3
    password: str = "demo"  # dev only

    @property
    def subject(self) -> str:
        """The OIDC `sub`: stable per person, opaque, and deliberately not the citizen ID."""
        return subject_for(self.pid)

    @property
    def name_th(self) -> str:
        """The Thai `name` claim, title first and space-separated (e.g. "นาย สมชาย ใจดี")."""
        return f"{self.title_th} {self.given_name_th} {self.family_name_th}"

    @property
    def name_en(self) -> str:
        """Display name in English, e.g. "Mr. Somchai Jaidee"."""
        return f"{self.title_en} {self.given_name_en} {self.family_name_en}"


@dataclass(frozen=True)
class ProviderClient:
    """A relying party registered with the development provider (a confidential client)."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...] = ()
    token_endpoint_auth_method: str = "client_secret_basic"  # or "client_secret_post"
    scope: str = "openid profile address pid"
    # RFC 7591 §2 `grant_types`. A refresh token is issued only to clients listing
    # "refresh_token"; kiosks add "urn:ietf:params:oauth:grant-type:device_code" (RFC 8628).
    grant_types: tuple[str, ...] = ("authorization_code", "refresh_token")


def subject_for(pid: str) -> str:
    """The `sub` claim for a citizen ID: a UUIDv5, so relying parties never key on the ID."""
    return str(uuid.uuid5(SUBJECT_NAMESPACE, pid))


def normalise_citizen_id(value: str) -> str:
    """Strips the dashes and spaces people type from the printed X-XXXX-XXXXX-XX-X form."""
    return "".join(ch for ch in value if ch not in " -\u00a0")
