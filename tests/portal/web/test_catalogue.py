"""The catalogue page, service pages and bundle pages.

Most tests run on a small catalogue of their own (the real certificate of residence and two
made-up services with a match check, uploads, an approval and a bundle), so that exact lists and
counts stay true while agencies add services; a few check the real catalogue by membership.
"""

from __future__ import annotations

import re
from html import unescape

from services.catalogue.service import Catalogue, get_catalogue
from tests.fixtures.catalogue import MOVE_IN, SERVICE
from tests.fixtures.identity import sign_in


def cards(html: str) -> list[str]:
    return re.findall(r'data-service="([^"]+)"', html)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


class TestSearch:
    def test_thai_finds_a_word_inside_a_longer_title(self, client, sample_catalogue):
        page = client.get("/services", params={"q": "ทะเบียนบ้าน"})
        # "แจ้งย้ายเข้าทะเบียนบ้านออนไลน์"; and "...มีชื่ออยู่ในทะเบียนบ้าน..." in a description.
        assert cards(page.text) == [SERVICE, "dopa.move-in"]
        assert "พบ 2 บริการ" in page.text

    def test_thai_word_in_the_real_catalogue(self, client):
        page = client.get("/services", params={"q": "ทะเบียนบ้าน"})
        assert SERVICE in cards(page.text)

    def test_thai_finds_the_paper_copy_a_fetch_replaces(self, client, sample_catalogue):
        assert cards(client.get("/services", params={"q": "สำเนาทะเบียน"}).text) == ["dopa.move-in"]

    def test_english_is_case_insensitive_and_words_in_any_order(self, client, sample_catalogue):
        for q in ("RESIDENCE", "residence certificate", "  Certificate   OF residence "):
            assert cards(client.get("/services", params={"q": q}).text) == [SERVICE], q

    def test_agency_category_and_life_event_names_are_searched(self, client, sample_catalogue):
        assert SERVICE in cards(client.get("/services", params={"q": "กรมการปกครอง"}).text)
        assert SERVICE in cards(client.get("/services", params={"q": "provincial admin"}).text)
        assert cards(client.get("/services", params={"q": "ที่ดิน"}).text) == ["dopa.owner-check"]
        moving = set(cards(client.get("/services", params={"q": "moving house"}).text))
        assert moving >= {"dopa.move-in", "dopa.owner-check"}

    def test_nothing_found_says_so(self, client, sample_catalogue):
        page = client.get(
            "/services", params={"q": "zzzz-nothing"}, headers={"Accept-Language": "en"}
        )
        assert cards(page.text) == [] and "0 services found" in page.text

    def test_a_search_is_echoed_escaped(self, client):
        page = client.get("/services", params={"q": '"><script>x</script>'})
        assert "<script>x" not in page.text


class TestFilters:
    def test_category_filters_and_counts_follow_the_search(self, client, sample_catalogue):
        page = client.get("/services", params={"category": "land", "lang": "en"})
        assert cards(page.text) == ["dopa.owner-check"]
        assert 'aria-current="true">Land' in page.text
        all_page = client.get("/services", params={"lang": "en"})
        assert 'Civil registration <span class="count">(2)</span>' in all_page.text
        assert 'Land <span class="count">(1)</span>' in all_page.text
        searched = client.get("/services", params={"q": "owner", "lang": "en"})
        assert 'Land <span class="count">(1)</span>' in searched.text
        assert "Civil registration <span" not in searched.text  # no match there

    def test_life_event_filter(self, client, sample_catalogue):
        page = client.get("/services", params={"event": "buying-property"})
        assert cards(page.text) == ["dopa.owner-check"]
        both = client.get("/services", params={"event": "moving-house", "category": "land"})
        assert cards(both.text) == ["dopa.owner-check"]

    def test_filter_links_keep_the_search(self, client, sample_catalogue):
        page = client.get("/services", params={"q": "house", "lang": "en"})
        assert 'href="/services?q=house&amp;category=land"' in page.text
        assert 'name="category"' not in page.text  # no hidden filter without a filter
        filtered = client.get("/services", params={"q": "house", "category": "land"})
        assert '<input type="hidden" name="category" value="land">' in filtered.text

    def test_unknown_filter_values_are_ignored(self, client, sample_catalogue):
        page = client.get("/services", params={"category": "nope", "event": "<b>"})
        assert len(cards(page.text)) == 3 and "<b>" not in page.text

    def test_results_are_grouped_by_category_with_the_agency_on_each_card(
        self, client, sample_catalogue
    ):
        page = client.get("/services", params={"lang": "en"})
        assert page.text.index('id="category-civil-registration"') < page.text.index(
            'id="category-land"'
        )
        assert "Department of Provincial Administration" in page.text

    def test_life_events_section_links_bundles(self, client, sample_catalogue):
        page = client.get("/services", params={"lang": "en"})
        assert 'href="/bundles/bundle.moving-house"' in page.text
        assert "Moving house in one go" in page.text
        elsewhere = client.get("/services", params={"event": "new-baby"})
        assert "/bundles/bundle.moving-house" not in elsewhere.text

    def test_no_bundles_no_life_events_section(self, client, app):
        app.dependency_overrides[get_catalogue] = lambda: Catalogue(services=(MOVE_IN,))
        assert 'id="life-events"' not in client.get("/services").text


class TestServicePage:
    def test_real_service_states_fee_days_decision_and_what_is_fetched(self, client):
        service = get_catalogue().get(SERVICE)
        raw = client.get(f"/services/{SERVICE}", params={"lang": "en"}).text
        page = text(raw)
        assert "Free of charge" in page
        assert f"{service.processing_days} business day" in page and "at most" in page
        assert "Decided automatically" in page
        assert "Level 1.2 or higher" in page
        assert "on the web" in page and "through the API for apps" in page
        assert "Certificate of Residence" in page
        assert "Population register" in page and "Registered house address" in page
        assert "Civil Registration Act B.E. 2534" in page
        assert (
            f"Documents you would have brought on paper: {service.paper_documents_before}"
            f" — now: {service.paper_documents_now}"
        ) in page
        assert "What you need it for" in page  # the form field
        assert f'href="/services/{SERVICE}/apply"' in raw

    def test_thai_page(self, client):
        page = text(client.get(f"/services/{SERVICE}", params={"lang": "th"}).text)
        assert "ไม่มีค่าธรรมเนียม" in page
        assert "กรมการปกครอง" in page and "ที่อยู่ตามทะเบียนบ้าน" in page

    def test_uploads_approval_upload_instead_and_paper_counts(self, client, sample_catalogue):
        page = text(client.get("/services/dopa.move-in", params={"lang": "en"}).text)
        assert "20 baht" in page and "7 business days" in page
        assert "Decided by one officer" in page
        assert "face match" in page  # IAL 2.3 in words
        assert "on the web, at a service kiosk" in page
        assert "Or upload: A copy of the house register" in page
        assert "Lease (required)" in page
        assert "approves it in their own account on the portal: house owner" in page
        assert "Note (optional)" in page
        assert "Documents you would have brought on paper: 2 — now: 1" in page
        assert "The agency's register is updated" in page
        assert "Moving house in one go" in page  # part of a bundle

    def test_match_check_says_yes_no_only_and_no_apply_button_off_the_web(
        self, client, sample_catalogue
    ):
        raw = client.get("/services/dopa.owner-check", params={"lang": "en"}).text
        page = text(raw)
        assert "A yes/no check only" in page and "House code" in page
        assert "The one you name in: House code" in page
        assert "Not needed: a public register" in page
        assert "Decided by two officers" in page
        assert "verified in person" in page
        assert "/apply" not in raw and "not offered on the web" in page

    def test_unknown_service_is_a_404_page(self, client):
        page = client.get("/services/dopa.nothing")
        assert page.status_code == 404 and 'data-code="unknown_service"' in page.text


class TestBundlePage:
    def test_lists_each_part_with_its_agency_and_fetches_and_links_apply(
        self, client, sample_catalogue
    ):
        raw = client.get("/bundles/bundle.moving-house", params={"lang": "en"}).text
        page = text(raw)
        assert "Moving house in one go" in page and "Life event: Moving house" in page
        assert cards(raw) == ["dopa.move-in", "dopa.owner-check"]
        assert "Population register — Department of Provincial Administration" in page
        assert "(a yes/no check only)" in page
        assert "Total fee 20 baht" in page
        assert 'href="/bundles/bundle.moving-house/apply"' in raw

    def test_thai(self, client, sample_catalogue):
        page = client.get("/bundles/bundle.moving-house", params={"lang": "th"})
        assert "ย้ายบ้านครบในครั้งเดียว" in page.text and "กรมการปกครอง" in page.text

    def test_unknown_bundle_is_a_404_page(self, client, sample_catalogue):
        page = client.get("/bundles/bundle.nothing")
        assert page.status_code == 404 and 'data-code="unknown_service"' in page.text


def test_pages_show_who_is_signed_in(client, people):
    sign_in(client, people[0])
    assert people[0].given_name_th in client.get("/services").text


def test_catalogue_links_leave_out_empty_filters():
    from portal.web.catalogue import services_url

    assert services_url() == "/services"
    assert services_url(q="ทะเบียน", category="", event="new-job") == (
        "/services?q=%E0%B8%97%E0%B8%B0%E0%B9%80%E0%B8%9A%E0%B8%B5%E0%B8%A2%E0%B8%99&event=new-job"
    )
