"""Checking a scenario's `expect` block: one checker per key, chosen from a table, each
naming every difference between what was expected and what arrived."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mock_spideo.segment import Reply, parse_time
from simulator.deliver import Ledger, route
from simulator.testing.loading import Scenario
from simulator.testing.targets import Target

__all__ = ["CHECKERS", "INTERACTION_FIELDS", "check_expectations", "diff_interactions",
           "matches"]

INTERACTION_FIELDS = ("type", "user_id", "content_id", "timestamp", "origin", "device",
                      "progress", "value", "message_id", "event", "anonymous")
# What a REST API lists of an interaction (event and anonymous are the mock's own).
REST_FIELDS = INTERACTION_FIELDS[:9]


def matches(expected: Any, actual: Any) -> bool:
    """A matcher (see the schema) against a recorded value."""
    if isinstance(expected, dict):
        (kind, argument), = expected.items()
        if kind == "any":
            return True
        if kind == "regex":
            return actual is not None and re.fullmatch(argument, str(actual)) is not None
        if kind == "iso-datetime":
            return parse_time(actual) is not None
        if kind == "approx":
            return isinstance(actual, (int, float)) and math.isclose(actual, argument,
                                                                     rel_tol=1e-3, abs_tol=1e-6)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    return bool(expected == actual)


def _count_ok(spec: Any, actual: int) -> bool:
    if isinstance(spec, int):
        return actual == spec
    return bool(spec.get("at_least", 0) <= actual <= spec.get("at_most", math.inf))


def show(value: Any) -> str:
    """A value as JSON, for failure messages."""
    return json.dumps(value, ensure_ascii=False, default=str)


def brief(row: dict[str, Any]) -> dict[str, Any]:
    """An interaction's set fields, for failure messages."""
    return {k: row.get(k) for k in INTERACTION_FIELDS if row.get(k) is not None}


def diff_interactions(expected: list[dict[str, Any]], recorded: list[dict[str, Any]],
                      ordered: bool, comparable: tuple[str, ...]) -> list[str]:
    """Lines naming each expected interaction with no match (and the closest recorded
    one's differing fields) and each recorded interaction nobody expected."""
    if ordered:
        return _diff_in_order(expected, recorded, comparable)
    problems = []
    unmatched = list(range(len(recorded)))
    missing = []
    for index, want in enumerate(expected):
        hit = next((r for r in unmatched if all(
            matches(want[f], recorded[r].get(f)) for f in want if f in comparable)), None)
        if hit is None:
            missing.append(index)
        else:
            unmatched.remove(hit)
    for index in missing:
        want = expected[index]
        line = f"expected interaction {show(want)} was not recorded"
        if unmatched:
            closest = min(unmatched, key=lambda r: sum(
                not matches(want[f], recorded[r].get(f)) for f in want if f in comparable))
            got = recorded[closest]
            differing = [f"{f}: expected {show(want[f])}, recorded {show(got.get(f))}"
                         for f in want if f in comparable and not matches(want[f], got.get(f))]
            line += f"; closest recorded differs in {'; '.join(differing)}"
            unmatched.remove(closest)
        problems.append(line)
    problems += [f"unexpected interaction recorded: {show(brief(recorded[r]))}"
                 for r in unmatched]
    return problems


def _diff_in_order(expected: list[dict[str, Any]], recorded: list[dict[str, Any]],
                   comparable: tuple[str, ...]) -> list[str]:
    problems = []
    pairs = list(zip(expected, recorded, strict=False))
    for index, (want, got) in enumerate(pairs):
        for name in (f for f in want if f in comparable and not matches(want[f], got.get(f))):
            problems.append(f"interaction #{index + 1} {name}: expected "
                            f"{show(want[name])}, recorded {show(got.get(name))}")
    for index in range(len(pairs), len(expected)):
        problems.append(f"interaction #{index + 1} expected {show(expected[index])}: "
                        "not recorded")
    for index in range(len(pairs), len(recorded)):
        problems.append(f"unexpected interaction #{index + 1}: {show(brief(recorded[index]))}")
    return problems


@dataclass
class Observed:
    """What a scenario's run produced, as the checkers read it."""

    scenario: Scenario
    target: Target
    replies: list[Reply]
    ledger: Ledger | None
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _recorded: list[dict[str, Any]] | None = None

    def fail(self, text: str) -> None:
        self.failures.append(text)

    @property
    def recorded(self) -> list[dict[str, Any]]:
        """The interactions the target recorded for the scenario's users (read once)."""
        if self._recorded is None:
            self._recorded = self.target.interactions(self.scenario.users())
        return self._recorded

    @property
    def comparable(self) -> tuple[str, ...]:
        return INTERACTION_FIELDS if self.target.reads_journal else REST_FIELDS


def _status(spec: Any, seen: Observed) -> None:
    for index, reply in enumerate(seen.replies):
        if reply.status != spec and not (
                seen.scenario.delivered and route(seen.scenario.given[index].message)):
            seen.fail(f"message #{index + 1}: status expected {spec}, got "
                      f"{reply.status} {show(reply.body)}")


def _responses(spec: Any, seen: Observed) -> None:
    if len(spec) != len(seen.replies):
        seen.fail(f"responses: {len(spec)} expected for {len(seen.replies)} messages")
    for index, (want, reply) in enumerate(zip(spec, seen.replies, strict=False)):
        if "status" in want and not matches(want["status"], reply.status):
            seen.fail(f"message #{index + 1}: status expected {want['status']}, got "
                      f"{reply.status} {show(reply.body)}")
        if "code" in want and not matches(want["code"], reply.code):
            seen.fail(f"message #{index + 1}: code expected {show(want['code'])}, got "
                      f"{show(reply.code)}")
        if "problems" in want and sorted(reply.warnings) != sorted(want["problems"]):
            seen.fail(f"message #{index + 1}: problems expected {want['problems']}, got "
                      f"{reply.warnings}")


def _problems(spec: Any, seen: Observed) -> None:
    if seen.target.reads_journal:
        reported = seen.target.problems()
    else:
        reported = [code for reply in seen.replies for code in reply.problems if code]
    if Counter(reported) != Counter(spec):
        seen.fail(f"problems expected {sorted(spec)}, reported {sorted(reported)}")


def _interactions(spec: Any, seen: Observed) -> None:
    skipped = {f for item in spec for f in item if f not in seen.comparable}
    if skipped:
        seen.notes.append(f"fields not readable through the REST API, not checked: "
                          f"{sorted(skipped)}")
    seen.failures += diff_interactions(spec, seen.recorded,
                                       seen.scenario.expect.get("ordered", False),
                                       seen.comparable)


def _interaction_counts(spec: Any, seen: Observed) -> None:
    for kind, count_spec in spec.items():
        count = sum(1 for row in seen.recorded if row["type"] == kind)
        if not _count_ok(count_spec, count):
            seen.fail(f"interaction_counts {kind}: expected {show(count_spec)}, recorded {count}")


def _no_interactions(spec: Any, seen: Observed) -> None:
    for user in spec:
        theirs = [brief(row) for row in seen.recorded if row["user_id"] == user]
        if theirs:
            seen.fail(f"user {user!r} must have no interactions, has {show(theirs)}")


def _user_properties(spec: Any, seen: Observed) -> None:
    found = seen.target.user_properties(list(spec))
    for user, properties in spec.items():
        for name, want in properties.items():
            got = found.get(user, {}).get(name)
            if not matches(want, got):
                seen.fail(f"user {user!r} property {name}: expected {show(want)}, "
                          f"recorded {show(got)}")


def _outcomes(spec: Any, seen: Observed) -> None:
    if seen.ledger is None:
        seen.fail("outcomes are only known when messages are delivered (faults or generate)")
        return
    for kind, count_spec in spec.items():
        count = seen.ledger.outcomes.get(kind, 0)
        if not _count_ok(count_spec, count):
            seen.fail(f"outcomes {kind}: expected {show(count_spec)}, got {count}")


def _retries(spec: Any, seen: Observed) -> None:
    if seen.ledger is None:
        seen.fail("retries are only known when messages are delivered (faults or generate)")
    elif not _count_ok(spec, seen.ledger.retries):
        seen.fail(f"retries: expected {show(spec)}, got {seen.ledger.retries}")


# One checker per `expect` key (`ordered` modifies `interactions`, it checks nothing).
CHECKERS: dict[str, Callable[[Any, Observed], None]] = {
    "status": _status,
    "responses": _responses,
    "problems": _problems,
    "interactions": _interactions,
    "interaction_counts": _interaction_counts,
    "no_interactions": _no_interactions,
    "user_properties": _user_properties,
    "outcomes": _outcomes,
    "retries": _retries,
}


def check_expectations(scenario: Scenario, target: Target, replies: list[Reply],
                       ledger: Ledger | None) -> tuple[list[str], list[str]]:
    """Every failed expectation of the scenario, and notes on what was not checked."""
    seen = Observed(scenario, target, replies, ledger)
    for key in CHECKERS:
        if key in scenario.expect:
            CHECKERS[key](scenario.expect[key], seen)
    return seen.failures, seen.notes
