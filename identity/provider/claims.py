"""Which claims each scope releases: the ThaID-style set the portal maps (pid, names in Thai
and English, address, ial).

The ID token and the UserInfo response share `claims_for_scope`, so a relying party sees the same
values whichever it reads. The consent page reads `CONSENT_ITEMS` to tell the person, in Thai and
English, what the relying party will receive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .accounts import ProviderAccount

SCOPES_SUPPORTED: tuple[str, ...] = ("openid", "profile", "address", "pid")

CLAIMS_SUPPORTED: tuple[str, ...] = (
    "sub",
    "pid",
    "title",
    "given_name",
    "family_name",
    "name",
    "title_en",
    "given_name_en",
    "family_name_en",
    "name_en",
    "birthdate",
    "address",
    "gender",
    "ial",
    "acr",
    "amr",
)


@dataclass(frozen=True)
class ConsentItem:
    """One line of the consent list: a scope and what it hands over, in both languages."""

    scope: str
    label_th: str
    label_en: str


CONSENT_ITEMS: tuple[ConsentItem, ...] = (
    ConsentItem(
        "openid",
        "รหัสอ้างอิงผู้ใช้ (ไม่ใช่เลขประจำตัวประชาชน) และระดับความน่าเชื่อถือของการยืนยันตัวตน",
        "A reference for you (not your citizen ID) and your identity assurance level",
    ),
    ConsentItem("pid", "เลขประจำตัวประชาชน 13 หลัก", "Your 13-digit citizen ID number"),
    ConsentItem(
        "profile",
        "คำนำหน้า ชื่อ นามสกุล (ไทยและอังกฤษ) วันเกิด และเพศ",
        "Title, given and family name (Thai and English), date of birth and gender",
    ),
    ConsentItem("address", "ที่อยู่ตามทะเบียนบ้าน", "Your registered address"),
)


def consent_items_for(scope: str) -> list[ConsentItem]:
    """The consent lines for a granted scope string, in a fixed, readable order."""
    granted = set(scope.split())
    return [item for item in CONSENT_ITEMS if item.scope in granted]


def claims_for_scope(account: ProviderAccount, scope: str) -> dict[str, Any]:
    """The person's claims released by `scope`; `sub` and `ial` are always present."""
    granted = set(scope.split())
    claims: dict[str, Any] = {"sub": account.subject}
    if "pid" in granted:
        claims["pid"] = account.pid
    if "profile" in granted:
        claims.update(
            title=account.title_th,
            given_name=account.given_name_th,
            family_name=account.family_name_th,
            name=account.name_th,
            title_en=account.title_en,
            given_name_en=account.given_name_en,
            family_name_en=account.family_name_en,
            name_en=account.name_en,
            birthdate=account.birthdate.isoformat(),
            gender=account.gender,
        )
    if "address" in granted:
        # OIDC Core §5.1.1: `address` is a JSON object; the one-line form goes in `formatted`.
        claims["address"] = {"formatted": account.address}
    claims["ial"] = account.ial
    return claims
