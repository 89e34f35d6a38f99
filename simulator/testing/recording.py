"""Approval testing: a scenario file whose expectations are what the mock does now.

Real traffic becomes a contract test the way WireMock records stubs and Jest writes
snapshots: `record` runs messages through a fresh in-process mock and writes what it
answered and recorded (responses, problems, interactions, user properties) as the
scenario's `expect` block; `rerecord` does the same for an existing file after an
intended change to the rules, rewriting only its `expect` block (comments and messages
above it are kept) so the change shows as a diff a reviewer can read.

Every value is written as one line of JSON (valid YAML), so a recorded file diffs item
by item and no string is ever re-typed by YAML (a date stays a string).
"""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from mock_spideo import RuleSet, default_rules, load_rules
from mock_spideo.files import parse_yaml
from simulator.generate import complete_message
from simulator.testing.expectations import brief
from simulator.testing.loading import Given, Scenario, ScenarioError, load_scenario
from simulator.testing.runner import run_scenario
from simulator.testing.targets import InProcessTarget

__all__ = ["Recording", "record", "rerecord"]

_EXPECT = re.compile(r"^expect:", re.MULTILINE)
_TOP_LEVEL = re.compile(r"^[^\s#]", re.MULTILINE)


@dataclass(frozen=True)
class Recording:
    """A scenario file's text, before and after (empty before for a new file)."""

    path: Path
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        """A unified diff of the file, as `git diff` shows it."""
        return "".join(difflib.unified_diff(
            self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
            f"a/{self.path.name}", f"b/{self.path.name}"))


def record(messages: list[dict[str, Any]], out: Path, name: str, source: str,
           rules_path: Path | None = None) -> Recording:
    """A new scenario file at `out` for these messages, expecting what a fresh mock with
    these rules (the default ones if None) does with them now. Nothing is written: the
    caller writes `after` once it has decided to."""
    rules: RuleSet = load_rules(rules_path) if rules_path else default_rules()
    relative_rules = _relative(rules_path, out.parent) if rules_path else None
    scenario = Scenario(path=out, name=name, description="", rules=rules, given=[
        Given(complete_message(m, index)) for index, m in enumerate(messages)], expect={})
    lines = [f"# Recorded by `spideo-sim scenario record` from {source} on "
             f"{datetime.now(UTC):%Y-%m-%d}.",
             "# The expectations are what the mock did then; after an intended change to "
             "the rules,",
             f"# re-record them with: spideo-sim scenario record --update --out {out}",
             f"name: {_json(name)}",
             f"description: {_json(f'{len(messages)} messages from {source}')}"]
    if relative_rules:
        lines.append(f"rules: {_json(relative_rules)}")
    lines.append("given:")
    lines += [f"  - {_json(message)}" for message in messages]
    text = "\n".join(lines) + "\n" + _expect_block(_observe(scenario))
    return Recording(out, "", text)


def rerecord(path: Path) -> Recording:
    """The scenario file at `path` with its `expect` block replaced by what the mock does
    now with its messages; everything above `expect:` is kept as written."""
    scenario = load_scenario(path)
    before = path.read_text(encoding="utf-8")
    start = _EXPECT.search(before)
    if start is None:
        raise ScenarioError(path, "expect", "no top-level 'expect:' line to replace")
    following = _TOP_LEVEL.search(before, start.end())
    end = following.start() if following else len(before)
    after = before[:start.start()] + _expect_block(_observe(scenario)) + before[end:]
    return Recording(path, before, after)


def _observe(scenario: Scenario) -> dict[str, Any]:
    """What a fresh in-process mock answered and recorded for the scenario, as an
    `expect` block."""
    target = InProcessTarget()
    result = run_scenario(scenario, target)
    journal = target.journal
    expect: dict[str, Any] = {"responses": []}
    for reply in result.replies:
        response: dict[str, Any] = {"status": reply.status}
        if reply.code:
            response["code"] = reply.code
        if reply.warnings:
            response["problems"] = list(reply.warnings)
        expect["responses"].append(response)
    expect["problems"] = [row["code"] for row in journal.problems()]
    expect["ordered"] = True
    expect["interactions"] = [brief(row) for row in journal.interactions()]
    properties = {user: found for user, found in target.user_properties(
        scenario.users()).items() if found}
    if properties:
        expect["user_properties"] = properties
    if result.ledger is not None:
        expect["outcomes"] = {kind: count for kind, count in result.ledger.outcomes.items()
                              if count}
        expect["retries"] = result.ledger.retries
    return expect


def _expect_block(expect: dict[str, Any]) -> str:
    lines = ["expect:"]
    for key, value in expect.items():
        if isinstance(value, list) and value:
            lines.append(f"  {key}:")
            lines += [f"    - {_json(item)}" for item in value]
        elif isinstance(value, dict) and value and key == "user_properties":
            lines.append(f"  {key}:")
            lines += [f"    {_json(user)}: {_json(found)}" for user, found in value.items()]
        else:
            lines.append(f"  {key}: {_json(value)}")
    return "\n".join(lines) + "\n"


def _json(value: Any) -> str:
    """One line of JSON that YAML reads back as the same value: readable Unicode where
    YAML allows it, escaped where it does not (YAML refuses some code points)."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        if parse_yaml(f"v: {text}")["v"] == value:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(value)


def _relative(path: Path, folder: Path) -> str:
    """`path` as the scenario file names it: relative to the file's folder."""
    return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()
