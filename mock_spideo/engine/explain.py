"""Why a message mapped as it did: for each rule up to the one that matched, whether it
matched and, when it did not, which conditions failed and what the message held.

`spideo-sim mapping explain`, scenario failure reports and the UI all read this."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from mock_spideo.engine import fql
from mock_spideo.engine.mapping import MappingResult, condition_view, map_message
from mock_spideo.engine.rules import RuleSet, default_rules

__all__ = ["RuleTrace", "explain", "nearest_miss"]


@dataclass(frozen=True)
class RuleTrace:
    """Why one rule did or did not match a message."""

    rule: str
    matched: bool
    reasons: tuple[str, ...]
    # How alike the failed conditions' values were to what the rule wanted, 0 to 1 (the
    # mean; an `or` group counts its nearest alternative; 1 when none failed):
    # nearest_miss's tie-breaker.
    closeness: float = field(default=0.0, compare=False)


def explain(message: Any, rules: RuleSet | None = None) -> tuple[MappingResult, list[RuleTrace]]:
    """The result of map_message, and for each rule up to the match why it (did not) match."""
    rules = rules or default_rules()
    result = map_message(message, rules)
    traces: list[RuleTrace] = []
    if not isinstance(message, dict) or result.envelope is None:
        return result, traces
    view = condition_view(result.envelope.fields, rules, with_context=True)
    for rule in rules.rules:
        matched = fql.matches(rule.ast, view)
        failures = [] if matched else _failures(rule.ast, view)
        traces.append(RuleTrace(rule.name, matched, tuple(reason for reason, _ in failures),
                                _mean(alike for _, alike in failures)))
        if matched:
            break
    return result, traces


def nearest_miss(traces: list[RuleTrace]) -> RuleTrace | None:
    """The rule that came closest to matching a message that no rule matched: the fewest
    failed conditions, then the failed values nearest to what the rule wanted (so that
    a typo in an event name finds the rule it was meant for). None if a rule matched."""
    if not traces or any(trace.matched for trace in traces):
        return None
    return min(traces, key=lambda trace: (len(trace.reasons), -trace.closeness))


def _mean(values: Iterable[float]) -> float:
    listed = list(values)
    return sum(listed) / len(listed) if listed else 1.0


def _describe(condition: dict[str, Any], view: dict[str, Any]) -> tuple[str, float]:
    """A failed condition in words, and how alike its value and the message's are."""
    actual = fql.field_value(condition, view)
    shown = "absent" if actual is fql.UNDEFINED else repr(actual)
    wanted = condition.get("operator")
    if "value" not in condition:  # is_true, exists, ...: no value to compare
        return f"{fql.field_name(condition)} {wanted}: was {shown}", 0.0
    value = repr(condition["value"])
    return (f"{fql.field_name(condition)} {wanted} {value}: was {shown}",
            SequenceMatcher(None, value, shown).ratio())


def _failures(node: dict[str, Any], view: dict[str, Any]) -> list[tuple[str, float]]:
    """Why a condition or group does not hold: each failed condition in words, with its
    closeness (see RuleTrace)."""
    if node.get("type") != "group":
        return [] if fql.matches({"type": "group", "operator": "and", "children": [node]},
                                 view) else [_describe(node, view)]
    if node.get("operator") == "or" and fql.matches(node, view):
        return []  # one of its conditions holds: the group is not why the rule failed
    failing = [failure for child in node.get("children", []) if child
               for failure in _failures(child, view)]
    if node.get("operator") == "or" and failing:
        return [("none of: " + "; ".join(reason for reason, _ in failing),
                 max(alike for _, alike in failing))]
    return failing
