"""The web UI's views without a browser: pages, filters in the query string, the detail
panel's rule trace, masked headers, the live feed's events and its limits, charts."""

import html
import socket
import threading
import time

import orjson
import pytest

from mock_spideo import LiveServer, MockConfig, create_app, mock_state
from mock_spideo.http import ui
from mock_spideo.http.charts import bar_chart, funnel_chart
from mock_spideo.http.request_log import masked_headers
from mock_spideo.http.server import STOPPING
from mock_spideo.segment import destination_headers

AUTH = {"Authorization": "Basic ZGVtby1rZXk6"}


def post(client, event="Video Content Started", user="u1", message_id="m1", **properties):
    return client.post("/segment", headers=AUTH, json={
        "type": "track", "event": event, "userId": user, "messageId": message_id,
        "properties": {"asset_id": "a1", **properties}})


@pytest.fixture
def app():
    return create_app(MockConfig())


@pytest.fixture
def http(app):
    return app.test_client()


def test_every_page_renders_and_none_is_journaled_as_traffic(app, http):
    post(http)
    for path in ("/", "/?user=u1&outcome=recorded", "/__ui/requests/1",
                 "/__ui/requests/1?panel=1", "/__ui/users/demo/u1", "/__ui/users?user=u1",
                 "/__ui/overview", "/__ui/controls", "/__ui/static/ui.js",
                 "/__ui/static/ui.css"):
        assert http.get(path).status_code == 200, path
    assert [r["path"] for r in mock_state(app).journal.requests()] == ["/segment"]


def test_the_feed_shows_rows_and_keeps_the_filters_in_its_links(http):
    post(http, user="u1", message_id="m1")
    post(http, user="u2", message_id="m2")
    page = http.get("/?user=u2&limit=1").get_data(as_text=True)
    assert 'href="/__ui/users/demo/u2"' in page and "/__ui/users/demo/u1" not in page
    assert 'data-events="/__ui/events?user=u2"' in page
    assert 'value="u2"' in page


@pytest.mark.parametrize(("query", "named"), [
    ("since=yesterday", "since: 'yesterday' is not an ISO-8601 time"),
    ("outcome=lost", "outcome: 'lost' is not one of recorded, ignored, refused"),
    ("before=-3", "before: '-3' is not a whole number"),
    ("limit=99999999999999999999", "limit: '99999999999999999999' is not a whole number"),
    ("after=%C2%B2", "after: '\u00b2' is not a whole number"),  # a digit to str.isdigit
    ("after=10.0", "after: '10.0' is not a whole number"),
])
def test_a_filter_it_cannot_use_is_a_400_naming_it(http, query, named):
    reply = http.get(f"/?{query}")
    assert reply.status_code == 400
    assert named in html.unescape(reply.get_data(as_text=True))


def test_without_the_ui_slash_is_the_mocks_404_as_before():
    app = create_app(MockConfig(ui=False))
    reply = app.test_client().get("/")
    assert reply.status_code == 404 and reply.get_json()["code"] == "not_found"
    assert app.test_client().get("/__ui/overview").status_code == 404


def test_the_panel_names_the_matched_rule_and_the_rules_left_untried(http):
    post(http)
    panel = http.get("/__ui/requests/1?panel=1").get_data(as_text=True)
    assert "matched</span> <code>video-content-started</code>" in panel
    assert "Not tried after the match" in panel
    assert "nearest-miss" not in panel


def test_the_panel_finds_the_nearest_miss_of_a_typo(http):
    post(http, event="Product Clickd")
    panel = http.get("/__ui/requests/1?panel=1").get_data(as_text=True)
    assert "Nearest miss: rule <code>product-clicked</code>" in panel
    assert "event = &#39;Product Clicked&#39;: was &#39;Product Clickd&#39;" in panel


def test_the_panel_says_when_the_body_is_no_longer_kept():
    app = create_app(MockConfig(keep_bodies=1))
    http = app.test_client()
    post(http, message_id="m1")
    post(http, message_id="m2")
    old = http.get("/__ui/requests/1?panel=1").get_data(as_text=True)
    assert "no longer kept (the mock keeps the latest 1)" in old
    assert "Request #1" in old


def test_a_body_over_the_cap_is_cut_and_its_trace_is_not_guessed():
    app = create_app(MockConfig(max_body_bytes=200_000))
    http = app.test_client()
    post(http, padding="x" * 70_000)
    panel = http.get("/__ui/requests/1?panel=1").get_data(as_text=True)
    assert "Cut: the first 65,536 of 70," in panel


def test_keys_are_masked_in_every_header_that_carries_one():
    settings = destination_headers("secret-key-123", {"client": "demo", "apiKey": "k-99999"})
    shown = masked_headers([*settings.items(), ("x-api-key", "demo-key-123"),
                            ("Authorization", "Bearer tok-abcdef"), ("Accept", "*/*")])
    assert shown["Authorization"] == "Bearer to****ef"
    assert shown["x-api-key"] == "de****23"
    assert shown["X-Segment-Settings"] == 'base64({"client":"demo","apiKey":"k-****99"})'
    assert shown["Accept"] == "*/*"
    basic = masked_headers([("Authorization", settings["Authorization"])])
    assert basic["Authorization"] == "Basic base64(se****23:)"
    assert "secret" not in str(shown) + str(basic)


def test_the_rest_apis_key_is_masked_in_the_panel(app, http):
    http.get("/demo/users/u1", headers={"x-api-key": "demo-key"})
    panel = http.get("/__ui/requests/1?panel=1").get_data(as_text=True)
    assert "de****ey" in panel and "demo-key" not in panel


def events(http, query="", **environ):
    """The live feed's stream, read event by event."""
    reply = http.get(f"/__ui/events?{query}", buffered=False,
                     environ_overrides=environ)
    assert reply.mimetype == "text/event-stream"
    return reply, iter(reply.response)


def test_the_live_feed_sends_new_matching_rows_then_a_reset(app, http):
    reply, chunks = events(http, "user=u2&after=0")
    assert next(chunks) == b"retry: 1000\n\n"
    post(http, user="u1", message_id="m1")
    post(http, user="u2", message_id="m2")
    event = next(chunks).decode()
    assert event.startswith("id: 2\nevent: rows\n")
    data = orjson.loads(event.split("data: ", 1)[1])
    assert data["count"] == 1 and 'data-id="2"' in data["html"]
    mock_state(app).reset()
    assert next(chunks) == b"id: 0\nevent: reset\ndata: {}\n\n"
    reply.close()


def test_a_filter_the_live_feed_cannot_use_ends_it_with_a_failed_event_naming_it(http):
    reply, chunks = events(http, "after=%C2%B2")
    failed = "event: failed\ndata: \"after: '\u00b2' is not a whole number >= 0\"\n\n"
    assert next(chunks).decode() == failed
    reply.close()


def test_a_browser_back_after_a_reset_is_told_to_start_again(http):
    reply, chunks = events(http, "", HTTP_LAST_EVENT_ID="40")
    assert next(chunks) == b"retry: 1000\n\n"
    assert next(chunks) == b"id: 0\nevent: reset\ndata: {}\n\n"
    reply.close()


def test_the_live_feed_ends_when_the_server_stops(http):
    stopping = threading.Event()
    stopping.set()
    reply, chunks = events(http, **{STOPPING: stopping})
    assert list(chunks) == [b"retry: 1000\n\n"]
    reply.close()


def open_feed(server):
    """A browser tab following the live feed: a raw connection and its first bytes."""
    tab = socket.create_connection((server.host, server.port), timeout=10)
    tab.sendall(b"GET /__ui/events HTTP/1.1\r\nHost: ui\r\n\r\n")
    first = b""
    while b"\r\n\r\n" not in first or not first.split(b"\r\n\r\n", 1)[1]:
        first += tab.recv(4096)
    return tab, first.split(b"\r\n\r\n", 1)[1]


def test_live_feeds_beyond_the_limit_are_told_to_come_back():
    with LiveServer(create_app()) as server:
        tabs = [open_feed(server) for _ in range(ui.MAX_STREAMS)]
        assert all(b"retry: 1000" in first for _, first in tabs)
        extra, first = open_feed(server)
        assert b"event: busy" in first
        extra.close()
        for tab, _ in tabs:
            tab.close()  # a closed tab gives its slot back within a poll
        again, first = open_feed(server)
        assert b"retry: 1000" in first
        again.close()


def test_a_server_with_an_open_live_feed_stops_promptly():
    server = LiveServer(create_app()).start()
    tab, first = open_feed(server)
    assert b"retry: 1000" in first
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 3  # not the 30 s of the stream, nor waitress's 5 s
    tab.close()


def test_bar_chart_labels_its_axes_and_writes_its_values():
    svg = bar_chart(["2025-01-06T20:00Z", "2025-01-06T21:00Z"], {"play": [3, 12]},
                    title="Plays", x_label="event time", y_label="interactions")
    for text in (">event time<", ">interactions<", ">12<", ">3<", ">20:00<", ">21:00<",
                 ">2025-01-06<", "<title>Plays</title>", "highest 12 at 2025-01-06T21:00Z"):
        assert text in svg, text
    stacked = bar_chart(["2025-01-06"], {"play": [2], "click <b>": [5]}, title="t",
                        x_label="x", y_label="y")
    assert "click &lt;b&gt; (5)" in stacked and ">7<" in stacked


def test_funnel_chart_writes_counts_and_shares():
    svg = funnel_chart([("received", 200), ("recorded", 50)], title="Funnel")
    assert "200 (100.0%)" in svg and "50 (25.0%)" in svg and 'role="img"' in svg


def test_a_post_to_slash_is_still_journaled_as_traffic(app, http):
    assert http.post("/", json={"type": "track"}).status_code == 405
    assert [(r["method"], r["code"]) for r in mock_state(app).journal.requests()] == [
        ("POST", "method_not_allowed")]


def test_a_request_id_beyond_sqlites_range_is_a_404_not_a_500(http):
    assert http.get("/__ui/requests/99999999999999999999999").status_code == 404


def test_the_controls_link_every_export_and_each_link_downloads_it(http):
    import re
    post(http)
    page = http.get("/__ui/controls").get_data(as_text=True)
    links = [html.unescape(link) for link in re.findall(r'href="(/__admin/export[^"]*)"', page)]
    assert len(links) == 4 * 3  # interactions, user-properties, problems, requests x 3
    for link in links:
        if "format=parquet" in link:
            continue  # the optional extra: tests/simulator cover it
        answer = http.get(link)
        body = answer.get_data(as_text=True)  # read whole: the export is streamed
        assert answer.status_code == 200, (link, body)
        assert "attachment" in answer.headers["Content-Disposition"]
    interactions = http.get("/__admin/export?what=interactions&format=jsonl").get_data()
    assert orjson.loads(interactions.splitlines()[0])["type"] == "play"
