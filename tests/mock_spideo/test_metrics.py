"""GET /metrics: Prometheus text with the mock's counts, per app, guarded by the token."""

from prometheus_client.parser import text_string_to_metric_families

from mock_spideo import MockConfig, create_app
from mock_spideo.segment import destination_headers

HEADERS = destination_headers("demo-key", {"client": "demo"})


def samples(client, headers=None) -> dict[tuple[str, tuple], float]:
    reply = client.get("/metrics", headers=headers or {})
    assert reply.status_code == 200 and reply.mimetype == "text/plain"
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(reply.get_data(as_text=True))
            for s in family.samples}


def test_metrics_count_requests_outcomes_interactions_and_problems():
    client = create_app().test_client()
    send = lambda body: client.post("/segment", json=body, headers=HEADERS)  # noqa: E731
    send({"type": "track", "event": "Video Content Started", "userId": "u1",
          "properties": {"asset_id": "a1"}})
    send({"type": "track", "event": "Order Completed", "userId": "u1",
          "properties": {"products": [{"product_id": "p1"}, {"product_id": "p2"}]}})
    send({"type": "track", "event": "Video Content Playing", "userId": "u1"})
    send({"type": "track", "event": "Video Content Started", "userId": "u1"})  # refused
    client.post("/demo/users/u1/interactions/like/content/a1", headers={"x-api-key": "demo-key"})
    client.get("/__admin/stats")
    got = samples(client)
    assert got[("spideo_requests_total", (("status", "200"), ("surface", "destination")))] == 3
    assert got[("spideo_requests_total", (("status", "400"), ("surface", "destination")))] == 1
    assert got[("spideo_requests_total", (("status", "200"), ("surface", "rest_api")))] == 1
    assert got[("spideo_requests_total", (("status", "200"), ("surface", "admin")))] == 1
    assert got[("spideo_outcomes_total", (("outcome", "recorded"),))] == 2
    assert got[("spideo_outcomes_total", (("outcome", "ignored"),))] == 1
    assert got[("spideo_outcomes_total", (("outcome", "refused"),))] == 1
    assert got[("spideo_interactions_total", (("type", "play"),))] == 1
    assert got[("spideo_interactions_total", (("type", "buy"),))] == 2
    assert got[("spideo_interactions_total", (("type", "like"),))] == 1
    assert got[("spideo_problems_total", (("code", "missing_content_id"),))] == 1
    assert got[("spideo_request_duration_seconds_count", (("surface", "destination"),))] == 4
    assert got[("spideo_journal_bytes", ())] > 0


def test_each_app_counts_its_own_and_the_token_guards_metrics():
    first, second = create_app().test_client(), create_app(
        MockConfig(admin_token="metrics-token")).test_client()
    first.post("/segment", json={"type": "track", "event": "X", "userId": "u"}, headers=HEADERS)
    assert second.get("/metrics").status_code == 401
    counted = samples(second, {"Authorization": "Bearer metrics-token"})
    assert not any(dict(labels).get("surface") == "destination" for _, labels in counted)
    assert counted[("spideo_requests_total", (("status", "401"), ("surface", "metrics")))] == 1
