"""Hashed static names with a year's cache, the plain names with a short one, and ETags on the
catalogue (issue 8)."""

from __future__ import annotations

from portal.templating import HASHED_CACHE, PLAIN_CACHE, static_digest, static_url


def test_pages_link_the_hashed_stylesheet_cached_for_a_year(client):
    url = static_url("portal.css")
    assert url == f"/static/portal.{static_digest('portal.css')}.css"
    assert url in client.get("/services").text
    hashed = client.get(url)
    assert hashed.status_code == 200 and hashed.headers["cache-control"] == HASHED_CACHE
    plain = client.get("/static/portal.css")
    assert plain.content == hashed.content and plain.headers["cache-control"] == PLAIN_CACHE


def test_a_stale_digest_gets_the_current_file_with_the_short_cache(client):
    stale = client.get("/static/portal.000000000000.css")
    assert stale.status_code == 200 and stale.headers["cache-control"] == PLAIN_CACHE
    assert client.get("/static/nothing.000000000000.css").status_code == 404
    assert client.get("/static/..%2Fpages%2Fbase.000000000000.html").status_code == 404


def test_catalogue_pages_and_api_answer_304_to_a_matching_etag(client):
    for path in ("/services", "/services/dopa.residence-certificate", "/api/v1/services"):
        first = client.get(path)
        etag = first.headers["etag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"", path
        assert again.headers["etag"] == etag
        changed = client.get(path, headers={"If-None-Match": '"something-else"'})
        assert changed.status_code == 200 and changed.content == first.content


def test_the_english_page_has_another_etag(client):
    thai = client.get("/services?lang=th").headers["etag"]
    english = client.get("/services?lang=en").headers["etag"]
    assert thai != english
