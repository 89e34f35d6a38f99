"""The default mapping: every rule with a positive case and a near miss."""

import pytest

from mock_spideo import PROBLEM_CODES, default_rules, explain, map_message, parse_rules

T = "2025-01-06T20:00:00.000Z"


def track(event, user="u1", **properties):
    return {"type": "track", "event": event, "userId": user, "properties": properties,
            "messageId": "m-1", "timestamp": T}


# (rule, message that must match it, expected interaction type, expected content ids)
POSITIVE = [
    ("video-content-started", track("Video Content Started", asset_id="a1"), "play", ["a1"]),
    ("video-content-watched", track("Video Content Watched", asset_id="xyz"), "play", ["xyz"]),
    ("video-playback-started", track("Video Playback Started", content_asset_ids=["a1", "a2"]),
     "play", ["a1", "a2"]),
    ("video-playback-started-single", track("Video Playback Started", content_asset_id="a3"),
     "play", ["a3"]),
    ("video-content-completed", track("Video Content Completed", asset_id="a1"), "complete",
     ["a1"]),
    ("video-playback-completed", track("Video Playback Completed", content_asset_id="a1"),
     "complete", ["a1"]),
    ("product-clicked", track("Product Clicked", product_id="p1"), "click", ["p1"]),
    ("product-viewed", track("Product Viewed", product_id="p1"), "moreInfo", ["p1"]),
    ("order-completed", track("Order Completed", products=[{"product_id": "p1"}, {"sku": "S2"}]),
     "buy", ["p1", "S2"]),
    ("product-added-to-wishlist", track("Product Added to Wishlist", product_id="p1"),
     "bookmark", ["p1"]),
    ("product-shared", track("Product Shared", product_id="p1"), "share", ["p1"]),
    ("product-reviewed-like", track("Product Reviewed", product_id="p1", rating=4), "like",
     ["p1"]),
    ("product-reviewed-dislike", track("Product Reviewed", product_id="p1", rating=2), "dislike",
     ["p1"]),
]

# (rule the message nearly matches, near miss, expected outcome code)
NEAR_MISSES = [
    ("video-content-started", track("Video Content Startd", asset_id="a1"), "no_rule"),
    ("video-content-watched", {**track("Video Content Watched", asset_id="a"), "type": "page"},
     "unsupported_type"),
    ("video-playback-started", track("video playback started", content_asset_ids=["a"]),
     "no_rule"),
    ("video-content-completed", track("Video Content Completed"), "missing_content_id"),
    ("video-playback-completed", track("Video Playback Completed", content_asset_ids=[]),
     "missing_content_id"),
    ("product-clicked", track("Product Click", product_id="p1"), "no_rule"),
    ("product-viewed", track("Product Viewed", name="no id"), "missing_content_id"),
    ("order-completed", track("Order Completed", products=[]), "missing_content_id"),
    ("order-completed", track("Order Completed", products=[{"product_id": "p"}, {"name": "x"}]),
     "missing_content_id"),
    ("product-added-to-wishlist", track("Product Added To Wishlist", product_id="p"), "no_rule"),
    ("product-shared", track("Product Shared", product_id=""), "missing_content_id"),
    ("product-reviewed-like", track("Product Reviewed", product_id="p1", rating="5"),
     "neutral_rating"),
    ("product-reviewed-dislike", track("Product Reviewed", product_id="p1", rating=3),
     "neutral_rating"),
    ("audience-entered", track("Audience Entered"), "missing_audience_key"),
]


@pytest.mark.parametrize(("rule", "message", "kind", "ids"), POSITIVE,
                         ids=[p[0] for p in POSITIVE])
def test_each_default_rule_records_its_interaction(rule, message, kind, ids):
    result = map_message(message)
    assert (result.outcome, result.rule) == ("recorded", rule), result.message
    assert [i.type for i in result.interactions] == [kind] * len(ids)
    assert [i.content_id for i in result.interactions] == ids
    first = result.interactions[0]
    assert (first.user_id, first.timestamp, first.message_id, first.event) == (
        "u1", T, "m-1", message["event"])


@pytest.mark.parametrize(("rule", "message", "code"), NEAR_MISSES,
                         ids=[f"{n[0]}-{n[2]}" for n in NEAR_MISSES])
def test_each_near_miss_is_not_recorded(rule, message, code):
    result = map_message(message)
    assert result.outcome != "recorded"
    assert result.code == code, result.message


@pytest.mark.parametrize("event", ["Video Content Playing"])
def test_heartbeats_are_ignored_with_a_reason(event):
    result = map_message(track(event, asset_id="a1", position=10))
    assert (result.outcome, result.code, result.rule) == ("ignored", "heartbeat",
                                                          "video-heartbeat")


@pytest.mark.parametrize("event", ["Video Playback Paused", "Video Playback Resumed",
                                   "Video Playback Buffer Started", "Video Playback Seek Started",
                                   "Video Playback Interrupted", "Video Playback Exited"])
def test_playback_state_events_are_ignored(event):
    result = map_message(track(event, content_asset_id="a1"))
    assert (result.outcome, result.code) == ("ignored", "playback_state")


def test_unmatched_track_is_ignored_with_no_rule():
    result = map_message(track("Subtitles Enabled"))
    assert (result.outcome, result.code) == ("ignored", "no_rule")


@pytest.mark.parametrize("field", ["asset_id", "assetId", "AssetId", "asset-id", "ASSET_ID"])
def test_field_casing_does_not_matter(field):
    result = map_message(track("Video Content Started", **{field: "a1"}))
    assert [i.content_id for i in result.interactions] == ["a1"]


def test_envelope_casing_does_not_matter():
    message = {"type": "track", "event": "Product Clicked", "user_id": "u9",
               "message_id": "m9", "properties": {"ProductId": "p1"}}
    result = map_message(message)
    assert (result.interactions[0].user_id, result.interactions[0].message_id) == ("u9", "m9")


def test_rule_conditions_read_any_casing_too():
    result = map_message(track("Video Playback Started", contentAssetIds=["a1"]))
    assert result.rule == "video-playback-started"


def test_anonymous_user_is_recorded_under_the_anonymous_id():
    message = {**track("Product Clicked", product_id="p1"), "anonymousId": "anon-1"}
    del message["userId"]
    result = map_message(message)
    assert (result.interactions[0].user_id, result.interactions[0].anonymous) == ("anon-1", True)


def test_origin_device_progress_and_value_are_extracted():
    message = track("Video Content Started", asset_id="a1", position=30, total_length=120)
    message["context"] = {"device": {"type": "tv"}}
    message["properties"]["list_id"] = "home-trending"
    played = map_message(message).interactions[0]
    assert (played.origin, played.device, played.progress) == ("home-trending", "tv", 0.25)
    order = map_message(track("Order Completed", products=[{"product_id": "p", "price": 3.99}]))
    assert order.interactions[0].value == 3.99


def test_identify_forwards_scalars_but_never_personal_traits():
    message = {"type": "identify", "userId": "u1", "timestamp": T, "traits": {
        "email": "a@b.c", "firstName": "Ann", "last_name": "Lee", "phone": "1", "name": "Ann Lee",
        "address": {"city": "Paris"}, "birthday": "2000-01-01", "avatar": "http://x",
        "plan": "gold", "logins": 12, "vip": True, "bio": "x" * 65, "tags": ["a"]}}
    result = map_message(message)
    assert {p.name: p.value for p in result.user_properties} == {
        "plan": "gold", "logins": 12, "vip": True}
    assert all(p.source == "identify" for p in result.user_properties)


def test_personal_traits_are_forwarded_only_when_the_rules_opt_in():
    from mock_spideo import parse_rules
    rules = parse_rules("user_properties:\n  forward_personal_traits: [email]\nrules:\n"
                        "  - name: ids\n    when: type = \"identify\"\n"
                        "    user_properties: traits\n")
    result = map_message({"type": "identify", "userId": "u", "traits": {
        "email": "a@b.c", "phone": "1"}}, rules)
    assert [p.name for p in result.user_properties] == ["email"]


def test_engage_identify_sets_the_audience_as_a_user_property():
    message = {"type": "identify", "userId": "u1", "timestamp": T,
               "traits": {"order_completed_last_30days": True},
               "context": {"personas": {"computation_class": "audience",
                                        "computation_key": "order_completed_last_30days"}}}
    result = map_message(message)
    assert [(p.name, p.value, p.source) for p in result.user_properties] == [
        ("order_completed_last_30days", True, "engage")]


@pytest.mark.parametrize(("event", "value"), [("Audience Entered", True),
                                              ("Audience Exited", False)])
def test_audience_tracks_set_the_audience_key(event, value):
    result = map_message(track(event, audience_key="binge_watchers", binge_watchers=value))
    assert [(p.name, p.value, p.source) for p in result.user_properties] == [
        ("binge_watchers", value, "track")]


def test_identify_without_forwardable_traits_is_ignored():
    result = map_message({"type": "identify", "userId": "u", "traits": {"email": "a@b"}})
    assert (result.outcome, result.code) == ("ignored", "no_user_properties")


@pytest.mark.parametrize(("message", "code"), [
    (None, "malformed_json"), ([], "malformed_json"), ("track", "malformed_json"),
    ({"event": "X", "userId": "u"}, "missing_type"),
    ({"type": "track", "event": "X"}, "missing_user"),
    ({"type": "track", "event": "X", "userId": "u", "messageId": "m" * 101},
     "message_id_too_long"),
    ({"type": "track", "event": "X", "userId": "u", "timestamp": "yesterday"}, "bad_timestamp"),
    ({"type": "screen", "userId": "u"}, "unsupported_type"),
    ({"type": "alias", "userId": "u"}, "unsupported_type"),
    ({"type": "purchase", "userId": "u"}, "unknown_type"),
    ({"type": "track", "userId": "u"}, "missing_event"),
])
def test_unreadable_messages_are_refused_with_a_known_code(message, code):
    result = map_message(message)
    assert (result.outcome, result.code) == ("refused", code)
    assert result.code in PROBLEM_CODES and result.message


def test_event_time_is_normalised_to_utc_milliseconds():
    message = track("Product Clicked", product_id="p")
    message["timestamp"] = "2025-01-06T21:00:00+01:00"
    assert map_message(message).interactions[0].timestamp == T


def test_explain_gives_the_near_miss_of_each_earlier_rule():
    result, traces = explain(track("Product Viewed", product_id="p1"))
    assert result.rule == "product-viewed"
    assert traces[-1].matched and traces[-1].rule == "product-viewed"
    first = traces[0]
    assert not first.matched
    assert "event = 'Video Content Started': was 'Product Viewed'" in first.reasons[0]


def test_every_rule_of_the_default_file_is_covered_here():
    covered = {p[0] for p in POSITIVE} | {"video-heartbeat", "video-playback-state",
                                          "product-reviewed-neutral", "audience-entered",
                                          "audience-exited", "identify-traits"}
    assert covered == {rule.name for rule in default_rules().rules}


NUMBERS = parse_rules("""
rules:
  - name: numbers
    when: type = "track"
    interaction: play
    content_id: properties.id
    value: properties.value
    progress: {position: properties.position, total: properties.total}
""")


@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan"), 10 ** 400])
def test_a_number_that_is_not_finite_is_no_value_and_no_progress(bad):
    """JSON numbers Python reads as infinite, NaN, or too large for a float."""
    for properties in ({"value": bad, "position": 1, "total": 2},
                       {"value": 1, "position": bad, "total": 2},
                       {"value": 1, "position": 1, "total": bad}):
        played = map_message(track("E", id="a", **properties), NUMBERS).interactions[0]
        kept = {"value": played.value, "progress": played.progress}
        expected = {"value": None if properties["value"] is bad else 1.0,
                    "progress": 0.5 if properties["value"] is bad else None}
        assert kept == expected, properties
