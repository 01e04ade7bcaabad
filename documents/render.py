"""Certificate templates to PDF/A-3b: Jinja2 (autoescaped, strict) then WeasyPrint with Sarabun.

1. `render_certificate_html` fills `templates/certificates/<template>.html`, adding the QR code
   (a 1-bit PNG as a `data:` URL, see documents/qr.py) and the date/ID/address filters, which
   print Thai digits in the Thai text when the values say `thai_digits`.
2. `html_to_pdf` lays it out with one FontConfiguration, one parsed stylesheet and one small
   user-agent stylesheet per process (STACK-NOTES: fresh objects per render are 26-31 % slower
   and leak memory) and writes PDF/A-3b with the certificate's data as `certificate.json`
   (AFRelationship /Data), so a bank can read the facts without OCR.
3. Every resource goes through `CertificateURLFetcher`, which serves files from the certificate
   templates and the Sarabun font folder and PNG `data:` URLs only, and stops the render on
   anything else.

Speed (docs/performance.md, "Certificates"): the HTML is parsed by expat
(`parse_certificate_html`; the templates are well-formed XML as well as HTML), line breaks,
drawn Pango layouts and computed styles are reused from earlier certificates
(documents/textmemo.py, documents/stylememo.py, inside the render lock), and each PDF object
is serialised once (`serialise_once`). Each has a flag to switch it off and a test that the PDF
bytes are the same without it. The WeasyPrint-specific ones check for WeasyPrint 70.0 and
step aside on any other version.

WeasyPrint is imported inside functions: importing it costs about a second.
"""

from __future__ import annotations

import base64
import binascii
import json
import mimetypes
import re
import threading
import zlib
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import fontpkg_sarabun
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from documents.dates import format_english_date, format_thai_date, thailand_date, to_thai_digits
from documents.qr import qr_data_url
from documents.stylememo import memoised_styles
from documents.textmemo import memoised_text

if TYPE_CHECKING:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
CERTIFICATES_DIR = TEMPLATES_DIR / "certificates"
FONT_DIR = Path(fontpkg_sarabun.ROOT) / "files"
STYLESHEET_NAME = "certificate.css"
# A family name of our own, so a system font called "Sarabun" can never stand in for ours.
FONT_FAMILY = "Portal Sarabun"
FONT_FILES = {400: "Sarabun-Regular.ttf", 700: "Sarabun-Bold.ttf"}
PDF_VARIANT = "pdf/a-3b"
DATA_ATTACHMENT_NAME = "certificate.json"
DATA_SCHEMA_VERSION = 1
PNG_DATA_URL_PREFIX = "data:image/png;base64,"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_MAX_DATA_URL_BYTES = 64 * 1024

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


def png_data_url_bytes(url: str) -> bytes | None:
    """The PNG inside a `data:image/png;base64,` URL, or None for any other data URL.

    The QR code is the only inline resource a certificate has; SVG, HTML, CSS or fonts in a
    data URL could smuggle in further fetches, so they are refused like any other URL.
    """
    if not url.startswith(PNG_DATA_URL_PREFIX) or len(url) > _MAX_DATA_URL_BYTES * 2:
        return None
    try:
        body = base64.b64decode(url[len(PNG_DATA_URL_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return None
    return body if body.startswith(_PNG_MAGIC) else None


@lru_cache(maxsize=1)
def certificate_url_fetcher() -> URLFetcher:
    """The one URL fetcher every certificate render uses (see `allowed_resource_path` and
    `png_data_url_bytes`).

    It is built with `fail_on_errors=True`: a refused or missing resource stops the render
    instead of quietly leaving a hole (a missing font would otherwise print empty boxes).
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class CertificateURLFetcher(URLFetcher):
        def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
            png = png_data_url_bytes(url)
            if png is not None:
                return URLFetcherResponse(url, body=png, headers={"Content-Type": "image/png"})
            path = allowed_resource_path(url)
            if path is None:
                raise ResourceRefusedError(f"certificate renderer refuses {url[:200]!r}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
            )

    return CertificateURLFetcher(fail_on_errors=True, allowed_protocols=("file", "data"))


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


def _thai_digits_on(context: Context) -> bool:
    return bool(context.get("thai_digits"))


@pass_context
def _thai_date_filter(context: Context, value: date) -> str:
    return format_thai_date(value, thai_digits=_thai_digits_on(context))


@pass_context
def _thai_address_filter(context: Context, address: Mapping[str, Any]) -> str:
    text = format_thai_address(address)
    return to_thai_digits(text) if _thai_digits_on(context) else text


@pass_context
def _thai_number_filter(context: Context, value: object) -> str:
    """A number (or text with numbers) in the Thai text: Thai digits when the template wants
    them. Identifiers a reader must type (document number, check code, citizen ID, plates)
    stay in Arabic digits everywhere."""
    text = str(value)
    return to_thai_digits(text) if _thai_digits_on(context) else text


@lru_cache(maxsize=1)
def _jinja_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(CERTIFICATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["thai_date"] = _thai_date_filter
    env.filters["english_date"] = format_english_date
    env.filters["citizen_id"] = format_citizen_id
    env.filters["thai_address"] = _thai_address_filter
    env.filters["english_address"] = format_english_address
    env.filters["th_num"] = _thai_number_filter
    return env


def verify_page_url(verify_url: str, number: str) -> str:
    """The verify page where a reader types number and check code: the verify URL without the
    trailing document number."""
    return verify_url.removesuffix(f"/{number}") if number else verify_url


def render_certificate_html(template: str, context: Mapping[str, Any]) -> str:
    """The filled HTML of `templates/certificates/<template>.html`.

    Adds `qr_src` (a PNG data URL of `qr_data`, the verify URL when not given) and
    `verify_page`. Values are autoescaped and a missing key raises `jinja2.UndefinedError`, so
    a half-filled certificate is never issued.
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
    values["verify_page"] = verify_page_url(
        str(values["verify_url"]), str(values.get("document_number", ""))
    )
    values["qr_src"] = qr_data_url(str(values["qr_data"]))
    return _jinja_environment().get_template(f"{name}.html").render(values)


# --- PDF --------------------------------------------------------------------------------------

# What the templates need from WeasyPrint's 256-line HTML user-agent stylesheet (display types,
# default margins, bold). Cascading the full one costs about 4 ms per certificate for rules no
# certificate uses (forms, lists, ruby, bidi, bookmarks).
USER_AGENT_CSS = r"""
head, meta, title, style, script, link, template, [hidden] { display: none }
html, body, div, p, h1, h2, h3, header, footer, main, section, blockquote, ul, ol
  { display: block }
li { display: list-item }
table { display: table; box-sizing: border-box; border-spacing: 2px;
  border-collapse: separate; text-indent: initial }
caption { display: table-caption }
colgroup { display: table-column-group }
col { display: table-column }
thead { display: table-header-group }
tbody { display: table-row-group }
tfoot { display: table-footer-group }
tr { display: table-row }
td, th { display: table-cell; padding: 1px }
p, blockquote, ul, ol { margin-top: 1em; margin-bottom: 1em }
blockquote { margin-left: 40px; margin-right: 40px }
ul, ol { padding-left: 40px }
body { margin: 8px }
h1 { font-size: 2em; margin-top: .67em; margin-bottom: .67em }
h1, h2, h3, th, strong, b { font-weight: bold }
em, i { font-style: italic }
br::before { content: "\A"; white-space: pre-line }
img { overflow: hidden }
"""


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


# Certificate HTML is parsed with expat (C) instead of WeasyPrint's pure-Python HTML5 parser:
# about 2 ms less per certificate. Off only to compare (tests, benchmarks).
XML_PARSE = True
# An attribute value with a line break or tab: XML would turn it into a space, HTML keeps it.
_ATTRIBUTE_WITH_BREAK = re.compile(r'="[^"]*[\t\n\r]')


_HEAD_ELEMENTS = frozenset({"meta", "title", "style", "link", "base"})
# Where an HTML5 parser adds or moves elements that XML keeps as written: table parts outside
# their parents (implied tbody, tr, colgroup; foster parenting), and a block inside a <p>
# (which closes the paragraph).
_TABLE_CHILDREN = {
    "table": frozenset({"caption", "colgroup", "thead", "tbody", "tfoot"}),
    "thead": frozenset({"tr"}),
    "tbody": frozenset({"tr"}),
    "tfoot": frozenset({"tr"}),
    "tr": frozenset({"td", "th"}),
    "colgroup": frozenset({"col"}),
}
_NEEDS_PARENT = {
    "tr": frozenset({"thead", "tbody", "tfoot"}),
    "td": frozenset({"tr"}),
    "th": frozenset({"tr"}),
    "col": frozenset({"colgroup"}),
    "caption": frozenset({"table"}),
    "colgroup": frozenset({"table"}),
    "thead": frozenset({"table"}),
    "tbody": frozenset({"table"}),
    "tfoot": frozenset({"table"}),
}
_CLOSES_A_PARAGRAPH = frozenset(
    {
        "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "main", "menu", "nav", "ol", "p", "pre", "section", "table", "ul",
    }
)  # fmt: skip


def _restructured_by_html5(element: Any, in_paragraph: bool = False) -> bool:
    """Whether an HTML5 parser would build a different tree from `element`'s subtree."""
    allowed = _TABLE_CHILDREN.get(element.tag)
    if allowed is not None and (element.text or "").strip():
        return True
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if allowed is not None and (tag not in allowed or (child.tail or "").strip()):
            return True
        parents = _NEEDS_PARENT.get(tag)
        if parents is not None and element.tag not in parents:
            return True
        if in_paragraph and tag in _CLOSES_A_PARAGRAPH:
            return True
        if _restructured_by_html5(child, in_paragraph or tag == "p"):
            return True
    return False


def parse_certificate_html(html: str) -> Any:
    """The element tree of certificate HTML as WeasyPrint's HTML5 parser builds it, or None
    when only that parser can say.

    The certificate templates are well-formed XML as well as HTML (void elements closed,
    explicit `colgroup` and `tbody`), so expat builds the same elements; this moves the
    whitespace around `html` and `body` to where an HTML5 parser puts it. Anything expat
    refuses (a control character in a value), an attribute value with a line break, markup
    other than `html` > `head`, `body`, or a structure an HTML5 parser would change (a table
    part outside its parent, a block inside a paragraph, a body element in the head) gives
    None, and the caller falls back to the HTML5 parser. tests/documents/
    test_render_fast_paths.py compares the trees and the PDFs for every template.
    """
    from xml.etree import ElementTree

    if _ATTRIBUTE_WITH_BREAK.search(html):
        return None
    try:
        root = ElementTree.fromstring(html)
    except ElementTree.ParseError:
        return None
    if root.tag != "html" or [child.tag for child in root] != ["head", "body"]:
        return None
    head, body = root
    if (root.text or "").strip() or (head.tail or "").strip() or (body.tail or "").strip():
        return None
    if any(child.tag not in _HEAD_ELEMENTS for child in head) or _restructured_by_html5(body):
        return None
    root.text = None  # whitespace before <head>: dropped by an HTML5 parser
    if body.tail:  # whitespace after </body>: appended to the body's content
        if len(body):
            body[-1].tail = (body[-1].tail or "") + body.tail
        else:
            body.text = (body.text or "") + body.tail
        body.tail = None
    return root


@lru_cache(maxsize=1)
def _certificate_html_class() -> type[HTML]:
    """`weasyprint.HTML` with `USER_AGENT_CSS` in place of the full HTML user-agent sheet and
    `parse_certificate_html` in front of the HTML5 parser (WeasyPrint 70's own steps after
    parsing, repeated; on another version the HTML5 parser always runs)."""
    import cssselect2
    import weasyprint
    from weasyprint import CSS, HTML

    user_agent = CSS(string=USER_AGENT_CSS)
    same_weasyprint = weasyprint.__version__ == "70.0"

    class CertificateHTML(HTML):
        def __init__(self, *, string: str, base_url: str, url_fetcher: URLFetcher) -> None:
            root = parse_certificate_html(string) if XML_PARSE and same_weasyprint else None
            if root is None:
                super().__init__(string=string, base_url=base_url, url_fetcher=url_fetcher)
                return
            self.base_url = weasyprint._find_base_url(root, base_url)
            self.url_fetcher = url_fetcher
            self.media_type = "print"
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(
                root, content_language=None
            )
            self.etree_element = self.wrapper_element.etree_element

        def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
            return [user_agent]

    return CertificateHTML


OUTPUT_INTENT = "portal-srgb"
# Line breaks and drawn Pango layouts of text already seen are reused (documents/textmemo.py):
# about 5 ms less per certificate. Off only to compare (tests, benchmarks).
TEXT_MEMOS = True
# Computed style values of an element are reused for the same element in the next certificate
# (documents/stylememo.py): about 4 ms less per certificate. Off only to compare.
STYLE_MEMO = True


@lru_cache(maxsize=1)
def _srgb_output_profile() -> Any:
    """WeasyPrint's sRGB ICC profile (the PDF/A OutputIntent), read and serialised once.

    Left to itself, WeasyPrint's PDF/A variant parses the profile with Pillow on every render
    and never closes the file (a ResourceWarning per certificate).
    """
    from importlib.resources import files

    from weasyprint.css import ColorProfile

    class CachedColorProfile(ColorProfile):
        @property
        def content(self) -> bytes:
            return content

    with (files("weasyprint.pdf") / "sRGB2014.icc").open("rb") as handle:
        profile = CachedColorProfile(
            handle, "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"])
        )
    content: bytes = profile._profile.tobytes()
    return profile


def _data_attachment(data: Mapping[str, Any]) -> Any:
    from weasyprint import Attachment

    body = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Attachment(
        string=body,
        name=DATA_ATTACHMENT_NAME,
        description="Certificate data (JSON) / ข้อมูลในเอกสาร",
        relationship="Data",
        url_fetcher=certificate_url_fetcher(),
    )


def _finish_pdf(document: Any, pdf: Any) -> None:
    """Last touches before WeasyPrint writes the trailer, so the PDF/A stays valid once signed.

    - Info has no /Producer: pyHanko's signature (an incremental update) sets Info /Producer to
      "<old>; pyHanko x.y" but XMP pdf:Producer to "pyHanko x.y", and PDF/A requires the two to
      agree. Without an old value both become "pyHanko x.y". (XMP still says WeasyPrint in the
      unsigned file, which PDF/A allows: only keys present in Info must match.)
    - /AF lists each attachment once (WeasyPrint 70 adds the data file twice).
    """
    import pydyf

    pdf.info.pop("Producer", None)
    if "AF" in pdf.catalog:
        pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(pdf.catalog["AF"]))
    if SERIALISE_ONCE:
        serialise_once(pdf)


# Each PDF object is serialised (and each stream compressed) once per write instead of twice:
# about 1.4 ms less per certificate. Off only to compare (tests, benchmarks).
SERIALISE_ONCE = True
_once_classes: dict[type, type] = {}


def _serialised_once_class(cls: type) -> type:
    """`cls` with its `data` property computed on first use and kept."""
    once = _once_classes.get(cls)
    if once is None:
        data = cls.data  # type: ignore[attr-defined]  # a property on every pydyf object

        def kept(self: Any) -> bytes:
            return data.fget(self)

        once = type(cls.__name__, (cls,), {"data": cached_property(kept)})
        once.data.__set_name__(once, "data")
        _once_classes[cls] = once
    return once


def serialise_once(pdf: Any) -> None:
    """Makes each indirect object of `pdf` serialise itself once, at its first use.

    pydyf 0.13 computes `data` (a property: serialise, and compress for a stream) of every
    object twice when the PDF has an identifier, as PDF/A requires: once to hash the file for
    /ID, once to write it. Called from the finisher, after which nothing changes the objects.
    """
    for obj in pdf.objects:
        if not isinstance(obj.__class__.__dict__.get("data"), cached_property):
            obj.__class__ = _serialised_once_class(obj.__class__)


class _Zlib6:
    """`zlib` for pydyf with level 6 instead of its level 9: the same size within 0.5 % for a
    certificate (fonts, content stream, ICC profile), about 2 ms less per document."""

    @staticmethod
    def compress(data: bytes, level: int = 6) -> bytes:
        return zlib.compress(data, 6)

    @staticmethod
    def compressobj(level: int = 6) -> Any:
        return zlib.compressobj(6)


def html_to_pdf(html: str, *, data: Mapping[str, Any] | None = None) -> bytes:
    """Lays out certificate HTML with the process-wide fonts and stylesheets as PDF/A-3b.

    `data` is embedded as `certificate.json` (MIME application/json, AFRelationship /Data,
    listed in the catalog's /AF) when given.
    """
    import pydyf

    html_class = _certificate_html_class()
    with _render_lock:
        font_config, stylesheets = _cached_stylesheets()
        pydyf_zlib, pydyf.zlib = pydyf.zlib, _Zlib6  # only while we write
        try:
            with ExitStack() as memos:
                if TEXT_MEMOS:
                    memos.enter_context(memoised_text(font_config))
                if STYLE_MEMO:
                    memos.enter_context(memoised_styles(font_config))
                document = html_class(
                    string=html,
                    base_url=str(CERTIFICATES_DIR),
                    url_fetcher=certificate_url_fetcher(),
                )
                pdf = document.write_pdf(
                    stylesheets=stylesheets,
                    font_config=font_config,
                    pdf_variant=PDF_VARIANT,
                    # Our own name, so the variant's default ("srgb": parse the ICC file per
                    # render) does not apply; a fresh dict, since WeasyPrint adds @color-profile
                    # rules to it.
                    output_intent=OUTPUT_INTENT,
                    color_profiles={OUTPUT_INTENT: _srgb_output_profile()},
                    finisher=_finish_pdf,
                    attachments=[_data_attachment(data)] if data is not None else None,
                )
        finally:
            pydyf.zlib = pydyf_zlib
    if not isinstance(pdf, bytes):  # write_pdf returns bytes when no target is given
        raise TypeError("WeasyPrint returned no PDF bytes")
    return pdf


# Keys every template gets from issue_document: printed by the base layout, stated separately
# in the data, or internal (the QR payload is a signature, the flag a layout choice).
_BASE_KEYS = frozenset(
    {
        "agency",
        "document_number",
        "check_code",
        "verify_url",
        "qr_data",
        "issued_at",
        "valid_until",
        "thai_digits",
        "issued_by",
    }
)


def _json_ready(value: Any) -> Any:
    """Dates as ISO 8601, decimals as strings, tuples as lists; mappings and lists recursively."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def certificate_data(
    *,
    template: str,
    number: str,
    agency_code: str,
    title_th: str,
    title_en: str,
    values: Mapping[str, Any],
) -> dict[str, Any]:
    """The machine-readable JSON embedded in the PDF: what the certificate prints, nothing more.

    Schema (version 1): `schema`, `number`, `check_code`, `template`, `title` {th, en},
    `agency` {code, name_th, name_en}, `issued_on` (date in Thailand), `issued_at` (UTC,
    ISO 8601), `valid_until` (date or null), `issued_by` (officer or null = automatic),
    `holder` (names and citizen ID as printed) and `facts`: the template's own values (dates
    as ISO 8601). The QR payload and layout flags are left out.
    """
    agency = values.get("agency") or {}
    issued_at = values.get("issued_at")
    valid_until = values.get("valid_until")
    issued_by = values.get("issued_by")
    facts = {k: v for k, v in values.items() if k not in _BASE_KEYS and k != "holder"}
    return {
        "schema": f"th.go.portal.certificate/{DATA_SCHEMA_VERSION}",
        "number": number,
        "check_code": values.get("check_code") or None,
        "template": template,
        "title": {"th": title_th, "en": title_en},
        "agency": {
            "code": agency_code,
            "name_th": agency.get("name_th", ""),
            "name_en": agency.get("name_en", ""),
        },
        "issued_on": thailand_date(issued_at).isoformat() if issued_at else None,
        "issued_at": issued_at.isoformat() if issued_at else None,
        "valid_until": valid_until.isoformat() if valid_until else None,
        "issued_by": (
            {
                "name_th": issued_by.name_th,
                "name_en": issued_by.name_en,
                "position_th": issued_by.position_th,
                "position_en": issued_by.position_en,
            }
            if issued_by is not None
            else None
        ),
        "holder": _json_ready(values.get("holder") or {}),
        "facts": _json_ready(facts),
    }


def render_certificate_pdf(
    template: str, context: dict[str, Any], *, data: Mapping[str, Any] | None = None
) -> bytes:
    """An unsigned PDF/A-3b of the certificate `template` filled with `context`, with `data`
    (see `certificate_data`) embedded as `certificate.json` when given."""
    return html_to_pdf(render_certificate_html(template, context), data=data)
