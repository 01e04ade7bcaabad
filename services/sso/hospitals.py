"""Hospitals near a person's DOPA address, for the social-security and gold-card registers.

Outside Bangkok a person is registered with the hospital of their district: the provincial
hospital in the capital district (อำเภอเมือง), the community hospital, named after the district,
elsewhere. Bangkok draws from a short list of real hospitals. Both SSO and NHSO use this, so the
two registers name the same hospital for the same person.
"""

from __future__ import annotations

import random

from services.dopa.people import BANGKOK, HouseAddress

BANGKOK_HOSPITALS: tuple[tuple[str, str], ...] = (
    ("โรงพยาบาลราชวิถี", "Rajavithi Hospital"),
    ("โรงพยาบาลกลาง", "Klang Hospital"),
    ("โรงพยาบาลตากสิน", "Taksin Hospital"),
    ("โรงพยาบาลเจริญกรุงประชารักษ์", "Charoenkrung Pracharak Hospital"),
    ("โรงพยาบาลนพรัตนราชธานี", "Nopparat Rajathanee Hospital"),
    ("โรงพยาบาลเลิดสิน", "Lerdsin Hospital"),
    ("โรงพยาบาลราชพิพัฒน์", "Ratchaphiphat Hospital"),
)


def hospital(name_th: str, name_en: str, address: HouseAddress) -> dict[str, str]:
    return {
        "name_th": name_th,
        "name_en": name_en,
        "province_th": address.province_th,
        "province_en": address.province_en,
    }


def hospital_near(rng: random.Random, address: HouseAddress) -> dict[str, str]:
    """A hospital in the district (or, in Bangkok, the city) of `address`."""
    if address.province_code == BANGKOK:
        return hospital(*rng.choice(BANGKOK_HOSPITALS), address)
    if address.district_code.endswith("01"):
        return hospital(
            f"โรงพยาบาล{address.province_th}", f"{address.province_en} Hospital", address
        )
    return hospital(f"โรงพยาบาล{address.district_th}", f"{address.district_en} Hospital", address)
