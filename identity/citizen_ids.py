"""Thai 13-digit citizen identification numbers.

The last digit is a check digit: (11 - sum(d_i * (13 - i)) mod 11) mod 10 over the first 12.
"""

from __future__ import annotations

import random


def check_digit(first_twelve: str) -> int:
    """The mod-11 check digit for the first twelve digits of a citizen ID."""
    total = sum(int(d) * (13 - i) for i, d in enumerate(first_twelve))
    return (11 - total % 11) % 10


def is_valid_citizen_id(value: str) -> bool:
    """True for 13 ASCII digits whose last digit matches the mod-11 check."""
    if len(value) != 13 or not value.isascii() or not value.isdigit() or value[0] == "0":
        return False
    return check_digit(value[:12]) == int(value[12])


def is_valid_juristic_id(value: str) -> bool:
    """True for a 13-digit juristic-person ID (the same mod-11 check; they begin with 0)."""
    if len(value) != 13 or not value.isascii() or not value.isdigit() or value[0] != "0":
        return False
    return check_digit(value[:12]) == int(value[12])


def generate_citizen_id(rng: random.Random, *, first_digit: int = 1) -> str:
    """A valid citizen ID; `first_digit` is the person-type digit (1 = Thai, born after 1984)."""
    body = str(first_digit) + "".join(str(rng.randint(0, 9)) for _ in range(11))
    return body + str(check_digit(body))


def format_citizen_id(value: str) -> str:
    """Printed form X-XXXX-XXXXX-XX-X, as on the Thai ID card."""
    return f"{value[0]}-{value[1:5]}-{value[5:10]}-{value[10:12]}-{value[12]}"


def mask_citizen_id(value: str) -> str:
    """Shows only the last four digits, for lists and public pages."""
    return "x-xxxx-xxxxx-" + value[10:12] + "-" + value[12]
