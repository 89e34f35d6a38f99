"""POST /segment: auth, headers, body checks, results and duplicates, over real HTTP."""

import base64

import orjson
import pytest

from tests.mock_spideo.openapi_check import assert_conforms

PLAY = {"type": "track", "event": "Video Content Started", "userId": "u1",
        "messageId": "m-1", "timestamp": "2025-01-06T20:00:00Z",
        "properties": {"asset_id": "a1"}}


def expect(reply, status, code=None):
    assert reply.status == status, f"expected {status} {code}, got {reply.status} {reply.body}"
    assert_conforms("POST", "/segment", reply.status, reply.body)
    if code:
        assert reply.code == code, f"expected code {code}, got {reply.body}"
    if status >= 400:
        assert set(reply.body) >= {"message", "code"} and reply.body["message"]


def test_a_play_is_recorded_and_listed(mock_spideo):
    reply = mock_spideo.send(PLAY)
    expect(reply, 200)
    assert reply.body["status"] == "recorded"
    assert [i["type"] for i in reply.body["interactions"]] == ["play"]
    recorded = mock_spideo.request("GET", "/__admin/interactions").body["interactions"]
    assert [(i["user_id"], i["content_id"], i["type"]) for i in recorded] == [("u1", "a1", "play")]


@pytest.mark.parametrize(("headers", "status", "code"), [
    ({"Authorization": ""}, 401, "missing_api_key"),
    ({"Authorization": "Bearer demo-key"}, 401, "bad_api_key"),
    ({"Authorization": "Basic !!!"}, 401, "bad_api_key"),
    ({"Authorization": "Basic " + base64.b64encode(b"wrong:").decode()}, 401, "bad_api_key"),
    ({"X-Segment-Settings": "not base64"}, 400, "bad_settings_header"),
    ({"X-Segment-Settings": base64.b64encode(b"[1]").decode()}, 400, "bad_settings_header"),
    ({"X-Segment-Settings": base64.b64encode(b'{"client": "acme"}').decode()}, 403,
     "client_mismatch"),
    ({"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
])
def test_auth_and_header_refusals(mock_spideo, headers, status, code):
    expect(mock_spideo.send(PLAY, headers=headers), status, code)
    assert mock_spideo.interactions() == []


def test_a_key_without_the_colon_is_still_the_key(mock_spideo):
    headers = {"Authorization": "Basic " + base64.b64encode(b"demo-key").decode()}
    expect(mock_spideo.send(PLAY, headers=headers), 200)


@pytest.mark.parametrize(("body", "code"), [
    (b"{not json", "malformed_json"), (b"[1, 2]", "malformed_json"), (b'"x"', "malformed_json"),
])
def test_bodies_that_are_not_a_json_object(mock_spideo, body, code):
    reply = mock_spideo.request("POST", "/segment", body=body,
                                headers=mock_spideo.segment_headers())
    expect(reply, 400, code)


def test_over_32_kb_is_refused(mock_spideo):
    big = {**PLAY, "properties": {"asset_id": "a1", "blob": "x" * 33_000}}
    reply = mock_spideo.send(big)
    expect(reply, 413, "payload_too_large")
    assert reply.body["message"] == (f"The body is too large ({len(orjson.dumps(big))} bytes); "
                                     "the limit is 32768 bytes.")


@pytest.mark.parametrize(("change", "code"), [
    ({"type": None}, "missing_type"),
    ({"userId": None}, "missing_user"),
    ({"messageId": "m" * 101}, "message_id_too_long"),
    ({"timestamp": "not a time"}, "bad_timestamp"),
    ({"type": "shout"}, "unknown_type"),
    ({"properties": {}}, "missing_content_id"),
])
def test_envelope_and_mapping_refusals_are_400(mock_spideo, change, code):
    message = {k: v for k, v in {**PLAY, **change}.items() if v is not None}
    expect(mock_spideo.send(message), 400, code)


@pytest.mark.parametrize("kind", ["page", "screen", "group", "alias"])
def test_unsupported_types_are_501(mock_spideo, kind):
    expect(mock_spideo.send({**PLAY, "type": kind}), 501, "unsupported_type")


def test_ignored_messages_say_why(mock_spideo):
    reply = mock_spideo.send({**PLAY, "event": "Video Content Playing"})
    expect(reply, 200)
    assert reply.body == {"status": "ignored", "code": "heartbeat",
                          "message": reply.body["message"]}


def test_a_repeated_message_id_is_recorded_once_with_a_warning(mock_spideo):
    expect(mock_spideo.send(PLAY), 200)
    reply = mock_spideo.send(PLAY)
    expect(reply, 200, "duplicate_message")
    assert len(mock_spideo.interactions()) == 1
    assert [p["code"] for p in mock_spideo.problems()] == ["duplicate_message"]


def test_the_same_message_id_for_another_client_is_not_a_duplicate(mock_spideo):
    mock_spideo.config.clients["other"] = "other-key"
    try:
        expect(mock_spideo.send(PLAY), 200)
        reply = mock_spideo.send(PLAY, api_key="other-key", headers={
            "X-Segment-Settings": base64.b64encode(b'{"client": "other"}').decode()})
        expect(reply, 200)
        assert reply.body["status"] == "recorded"
    finally:
        del mock_spideo.config.clients["other"]


def test_unknown_content_is_a_warning_once_a_catalog_is_loaded(mock_spideo):
    mock_spideo.load_catalog([{"id": "other"}])
    reply = mock_spideo.send(PLAY)
    expect(reply, 200)
    assert [p["code"] for p in reply.body["problems"]] == ["unknown_content"]
    assert len(mock_spideo.interactions()) == 1


def test_unknown_content_can_be_an_error(mock_spideo):
    mock_spideo.config.unknown_content = "error"
    try:
        mock_spideo.load_catalog([{"id": "other"}])
        expect(mock_spideo.send(PLAY), 400, "unknown_content")
        assert mock_spideo.interactions() == []
    finally:
        mock_spideo.config.unknown_content = "warning"


def test_an_untracked_user_is_refused(mock_spideo):
    assert mock_spideo.rest("PUT", "/users/u1?tracked=false").status == 200
    expect(mock_spideo.send(PLAY), 400, "user_not_tracked")


def test_every_request_is_in_the_request_log_with_keys_redacted(mock_spideo):
    mock_spideo.send(PLAY)
    mock_spideo.request("GET", "/demo/users/u1?apikey=demo-key")
    log = mock_spideo.request("GET", "/__admin/requests").body["requests"]
    assert [(r["method"], r["status"]) for r in log] == [("POST", 200), ("GET", 200)]
    assert log[1]["path"] == "/demo/users/u1?apikey=***"
    assert "demo-key" not in str(log)
