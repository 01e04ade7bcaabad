"""Certificate templates to PDF: Jinja2 (autoescaped, strict) then WeasyPrint with Sarabun.

1. `render_certificate_html` fills `templates/certificates/<template>.html`, adding the QR code
   and date/ID/address filters.
2. `html_to_pdf` lays it out with one FontConfiguration and one parsed stylesheet per process
   (STACK-NOTES: 26-31 % faster, and fresh objects per render leak memory).
3. Every resource goes through `CertificateURLFetcher`, which serves files from the certificate
   templates and the Sarabun font folder only, and stops the render on anything else.

WeasyPrint is imported inside functions: importing it costs about a second.
"""

from __future__ import annotations

import mimetypes
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import fontpkg_sarabun
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from documents.dates import format_english_date, format_thai_date
from documents.qr import qr_svg

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
CERTIFICATES_DIR = TEMPLATES_DIR / "certificates"
FONT_DIR = Path(fontpkg_sarabun.ROOT) / "files"
STYLESHEET_NAME = "certificate.css"
# A family name of our own, so a system font called "Sarabun" can never stand in for ours.
FONT_FAMILY = "Portal Sarabun"
FONT_FILES = {400: "Sarabun-Regular.ttf", 700: "Sarabun-Bold.ttf"}

_TEMPLATE_NAME = re.compile(r"[a-z][a-z0-9_]*")
# Pango and fontconfig objects are not documented as thread-safe, and the cached
# FontConfiguration is shared: renders in one process take turns (the GIL would serialise most
# of the work anyway). Workers in other processes render in parallel.
_render_lock = threading.Lock()


@dataclass(frozen=True)
class IssuedBy:
    """The officer line on a document decided by a person; None means "issued automatically"."""

    name_th: str
    name_en: str
    position_th: str = ""
    position_en: str = ""


class ResourceRefusedError(ValueError):
    """A template asked for a resource outside the certificate and font folders."""


# --- resources --------------------------------------------------------------------------------


def allowed_resource_path(url: str) -> Path | None:
    """The local file behind `url` if the renderer may read it, else None.

    Only `file:` URLs whose resolved path (symlinks followed, `..` removed) lies inside the
    certificate templates folder or the Sarabun font folder are allowed.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    try:
        path = Path(unquote(parts.path)).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    roots = (CERTIFICATES_DIR.resolve(), FONT_DIR.resolve())
    if path.is_file() and any(path.is_relative_to(root) for root in roots):
        return path
    return None


@lru_cache(maxsize=1)
def certificate_url_fetcher() -> URLFetcher:
    """The one URL fetcher every certificate render uses (see `allowed_resource_path`).

    It is built with `fail_on_errors=True`: a refused or missing resource stops the render
    instead of quietly leaving a hole (a missing font would otherwise print empty boxes).
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class CertificateURLFetcher(URLFetcher):
        def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
            path = allowed_resource_path(url)
            if path is None:
                raise ResourceRefusedError(f"certificate renderer refuses {url[:200]!r}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
            )

    return CertificateURLFetcher(fail_on_errors=True, allowed_protocols=("file",))


# --- HTML -------------------------------------------------------------------------------------


def format_citizen_id(value: str | int) -> str:
    """X-XXXX-XXXXX-XX-X, as on the Thai ID card; anything not 13 digits is shown unchanged."""
    digits = re.sub(r"[\s-]", "", str(value))
    if len(digits) != 13 or not digits.isascii() or not digits.isdigit():
        return str(value)
    return f"{digits[0]}-{digits[1:5]}-{digits[5:10]}-{digits[10:12]}-{digits[12]}"


def _text(address: Mapping[str, Any], key: str) -> str:
    return str(address.get(key) or "").strip()


def _is_bangkok(address: Mapping[str, Any]) -> bool:
    return _text(address, "province_th") == "กรุงเทพมหานคร" or _text(
        address, "province_en"
    ).lower() in ("bangkok", "krung thep maha nakhon")


def _with_prefix(prefix: str, value: str, *, space: bool = False) -> str:
    value = value.strip()
    if not value or value.startswith(prefix):
        return value
    return f"{prefix} {value}" if space else f"{prefix}{value}"


def format_thai_address(address: Mapping[str, Any]) -> str:
    """บ้านเลขที่ … หมู่ที่ … ซอย… ถนน… ตำบล/แขวง… อำเภอ/เขต… จังหวัด… รหัสไปรษณีย์, empty parts left out.

    Bangkok uses แขวง/เขต and no จังหวัด, as on the house registration (ทะเบียนบ้าน).
    """
    bangkok = _is_bangkok(address)
    parts = [
        _with_prefix("บ้านเลขที่", _text(address, "house_no"), space=True),
        _with_prefix("หมู่ที่", _text(address, "moo"), space=True),
        _with_prefix("ซอย", _text(address, "soi")),
        _with_prefix("ถนน", _text(address, "road")),
        _with_prefix("แขวง" if bangkok else "ตำบล", _text(address, "subdistrict_th")),
        _with_prefix("เขต" if bangkok else "อำเภอ", _text(address, "district_th")),
        _text(address, "province_th")
        if bangkok
        else _with_prefix("จังหวัด", _text(address, "province_th")),
        _text(address, "postal_code"),
    ]
    return " ".join(part for part in parts if part)


def format_english_address(address: Mapping[str, Any]) -> str:
    """Like "99/1 Moo 4, Soi …, … Road, … Subdistrict, … District, Province 10200", gaps skipped.

    Soi and road use the registry's romanised `soi_en`/`road_en` when it has them; otherwise
    they are printed as the registry wrote them (often Thai), with a leading ซอย/ถนน dropped,
    since "Soi"/"Road" already say it.
    """
    bangkok = _is_bangkok(address)

    def suffixed(value: str, suffix: str) -> str:
        if not value or bangkok or value.lower().endswith(suffix.lower()):
            return value
        return f"{value} {suffix}"

    soi = (_text(address, "soi_en") or _text(address, "soi").removeprefix("ซอย")).strip()
    road = (_text(address, "road_en") or _text(address, "road").removeprefix("ถนน")).strip()
    parts = [
        " ".join(
            p
            for p in (
                _text(address, "house_no"),
                _with_prefix("Moo", _text(address, "moo"), space=True),
            )
            if p
        ),
        _with_prefix("Soi", soi, space=True),
        road if not road or road.lower().endswith(("road", "rd.")) else f"{road} Road",
        suffixed(_text(address, "subdistrict_en"), "Subdistrict"),
        suffixed(_text(address, "district_en"), "District"),
        " ".join(p for p in (_text(address, "province_en"), _text(address, "postal_code")) if p),
    ]
    return ", ".join(part for part in parts if part)


@lru_cache(maxsize=1)
def _jinja_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(CERTIFICATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["thai_date"] = format_thai_date
    env.filters["english_date"] = format_english_date
    env.filters["citizen_id"] = format_citizen_id
    env.filters["thai_address"] = format_thai_address
    env.filters["english_address"] = format_english_address
    return env


def render_certificate_html(template: str, context: Mapping[str, Any]) -> str:
    """The filled HTML of `templates/certificates/<template>.html`.

    Adds `qr_svg` (a QR code of `verify_url`). Values are autoescaped and a missing key raises
    `jinja2.UndefinedError`, so a half-filled certificate is never issued.
    """
    name = template.removesuffix(".html")
    if not _TEMPLATE_NAME.fullmatch(name) or name == "base":
        raise ValueError(f"not a certificate template: {template!r}")
    values: dict[str, Any] = dict(context)
    values.setdefault("qr_data", context["verify_url"])
    values.setdefault("check_code", "")
    values.setdefault("valid_until", None)
    values.setdefault("thai_digits", False)
    values.setdefault("issued_by", None)
    values["qr_svg"] = Markup(qr_svg(str(values["qr_data"])))  # segno output: trusted
    return _jinja_environment().get_template(f"{name}.html").render(values)


# --- PDF --------------------------------------------------------------------------------------


def font_face_css() -> str:
    """@font-face rules for Sarabun Regular and Bold, from the fontpkg-sarabun package.

    Without a Thai font WeasyPrint silently draws empty boxes (STACK-NOTES), and Debian has no
    Sarabun package, so the font files come from PyPI.
    """
    return "\n".join(
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-style: normal; '
        f'font-weight: {weight}; src: url("{(FONT_DIR / filename).as_uri()}"); }}'
        for weight, filename in FONT_FILES.items()
    )


def load_stylesheets(font_config: FontConfiguration) -> list[CSS]:
    """Parses the font faces and `certificate.css` against `font_config` (fresh objects)."""
    from weasyprint import CSS

    fetcher = certificate_url_fetcher()
    base_url = str(CERTIFICATES_DIR)
    fonts = CSS(
        string=font_face_css(), base_url=base_url, url_fetcher=fetcher, font_config=font_config
    )
    sheet = CSS(
        filename=str(CERTIFICATES_DIR / STYLESHEET_NAME),
        base_url=base_url,
        url_fetcher=fetcher,
        font_config=font_config,
    )
    return [fonts, sheet]


@lru_cache(maxsize=1)
def _cached_stylesheets() -> tuple[FontConfiguration, list[CSS]]:
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    return font_config, load_stylesheets(font_config)


def html_to_pdf(html: str) -> bytes:
    """Lays out certificate HTML with the process-wide fonts and stylesheet."""
    from weasyprint import HTML

    with _render_lock:
        font_config, stylesheets = _cached_stylesheets()
        document = HTML(
            string=html, base_url=str(CERTIFICATES_DIR), url_fetcher=certificate_url_fetcher()
        )
        pdf = document.write_pdf(stylesheets=stylesheets, font_config=font_config)
    if not isinstance(pdf, bytes):  # write_pdf returns bytes when no target is given
        raise TypeError("WeasyPrint returned no PDF bytes")
    return pdf


def certificate_data(
    *,
    template: str,
    number: str,
    agency_code: str,
    title_th: str,
    title_en: str,
    values: Mapping[str, Any],
) -> dict[str, Any]:
    """The machine-readable JSON embedded in the PDF (STUB: render helper owns this)."""
    return {"number": number, "template": template, "agency": agency_code}


def render_certificate_pdf(
    template: str, context: dict[str, Any], *, data: Mapping[str, Any] | None = None
) -> bytes:
    """An unsigned PDF of the certificate `template` filled with `context`.

    `data` is embedded as a JSON attachment (STUB: not yet embedded).
    """
    return html_to_pdf(render_certificate_html(template, context))
