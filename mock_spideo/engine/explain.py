"""Why a message mapped as it did: for each rule up to the one that matched, whether it
matched and, when it did not, which conditions failed and what the message held.

`spideo-sim mapping explain`, scenario failure reports and the UI all read this."""

from __future__ import annotations

from dataclasses import dataclass
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
        reasons = () if matched else tuple(_failures(rule.ast, view))
        traces.append(RuleTrace(rule.name, matched, reasons))
        if matched:
            break
    return result, traces


def nearest_miss(traces: list[RuleTrace]) -> RuleTrace | None:
    """The rule that came closest to matching a message that no rule matched: the fewest
    failed conditions, then the failed values nearest to what the rule wanted (so that
    a typo in an event name finds the rule it was meant for). None if a rule matched."""
    if not traces or any(trace.matched for trace in traces):
        return None
    return min(traces, key=lambda trace: (len(trace.reasons), -_closeness(trace.reasons)))


def _closeness(reasons: tuple[str, ...]) -> float:
    """How alike each failed condition's wanted and actual values are (0 to 1)."""
    ratios = []
    for reason in reasons:
        wanted, _, actual = reason.rpartition(": was ")
        ratios.append(SequenceMatcher(None, wanted.split(" ", 2)[-1], actual).ratio())
    return sum(ratios) / len(ratios) if ratios else 0.0


def _describe(condition: dict[str, Any], view: dict[str, Any]) -> str:
    actual = fql.field_value(condition, view)
    shown = "absent" if actual is fql.UNDEFINED else repr(actual)
    wanted = condition.get("operator")
    if "value" in condition:
        wanted = f"{wanted} {condition['value']!r}"
    return f"{fql.field_name(condition)} {wanted}: was {shown}"


def _failures(node: dict[str, Any], view: dict[str, Any]) -> list[str]:
    if node.get("type") != "group":
        return [] if fql.matches({"type": "group", "operator": "and", "children": [node]},
                                 view) else [_describe(node, view)]
    if node.get("operator") == "or" and fql.matches(node, view):
        return []  # one of its conditions holds: the group is not why the rule failed
    failing = [reason for child in node.get("children", []) if child
               for reason in _failures(child, view)]
    if node.get("operator") == "or" and failing:
        return ["none of: " + "; ".join(failing)]
    return failing
