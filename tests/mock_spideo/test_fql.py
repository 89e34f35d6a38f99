"""FQL: Segment's semantics, operator by operator, and the strict check for rules files."""

import json
from pathlib import Path

import pytest

from mock_spideo.engine import fql

VECTORS = json.loads((Path(__file__).parent / "data" / "segment_fql_vectors.json").read_text())


def match(expression, message):
    return fql.matches(fql.parse(expression), message)


def test_segment_published_vectors_agree_with_segments_verdicts():
    disagreements = []
    for expression, verdicts in zip(VECTORS["expressions"], VECTORS["matches"], strict=True):
        for payload, expected in zip(VECTORS["payloads"], verdicts, strict=True):
            if match(expression, payload) != expected:
                disagreements.append((expression, payload, expected))
    assert disagreements == [], f"{len(disagreements)} disagreements, first: {disagreements[:3]}"


@pytest.mark.parametrize(("expression", "yes", "no"), [
    ('event = "A"', {"event": "A"}, {"event": "B"}),
    ('event != "A"', {"event": "B"}, {"event": "A"}),
    ("properties.n < 10", {"properties": {"n": 9}}, {"properties": {"n": 10}}),
    ("properties.n <= 10", {"properties": {"n": 10}}, {"properties": {"n": 11}}),
    ("properties.n > 10", {"properties": {"n": 11}}, {"properties": {"n": 10}}),
    ("properties.n >= 10", {"properties": {"n": 10}}, {"properties": {"n": "10"}}),
    ("properties.n = 5", {"properties": {"n": 5.0}}, {"properties": {"n": "5"}}),
    ('properties.n = "5"', {"properties": {"n": "5"}}, {"properties": {"n": 5}}),
    ("properties.n != 5", {"properties": {"n": 6}}, {"properties": {}}),
    ("properties.flag = true", {"properties": {"flag": True}}, {"properties": {"flag": "true"}}),
    ("properties.flag = false", {"properties": {"flag": False}}, {"properties": {"flag": 0}}),
    ("properties.x = null", {"properties": {"x": None}}, {"properties": {"x": 0}}),
    ("properties.x != null", {"properties": {"x": 0}}, {"properties": {}}),
    ('contains(event, "Vid")', {"event": "Video"}, {"event": "Audio"}),
    ('!contains(event, "Vid")', {"event": "Audio"}, {"event": "Video"}),
    ('match(event, "Video*")', {"event": "Video X"}, {"event": "X Video"}),
    ('match(event, "*Started")', {"event": "Video Started"}, {"event": "Started X"}),
    ('!match(event, "Video*")', {"event": "Audio"}, {"event": "Video X"}),
    ('!match(event, "*Started")', {"event": "Started X"}, {"event": "Video Started"}),
    ('type = "track" and event = "A"', {"type": "track", "event": "A"},
     {"type": "page", "event": "A"}),
    ('event = "A" or event = "B"', {"event": "B"}, {"event": "C"}),
    ('type = "track" and (event = "A" or event = "B")', {"type": "track", "event": "B"},
     {"type": "track", "event": "C"}),
    ('userId = "u1"', {"userId": "u1"}, {"userId": "u2"}),
    ("userId != null", {"userId": "u1"}, {"anonymousId": "a"}),
    ('name = "Home"', {"name": "Home"}, {"name": "Away"}),
    ('traits.plan = "gold"', {"traits": {"plan": "gold"}}, {"properties": {"plan": "gold"}}),
    ('context.device.type = "tv"', {"context": {"device": {"type": "tv"}}}, {"context": {}}),
    ("properties.items.length = 2", {"properties": {"items": [1, 2]}},
     {"properties": {"items": [1]}}),
])
def test_each_operator_matches_and_misses(expression, yes, no):
    assert match(expression, yes), f"{expression!r} should match {yes}"
    assert not match(expression, no), f"{expression!r} should not match {no}"


def test_last_conditional_of_a_group_applies_to_all_of_it_as_in_segment():
    ast = fql.parse('event = "A" and event = "B" or event = "C"')
    assert ast["operator"] == "or"
    assert match('event = "A" and event = "B" or event = "C"', {"event": "A"})


def test_nested_parentheses_never_match_as_in_segment():
    assert "error" in fql.parse('((event = "A"))')
    assert not match('((event = "A"))', {"event": "A"})


def test_json_null_payload_matches_nothing():
    assert not match('type != "x"', None)


@pytest.mark.parametrize(("expression", "column", "words"), [
    ('event = "A" and event = "B" or event = "C"', 29, "mixed without parentheses"),
    ('((event = "A"))', 2, "nested parentheses"),
    ('event = "A" and', 16, "expected a field"),
    ('event = "A', 9, "unterminated string"),
    ('events = "A"', 1, "expected a field"),
    ('event "A"', 7, "expected an operator"),
    ('match(event, "A")', 14, "prefix*"),
    ("properties = 1", 1, "needs a path"),
    ('event = "A" $', 13, "invalid character"),
])
def test_check_refuses_with_the_column(expression, column, words):
    with pytest.raises(fql.FqlSyntaxError) as caught:
        fql.check(expression)
    assert caught.value.column == column, caught.value
    assert words in caught.value.reason


def test_check_accepts_every_default_rule_shape():
    ast = fql.check('type = "track" and (event = "A" or match(event, "B*")) and properties.x >= 1')
    assert ast["type"] == "group"


def test_js_string_formats_numbers_as_javascript_does():
    assert [fql.js_string(v) for v in (1.0, 0.5, 1e21, 1e-7, -0.0, 123456789012)] == [
        "1", "0.5", "1e+21", "1e-7", "0", "123456789012"]


@pytest.mark.parametrize("value", [5, -1.5, "A", True, [1], {"y": 1}])
def test_every_value_but_null_has_the_object_prototype_members_as_in_javascript(value):
    """(5).constructor is Number, "A".constructor is String: they exist (Segment agrees)."""
    assert match("properties.x.constructor != null", {"properties": {"x": value}})
    assert match("properties.x.toString != null", {"properties": {"x": value}})
    assert not match("properties.x.colour != null", {"properties": {"x": value}})


@pytest.mark.parametrize(("value", "text"), [(1.25e-5, "0.0000125"), (1.5e-6, "0.0000015"),
                                             (-2.5e-5, "-0.000025"), (1e-6, "0.000001")])
def test_js_string_keeps_every_digit_of_small_numbers(value, text):
    """String(0.0000125) is "0.0000125" in JavaScript: `event = 0.0000125` compares that."""
    assert fql.js_string(value) == text
