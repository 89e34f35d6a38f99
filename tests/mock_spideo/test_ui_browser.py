"""The web UI in a real browser (headless Chromium): live feed, filters in the URL, the
detail panel's rule trace, a viewer's page, reset, pause; no console error on any page
(the `page` fixture fails a test on one). Screenshots of each page go to out/ui/."""

import time

import orjson
import pytest
import urllib3
from playwright.sync_api import expect

from mock_spideo import LiveServer, MockConfig, create_app
from mock_spideo.segment import destination_headers
from tests.support.browser import screenshot

pytestmark = pytest.mark.slow  # see tests/conftest.py

HEADERS = {**destination_headers("demo-key", {"client": "demo"}),
           "Content-Type": "application/json"}
HTTP = urllib3.PoolManager(retries=False, timeout=10)


@pytest.fixture(scope="module")
def server():
    with LiveServer(create_app(MockConfig())) as running:
        yield running


@pytest.fixture
def mock(server):
    """The module's mock, reset before the test."""
    HTTP.request("POST", server.url + "/__admin/reset")
    return server


def send(server, event="Video Content Started", user="u1", number=1, **properties):
    message = {"type": "track", "event": event, "userId": user,
               "messageId": f"{user}-{event}-{number}-{time.monotonic_ns()}",
               "timestamp": "2025-01-06T20:00:00.000Z",
               "properties": {"asset_id": f"asset-{number}", **properties}}
    reply = HTTP.request("POST", server.url + "/segment", body=orjson.dumps(message),
                         headers=HEADERS)
    assert reply.status == 200, reply.data
    return message


def rows(page):
    return page.locator("#feed-rows tr")


def test_a_message_sent_after_the_page_loaded_appears_without_reload_within_2_s(mock, page):
    send(mock, user="early")
    page.goto(mock.url + "/")
    page.evaluate("window.notReloaded = true")
    assert rows(page).count() == 1
    sent = send(mock, user="late-viewer", number=2)
    started = time.monotonic()
    page.locator("#feed-rows tr", has_text="late-viewer").wait_for(timeout=2000)
    assert time.monotonic() - started < 2
    assert page.evaluate("window.notReloaded") is True
    assert rows(page).first.inner_text().count(sent["userId"]) == 1
    assert "play" in rows(page).first.inner_text()
    screenshot(page, "feed")


def test_a_filter_narrows_the_feed_and_survives_a_reload(mock, page):
    for number in range(3):
        send(mock, user="u1", number=number)
        send(mock, user="u2", number=number)
    page.goto(mock.url + "/")
    assert rows(page).count() == 6
    page.get_by_label("user", exact=True).fill("u1")
    page.get_by_label("outcome").select_option("recorded")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/?user=u1&outcome=recorded")
    assert rows(page).count() == 3
    assert all("u2" not in text for text in rows(page).all_inner_texts())
    page.reload()
    assert rows(page).count() == 3
    assert page.get_by_label("user", exact=True).input_value() == "u1"
    send(mock, user="u2", number=9)  # the live feed keeps the filter
    send(mock, user="u1", number=9)
    expect(rows(page)).to_have_count(4, timeout=2000)
    assert all("u2" not in text for text in rows(page).all_inner_texts())


def test_the_detail_panel_shows_the_matched_rule_and_a_near_miss(mock, page):
    send(mock, event="Video Content Started", user="u1", number=1)
    send(mock, event="Video Content Startd", user="u1", number=2)  # a typo: no rule
    page.goto(mock.url + "/")
    missed, matched = rows(page).nth(0), rows(page).nth(1)
    matched.get_by_role("link").first.focus()
    page.keyboard.press("Enter")  # keyboard first: the panel opens and takes the focus
    panel = page.locator("#detail")
    panel.get_by_role("heading", name="Request #1").wait_for()
    assert page.evaluate("document.activeElement.id") == "request-title"
    assert "matched video-content-started" in panel.inner_text()
    assert '"asset_id": "asset-1"' in panel.locator(".json").first.inner_text()
    assert "Basic base64(de****ey:)" in panel.inner_text()  # the key is masked
    assert "asset-1" in panel.get_by_role("table", name="Interactions").inner_text()
    screenshot(page, "detail", full_page=False)
    missed.get_by_role("link").first.click()
    panel.get_by_role("heading", name="Request #2").wait_for()
    near = panel.locator("#nearest-miss")
    assert "Nearest miss: rule video-content-started" in near.inner_text()
    assert "was 'Video Content Startd'" in near.inner_text()
    page.keyboard.press("Escape")
    assert panel.is_hidden()
    assert page.evaluate("document.activeElement.closest('tr').dataset.id") == "2"


def test_the_user_page_lists_that_viewers_interactions(mock, page):
    send(mock, user="viewer-7", number=1)
    send(mock, event="Product Clicked", user="viewer-7", number=2, product_id="tile-2")
    send(mock, user="viewer-8", number=3)
    page.goto(mock.url + "/")
    rows(page).first.get_by_role("link", name="viewer-8").wait_for()
    page.get_by_role("link", name="viewer-7").first.click()
    page.wait_for_url("**/__ui/users/demo/viewer-7")
    timeline = page.locator("#timeline tbody tr")
    texts = timeline.all_inner_texts()
    assert len(texts) == 2
    assert any("play" in t and "asset-1" in t for t in texts)
    assert any("click" in t and "tile-2" in t for t in texts)
    assert not any("asset-3" in t for t in texts)
    assert "/demo/users/viewer-7/interactions" in page.locator("pre").inner_text()
    screenshot(page, "user")


def test_reset_empties_the_feed(mock, page):
    for number in range(3):
        send(mock, number=number)
    page.goto(mock.url + "/")
    assert rows(page).count() == 3
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Reset journal").click()
    page.locator("#feed-empty").wait_for()
    assert rows(page).count() == 0
    page.reload()
    assert rows(page).count() == 0
    send(mock, user="after-reset")  # ids start again at 1: the live feed still shows it
    page.locator("#feed-rows tr", has_text="after-reset").wait_for(timeout=2000)


def test_pause_holds_new_requests_until_resumed(mock, page):
    page.goto(mock.url + "/")
    pause = page.get_by_role("button", name="Pause live updates")
    pause.click()
    assert pause.get_attribute("aria-pressed") == "true"
    send(mock, user="while-paused")
    page.wait_for_timeout(1200)  # three polls of the live feed
    assert rows(page).count() == 0
    pause.click()
    assert pause.get_attribute("aria-pressed") == "false"
    page.locator("#feed-rows tr", has_text="while-paused").wait_for(timeout=2000)


def test_overview_and_controls_render_without_errors(mock, page):
    for number in range(4):
        send(mock, number=number)
    send(mock, event="Video Content Playing", number=5)
    send(mock, event="Video Content Startd", number=6)
    page.goto(mock.url + "/__ui/overview")
    funnel = page.locator("table", has_text="reason")
    assert "heartbeat" in funnel.inner_text() and "no_rule" in funnel.inner_text()
    chart = page.locator("svg.chart").nth(1)
    assert "interactions" in chart.text_content()  # the y axis is labelled
    screenshot(page, "overview")
    page.goto(mock.url + "/__ui/controls")
    page.get_by_label("Fault rules").fill('{"name": "outage", "status": 503}')
    page.get_by_role("button", name="Add faults").click()
    page.locator("#faults", has_text="outage").wait_for()
    assert page.locator("#control-result").inner_text() == "1 fault set."
    screenshot(page, "controls")
    page.get_by_role("button", name="Clear faults").click()
    page.locator("#faults", has_text="No fault is set").wait_for()
    assert orjson.loads(HTTP.request("GET", mock.url + "/__admin/faults").data) == {
        "faults": []}


def test_with_an_admin_token_the_browser_asks_for_it_and_the_controls_use_it(browser):
    token = "ui-admin-token"
    with LiveServer(create_app(MockConfig(admin_token=token))) as guarded:
        send(guarded, number=1)
        assert HTTP.request("GET", guarded.url + "/").status == 401  # no token, no feed
        denied = browser.new_context(http_credentials={"username": "me", "password": "no"})
        assert denied.new_page().goto(guarded.url + "/").status == 401
        denied.close()
        context = browser.new_context(http_credentials={"username": "me", "password": token})
        page = context.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(guarded.url + "/")
        expect(page.locator("#feed-rows tr", has_text="u1")).to_have_count(1)
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Reset journal").click()  # POST /__admin/reset
        page.locator("#feed-empty").wait_for()
        context.close()
        assert errors == []
        stats = HTTP.request("GET", guarded.url + "/__admin/stats",
                             headers={"Authorization": f"Bearer {token}"})
        assert orjson.loads(stats.data)["requests"] == 0
