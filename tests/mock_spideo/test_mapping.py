"""The default mapping: every rule with a positive case and a near miss."""

import pytest

from mock_spideo import PROBLEM_CODES, default_rules, explain, map_message, parse_rules
from mock_spideo.engine.mapping import condition_view

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


# --- every field of a result, not only the outcome --------------------------------------

def test_a_recorded_interaction_carries_every_field():
    message = {**track("Video Content Started", asset_id="a1", position=30, total_length=120,
                       list_id="home"), "context": {"device": {"type": "tv"}}}
    result = map_message(message)
    assert (result.outcome, result.code, result.rule, result.status) == (
        "recorded", "recorded", "video-content-started", 200)
    assert result.message == "1 play interaction recorded by rule 'video-content-started'"
    assert result.problem is None and result.user_properties == ()
    assert result.envelope.message_id == "m-1"
    assert [i.to_dict() for i in result.interactions] == [{
        "type": "play", "user_id": "u1", "content_id": "a1", "timestamp": T,
        "anonymous": False, "origin": "home", "device": "tv", "progress": 0.25, "value": None,
        "message_id": "m-1", "event": "Video Content Started",
        "rule": "video-content-started"}]


def test_several_interactions_share_the_message_fields_and_say_so():
    result = map_message(track("Order Completed", products=[
        {"product_id": "p1", "price": 2}, {"sku": "S2", "price": "3"}]))
    assert result.message == "2 buy interactions recorded by rule 'order-completed'"
    assert [(i.content_id, i.value, i.rule, i.message_id, i.timestamp, i.event)
            for i in result.interactions] == [
        ("p1", 2.0, "order-completed", "m-1", T, "Order Completed"),
        ("S2", None, "order-completed", "m-1", T, "Order Completed")]


def test_a_user_property_carries_every_field():
    message = {"type": "identify", "userId": "u1", "messageId": "m-2", "timestamp": T,
               "traits": {"plan": "gold"}}
    result = map_message(message)
    assert (result.outcome, result.code, result.rule, result.status, result.interactions) == (
        "recorded", "recorded", "identify-traits", 200, ())
    assert result.message == "1 user property set by rule 'identify-traits'"
    assert [p.to_dict() for p in result.user_properties] == [{
        "user_id": "u1", "name": "plan", "value": "gold", "timestamp": T,
        "source": "identify", "message_id": "m-2", "rule": "identify-traits"}]


def test_an_audience_track_carries_every_field():
    result = map_message(track("Audience Entered", audience_key="fans"))
    assert result.message == "1 user property set by rule 'audience-entered'"
    assert [p.to_dict() for p in result.user_properties] == [{
        "user_id": "u1", "name": "fans", "value": True, "timestamp": T, "source": "track",
        "message_id": "m-1", "rule": "audience-entered"}]


def test_user_properties_are_counted_in_the_message():
    result = map_message({"type": "identify", "userId": "u", "traits": {"a": 1, "b": 2}})
    assert result.message == "2 user properties set by rule 'identify-traits'"


def test_a_refusal_by_a_rule_names_the_rule_and_keeps_the_envelope():
    result = map_message(track("Video Content Started"))
    assert (result.outcome, result.code, result.rule, result.status) == (
        "refused", "missing_content_id", "video-content-started", 400)
    assert result.message == result.problem.message
    assert result.problem.details == {
        "rule": "video-content-started",
        "paths": "properties.asset_id, properties.content_asset_id"}
    assert result.envelope.user_id == "u1" and result.interactions == ()


def test_a_refusal_before_any_rule_has_no_rule_and_no_envelope():
    result = map_message({"type": "track", "event": "E"})
    assert (result.outcome, result.code, result.rule, result.envelope, result.status) == (
        "refused", "missing_user", None, None, 400)
    assert result.message == result.problem.message


@pytest.mark.parametrize(("message", "code", "details"), [
    ({"type": "screen", "userId": "u"}, "unsupported_type", {"type": "screen"}),
    ({"type": "purchase", "userId": "u"}, "unknown_type", {"type": "purchase"}),
    ({"type": "track", "userId": "u", "event": "  "}, "missing_event", {}),
    ({"type": "track", "userId": "u", "event": 5}, "missing_event", {}),
])
def test_refusals_of_a_readable_message_keep_its_envelope(message, code, details):
    result = map_message(message)
    assert (result.code, result.rule, result.problem.details) == (code, None, details)
    assert result.envelope.user_id == "u"
    assert f"'{message['type']}'" in result.message or not details


def test_an_ignored_message_has_its_reason_rule_and_envelope():
    result = map_message(track("Video Content Playing", asset_id="a"))
    assert (result.outcome, result.code, result.rule, result.status, result.problem) == (
        "ignored", "heartbeat", "video-heartbeat", 200, None)
    assert result.message == ("Ignored by rule 'video-heartbeat' (heartbeat): Heartbeats every "
                              "10 seconds while content plays carry no new interaction.")
    assert result.envelope.message_id == "m-1"


def test_an_ignore_rule_without_a_description_says_so():
    rules = parse_rules('rules:\n  - name: quiet\n    when: type = "track"\n    ignore: noise\n')
    result = map_message(track("E"), rules)
    assert result.message == ("Ignored by rule 'quiet' (noise): no interaction for this "
                              "event")


@pytest.mark.parametrize(("message", "what"), [
    (track("Subtitles Enabled"), "track 'Subtitles Enabled'"),
])
def test_no_rule_says_which_message_went_unmatched(message, what):
    result = map_message(message)
    assert (result.outcome, result.code, result.rule) == ("ignored", "no_rule", None)
    assert result.message == f"No mapping rule matched {what}; the message is ignored."
    assert result.envelope.user_id == "u1"


def test_no_rule_for_an_identify_names_the_type():
    rules = parse_rules('rules:\n  - name: t\n    when: type = "track"\n    ignore: x\n')
    result = map_message({"type": "identify", "userId": "u"}, rules)
    assert result.message == "No mapping rule matched this identify; the message is ignored."


def test_no_forwardable_trait_is_ignored_by_the_rule_with_the_reason():
    result = map_message({"type": "identify", "userId": "u", "traits": {"tags": ["a"]}})
    assert (result.outcome, result.code, result.rule) == (
        "ignored", "no_user_properties", "identify-traits")
    assert result.message == ("The identify call carried no trait the rules forward as a "
                              "user property.")


def test_a_message_nested_too_deeply_is_refused_not_raised():
    deep = "2025-01-01"
    for _ in range(100_000):
        deep = [deep]
    result = map_message({"type": "track", "event": "E", "userId": "u", "timestamp": deep})
    assert (result.outcome, result.code, result.rule, result.envelope) == (
        "refused", "malformed_json", None, None)
    assert result.message == "The body is not a JSON object: the message is nested too deeply."


# --- content ids: text, whole numbers, never booleans ------------------------------------

@pytest.mark.parametrize(("asset_id", "content_id"), [
    ("a1", "a1"), (" a1 ", " a1 "), (42, "42"), (-7, "-7"), (42.0, "42"), (0, "0"),
    (10 ** 20, "100000000000000000000"), (1e20, "100000000000000000000"),
])
def test_content_ids_are_text_or_whole_numbers(asset_id, content_id):
    result = map_message(track("Product Clicked", product_id=asset_id))
    assert [i.content_id for i in result.interactions] == [content_id]


@pytest.mark.parametrize("asset_id", [True, False, None, "", "  ", 4.5, float("nan"),
                                      float("inf"), [], {"id": 1}])
def test_other_content_ids_are_missing(asset_id):
    result = map_message(track("Product Clicked", product_id=asset_id))
    assert result.code == "missing_content_id"


def test_the_first_usable_path_gives_the_content_id():
    assert map_message(track("Product Clicked", product_id=True, asset_id="a",
                             sku="s")).interactions[0].content_id == "a"
    assert map_message(track("Product Clicked", product_id="p",
                             asset_id="a")).interactions[0].content_id == "p"


def test_each_item_is_read_and_a_bad_item_is_named_with_its_index():
    ok = map_message(track("Order Completed", products=[{"sku": "s", "product_id": 5}]))
    assert [i.content_id for i in ok.interactions] == ["5"]
    bad = map_message(track("Order Completed", products=[{"sku": "s"}, {"sku": True}]))
    assert bad.problem.details == {
        "rule": "order-completed",
        "paths": "item 1 of properties.products: item.product_id, item.sku"}


@pytest.mark.parametrize("products", [[], "p1", {"product_id": "p1"}, None])
def test_for_each_over_no_list_is_missing_content_id_with_each_item(products):
    result = map_message(track("Order Completed", products=products))
    assert (result.outcome, result.rule, result.envelope.message_id) == (
        "refused", "order-completed", "m-1")
    assert result.problem.details == {
        "rule": "order-completed",
        "paths": "each item of properties.products (item.product_id, item.sku)"}


# --- origin, device, value, progress ------------------------------------------------------

OPTIONAL = parse_rules("""
rules:
  - name: optional
    when: type = "track" or type = "identify"
    interaction: play
    content_id: properties.id
    origin: [properties.origin, properties.rail]
    device: [properties.device, context.device.type]
    value: [properties.price, properties.value]
    progress: {position: properties.position, total: properties.total}
""")


def play(**properties):
    result = map_message(track("E", id="a", **properties), OPTIONAL)
    assert result.outcome == "recorded", result.message
    return result.interactions[0]


@pytest.mark.parametrize(("properties", "origin"), [
    ({"origin": "home", "rail": "r"}, "home"), ({"origin": "", "rail": "r"}, "r"),
    ({"origin": 5, "rail": "r"}, "r"), ({"rail": "r"}, "r"), ({"origin": ["x"]}, None), ({}, None),
])
def test_origin_is_the_first_non_empty_text(properties, origin):
    assert play(**properties).origin == origin


def test_device_falls_back_to_the_context():
    message = {**track("E", id="a", device=""), "context": {"device": {"type": "tv"}}}
    assert map_message(message, OPTIONAL).interactions[0].device == "tv"
    assert play(device="phone").device == "phone"


@pytest.mark.parametrize(("properties", "value"), [
    ({"price": 3}, 3.0), ({"price": 2.5, "value": 9}, 2.5), ({"price": "2.5", "value": 9}, 9.0),
    ({"price": True, "value": 1}, 1.0), ({"price": None}, None), ({}, None),
])
def test_value_is_the_first_number(properties, value):
    found = play(**properties).value
    assert found == value and (value is None or type(found) is float)


@pytest.mark.parametrize(("position", "total", "progress"), [
    (30, 120, 0.25), (1, 3, 0.3333), (2, 3, 0.6667), (150, 120, 1.0), (-5, 120, 0.0),
    (120, 120, 1.0), (0, 120, 0.0), (30, 0, None), (30, -120, None), (None, 120, None),
    (30, None, None), (True, 120, None), (30, True, None), ("30", 120, None), (30, "120", None),
    (1, 30000, 0.0), (2, 30000, 0.0001), (0.5, 1, 0.5), (0.25, 0.5, 0.5),
])
def test_progress_is_position_over_total_clamped_and_rounded(position, total, progress):
    properties = {k: v for k, v in (("position", position), ("total", total)) if v is not None}
    assert play(**properties).progress == progress


def test_no_progress_rule_no_progress():
    assert map_message(track("Product Clicked", product_id="p", position=1,
                             total_length=2)).interactions[0].progress is None


@pytest.mark.parametrize(("event", "recorded"), [("Named", "Named"), (5, None)])
def test_the_event_name_is_recorded_only_when_it_is_text(event, recorded):
    message = {"type": "identify", "userId": "u", "event": event, "properties": {"id": "a"}}
    assert map_message(message, OPTIONAL).interactions[0].event == recorded


def test_an_anonymous_interaction_is_marked_so():
    message = {"type": "track", "event": "E", "anonymousId": "anon", "properties": {"id": "a"}}
    played = map_message(message, OPTIONAL).interactions[0]
    assert (played.user_id, played.anonymous) == ("anon", True)


# --- traits: what is forwarded -------------------------------------------------------------

def forwarded(traits, rules=None, context=None):
    message = {"type": "identify", "userId": "u", "traits": traits}
    if context is not None:
        message["context"] = context
    return {p.name: p.value for p in map_message(message, rules).user_properties}


def test_traits_forward_booleans_whole_and_finite_numbers_short_text_and_null():
    assert forwarded({"b": False, "i": 0, "f": 2.5, "s": "x" * 64, "long": "x" * 65,
                      "nan": float("nan"), "inf": float("inf"), "-inf": float("-inf"),
                      "none": None, "list": [1], "dict": {"a": 1}, "": "empty name",
                      3: "not text"}) == {"b": False, "i": 0, "f": 2.5, "s": "x" * 64,
                                          "none": None}


def test_a_computed_trait_that_becomes_null_is_recorded_as_null():
    message = {"type": "identify", "userId": "u", "traits": {"favourite_genre": None},
               "context": {"personas": {"computation_class": "trait",
                                        "computation_key": "favourite_genre"}}}
    result = map_message(message)
    assert result.outcome == "recorded"
    assert [(p.name, p.value, p.source) for p in result.user_properties] == [
        ("favourite_genre", None, "engage")]


def test_the_string_limit_comes_from_the_rules():
    rules = parse_rules("user_properties:\n  max_string_length: 3\nrules:\n"
                        "  - name: ids\n    when: type = \"identify\"\n"
                        "    user_properties: traits\n")
    assert forwarded({"a": "abc", "b": "abcd"}, rules) == {"a": "abc"}


@pytest.mark.parametrize("name", ["email", "E-Mail", "first_name", "FirstName", "last name",
                                  "PHONE", "Birthday", "avatar", "address", "name"])
def test_personal_traits_in_any_casing_are_never_forwarded(name):
    assert forwarded({name: "x", "plan": "gold"}) == {"plan": "gold"}


def test_personal_traits_listed_in_any_casing_are_forwarded():
    rules = parse_rules("user_properties:\n  forward_personal_traits: [first_name, Email]\n"
                        "rules:\n  - name: ids\n    when: type = \"identify\"\n"
                        "    user_properties: traits\n")
    assert forwarded({"firstName": "Ann", "e-mail": "a@b", "phone": "1"}, rules) == {
        "firstName": "Ann", "e-mail": "a@b"}


@pytest.mark.parametrize(("personas", "source"), [
    ({"computation_key": "k"}, "engage"), ({}, "identify"), (None, "identify")])
def test_the_source_is_engage_only_when_personas_says_so(personas, source):
    message = {"type": "identify", "userId": "u", "traits": {"k": True},
               "context": {"personas": personas}}
    assert [p.source for p in map_message(message).user_properties] == [source]


@pytest.mark.parametrize("traits", [["plan"], "plan", None])
def test_traits_that_are_not_an_object_forward_nothing(traits):
    result = map_message({"type": "identify", "userId": "u", "traits": traits})
    assert result.code == "no_user_properties"


@pytest.mark.parametrize("key", [None, "", "  ", 5, True])
def test_an_audience_track_without_a_usable_key_is_refused_naming_the_path(key):
    result = map_message(track("Audience Exited", audience_key=key))
    assert (result.outcome, result.code, result.rule) == (
        "refused", "missing_audience_key", "audience-exited")
    assert result.problem.details == {"rule": "audience-exited",
                                      "path": "properties.audience_key"}
    assert result.envelope.user_id == "u1"


# --- conditions read canonical names, of properties, traits and context --------------------

def test_conditions_on_traits_and_context_read_any_casing():
    rules = parse_rules("""
rules:
  - name: gold-tv
    when: type = "identify" and traits.Plan_Type = "gold" and context.Device.TYPE = "tv"
    user_properties: traits
""")
    assert rules.reads_context
    message = {"type": "identify", "userId": "u", "traits": {"planType": "gold"},
               "context": {"device": {"Type": "tv"}}}
    assert map_message(message, rules).rule == "gold-tv"
    message["context"] = {"device": {"Type": "radio"}}
    assert map_message(message, rules).code == "no_rule"


def test_condition_view_canonicalises_context_only_when_it_is_read():
    fields = {"type": "track", "properties": {"Asset_Id": 1}, "traits": {"Plan": "p"},
              "context": {"Page": {"Path": "/"}}, "Other": {"A_B": 1}}
    plain = condition_view(fields, default_rules())
    assert plain == {"type": "track", "properties": {"assetid": 1}, "traits": {"plan": "p"},
                     "context": {"Page": {"Path": "/"}}, "Other": {"A_B": 1}}
    assert condition_view(fields, default_rules(), with_context=True)["context"] == {
        "page": {"path": "/"}}
    reading = parse_rules('rules:\n  - name: c\n    when: context.x = 1\n    ignore: c\n')
    assert condition_view(fields, reading)["context"] == {"page": {"path": "/"}}
    assert fields["properties"] == {"Asset_Id": 1}  # the message itself is untouched
    assert condition_view({"type": "page"}, reading) == {"type": "page"}


def test_the_first_matching_rule_decides():
    rules = parse_rules('rules:\n'
                        '  - name: first\n    when: type = "track"\n    ignore: one\n'
                        '  - name: second\n    when: type = "track"\n    ignore: two\n')
    assert map_message(track("E"), rules).rule == "first"
