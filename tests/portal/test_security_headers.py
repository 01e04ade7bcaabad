"""Security headers on every kind of answer, and templates that need no CSP exception.

The portal's CSP allows scripts and styles only from its own origin: no inline `<script>`, no
`on…=` handler attributes and no `style=` attributes anywhere in the pages. A template that
broke that would be silently neutered by the browser, so the templates are checked here, not
only the header.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from identity.models import Citizen
from portal.app import create_app
from portal.settings import Settings
from portal.templating import TEMPLATES_DIR
from tests.documents.factories import issue_residence
from tests.fixtures.identity import sign_in

STRICT_TEMPLATES = ("pages", "provider")
"""Templates served to browsers. `certificates/` are rendered to PDF by WeasyPrint and never
served as HTML; `emails/` go to mail clients, which ignore CSP and strip `<style>` blocks."""


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, handler and style attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): value or "" for name, value in attrs}
        line = self.getpos()[0]
        if tag == "script" and "src" not in names and "nonce" not in names:
            self.problems.append(f"line {line}: inline <script>")
        for name, value in names.items():
            if name.startswith("on"):
                self.problems.append(f"line {line}: handler attribute {name}=")
            if name == "style":
                self.problems.append(f"line {line}: style= attribute")
            if value.strip().lower().startswith("javascript:"):
                self.problems.append(f"line {line}: javascript: URL in {name}=")


def inline_code(source: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(source)
    return finder.problems


def test_the_finder_sees_each_kind_of_inline_code():
    """The template scan below can fail."""
    assert len(inline_code('<script>alert(1)</script><a onclick="x()" style="color:red">')) == 3
    assert inline_code('<a href="javascript:alert(1)">') != []
    assert inline_code('<script src="/static/kiosk.js"></script><p class="x">') == []


@pytest.mark.parametrize(
    "template",
    sorted(
        str(p.relative_to(TEMPLATES_DIR))
        for folder in STRICT_TEMPLATES
        for p in (TEMPLATES_DIR / folder).rglob("*.html")
    ),
)
def test_no_template_needs_inline_script_or_style(template):
    source = (TEMPLATES_DIR / template).read_text(encoding="utf-8")
    assert inline_code(source) == []


def test_the_development_providers_own_scripts_carry_its_per_page_nonce():
    """The provider is a separate app (development only) whose CSP allows scripts and styles
    by a fresh nonce per page, never 'unsafe-inline'."""
    from identity.provider.app import page_headers

    csp = page_headers("abc")["Content-Security-Policy"]
    assert "'nonce-abc'" in csp and "unsafe" not in csp and "frame-ancestors 'none'" in csp
    for template in (TEMPLATES_DIR / "provider").rglob("*.html"):
        for line in template.read_text(encoding="utf-8").splitlines():
            if "<script" in line and "src=" not in line:
                assert 'nonce="{{ csp_nonce }}"' in line, template


def assert_strict(answer, what: str) -> None:
    csp = answer.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, (what, answer.status_code, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, what
    assert answer.headers.get("x-frame-options") == "DENY", what
    assert answer.headers.get("x-content-type-options") == "nosniff", what


def test_every_kind_of_answer_carries_a_strict_csp(client, db: Session, people, data_dir):
    citizen = Citizen(national_id=people[0].national_id, subject="s", issuer="i")
    db.add(citizen)
    db.commit()
    document = issue_residence(db, data_dir, citizen_id=citizen.id)
    db.commit()
    answers = {
        "html page": client.get("/"),
        "html error page": client.get("/no-such-page"),
        "json": client.get("/api/v1/services"),
        "json error": client.get("/api/v1/petitions"),
        "json, fast verification path": client.get(
            f"/api/v1/verify/{document.number}", params={"code": document.check_code}
        ),
        "413 before the body is read": client.post(
            "/api/v1/verify", content=b"x" * (11 * 1024 * 1024), headers={"Content-Type": "a/b"}
        ),
        "csv": client.get("/statistics.csv"),
        "static css": client.get("/static/portal.css"),
        "static js": client.get("/static/kiosk.js"),
        "certificate (DER)": client.get("/pki/root.crt"),
        "redirect": client.get("/petitions", follow_redirects=False),
    }
    sign_in(client, people[0])
    answers["pdf"] = client.get(f"/documents/{document.number}/pdf")
    assert answers["pdf"].headers["content-type"] == "application/pdf"
    assert answers["json, fast verification path"].status_code == 200
    for what, answer in answers.items():
        assert_strict(answer, what)


def test_the_pages_csp_allows_only_the_portals_own_scripts_and_styles(client):
    csp = client.get("/").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"


def production_settings(settings: Settings, tmp_path: Path) -> Settings:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from services.exchange.signing import write_public_key

    key = tmp_path / "dopa.pub.pem"
    write_public_key(Ed25519PrivateKey.generate().public_key(), key)
    return Settings(
        env="production",
        data_dir=settings.data_dir,
        database_url=settings.database_url,
        base_url="https://portal.example.go.th",
        secret_key="s" * 40,
        oidc_issuer="https://idp.example.go.th",
        oidc_client_secret="real-secret",
        registry_api_key="real-key",
        registry_urls={"dopa": "https://dopa.example.go.th"},
        registry_public_keys={"dopa": str(key)},
        run_worker_in_process=False,
    )


def test_production_sends_hsts_with_subdomains_on_every_answer(settings, tmp_path, db, people):
    base = "https://portal.example.go.th"
    with TestClient(create_app(production_settings(settings, tmp_path)), base_url=base) as https:
        for path in ("/", "/api/v1/services", "/static/portal.css", "/api/v1/verify/X-1?code=A"):
            hsts = https.get(path).headers.get("strict-transport-security", "")
            assert "max-age=31536000" in hsts and "includeSubDomains" in hsts, (path, hsts)


def test_plain_http_development_sends_no_hsts(client):
    assert "strict-transport-security" not in client.get("/").headers
