"""The UI's queries over the journal (store/feed.py): every filter, keyset pages both
ways, time ranges, the funnel, a viewer's timeline, the exchange ring, and a journal
file written before the UI's columns existed."""

import sqlite3
import time

import pytest

from mock_spideo import Feed, Journal, MockConfig, RequestFilter, create_app, mock_state

AUTH = {"Authorization": "Basic ZGVtby1rZXk6"}


def post(client, event="Video Content Started", user="u1", message_id=None, **properties):
    message = {"type": "track", "event": event, "userId": user,
               "properties": {"asset_id": "a1", **properties}}
    if message_id:
        message["messageId"] = message_id
    return client.post("/segment", headers=AUTH, json=message)


@pytest.fixture
def app():
    return create_app(MockConfig())


@pytest.fixture
def feed(app):
    return Feed(mock_state(app).journal)


def ids(rows):
    return [row["id"] for row in rows]


def test_each_filter_keeps_only_the_requests_it_names(app, feed):
    http = app.test_client()
    post(http, user="u1", message_id="m1")  # 1 recorded play
    post(http, user="u2", message_id="m2", event="Product Clicked", product_id="p")  # 2
    post(http, user="u1", message_id="m3", event="Video Content Playing")  # 3 heartbeat
    post(http, user="u1", message_id="m1")  # 4 duplicate
    http.post("/segment", json={"type": "track"})  # 5 refused: no key
    http.post("/segment", headers=AUTH, json={"type": "page", "userId": "u3"})  # 6
    expected = {
        RequestFilter(user="u1"): [4, 3, 1],
        RequestFilter(event="Product Clicked"): [2],
        RequestFilter(type="page"): [6],
        RequestFilter(outcome="refused"): [6, 5],
        RequestFilter(outcome="duplicate"): [4],
        RequestFilter(code="heartbeat"): [3],  # the outcome's code
        RequestFilter(code="duplicate_message"): [4],  # a problem's code
        RequestFilter(code="missing_api_key"): [5],
        RequestFilter(interaction="click"): [2],
        RequestFilter(interaction="play"): [1],
        RequestFilter(message_id="m1"): [4, 1],
        RequestFilter(client="demo", user="u1", outcome="recorded"): [1],
        RequestFilter(): [6, 5, 4, 3, 2, 1],
    }
    for where, wanted in expected.items():
        assert ids(feed.page(where).rows) == wanted, where
    rows = {row["id"]: row for row in feed.page(RequestFilter()).rows}
    assert rows[1]["interactions"] == ["play"] and rows[3]["interactions"] == []
    assert rows[3]["code"] == "heartbeat" and rows[5]["code"] == "missing_api_key"
    assert rows[1]["user_id"] == "u1" and rows[5]["user_id"] is None


def test_pages_walk_older_and_newer_by_id_without_gaps_or_repeats(app, feed):
    http = app.test_client()
    for number in range(23):
        post(http, message_id=f"m{number}")
    seen, before = [], None
    while True:
        page = feed.page(RequestFilter(), before=before, limit=5)
        seen += ids(page.rows)
        if page.older is None:
            break
        before = page.older
    assert seen == list(range(23, 0, -1))
    middle = feed.page(RequestFilter(), before=11, limit=5)
    assert ids(middle.rows) == [10, 9, 8, 7, 6] and middle.newer == 10
    newer = feed.page(RequestFilter(), after=middle.newer, limit=5)
    assert ids(newer.rows) == [15, 14, 13, 12, 11]
    assert newer.older == 11 and newer.newer == 15
    assert feed.page(RequestFilter()).newer is None


def test_newer_gives_the_latest_first_and_counts_what_it_left_out(app, feed):
    http = app.test_client()
    for number in range(12):
        post(http, message_id=f"m{number}")
    rows, skipped = feed.newer(RequestFilter(), after=2, limit=4)
    assert ids(rows) == [12, 11, 10, 9] and skipped == 6
    rows, skipped = feed.newer(RequestFilter(), after=10, limit=4)
    assert ids(rows) == [12, 11] and skipped == 0


def test_a_time_range_becomes_an_id_range(app, feed):
    http = app.test_client()
    post(http, message_id="m1")
    post(http, message_id="m2")
    time.sleep(0.02)
    middle = time.time()
    post(http, message_id="m3")
    post(http, message_id="m4")
    time.sleep(0.02)
    late = time.time()
    post(http, message_id="m5")
    assert ids(feed.page(RequestFilter(since=middle)).rows) == [5, 4, 3]
    assert ids(feed.page(RequestFilter(until=middle)).rows) == [2, 1]
    assert ids(feed.page(RequestFilter(since=middle, until=late)).rows) == [4, 3]
    assert feed.page(RequestFilter(since=time.time() + 60)).rows == []
    assert ids(feed.page(RequestFilter(until=time.time() + 60)).rows) == [5, 4, 3, 2, 1]


def test_a_request_tells_its_whole_story(app, feed):
    http = app.test_client()
    post(http, message_id="m1", user="viewer")
    post(http, message_id="m1", user="viewer")
    first, duplicate = feed.request(1), feed.request(2)
    assert [i["content_id"] for i in first["recorded"]["interactions"]] == ["a1"]
    assert first["exchange"]["headers"]["Authorization"] == "Basic base64(de****ey:)"
    assert b'"asset_id": "a1"' in first["exchange"]["body"]
    assert b'"status":"recorded"' in first["exchange"]["answer"]
    assert duplicate["recorded"]["interactions"] == [] and duplicate["first_request"] == 1
    assert [p["code"] for p in duplicate["problem_rows"]] == ["duplicate_message"]
    assert feed.request(99) is None


def test_exchanges_are_kept_for_the_latest_keep_bodies_requests_only():
    app = create_app(MockConfig(keep_bodies=3))
    http = app.test_client()
    for number in range(7):
        post(http, message_id=f"m{number}")
    journal = mock_state(app).journal
    assert journal._count("SELECT COUNT(*) FROM exchanges") == 3
    feed = Feed(journal)
    assert [feed.request(n)["exchange"] is not None for n in range(1, 8)] == [
        False, False, False, False, True, True, True]


def test_without_the_ui_no_exchange_is_kept_and_no_feed_index_is_built():
    app = create_app(MockConfig(ui=False))
    post(app.test_client(), message_id="m1")
    journal = mock_state(app).journal
    assert journal._count("SELECT COUNT(*) FROM exchanges") == 0
    assert journal._count("SELECT COUNT(*) FROM sqlite_master WHERE name ="
                          " 'requests_user'") == 0
    assert Feed(journal).page(RequestFilter(user="u1")).rows[0]["user_id"] == "u1"


def test_the_funnel_counts_outcomes_by_reason_with_samples(app, feed):
    http = app.test_client()
    post(http, message_id="m1")
    post(http, message_id="m1")
    post(http, message_id="m2", event="Video Content Playing")
    post(http, message_id="m3", event="Video Content Playing")
    post(http, message_id="m4", event="Nothing Maps This")
    http.post("/segment", json={})
    http.get("/demo/content-count")  # the REST API is not part of the funnel
    funnel = feed.funnel()
    assert funnel["received"] == 6
    outcomes = funnel["outcomes"]
    assert outcomes["ignored"]["count"] == 3
    assert outcomes["ignored"]["reasons"][0] == {"code": "heartbeat", "count": 2,
                                                 "sample": 4, "example": None}
    assert outcomes["duplicate"]["reasons"][0]["example"].startswith("messageId 'm1'")
    assert outcomes["refused"]["reasons"][0]["code"] == "missing_api_key"
    assert outcomes["fault"] == {"count": 0, "reasons": []}
    assert {p["code"]: p["count"] for p in feed.problems_by_code()} == {
        "duplicate_message": 1, "missing_api_key": 2}  # the REST call too


def test_a_viewers_timeline_mixes_interactions_and_properties_newest_first(app, feed):
    http = app.test_client()
    http.post("/segment", headers=AUTH, json={
        "type": "identify", "userId": "u1", "timestamp": "2025-01-06T10:00:00Z",
        "traits": {"plan": "premium"}})
    post(http, message_id="m1")
    http.post("/segment", headers=AUTH, json={
        "type": "track", "event": "Product Clicked", "userId": "u1",
        "timestamp": "2025-01-06T09:00:00Z", "properties": {"product_id": "p9"}})
    post(http, user="u2", message_id="m2")
    timeline = feed.user_timeline("demo", "u1")
    kinds = [(item["kind"], item.get("type") or item.get("name")) for item in timeline]
    assert ("user property", "plan") in kinds and ("interaction", "click") in kinds
    assert kinds.index(("user property", "plan")) < kinds.index(("interaction", "click"))
    assert all(item["user_id"] == "u1" for item in timeline)
    assert feed.user_clients("u1") == ["demo"] and feed.user_clients("nobody") == []


def test_a_journal_file_from_before_the_ui_gains_its_columns(tmp_path):
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE requests (id INTEGER PRIMARY KEY, method TEXT, path TEXT,"
                " status INTEGER, client TEXT, message_id TEXT, type TEXT, event TEXT,"
                " outcome TEXT, problems TEXT, duration_ms REAL, at REAL)")
    old.execute("INSERT INTO requests VALUES (1, 'POST', '/segment', 200, 'demo', 'm0',"
                " 'track', 'Old', 'ignored', '[]', 1.0, 1.0)")
    old.commit()
    old.close()
    journal = Journal(path, feed_indexes=True)
    rows = Feed(journal).page(RequestFilter()).rows
    assert rows[0]["event"] == "Old" and rows[0]["user_id"] is None
    assert Feed(journal).page(RequestFilter(user="u1")).rows == []


def test_reset_counts_its_generation_so_live_feeds_start_again():
    journal = Journal()
    assert journal.generation == 0
    journal.reset()
    assert journal.generation == 1
