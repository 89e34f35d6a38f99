"""The envelope: the common fields of every message, read in any casing, and the first
problem that makes a message unreadable."""

import pytest

from mock_spideo.engine.envelope import Envelope, envelope_fields, read_envelope
from mock_spideo.engine.problems import Problem

T = "2025-01-06T20:00:00.000Z"


def test_envelope_fields_take_segments_names_and_keep_the_rest():
    fields = envelope_fields({"TYPE": "track", "user_id": "u", "Anonymous-Id": "a",
                              "message id": "m", "original_timestamp": T, "SentAt": T,
                              "received_at": T, "Properties": {}, "traits": {}, "Context": {},
                              "Integrations": {}, "Name": "n", "Event": "E", "asset_id": "x",
                              3: "three"})
    assert fields == {"type": "track", "userId": "u", "anonymousId": "a", "messageId": "m",
                      "originalTimestamp": T, "sentAt": T, "receivedAt": T, "properties": {},
                      "traits": {}, "context": {}, "integrations": {}, "name": "n",
                      "event": "E", "asset_id": "x", 3: "three"}


def test_envelope_fields_first_spelling_wins():
    assert envelope_fields({"userId": "first", "user_id": "second"}) == {"userId": "first"}


def read(**fields):
    found = read_envelope({"type": "track", "event": "E", **fields})
    assert isinstance(found, Envelope), found
    return found


def test_the_envelope_holds_the_renamed_fields_and_the_reading():
    envelope = read(user_id="u1", message_id="m1", timestamp="2025-01-06T21:00:00+01:00",
                    properties={"a": 1})
    assert envelope == Envelope(
        fields={"type": "track", "event": "E", "userId": "u1", "messageId": "m1",
                "timestamp": "2025-01-06T21:00:00+01:00", "properties": {"a": 1}},
        type="track", user_id="u1", anonymous=False, message_id="m1", event_time=T)
    assert envelope.event == "E"


@pytest.mark.parametrize(("fields", "user", "anonymous"), [
    ({"userId": "u", "anonymousId": "a"}, "u", False),
    ({"userId": 0}, "0", False),
    ({"userId": 12, "anonymousId": "a"}, "12", False),
    ({"userId": 1.5}, "1.5", False),
    ({"userId": "", "anonymousId": "a"}, "a", True),
    ({"userId": "  ", "anonymousId": "a"}, "a", True),
    ({"userId": True, "anonymousId": "a"}, "a", True),
    ({"userId": None, "anonymousId": 7}, "7", True),
    ({"anonymousId": " a "}, " a ", True),
])
def test_the_user_is_the_user_id_else_the_anonymous_id(fields, user, anonymous):
    envelope = read(**fields)
    assert (envelope.user_id, envelope.anonymous) == (user, anonymous)


@pytest.mark.parametrize("fields", [{}, {"userId": False}, {"userId": "", "anonymousId": " "},
                                    {"anonymousId": [1]}, {"userId": {"id": 1}}])
def test_no_usable_user_is_missing_user(fields):
    found = read_envelope({"type": "track", "event": "E", **fields})
    assert isinstance(found, Problem) and found.code == "missing_user"


@pytest.mark.parametrize(("message", "kind"), [
    (None, "null"), (True, "boolean"), (5, "number"), (2.5, "number"), ("track", "string"),
    ([], "array"), (set(), "set"),
])
def test_a_message_that_is_not_an_object_says_what_it_is(message, kind):
    found = read_envelope(message)
    assert found.code == "malformed_json"
    assert found.details == {"detail": f"got a JSON {kind}"}
    assert found.message == f"The body is not a JSON object: got a JSON {kind}."


@pytest.mark.parametrize("kind", [None, "", 5, ["track"]])
def test_a_message_without_a_type_text_is_missing_type(kind):
    found = read_envelope({"type": kind, "userId": "u"})
    assert found.code == "missing_type"


@pytest.mark.parametrize(("message_id", "kept"), [(None, None), (42, "42"), ("m" * 100, "m" * 100)])
def test_message_ids_are_text_of_at_most_a_hundred_characters(message_id, kept):
    assert read(userId="u", messageId=message_id).message_id == kept


def test_a_message_id_of_a_hundred_and_one_characters_is_refused_with_its_length():
    found = read_envelope({"type": "track", "userId": "u", "messageId": 10 ** 100})
    assert (found.code, found.details) == ("message_id_too_long", {"length": 101})
    assert "101 characters" in found.message


@pytest.mark.parametrize("field", ["timestamp", "originalTimestamp", "sentAt", "receivedAt"])
def test_each_time_field_must_parse(field):
    found = read_envelope({"type": "track", "userId": "u", field: "yesterday"})
    assert (found.code, found.details) == ("bad_timestamp", {"field": field,
                                                             "value": "'yesterday'"})
    assert found.message == f"'{field}' is not an ISO-8601 date-time: 'yesterday'."


def test_a_bad_time_is_quoted_in_at_most_eighty_characters():
    found = read_envelope({"type": "track", "userId": "u", "sentAt": ["x" * 200]})
    assert found.details["value"] == repr(["x" * 200])[:80]


@pytest.mark.parametrize(("fields", "event_time"), [
    ({"timestamp": T, "originalTimestamp": "2025-01-01T00:00:00Z"}, T),
    ({"timestamp": None, "originalTimestamp": "2025-01-01T00:00:00Z",
      "sentAt": "2025-01-02T00:00:00Z"}, "2025-01-01T00:00:00.000Z"),
    ({"sentAt": "2025-01-02T00:00:00Z", "receivedAt": "2025-01-03T00:00:00Z"},
     "2025-01-02T00:00:00.000Z"),
    ({"receivedAt": "2025-01-03T00:00:00Z"}, "2025-01-03T00:00:00.000Z"),
    ({"timestamp": None}, None),
    ({}, None),
])
def test_the_event_time_is_the_first_time_field_present(fields, event_time):
    assert read(userId="u", **fields).event_time == event_time
