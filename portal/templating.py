"""The Jinja2 environment for web pages: autoescaped, with i18n and a few filters; static files
under content-hashed names."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Hashable
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.responses import Response
from starlette.types import Scope

from documents.dates import format_english_date, format_thai_date
from identity.citizen_ids import format_citizen_id, mask_citizen_id
from portal.csrf import csrf_token
from portal.i18n import current_language, gettext, ngettext, translate

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = TEMPLATES_DIR / "static"
BANGKOK = ZoneInfo("Asia/Bangkok")

# -- static files ---------------------------------------------------------------------------
# Pages link `/static/portal.<12 hex of SHA-256>.css`: the name changes with the content, so the
# file may be cached for a year (`immutable`); the plain name keeps working, cached briefly.
HASHED_CACHE = "public, max-age=31536000, immutable"
PLAIN_CACHE = "public, max-age=300"
_HASHED_NAME = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<suffix>\.[A-Za-z0-9]+)$")


@lru_cache(maxsize=256)
def _digest(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def static_digest(name: str) -> str | None:
    """The first 12 hex digits of the file's SHA-256 (recomputed when the file changes)."""
    path = STATIC_DIR / name
    try:
        stat = path.stat()
    except OSError:
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size)


def static_url(name: str) -> str:
    """`/static/<stem>.<digest><suffix>` for a file under templates/static (the plain URL if it
    does not exist, so a typo shows as a 404 in the browser rather than a broken page)."""
    digest = static_digest(name)
    if digest is None:
        return f"/static/{name}"
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        return f"/static/{name}.{digest}"
    return f"/static/{stem}.{digest}.{suffix}"


class HashedStaticFiles(StaticFiles):
    """Serves `name.<digest>.ext` as `name.ext`, cached for a year when the digest is the
    file's current one (an older digest, from a page of the previous release, gets the current
    file with the short cache); plain names get the short cache."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        cache_control = PLAIN_CACHE
        # Only names inside the folder are considered (StaticFiles itself refuses the rest).
        inside = ".." not in Path(path).parts and not path.startswith(("/", "\\"))
        match = _HASHED_NAME.match(path) if inside else None
        if match and not (STATIC_DIR / path).is_file():
            plain = match["stem"] + match["suffix"]
            if static_digest(plain) == match["digest"]:
                cache_control = HASHED_CACHE
            path = plain
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = cache_control
        return response


def local_date(value: date | datetime | None) -> str:
    """A date in the reader's language: Buddhist era in Thai, Gregorian in English."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))).astimezone(
            BANGKOK
        )
        day = value.date()
        clock = value.strftime("%H:%M")
        text = format_thai_date(day) if current_language.get() == "th" else format_english_date(day)
        return f"{text} {clock}"
    return format_thai_date(value) if current_language.get() == "th" else format_english_date(value)


def agency_name(code: str) -> str:
    """An agency's name in the reader's language (documents store only the code)."""
    from services.agencies import get_agency

    agency = get_agency(code)
    if agency is None:
        return code
    return agency.name_th if current_language.get() == "th" else agency.name_en


def service_name(code: str) -> str:
    """A service's name in the reader's language, or the code if it left the catalogue."""
    from services.catalogue.errors import UnknownServiceError
    from services.catalogue.service import get_catalogue

    try:
        return get_catalogue().get(code).name.get(current_language.get())
    except UnknownServiceError:
        return code


def page_gettext(message: str, **variables: Any) -> Markup:
    """Jinja's newstyle `gettext` for our pages (always autoescaped), without its per-call
    context dispatch: a text without placeholders is translated, marked safe and formatted once
    per language, not on every page (a page says `_()` a hundred times)."""
    if variables:
        return Markup(gettext(message)) % variables
    return _fixed_text(current_language.get(), message)


@lru_cache(maxsize=8192)
def _fixed_text(lang: str, message: str) -> Markup:
    return Markup(translate(lang, message)) % {}  # `%` as Jinja's: "%%" becomes "%"


def page_ngettext(singular: str, plural: str, num: int, **variables: Any) -> Markup:
    """Jinja's newstyle `ngettext` for our pages, as `page_gettext`."""
    variables.setdefault("num", num)
    return Markup(ngettext(singular, plural, num)) % variables


def _build_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR / "pages"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    # The same semantics, cheaper: `{% trans %}` and `_()` resolve these globals.
    env.globals.update(gettext=page_gettext, _=page_gettext, ngettext=page_ngettext)
    env.filters["local_date"] = local_date
    env.filters["citizen_id"] = format_citizen_id
    env.filters["masked_id"] = mask_citizen_id
    env.globals["agency_name"] = agency_name
    env.globals["service_name"] = service_name
    env.globals["static_url"] = static_url
    return env


ENV = _build_env()


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Renders a page with what every page needs: language, CSRF token, the signed-in citizen."""
    context.setdefault("citizen", getattr(request.state, "viewer", None))
    html = ENV.get_template(name).render(
        request=request,
        lang=current_language.get(),
        csrf_token=csrf_token(request),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


# Public pages kept rendered, per process (render_public). Bounded: searches are free text.
PUBLIC_PAGES_MAX = 256
_public_pages: dict[tuple[Hashable, ...], bytes] = {}
_public_pages_source: list[object] = [None]


def render_public(
    request: Request,
    name: str,
    *,
    source: object,
    key: tuple[Hashable, ...],
    context: Callable[[], dict[str, Any]],
) -> HTMLResponse:
    """A public page that is the same for every visitor who is not signed in, given its path,
    the language, `source` (what it shows: the catalogue) and `key` (its arguments): rendered
    once per process and kept, so a catalogue page costs what a lookup costs. A signed-in
    visitor's page names them (and counts their messages): rendered each time. A new `source`
    (a reloaded catalogue, a test's own) empties the store."""
    if getattr(request.state, "viewer", None) is not None:
        return render(request, name, **context())
    if _public_pages_source[0] is not source:
        _public_pages.clear()
        _public_pages_source[0] = source
    cache_key = (name, request.scope["path"], current_language.get(), *key)
    body = _public_pages.get(cache_key)
    if body is None:
        body = bytes(render(request, name, **context()).body)
        if len(_public_pages) >= PUBLIC_PAGES_MAX:
            _public_pages.clear()
        _public_pages[cache_key] = body
    return HTMLResponse(body)
