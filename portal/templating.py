"""The Jinja2 environment for web pages: autoescaped, with i18n and a few filters."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from documents.dates import format_english_date, format_thai_date
from identity.citizen_ids import format_citizen_id, mask_citizen_id
from portal.csrf import csrf_token
from portal.i18n import current_language, gettext, ngettext

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
BANGKOK = ZoneInfo("Asia/Bangkok")


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


def _build_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR / "pages"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["local_date"] = local_date
    env.filters["citizen_id"] = format_citizen_id
    env.filters["masked_id"] = mask_citizen_id
    env.globals["agency_name"] = agency_name
    env.globals["service_name"] = service_name
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
