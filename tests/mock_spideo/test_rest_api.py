"""Spideo's REST API under /<client>/..., checked against the OpenAPI contract."""

from urllib.parse import quote

import pytest

from tests.mock_spideo.openapi_check import assert_conforms


def call(mock, method, path, **kwargs):
    reply = mock.rest(method, path, **kwargs)
    assert_conforms(method, f"/{mock.client}{path}", reply.status, reply.body)
    return reply


def test_post_then_list_interactions_newest_first(mock_spideo):
    for content in ("c1", "c2", "c3"):
        assert call(mock_spideo, "POST", f"/users/u1/interactions/play/content/{content}"
                    "?origin=home&device=tv&distributions=SVOD").status == 200
    listed = call(mock_spideo, "GET", "/users/u1/interactions").body
    assert [i["contentId"] for i in listed] == ["c3", "c2", "c1"]
    assert listed[0]["key"] == {"source": "demo", "userId": "u1"}
    assert (listed[0]["type"], listed[0]["origin"], listed[0]["device"]) == ("play", "home", "tv")
    assert mock_spideo.interactions()[0]["distributions"] == "SVOD"


def test_list_filters_and_pages(mock_spideo):
    for content, kind in (("c1", "play"), ("c2", "click"), ("c1", "like"), ("c3", "play")):
        call(mock_spideo, "POST", f"/users/u1/interactions/{kind}/content/{content}")
    plays = call(mock_spideo, "GET", "/users/u1/interactions?type=start").body
    assert sorted(i["contentId"] for i in plays) == ["c1", "c3"]
    on_c1 = call(mock_spideo, "GET", "/users/u1/interactions?contentId=c1").body
    assert sorted(i["type"] for i in on_c1) == ["like", "play"]
    page = call(mock_spideo, "GET", "/users/u1/interactions?skip=1&limit=2").body
    assert [i["contentId"] for i in page] == ["c1", "c2"]


@pytest.mark.parametrize("query", ["skip=-1", "limit=x", "limit=1001",
                                   f"skip={2**63}", f"limit={2**64}", f"skip={10**30}"])
def test_bad_paging_is_400(mock_spideo, query):
    reply = call(mock_spideo, "GET", f"/users/u1/interactions?{query}")
    assert (reply.status, reply.code) == (400, "bad_query")


def test_aliases_and_unknown_types(mock_spideo):
    call(mock_spideo, "POST", "/users/u1/interactions/purchase/content/c1")
    assert mock_spideo.interactions()[0]["type"] == "buy"
    reply = call(mock_spideo, "POST", "/users/u1/interactions/watch/content/c1")
    assert (reply.status, reply.code) == (400, "unknown_interaction_type")
    assert "play" in reply.body["message"]


def test_delete_an_interaction(mock_spideo):
    call(mock_spideo, "POST", "/users/u1/interactions/like/content/c1")
    assert call(mock_spideo, "DELETE", "/users/u1/interactions/like/content/c1").body == {
        "deleted": 1}
    assert mock_spideo.interactions() == []


def test_tracked_flag_refuses_new_interactions_and_user_deletion(mock_spideo):
    call(mock_spideo, "POST", "/users/u1/interactions/play/content/c1")
    assert call(mock_spideo, "PUT", "/users/u1?tracked=false").body["tracked"] is False
    refused = call(mock_spideo, "POST", "/users/u1/interactions/play/content/c2")
    assert (refused.status, refused.code) == (400, "user_not_tracked")
    assert call(mock_spideo, "GET", "/users/u1").body == {
        "userId": "u1", "tracked": False, "properties": {}, "interactions": 1}
    assert call(mock_spideo, "DELETE", "/users/u1").body == {"deleted": 1}
    assert call(mock_spideo, "GET", "/users/u1").body["interactions"] == 0
    assert call(mock_spideo, "PUT", "/users/u1?tracked=maybe").code == "bad_query"


def test_user_properties_show_on_the_user(mock_spideo):
    mock_spideo.send({"type": "identify", "userId": "u1", "traits": {"binge_watchers": True}})
    mock_spideo.send({"type": "identify", "userId": "u1", "traits": {"binge_watchers": False}})
    assert call(mock_spideo, "GET", "/users/u1").body["properties"] == {"binge_watchers": False}


def test_a_computed_trait_that_becomes_null_reads_null_through_rest_and_admin(mock_spideo):
    personas = {"personas": {"computation_class": "trait",
                             "computation_key": "total_watch_minutes_30_days"}}
    for minutes in (120, None):
        assert mock_spideo.send({"type": "identify", "userId": "u1", "context": personas,
                                 "traits": {"total_watch_minutes_30_days": minutes}}).status == 200
    assert call(mock_spideo, "GET", "/users/u1").body["properties"] == {
        "total_watch_minutes_30_days": None}
    listed = mock_spideo.request("GET", "/__admin/user-properties?user=u1")
    assert_conforms("GET", "/__admin/user-properties?user=u1", listed.status, listed.body)
    assert [(r["value"], r["source"]) for r in listed.body["user_properties"]] == [
        (120, "engage"), (None, "engage")]


@pytest.mark.parametrize("user", ["a/b", "ünï cödé", "100% sure?", "x&y=z#frag", "a\nb",
                                  "interactions", "users", "content"])
def test_ids_are_any_utf8_percent_encoded(mock_spideo, user):
    content = f"show/{user}"
    path = f"/users/{quote(user, safe='')}/interactions/play/content/{quote(content, safe='')}"
    assert call(mock_spideo, "POST", path).status == 200
    listed = call(mock_spideo, "GET", f"/users/{quote(user, safe='')}/interactions").body
    assert [(i["key"]["userId"], i["contentId"]) for i in listed] == [(user, content)]


@pytest.mark.parametrize(("user", "content"), [("a\nb", "c\r1"), ("u1", "interactions"),
                                               ("interactions", "content")])
def test_what_segment_records_rest_can_read_and_delete(mock_spideo, user, content):
    """Ids with a newline, or equal to a word of the paths, reach REST as they reach
    /segment (REST could neither read nor delete them before)."""
    assert mock_spideo.send({"type": "track", "event": "Video Content Started",
                             "userId": user, "properties": {"asset_id": content}}).status == 200
    base = f"/users/{quote(user, safe='')}"
    listed = call(mock_spideo, "GET", f"{base}/interactions").body
    assert [(i["key"]["userId"], i["contentId"]) for i in listed] == [(user, content)]
    assert call(mock_spideo, "GET", base).body["interactions"] == 1
    deleted = call(mock_spideo, "DELETE",
                   f"{base}/interactions/play/content/{quote(content, safe='')}").body
    assert deleted == {"deleted": 1}


def test_catalog_load_read_count_and_unknown_content(mock_spideo):
    items = [{"id": "c1", "title": "One"}, {"contentId": 2, "title": "Two"}]
    assert call(mock_spideo, "POST", "/content", json=items).body == {"loaded": 2}
    assert call(mock_spideo, "GET", "/content-count").body == {"count": 2}
    assert call(mock_spideo, "GET", "/content/2").body["title"] == "Two"
    assert call(mock_spideo, "GET", "/content/nope").code == "not_found"
    reply = call(mock_spideo, "POST", "/users/u1/interactions/play/content/c9")
    assert [p["code"] for p in reply.body["problems"]] == ["unknown_content"]


def test_catalog_over_2000_items_is_413(mock_spideo):
    reply = call(mock_spideo, "POST", "/content", json=[{"id": i} for i in range(2001)])
    assert (reply.status, reply.code) == (413, "payload_too_large")
    assert reply.body["message"] == ("The body is too large (2001 catalog items); the limit "
                                     "is 2000 catalog items.")


@pytest.mark.parametrize(("body", "code"), [({"id": 1}, "bad_catalog"),
                                            ([{"title": "no id"}], "bad_catalog")])
def test_bad_catalogs(mock_spideo, body, code):
    assert call(mock_spideo, "POST", "/content", json=body).code == code


@pytest.mark.parametrize(("headers", "path", "status", "code"), [
    ({}, "/demo/users/u1", 403, "missing_api_key"),
    ({"x-api-key": "wrong"}, "/demo/users/u1", 403, "bad_api_key"),
    ({"x-api-key": "demo-key"}, "/acme/users/u1", 404, "unknown_client"),
    ({"x-api-key": "demo-key"}, "/demo/nothing/here", 404, "not_found"),
])
def test_auth_and_unknown_paths(mock_spideo, headers, path, status, code):
    reply = mock_spideo.request("GET", path, headers=headers)
    assert (reply.status, reply.code) == (status, code)
    assert_conforms("GET", "/demo/users/u1", reply.status, reply.body)


def test_the_query_parameter_key_works(mock_spideo):
    assert mock_spideo.request("GET", "/demo/users/u1?apikey=demo-key").status == 200


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("PUT", "/demo/content-count", "GET"),
    ("GET", "/demo/content", "POST"),
    ("POST", "/demo/users/u1", "DELETE, GET, PUT"),
    ("PUT", "/demo/users/u1/interactions/play/content/c1", "DELETE, POST"),
    ("GET", "/segment", "POST"),
    ("GET", "/__admin/reset", "POST"),
    ("PATCH", "/__admin/faults", "DELETE, GET, POST"),
])
def test_wrong_method_is_405_with_the_allow_header(mock_spideo, method, path, allow):
    reply = mock_spideo.request(method, path, headers={"x-api-key": "demo-key"})
    assert (reply.status, reply.code) == (405, "method_not_allowed")
    allowed = {m.strip() for m in reply.headers["Allow"].split(",")} - {"HEAD", "OPTIONS"}
    assert allowed == set(allow.split(", "))


def test_both_write_paths_feed_the_same_journal(mock_spideo):
    mock_spideo.send({"type": "track", "event": "Product Clicked", "userId": "u1",
                      "properties": {"product_id": "c1"}})
    call(mock_spideo, "POST", "/users/u1/interactions/like/content/c1")
    listed = call(mock_spideo, "GET", "/users/u1/interactions").body
    assert sorted(i["type"] for i in listed) == ["click", "like"]
    assert sorted(i["via"] for i in mock_spideo.interactions()) == ["rest", "segment"]
