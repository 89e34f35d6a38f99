"""Rules files: loading, validation errors that point at the rule, field and line."""

import pytest

from mock_spideo import RulesError, default_rules, parse_rules

GOOD = """
rules:
  - name: plays
    when: type = "track" and event = "Video Content Started"
    interaction: play
    content_id: [properties.asset_id]
"""


def test_default_rules_load_with_every_required_rule():
    names = {rule.name for rule in default_rules().rules}
    assert {"video-content-started", "video-content-watched", "video-playback-started",
            "video-content-completed", "video-playback-completed", "video-heartbeat",
            "video-playback-state", "product-clicked", "product-viewed", "order-completed",
            "product-added-to-wishlist", "product-shared", "product-reviewed-like",
            "product-reviewed-dislike", "audience-entered", "audience-exited",
            "identify-traits"} <= names


def test_a_good_file_loads():
    rules = parse_rules(GOOD)
    assert rules.rules[0].interaction == "play"
    assert rules.rules[0].line == 3


@pytest.mark.parametrize(("text", "line", "field", "words"), [
    (GOOD.replace('event = "Video Content Started"', 'event = "A" or'), 4, "when",
     "FQL syntax error at column"),
    (GOOD.replace("interaction: play", "interaction: watch"), 5, "interaction",
     "not in the vocabulary"),
    (GOOD.replace("content_id: [properties.asset_id]", "content_id: ['properties..x']"), 6,
     "content_id", "cannot read"),
    (GOOD.replace("    content_id: [properties.asset_id]\n", ""), 3, "content_id", "needs"),
    (GOOD + "    colour: blue\n", 7, "colour", "unknown key"),
    (GOOD + "  - name: plays\n    when: type = \"identify\"\n    user_properties: traits\n", 7,
     "name", "two rules have this name"),
])
def test_a_bad_file_names_rule_field_reason_and_line(text, line, field, words):
    with pytest.raises(RulesError) as caught:
        parse_rules(text, source="my_rules.yaml")
    error = caught.value
    assert (error.line, error.field) == (line, field), str(error)
    assert words in error.reason
    assert str(error).startswith(f"my_rules.yaml:{line}: rule ")


def test_fql_error_reports_the_column_inside_the_expression():
    with pytest.raises(RulesError) as caught:
        parse_rules(GOOD.replace('event = "Video Content Started"', 'event = "A" $'))
    assert "column 32" in str(caught.value)


def test_not_yaml_reports_the_line():
    with pytest.raises(RulesError) as caught:
        parse_rules("rules:\n  - name: [unclosed\n")
    assert caught.value.line is not None


def test_aliases_resolve_to_vocabulary_types():
    rules = parse_rules(GOOD.replace("interaction: play", "interaction: Purchase"))
    assert rules.rules[0].interaction == "buy"


@pytest.mark.parametrize(("key", "line", "text"), [
    ("user_properties", 4, "  - name: ids\n    when: type = \"identify\"\n"
                           "    user_properties: [traits, properties]\n"),
    ("for_each", 7, GOOD.replace("content_id: [properties.asset_id]",
                                 "content_id: [item.id]\n    for_each: [properties.a, "
                                 "properties.b]")),
    ("progress", 7, GOOD + "    progress: {position: [properties.a, properties.b], "
                           "total: properties.t}\n"),
])
def test_a_list_where_one_path_is_wanted_is_refused_at_its_line(key, line, text):
    if not text.startswith("\n"):
        text = "rules:\n" + text
    with pytest.raises(RulesError) as caught:
        parse_rules(text, source="my_rules.yaml")
    assert (caught.value.field, caught.value.line) == (key, line), str(caught.value)
    assert caught.value.reason == "takes one path, not a list of 2"
