"""Thai and English: Babel message catalogs, the language of the current request.

Source strings are English; `portal/locale/th/LC_MESSAGES/*.po` hold the Thai, one file per area
(`messages.po` for citizen pages, `backoffice.po`, `mailbox.po`, …), merged in name order. The
catalogs are read with Babel at start-up (no compiled .mo files to keep in step). The chosen
language sticks in a cookie; Thai is the default.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("th", "en")
DEFAULT_LANGUAGE = "th"
LANG_COOKIE = "portal_lang"
LOCALE_DIR = Path(__file__).parent / "locale"

current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)


@lru_cache
def load_catalog(lang: str) -> dict[str, str]:
    """msgid -> msgstr for one language (empty for English, whose msgids are the text)."""
    messages: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        messages.update(_read_catalog(path, lang))
    return messages


def _read_catalog(path: Path, lang: str) -> dict[str, str]:
    with path.open("rb") as f:
        catalog = read_po(f, locale=lang)
    messages: dict[str, str] = {}
    for m in catalog:
        if not m.id or not m.string or m.fuzzy:
            continue
        if isinstance(m.id, tuple):  # plural: Thai has one form, used for both
            text = m.string[0] if isinstance(m.string, tuple) else m.string
            for msgid in m.id:
                messages[str(msgid)] = str(text)
        else:
            messages[str(m.id)] = str(m.string)
    return messages


def gettext(message: str) -> str:
    """Translates into the current request's language; English falls through unchanged."""
    return translate(current_language.get(), message)


def translate(lang: str, message: str) -> str:
    """Translates into `lang`; English falls through unchanged."""
    if lang == "en":
        return message
    return load_catalog(lang).get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def pick_language(query: str | None, cookie: str | None, accept: str | None) -> str:
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    if accept and accept.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE
