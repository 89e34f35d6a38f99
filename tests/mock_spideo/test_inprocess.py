"""The in-process endpoint answers, and journals, exactly what the mock answers over HTTP:
the same requests go to two fresh mocks, one over a socket and one in-process."""

import base64

import orjson
import pytest
import urllib3

from mock_spideo import Feed, InProcessEndpoint, LiveServer, create_app, mock_state
from mock_spideo.segment import destination_headers

PLAY = {"type": "track", "event": "Video Content Started", "userId": "u1",
        "messageId": "m-1", "timestamp": "2025-01-06T20:00:00Z",
        "properties": {"asset_id": "a1"}}
HEADERS = destination_headers("demo-key", {"client": "demo"})
# (path, body, headers): every check of POST /segment, and a few other paths.
REQUESTS = [
    ("/segment", PLAY, {}),
    ("/segment", PLAY, {}),  # a duplicate
    ("/segment", {**PLAY, "messageId": "m-2", "event": "Video Content Playing"}, {}),
    ("/segment", {**PLAY, "messageId": "m-3", "properties": {"asset_id": "unknown"}}, {}),
    ("/segment", {**PLAY, "messageId": "m-4", "properties": {}}, {}),
    ("/segment", {**PLAY, "messageId": "m-5", "type": "page"}, {}),
    ("/segment", {**PLAY, "messageId": "m-6", "timestamp": "yesterday"}, {}),
    ("/segment", {"type": "identify", "userId": "u1", "messageId": "m-7",
                  "traits": {"plan": "premium"}, "context": {"personas": {
                      "computation_class": "audience", "computation_key": "fans"}}}, {}),
    ("/segment", {**PLAY, "messageId": "m-8"}, {"Authorization": ""}),
    ("/segment", {**PLAY, "messageId": "m-9"}, {"Authorization": "Bearer demo-key"}),
    ("/segment", {**PLAY, "messageId": "m-10"}, {"Authorization": "Basic !!!"}),
    ("/segment", {**PLAY, "messageId": "m-11"},
     {"Authorization": "Basic " + base64.b64encode(b"wrong:").decode()}),
    ("/segment", {**PLAY, "messageId": "m-12"}, {"X-Segment-Settings": "not base64"}),
    ("/segment", {**PLAY, "messageId": "m-13"},
     {"X-Segment-Settings": base64.b64encode(b'{"client": "acme"}').decode()}),
    ("/segment", {**PLAY, "messageId": "m-14"}, {"Content-Type": "text/plain"}),
    ("/segment", {**PLAY, "messageId": "m-15"},
     {"Content-Type": "Application/JSON; charset=utf-8"}),
    ("/segment", b"{not json", {}),
    ("/segment", b"[1, 2]", {}),
    ("/segment", {**PLAY, "messageId": "m-16", "properties": {"blob": "x" * 33_000}}, {}),
    ("/segment?apikey=demo-key", {**PLAY, "messageId": "m-17"}, {}),
    ("/segments", PLAY, {}),
    ("/demo/users/u1/interactions", {"type": "play", "contentId": "a1"},
     {"x-api-key": "demo-key"}),
]


def _fresh_app():
    app = create_app()
    mock_state(app).load_catalog("demo", [{"id": "a1"}])
    return app


def _over_http(url, http, path, body, headers):
    try:
        response = http.request("POST", url + path, body=body, headers=headers)
    except urllib3.exceptions.ProtocolError:
        return "dropped"
    return response.status, orjson.loads(response.data), response.headers.get("Retry-After")


def _in_process(endpoint, path, body, headers):
    reply = endpoint.post(path, body, headers)
    if reply.dropped:
        return "dropped"
    return reply.status, orjson.loads(reply.body), reply.headers.get("Retry-After")


def _journal(app):
    journal = mock_state(app).journal
    requests = [{k: v for k, v in row.items() if k not in ("id", "at", "duration_ms")}
                for row in journal.requests()]
    problems = [(p["code"], p["severity"], p["message"], p["message_id"])
                for p in journal.problems()]
    interactions = [{k: v for k, v in row.items() if k not in ("id", "recorded_at")}
                    for row in journal.interactions()]
    return requests, problems, interactions, journal.user_property_sets(), journal.stats()


@pytest.mark.parametrize("faults", [
    [],
    [{"name": "outage", "status": 503, "rate": 0.5, "retry_after": 7},
     {"name": "cut", "drop": True, "times": 2, "event": "Video Content Started"},
     {"name": "slow", "delay_ms": 5, "times": 3}],
], ids=["no faults", "faults"])
def test_every_answer_and_journal_row_is_the_same_as_over_http(faults):
    over_http, in_process = _fresh_app(), _fresh_app()
    for app in (over_http, in_process):
        mock_state(app).faults.add({"seed": 5, "faults": faults})
    http = urllib3.PoolManager(retries=False, timeout=10)
    endpoint = InProcessEndpoint(in_process)
    with LiveServer(over_http) as server:
        for path, message, extra in REQUESTS:
            body = message if isinstance(message, bytes) else orjson.dumps(message)
            headers = {**HEADERS, **extra}
            expected = _over_http(server.url, http, path, body, headers)
            assert _in_process(endpoint, path, body, headers) == expected, (path, message)
    assert _journal(in_process) == _journal(over_http)
    assert _what_the_ui_shows(in_process) == _what_the_ui_shows(over_http)
    assert _counted(in_process) == _counted(over_http)


def _what_the_ui_shows(app):
    """Each request's detail panel: its row, problems, records, and the exchange's body,
    answer and the headers the client sent (the server adds Host and the like)."""
    feed = Feed(mock_state(app).journal)
    shown = []
    for row in mock_state(app).journal.requests():
        detail = {k: v for k, v in feed.request(row["id"]).items()
                  if k not in ("at", "duration_ms", "exchange")}
        detail["recorded"] = {kind: [{k: v for k, v in item.items() if k != "recorded_at"}
                                     for item in items]
                              for kind, items in detail["recorded"].items()}
        exchange = feed.request(row["id"])["exchange"]
        if exchange is not None:
            sent = {name.lower() for name in HEADERS}
            exchange["headers"] = {k: v for k, v in exchange["headers"].items()
                                   if k.lower() in sent}
        shown.append((detail, exchange))
    assert any(exchange for _, exchange in shown)  # the UI keeps bodies by default
    return shown


def _counted(app):
    """The /metrics counters (not the latency histogram nor the journal's size)."""
    text = app.test_client().get("/metrics").get_data(as_text=True)
    return sorted(line for line in text.splitlines()
                  if line.startswith(("spideo_requests_total", "spideo_outcomes_total",
                                      "spideo_interactions_total", "spideo_problems_total")))


def test_a_dropped_connection_is_reported_not_answered():
    app = create_app()
    mock_state(app).faults.add({"drop": True, "times": 1})
    endpoint = InProcessEndpoint(app)
    body = orjson.dumps(PLAY)
    assert endpoint.post("/segment", body, HEADERS).dropped
    again = endpoint.post("/segment", body, HEADERS)
    assert (again.dropped, again.status, orjson.loads(again.body)["status"]) == (
        False, 200, "recorded")
