"""explain(): why a message mapped as it did, rule by rule, up to the one that matched."""

import pytest

from mock_spideo import map_message, parse_rules
from mock_spideo.engine.explain import RuleTrace, explain


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
