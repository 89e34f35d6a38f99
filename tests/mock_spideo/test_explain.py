"""explain(): why a message mapped as it did, rule by rule, up to the one that matched."""

from dataclasses import replace

import pytest

from mock_spideo import RuleSet, map_message, parse_rules
from mock_spideo.engine.explain import RuleTrace, explain, nearest_miss


def rules_file(*rules):
    return parse_rules("rules:\n" + "".join(
        f"  - name: {name}\n    when: '{when}'\n    ignore: {name.replace('-', '_')}\n"
        for name, when in rules))


def test_a_satisfied_or_group_is_not_reported_as_failing():
    rules = rules_file(("r", 'type = "track" and (event = "A" or event = "B")'))
    _, traces = explain({"type": "page", "event": "A", "userId": "u"}, rules)
    assert traces == [RuleTrace("r", False, ("type = 'track': was 'page'",))]


def test_an_or_group_with_no_match_names_each_of_its_conditions():
    rules = rules_file(("r", 'type = "track" and (event = "A" or event = "B")'))
    _, traces = explain({"type": "track", "event": "C", "userId": "u"}, rules)
    assert traces == [RuleTrace("r", False, (
        "none of: event = 'A': was 'C'; event = 'B': was 'C'",))]
    assert map_message({"type": "track", "event": "C", "userId": "u"}, rules).code == "no_rule"


CUSTOM = rules_file(("tracks", 'type = "track" and event = "A"'),
                    ("names", 'name = "Home" or properties.Asset_Id != null'),
                    ("anything", 'type != "x"'),
                    ("never", 'type = "x"'))


def test_explain_uses_the_rules_it_is_given():
    result, traces = explain({"type": "track", "event": "B", "userId": "u",
                              "properties": {"assetId": "a"}}, CUSTOM)
    assert (result.outcome, result.code, result.rule) == ("ignored", "names", "names")
    assert traces == [
        RuleTrace("tracks", False, ("event = 'A': was 'B'",)),
        RuleTrace("names", True, ()),
    ]


def test_every_rule_is_traced_when_none_matches():
    rules = rules_file(("one", 'event = "A"'), ("two", "properties.n >= 3"),
                       ("three", "properties.flag = true"))
    result, traces = explain({"type": "track", "event": "B", "userId": "u",
                              "properties": {"n": 2}}, rules)
    assert result.code == "no_rule"
    assert traces == [
        RuleTrace("one", False, ("event = 'A': was 'B'",)),
        RuleTrace("two", False, ("properties.n >= 3.0: was 2",)),
        RuleTrace("three", False, ("properties.flag is_true: was absent",)),
    ]


def nearest(message: dict, *rules: tuple[str, str]) -> str | None:
    """The rule nearest_miss names for a message no rule matched."""
    _, traces = explain({"type": "track", "userId": "u", **message}, rules_file(*rules))
    miss = nearest_miss(traces)
    return miss.rule if miss else None


def test_the_nearest_miss_has_the_fewest_failed_conditions():
    assert nearest({"event": "Video Started"},
                   ("both", 'event = "Video Started!" and properties.n = 1'),
                   ("one", 'event = "Order Completed"')) == "one"


def test_the_nearest_miss_compares_whole_values_not_their_last_words():
    assert nearest({"event": "Video Playback Started"},
                   ("content", 'event = "Video Content Started"'),
                   ("paused", 'event = "Video Playback Paused"')) == "paused"


def test_the_nearest_miss_compares_a_value_that_holds_the_words_of_its_reason():
    """A message's value holding ': was ' is compared whole, not cut there."""
    assert nearest({"event": "Note: was sent"},
                   ("far", 'event = "sent"'),
                   ("near", 'event = "Note: was sent!"')) == "near"


def test_a_condition_without_a_value_is_no_nearer_than_a_typo():
    assert nearest({"event": "Product Clickd"},
                   ("flag", "properties.flag = true"),
                   ("typo", 'event = "Product Clicked"')) == "typo"


def test_an_or_group_is_as_near_as_its_nearest_alternative():
    assert nearest({"event": "Product Clickd"},
                   ("either", 'event = "Order Completed" or event = "Product Clicked"'),
                   ("single", 'event = "Product Clicker"')) == "either"


def test_closeness_is_the_mean_over_the_failed_conditions_and_1_for_a_match():
    _, traces = explain({"type": "track", "event": "B", "name": "B", "userId": "u"},
                        rules_file(("one", 'event = "A"'), ("two", 'event = "A" and name = "A"'),
                                   ("any", 'type = "track"')))
    one, two, match = traces
    assert 0 < one.closeness < 1 and two.closeness == one.closeness
    assert match.matched and match.closeness == 1.0


def test_no_nearest_miss_once_a_rule_matched_or_without_traces():
    assert nearest({"event": "A"}, ("a", 'event = "A"')) is None
    assert nearest_miss([]) is None
    assert nearest_miss([RuleTrace("r", False, ())]) == RuleTrace("r", False, ())


def test_explain_defaults_to_the_shipped_rules_and_agrees_with_map_message():
    message = {"type": "track", "event": "Product Viewed", "userId": "u",
               "properties": {"product_id": "p1"}}
    result, traces = explain(message)
    assert result == map_message(message)
    assert [t.rule for t in traces][-1] == "product-viewed" and traces[-1].matched
    assert all(not t.matched and t.reasons for t in traces[:-1])
    assert traces[0] == RuleTrace("video-content-started", False, (
        "event = 'Video Content Started': was 'Product Viewed'",))


@pytest.mark.parametrize("message", [None, [1], "text", {"event": "no type"},
                                     {"type": "track", "event": "E"}])
def test_a_message_that_cannot_be_read_has_no_traces(message):
    result, traces = explain(message, CUSTOM)
    assert (result.outcome, traces) == ("refused", [])


def test_a_refused_but_readable_message_is_still_traced():
    result, traces = explain({"type": "screen", "userId": "u", "name": "Home"}, CUSTOM)
    assert result.code == "unsupported_type"
    assert traces == [RuleTrace("tracks", False, ("type = 'track': was 'screen'",
                                                  "event = 'A': was absent")),
                      RuleTrace("names", True, ())]


def test_conditions_on_context_are_explained_in_any_casing():
    rules = rules_file(("tv", 'context.Device.Type = "tv"'))
    _, traces = explain({"type": "track", "event": "E", "userId": "u",
                         "context": {"DEVICE": {"type": "radio"}}}, rules)
    assert traces == [RuleTrace("tv", False, ("context.device.type = 'tv': was 'radio'",))]


@pytest.mark.parametrize(("when", "reasons"), [
    ("properties.x != null", ("properties.x exists: was absent",)),
    ('contains(event, "zz")', ("event contains 'zz': was 'E'",)),
    ('!match(event, "E*")', ("event not_starts_with 'E': was 'E'",)),
    ("properties.n = 5", ("properties.n number_equals 5.0: was '5'",)),
    ('(event = "A" or event = "B") and userId = "v"', (
        "none of: event = 'A': was 'E'; event = 'B': was 'E'", "userId = 'v': was 'u'")),
])
def test_each_failing_condition_is_described(when, reasons):
    _, traces = explain({"type": "track", "event": "E", "userId": "u",
                         "properties": {"n": "5"}}, rules_file(("r", when)))
    assert traces == [RuleTrace("r", False, reasons)]


def test_an_empty_group_in_a_condition_is_skipped_in_the_reasons():
    rules = rules_file(("r", 'event = "A"'))
    rule = rules.rules[0]
    broken = replace(rule, ast={"type": "group", "operator": "and", "children": [
        None, {"type": "group", "operator": "or"}, rule.ast]})
    _, traces = explain({"type": "track", "event": "B", "userId": "u"},
                        RuleSet(rules=(broken,), source="t"))
    assert traces == [RuleTrace("r", False, ("event = 'A': was 'B'",))]


def test_explain_reads_the_context_in_any_casing_even_for_a_hand_made_rule_set():
    """A RuleSet built by hand need not say it reads the context; explain still does."""
    parsed = rules_file(("tv", 'context.Device.Type = "tv"'))
    by_hand = RuleSet(rules=parsed.rules, source="by hand")
    assert not by_hand.reads_context
    _, traces = explain({"type": "track", "event": "E", "userId": "u",
                         "context": {"DEVICE": {"type": "radio"}}}, by_hand)
    assert traces == [RuleTrace("tv", False, ("context.device.type = 'tv': was 'radio'",))]
