"""/__admin: reading the journal, reset, catalog, and fault injection."""

from types import SimpleNamespace

import pytest

from mock_spideo.http import admin as admin_api
from mock_spideo.http import faults as http_faults
from tests.mock_spideo.openapi_check import assert_conforms

PLAY = {"type": "track", "event": "Video Content Started", "userId": "u1",
        "properties": {"asset_id": "a1"}}


def admin(mock, method, path, **kwargs):
    reply = mock.request(method, "/__admin" + path, **kwargs)
    assert_conforms(method, "/__admin" + path, reply.status, reply.body)
    return reply


def test_health_names_clients_but_never_keys(mock_spideo):
    body = admin(mock_spideo, "GET", "/health").body
    assert body["clients"] == ["demo"] and "demo-key" not in str(body)


def test_interactions_filters_and_pagination(mock_spideo):
    for user, asset in (("u1", "a1"), ("u2", "a2"), ("u1", "a3")):
        mock_spideo.send({**PLAY, "userId": user, "properties": {"asset_id": asset},
                          "timestamp": f"2025-01-0{asset[-1]}T00:00:00Z"})
    everything = admin(mock_spideo, "GET", "/interactions").body
    assert everything["count"] == 3
    assert [i["content_id"] for i in admin(mock_spideo, "GET", "/interactions?user=u1").body[
        "interactions"]] == ["a1", "a3"]
    assert admin(mock_spideo, "GET", "/interactions?content=a2").body["count"] == 1
    assert admin(mock_spideo, "GET", "/interactions?type=click").body["count"] == 0
    since = admin(mock_spideo, "GET", "/interactions?since=2025-01-02").body["interactions"]
    assert [i["content_id"] for i in since] == ["a2", "a3"]
    page = admin(mock_spideo, "GET", "/interactions?skip=1&limit=1").body
    assert [i["content_id"] for i in page["interactions"]] == ["a2"]


IDENTIFY = {"type": "identify", "traits": {"vip": True}}


def test_user_properties_filters_by_user_since_and_page(mock_spideo):
    for user, day in (("u1", 1), ("u2", 2), ("u1", 3)):
        mock_spideo.send({**IDENTIFY, "userId": user, "traits": {"day": day},
                          "timestamp": f"2025-01-0{day}T00:00:00Z"})

    def listed(query: str) -> list[tuple[str, int]]:
        rows = admin(mock_spideo, "GET", "/user-properties" + query).body["user_properties"]
        return [(row["user_id"], row["value"]) for row in rows]
    assert listed("") == [("u1", 1), ("u2", 2), ("u1", 3)]
    assert listed("?user=u1") == [("u1", 1), ("u1", 3)]
    assert listed("?user=nobody") == []
    assert listed("?since=2025-01-02") == [("u2", 2), ("u1", 3)]
    assert listed("?limit=1&skip=1") == [("u2", 2)]
    assert listed("?client=demo&user=u2") == [("u2", 2)]


def test_problems_and_requests_filter_by_user(mock_spideo):
    mock_spideo.send({**PLAY, "userId": "u1", "properties": {}})   # missing_content_id
    mock_spideo.send({**PLAY, "userId": "u2", "properties": {}})
    mock_spideo.send({**PLAY, "userId": "u2", "properties": {"asset_id": "a"}})
    mock_spideo.rest("GET", "/users/u2")
    problems = admin(mock_spideo, "GET", "/problems?user=u2").body["problems"]
    assert [(p["code"], p["user_id"]) for p in problems] == [("missing_content_id", "u2")]
    assert admin(mock_spideo, "GET", "/problems?user=u3").body["problems"] == []
    assert len(admin(mock_spideo, "GET", "/problems?limit=1").body["problems"]) == 1
    requests = admin(mock_spideo, "GET", "/requests?user=u2").body["requests"]
    assert [(r["path"], r["status"]) for r in requests] == [
        ("/segment", 400), ("/segment", 200), ("/demo/users/u2", 200)]
    assert [r["user_id"] for r in admin(mock_spideo, "GET", "/requests?limit=1").body[
        "requests"]] == ["u1"]


@pytest.mark.parametrize("listing", ["interactions", "requests", "problems",
                                     "user-properties"])
@pytest.mark.parametrize("query", [f"skip={2**63}", f"limit={2**63}", "limit=-1", "skip=x",
                                   "limit=0", "limit=1001", f"after={2**63}", "after=-1"])
def test_out_of_range_paging_is_400_not_500(mock_spideo, listing, query):
    reply = admin(mock_spideo, "GET", f"/{listing}?{query}")
    assert (reply.status, reply.code) == (400, "bad_query")
    assert reply.body["message"]


@pytest.mark.parametrize("listing", ["interactions", "requests", "problems",
                                     "user-properties"])
def test_a_limit_above_the_maximum_is_refused_not_cut(mock_spideo, listing):
    assert admin(mock_spideo, "GET", f"/{listing}?limit={admin_api.MAX_PAGE}").status == 200
    reply = admin(mock_spideo, "GET", f"/{listing}?limit={admin_api.MAX_PAGE + 1}")
    assert (reply.status, reply.code) == (400, "bad_query")
    assert f"must be 1 to {admin_api.MAX_PAGE}" in reply.body["message"]


# One message per row of each listing, the row naming the message's user.
LISTED = {
    "requests": ("requests", PLAY),
    "interactions": ("interactions", PLAY),
    "problems": ("problems", {**PLAY, "properties": {}}),
    "user-properties": ("user_properties", {"type": "identify", "traits": {"vip": True}}),
}


@pytest.mark.parametrize("listing", list(LISTED))
def test_every_listing_answers_bounded_pages_a_client_walks_with_next(mock_spideo, listing):
    key, message = LISTED[listing]
    total = 2 * admin_api.PAGE_SIZE + 5
    for n in range(total):
        mock_spideo.send({**message, "userId": f"u{n}"})
    page = admin(mock_spideo, "GET", f"/{listing}").body
    sizes, users = [], []
    while True:
        sizes.append(len(page[key]))
        users += [row["user_id"] for row in page[key]]
        if page["next"] is None:
            break
        assert page["next"].startswith(f"/__admin/{listing}?")
        page = mock_spideo.request("GET", page["next"]).body
    assert sizes == [admin_api.PAGE_SIZE, admin_api.PAGE_SIZE, 5]
    assert users == [f"u{n}" for n in range(total)], "every row once, in order"


def test_the_next_page_keeps_the_filters_and_the_limit(mock_spideo):
    for n in range(7):
        mock_spideo.send({**PLAY, "userId": "u1" if n % 2 else "u2",
                          "properties": {"asset_id": f"a{n}"}})
    first = admin(mock_spideo, "GET", "/interactions?user=u2&limit=2&skip=1").body
    assert [i["content_id"] for i in first["interactions"]] == ["a2", "a4"]
    assert (first["count"], first["skip"], first["limit"]) == (2, 1, 2)
    second = admin(mock_spideo, "GET", first["next"].removeprefix("/__admin")).body
    assert [i["content_id"] for i in second["interactions"]] == ["a6"]
    assert second["next"] is None
    after = first["interactions"][-1]["id"]
    assert first["next"] == f"/__admin/interactions?user=u2&after={after}&limit=2"


def test_problems_and_stats(mock_spideo):
    mock_spideo.send({**PLAY, "properties": {}})
    mock_spideo.send({**PLAY, "type": "page"})
    mock_spideo.send(PLAY)
    problems = admin(mock_spideo, "GET", "/problems").body["problems"]
    assert [p["code"] for p in problems] == ["missing_content_id", "unsupported_type"]
    assert admin(mock_spideo, "GET", "/problems?code=unsupported_type").body["problems"][0][
        "severity"] == "error"
    stats = admin(mock_spideo, "GET", "/stats").body
    assert stats["interactions_by_type"] == {"play": 1}
    assert stats["requests_by_status"] == {"200": 1, "400": 1, "501": 1}
    assert stats["problems_by_code"] == {"missing_content_id": 1, "unsupported_type": 1}


def test_reset_forgets_everything(mock_spideo):
    mock_spideo.send(PLAY)
    admin(mock_spideo, "POST", "/faults", json={"status": 500})
    admin(mock_spideo, "POST", "/reset")
    assert admin(mock_spideo, "GET", "/stats").body["requests"] == 0
    assert admin(mock_spideo, "GET", "/faults").body == {"faults": []}


def test_catalog_through_admin(mock_spideo):
    assert admin(mock_spideo, "POST", "/catalog", json=[{"id": "a1"}]).body == {
        "client": "demo", "loaded": 1}
    assert admin(mock_spideo, "POST", "/catalog?client=acme", json=[]).body["code"] == (
        "unknown_client")


def test_fault_answers_status_n_times_with_retry_after(mock_spideo):
    admin(mock_spideo, "POST", "/faults", json={"status": 429, "times": 2, "retry_after": 3})
    first, second, third = (mock_spideo.send({**PLAY, "messageId": f"m{i}"}) for i in range(3))
    assert (first.status, first.headers["Retry-After"], first.code) == (429, "3",
                                                                       "injected_fault")
    assert second.status == 429 and third.status == 200
    assert len(mock_spideo.interactions()) == 1


def test_fault_matches_by_event_user_and_type(mock_spideo):
    admin(mock_spideo, "POST", "/faults", json=[{"status": 503, "event": "Product Clicked"},
                                                {"status": 500, "user": "u9"},
                                                {"status": 502, "type": "identify"}])
    assert mock_spideo.send(PLAY).status == 200
    assert mock_spideo.send({**PLAY, "event": "Product Clicked"}).status == 503
    assert mock_spideo.send({**PLAY, "userId": "u9", "messageId": "x"}).status == 500
    assert mock_spideo.send({"type": "identify", "userId": "u1"}).status == 502


def test_fault_by_share_of_the_time_is_seeded(mock_spideo):
    admin(mock_spideo, "POST", "/faults", json={"seed": 7, "faults": [
        {"status": 503, "rate": 0.3}]})
    statuses = [mock_spideo.send({**PLAY, "messageId": f"m{i}"}).status for i in range(200)]
    assert 40 <= statuses.count(503) <= 80
    admin(mock_spideo, "POST", "/reset")
    admin(mock_spideo, "POST", "/faults", json={"seed": 7, "faults": [
        {"status": 503, "rate": 0.3}]})
    again = [mock_spideo.send({**PLAY, "messageId": f"m{i}"}).status for i in range(200)]
    assert again == statuses


def test_a_per_message_fault_hits_the_same_messages_on_every_attempt(mock_spideo):
    admin(mock_spideo, "POST", "/faults", json={"seed": 3, "faults": [
        {"name": "down", "status": 503, "rate": 0.3, "per_message": True}]})
    first = [mock_spideo.send({**PLAY, "messageId": f"m{i}"}).status for i in range(200)]
    again = [mock_spideo.send({**PLAY, "messageId": f"m{i}"}).status for i in range(200)]
    assert 40 <= first.count(503) <= 80
    assert again == first  # a retry of a message hit is hit again; the others got through
    admin(mock_spideo, "POST", "/reset")
    admin(mock_spideo, "POST", "/faults", json={"seed": 4, "faults": [
        {"name": "down", "status": 503, "rate": 0.3, "per_message": True}]})
    assert [mock_spideo.send({**PLAY, "messageId": f"m{i}"}).status
            for i in range(200)] != first


def test_a_per_message_fault_with_attempts_lets_a_later_attempt_through(mock_spideo):
    admin(mock_spideo, "POST", "/faults", json={
        "status": 500, "per_message": True, "attempts": 2})
    one = {**PLAY, "messageId": "one"}
    assert [mock_spideo.send(one).status for _ in range(3)] == [500, 500, 200]
    assert mock_spideo.send({**PLAY, "messageId": "two"}).status == 500


def test_fault_delay_and_path(mock_spideo, monkeypatch):
    """The delay is read off the sleeps the fault asks for, not off a noisy wall clock."""
    waits = []
    monkeypatch.setattr(http_faults, "time", SimpleNamespace(sleep=waits.append))
    admin(mock_spideo, "POST", "/faults", json={"delay_ms": 400, "path": "/demo/"})
    assert mock_spideo.rest("GET", "/users/u1").status == 200
    assert waits == [0.4]
    assert mock_spideo.send(PLAY).status == 200  # another path: not delayed
    assert waits == [0.4]


def test_fault_drops_the_connection(mock_spideo):
    import urllib3
    admin(mock_spideo, "POST", "/faults", json={"drop": True, "times": 1})
    with pytest.raises(urllib3.exceptions.ProtocolError):
        mock_spideo.send(PLAY)
    assert mock_spideo.send(PLAY).status == 200


@pytest.mark.parametrize("fault", [{"status": 99}, {"rate": 2, "status": 500},
                                   {"colour": "red"}, {}, {"times": 0, "status": 500}, "x",
                                   {"status": 500, "attempts": 1},
                                   {"status": 500, "per_message": True, "attempts": 0}])
def test_bad_fault_rules_are_400(mock_spideo, fault):
    reply = admin(mock_spideo, "POST", "/faults", json=fault)
    assert (reply.status, reply.code) == (400, "bad_fault")


def test_admin_is_never_faulted_and_unknown_admin_paths_are_404(mock_spideo):
    admin(mock_spideo, "POST", "/faults", json={"status": 500, "path": "/"})
    assert admin(mock_spideo, "GET", "/stats").status == 200
    assert mock_spideo.request("GET", "/__admin/nope").code == "not_found"


def test_openapi_document_is_served(mock_spideo):
    reply = mock_spideo.request("GET", "/openapi.yaml")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("application/yaml")


def test_injected_faults_are_journaled_as_problems(mock_spideo):
    admin(mock_spideo, "POST", "/faults", json={"name": "outage", "status": 503, "times": 1})
    mock_spideo.send(PLAY)
    assert [(p["code"], p["severity"]) for p in mock_spideo.problems()] == [
        ("injected_fault", "error")]
    assert "outage" in mock_spideo.problems()[0]["message"]
