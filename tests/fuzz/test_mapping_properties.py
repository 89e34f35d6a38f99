"""Properties of map_message: total, well-formed, deterministic, casing-invariant, and
faithful to each default rule."""

from datetime import UTC, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mock_spideo import PROBLEM_CODES, default_rules, map_message, vocabulary
from mock_spideo.engine import fql
from mock_spideo.engine.paths import canonical_tree
from mock_spideo.segment import canonical_key
from simulator.testing.strategies import (
    adversarial_json,
    messages_matching,
    recased,
    segment_messages,
)
from tests.fuzz.regressions import exporting
from tests.fuzz.rules_under_test import rules_under_test

RULES = rules_under_test()
KNOWN_CODES = PROBLEM_CODES | RULES.ignore_codes | {"recorded"}
OUTCOMES = {"recorded", "ignored", "refused"}


@given(adversarial_json())
def test_map_message_is_total(message):
    expect = {"responses": [{"status": {"regex": "200|4\\d\\d|501"}}]}
    with exporting("total", message, expect):
        result = map_message(message, RULES)
        assert result.outcome in OUTCOMES
        assert result.code in KNOWN_CODES, result.code
        assert bool(result.interactions or result.user_properties) == (
            result.outcome == "recorded")


def event_time(message):
    for name in ("timestamp", "originalTimestamp", "sentAt", "receivedAt"):
        if message.get(name) is not None:
            moment = datetime.fromisoformat(message[name])
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return None


@given(segment_messages())
def test_every_interaction_is_well_formed(message):
    result = map_message(message, RULES)
    for item in result.interactions:
        with exporting("well-formed", message, {"interactions": [
                {"type": {"regex": "|".join(vocabulary().names)}, "user_id": {"regex": ".+"},
                 "content_id": {"regex": "(?s).+"}, "timestamp": event_time(message)}]}):
            assert item.type in vocabulary().types
            assert item.user_id.strip() and item.content_id.strip()
            assert item.timestamp == event_time(message)


def summary(result):
    return (result.outcome, result.code,
            [(i.type, i.user_id, i.content_id, i.timestamp, i.origin, i.device, i.progress,
              i.value) for i in result.interactions],
            [(canonical_key(p.name), p.value, p.source) for p in result.user_properties])


@given(st.one_of(segment_messages(), adversarial_json()))
def test_mapping_is_deterministic(message):
    assert summary(map_message(message, RULES)) == summary(map_message(message, RULES))


@given(segment_messages().flatmap(lambda m: st.tuples(st.just(m), recased(m))))
def test_mapping_ignores_field_casing(pair):
    message, renamed = pair
    with exporting("casing", renamed, {"responses": [
            {"status": map_message(message, RULES).status}]}):
        assert summary(map_message(renamed, RULES)) == summary(map_message(message, RULES))


def first_match(message, rules):
    view = {**message, **{k: canonical_tree(message[k]) for k in ("properties", "traits",
                                                                   "context") if k in message}}
    return next((r for r in rules.rules if fql.matches(r.ast, view)), None)


INTERACTION_RULES = [rule for rule in default_rules().rules if rule.interaction]


@pytest.mark.parametrize("rule", INTERACTION_RULES, ids=[r.name for r in INTERACTION_RULES])
@given(data=st.data())
def test_each_default_rule_yields_its_interaction(rule, data):
    message = data.draw(messages_matching(rule))
    assume(first_match(message, default_rules()) is rule)
    reference = map_message(message, default_rules())
    expected = [{"type": i.type, "content_id": i.content_id} for i in reference.interactions]
    with exporting(f"rule-{rule.name}", message, {"responses": [{"status": 200}],
                                                   "interactions": expected}):
        result = map_message(message, RULES)
        assert result.outcome == "recorded", result.message
        assert [i.type for i in result.interactions] == [rule.interaction] * len(expected)
        assert [{"type": i.type, "content_id": i.content_id}
                for i in result.interactions] == expected


@given(data=st.data())
def test_audience_rules_set_the_audience_key(data):
    for rule in (r for r in default_rules().rules if r.user_property):
        message = data.draw(messages_matching(rule))
        assume(first_match(message, default_rules()) is rule)
        result = map_message(message, RULES)
        assert [p.value for p in result.user_properties] == [rule.user_property[1]]
