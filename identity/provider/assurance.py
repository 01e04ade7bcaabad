"""ThaID-style identity assurance levels (IAL) and the `acr` values that name them.

A relying party asks for a minimum level with `acr_values=urn:thaid:ial:2.3` (OIDC Core
§3.1.2.1); the ID token answers with `acr` for the level the person is actually enrolled at.
"""

from __future__ import annotations

ACR_PREFIX = "urn:thaid:ial:"

# ThaID's enrolment levels, lowest first: 1.x self-enrolled, 2.x verified against the civil
# registry (2.3: face matched to the ID-card photo), 3 verified in person at a counter.
IAL_LEVELS: tuple[str, ...] = ("1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3")

ACR_VALUES_SUPPORTED: tuple[str, ...] = tuple(ACR_PREFIX + level for level in IAL_LEVELS)


def format_ial(ial: float) -> str:
    """The printed form of a level: 2.3 → "2.3", 3.0 → "3"."""
    return f"{ial:g}"


def acr_for(ial: float) -> str:
    """The `acr` claim for a level, e.g. "urn:thaid:ial:2.3"."""
    return ACR_PREFIX + format_ial(ial)


def requested_minimum(acr_values: str | None) -> float | None:
    """The lowest level listed in `acr_values`, or None if none is listed.

    `acr_values` is a voluntary request (OIDC Core §3.1.2.1), so values that are not one of our
    URNs are ignored rather than refused; a list of nothing but such values asks for no minimum.
    """
    levels = [
        float(value.removeprefix(ACR_PREFIX))
        for value in (acr_values or "").split()
        if value.startswith(ACR_PREFIX) and value.removeprefix(ACR_PREFIX) in IAL_LEVELS
    ]
    return min(levels) if levels else None
