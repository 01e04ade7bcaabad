"""The cheaper page rendering of issue 8 answers exactly as before.

- `page_gettext` / `page_ngettext` replace Jinja's newstyle gettext callables: the same text,
  the same escaping, in both languages, for `_()`, `gettext()`, `{% trans %}` with and
  without variables, plurals and a literal `%`.
- `render_public` keeps an anonymous visitor's catalogue page per language, path and
  arguments, renders a signed-in visitor's page every time, and forgets everything when the
  catalogue object changes.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from jinja2 import Environment, select_autoescape
from starlette.requests import Request

from portal import templating
from portal.deps import Viewer
from portal.i18n import current_language, gettext, ngettext
from portal.templating import ENV, render_public

SOURCE = (
    '{{ _("Services") }}|{{ gettext("My petitions") }}|{{ _("Hello %(name)s", name="<b>") }}|'
    "{% trans n=3 %}{{ n }} items{% endtrans %}|{% trans %}100%% sure{% endtrans %}|"
    "{% trans count=2 %}{{ count }} file{% pluralize %}{{ count }} files{% endtrans %}|"
    "{% trans count=1 %}{{ count }} file{% pluralize %}{{ count }} files{% endtrans %}|"
    '{{ _("a %% b") }}|{{ _("<i>") }}'
)


def jinja_newstyle() -> Environment:
    env = Environment(
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


@pytest.mark.parametrize("lang", ["th", "en"])
def test_page_texts_match_jinjas_own_newstyle_gettext(lang: str):
    token = current_language.set(lang)
    try:
        ours = ENV.from_string(SOURCE).render()
        theirs = jinja_newstyle().from_string(SOURCE).render()
    finally:
        current_language.reset(token)
    assert ours == theirs
    assert ("บริการ" in ours) == (lang == "th")  # translated, not passed through


def request_for(path: str, viewer: Viewer | None = None) -> Request:
    request = Request({"type": "http", "method": "GET", "path": path, "headers": [],
                       "query_string": b"", "state": {}})  # fmt: skip
    request.state.viewer = viewer
    return request


@pytest.fixture
def counted(monkeypatch):
    """render_public over a tiny template, counting how often the page's context is built."""
    monkeypatch.setattr(templating, "_public_pages", {})
    monkeypatch.setattr(templating, "_public_pages_source", [None])
    built: list[str] = []

    def page(path: str, source: object, key: tuple, viewer: Viewer | None = None) -> bytes:
        def context() -> dict:
            built.append(path)
            return {"query": key[0] if key else ""}

        response = render_public(
            request_for(path, viewer), "error.html", source=source, key=key, context=context
        )
        return bytes(response.body)

    return SimpleNamespace(page=page, built=built)


def test_an_anonymous_page_is_rendered_once_per_arguments_and_language(counted, monkeypatch):
    catalogue = object()
    monkeypatch.setattr(templating, "render", _fake_render)
    first = counted.page("/services", catalogue, ("tax",))
    again = counted.page("/services", catalogue, ("tax",))
    other = counted.page("/services", catalogue, ("house",))
    token = current_language.set("en")
    try:
        english = counted.page("/services", catalogue, ("tax",))
    finally:
        current_language.reset(token)
    assert first == again and first != other and english != first
    assert counted.built == ["/services", "/services", "/services"]  # tax, house, tax in en


def test_a_signed_in_visitors_page_is_rendered_every_time(counted, monkeypatch):
    monkeypatch.setattr(templating, "render", _fake_render)
    catalogue = object()
    viewer = Viewer("นาย ทดสอบ", "Mr Test")
    counted.page("/services", catalogue, (), viewer)
    counted.page("/services", catalogue, (), viewer)
    assert len(counted.built) == 2


def test_a_new_catalogue_forgets_the_pages_of_the_old_one(counted, monkeypatch):
    monkeypatch.setattr(templating, "render", _fake_render)
    counted.page("/services", object(), ())
    counted.page("/services", object(), ())
    assert len(counted.built) == 2


def _fake_render(request, name, status_code=200, **context):
    from fastapi.responses import HTMLResponse

    return HTMLResponse(f"{current_language.get()}:{request.scope['path']}:{context}")
