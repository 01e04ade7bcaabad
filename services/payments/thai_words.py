"""Amounts in Thai words, as receipts print them: 120.00 -> "หนึ่งร้อยยี่สิบบาทถ้วน"."""

from __future__ import annotations

_DIGITS = ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
_PLACES = ("", "สิบ", "ร้อย", "พัน", "หมื่น", "แสน")


def _below_million(n: int) -> str:
    """0 < n < 1,000,000; "เอ็ด" for a final 1 after higher digits, "ยี่สิบ", "สิบ"."""
    words = []
    digits = str(n)
    length = len(digits)
    for i, ch in enumerate(digits):
        d = int(ch)
        place = length - i - 1
        if d == 0:
            continue
        if place == 1 and d == 1:
            words.append("สิบ")
        elif place == 1 and d == 2:
            words.append("ยี่สิบ")
        elif place == 0 and d == 1 and length > 1:
            words.append("เอ็ด")
        else:
            words.append(_DIGITS[d] + _PLACES[place])
    return "".join(words)


def number_in_words(n: int) -> str:
    """A whole number in Thai words; millions repeat ("หนึ่งล้านล้าน")."""
    if n < 0:
        raise ValueError("negative amount")
    if n == 0:
        return _DIGITS[0]
    millions, rest = divmod(n, 1_000_000)
    head = number_in_words(millions) + "ล้าน" if millions else ""
    return head + (_below_million(rest) if rest else "")


def baht_text(amount_satang: int) -> str:
    """ "หนึ่งร้อยบาทถ้วน", "ยี่สิบเอ็ดบาทห้าสิบสตางค์"."""
    baht, satang = divmod(amount_satang, 100)
    text = number_in_words(baht) + "บาท"
    return text + (number_in_words(satang) + "สตางค์" if satang else "ถ้วน")
