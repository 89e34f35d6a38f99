"""Scenario files: "when our app sends this, Spideo must record that", as YAML.

A scenario is validated against schemas/scenario.schema.json, then run against a target:
the in-process mock (a fresh one per scenario) or any Spideo-compatible endpoint, which
is then checked only through its REST API. Failures name every differing field and, for
each message, which rule matched and why the earlier rules did not.
"""

from __future__ import annotations

import base64
import json
import math
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import orjson
import urllib3
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from mock_spideo import LiveServer, MockConfig, RuleSet, create_app, default_rules, explain
from mock_spideo.engine.envelope import parse_time
from mock_spideo.engine.rules import RulesError, load_rules
from mock_spideo.http.rest_api import normalise_catalog
from simulator.deliver.delivery import Deliverer, Destination, FakeClock, Ledger, route
from simulator.generate.messages import complete_message
from simulator.generate.profile import load_profile
from simulator.generate.stream import Simulation

__all__ = ["HttpTarget", "InProcessTarget", "Scenario", "ScenarioError", "load_scenario",
           "run_scenario"]

INTERACTION_FIELDS = ("type", "user_id", "content_id", "timestamp", "origin", "device",
                      "progress", "value", "message_id", "event", "anonymous")


class ScenarioError(ValueError):
    """A scenario file that cannot be run: names the file, the path in it and the reason."""

    def __init__(self, file: Path, where: str, reason: str) -> None:
        super().__init__(f"{file}: at {where or '(top)'}: {reason}")
        self.file, self.where, self.reason = file, where, reason


@dataclass
class Given:
    """One request to send: a message (completed), extra headers, or a raw body."""

    message: Any
    headers: dict[str, str | None] = field(default_factory=dict)
    body: bytes | None = None

    def encoded(self) -> bytes:
        return self.body if self.body is not None else orjson.dumps(self.message)


@dataclass
class Scenario:
    path: Path
    name: str
    description: str
    rules: RuleSet
    given: list[Given]
    expect: dict[str, Any]
    api_key: str | None = None
    client: str | None = None
    catalog: list[dict[str, Any]] | None = None
    faults: Any = None
    generated: bool = False

    @property
    def delivered(self) -> bool:
        """Sent through Segment's delivery (routing, retries) rather than one POST each."""
        return self.faults is not None or self.generated

    def users(self) -> list[str]:
        found: dict[str, None] = {}
        for given in self.given:
            if isinstance(given.message, dict):
                for key in ("userId", "user_id", "anonymousId", "anonymous_id"):
                    if isinstance(given.message.get(key), str):
                        found[given.message[key]] = None
        for item in self.expect.get("interactions", []):
            if isinstance(item.get("user_id"), str):
                found[item["user_id"]] = None
        for user in [*self.expect.get("user_properties", {}), *self.expect.get(
                "no_interactions", [])]:
            found[user] = None
        return list(found)


@cache
def _validator() -> Draft202012Validator:
    text = resources.files("simulator").joinpath("schemas/scenario.schema.json").read_text()
    return Draft202012Validator(json.loads(text))


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; ScenarioError says where and why it is bad."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(path, "", f"cannot read YAML: {exc}") from None
    error = best_match(_validator().iter_errors(data))
    if error is not None:
        raise ScenarioError(path, "/".join(map(str, error.absolute_path)), error.message)
    rules = default_rules()
    if data.get("rules") not in (None, "default"):
        try:
            rules = load_rules(path.parent / data["rules"])
        except (RulesError, OSError) as exc:
            raise ScenarioError(path, "rules", str(exc)) from None
    settings = data.get("settings") or {}
    given_data = data["given"]
    generated = isinstance(given_data, dict)
    if generated:
        spec = given_data["generate"]
        profile = load_profile(path.parent / spec["profile"] if spec.get("profile") else None,
                               **{"population.users": spec.get("users", 3)})
        sim = Simulation(profile=profile, seed=spec["seed"], days=spec.get("days", 0.25))
        messages = sim.messages()
        limit = spec.get("limit")
        given = [Given(m) for i, m in enumerate(messages) if limit is None or i < limit]
    else:
        given = []
        for index, raw in enumerate(given_data):
            message = {k: v for k, v in raw.items() if k not in ("_headers", "_body")}
            body = raw["_body"].encode() if "_body" in raw else None
            given.append(Given(complete_message(message, index) if message else message,
                               raw.get("_headers", {}), body))
    return Scenario(path=path, name=data["name"], description=data.get("description", ""),
                    rules=rules, given=given, expect=data["expect"], api_key=settings.get(
                        "apiKey"), client=settings.get("client"), catalog=data.get("catalog"),
                    faults=data.get("faults"), generated=generated)


# --- targets ---------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: Any

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None

    @property
    def warnings(self) -> list[str]:
        problems = self.body.get("problems") if isinstance(self.body, dict) else None
        return [p.get("code") for p in problems or [] if isinstance(p, dict)]

    @property
    def problems(self) -> list[str]:
        """The problem codes this answer reports: a refusal's, a duplicate's, warnings."""
        refused = self.status >= 400 or (isinstance(self.body, dict)
                                         and self.body.get("status") == "duplicate")
        return ([self.code] if refused and self.code else []) + self.warnings


def segment_headers(api_key: str, client: str) -> dict[str, str]:
    settings = base64.b64encode(orjson.dumps({"client": client})).decode()
    return {"Authorization": "Basic " + base64.b64encode(f"{api_key}:".encode()).decode(),
            "X-Segment-Settings": settings, "Content-Type": "application/json",
            "User-Agent": "Segment.io/1.0"}


def _headers(given: Given, api_key: str, client: str) -> dict[str, str]:
    headers = segment_headers(api_key, client)
    for name, value in given.headers.items():
        match = next((h for h in headers if h.lower() == name.lower()), name)
        headers.pop(match, None)
        if value is not None:
            headers[name] = value
    return headers


class Target(Protocol):
    """Where a scenario runs: send requests, then read what was recorded."""

    api_key: str
    client: str
    endpoint: str | None
    reads_journal: bool

    def prepare(self, scenario: Scenario) -> None: ...

    def send(self, given: Given, api_key: str, client: str) -> Reply: ...

    def interactions(self, users: list[str]) -> list[dict[str, Any]]: ...

    def user_properties(self, users: list[str]) -> dict[str, dict[str, Any]]: ...

    def problems(self) -> list[str]: ...

    def close(self) -> None: ...


class InProcessTarget:
    """A fresh mock Spideo per scenario (its rules, catalog and faults), in this process."""

    reads_journal = True

    def __init__(self, client: str = "demo", api_key: str = "demo-key") -> None:
        self.client, self.api_key = client, api_key
        self.app: Any = None
        self.http: Any = None  # the app's test client
        self.server: LiveServer | None = None
        self.endpoint: str | None = None

    def prepare(self, scenario: Scenario) -> None:
        self.app = create_app(MockConfig(clients={self.client: self.api_key},
                                         rules=scenario.rules))
        self.http = self.app.test_client()
        state = self.app.extensions["mock_spideo"]
        if scenario.catalog:
            state.load_catalog(self.client, normalise_catalog(scenario.catalog))
        if scenario.faults is not None:
            state.faults.add(scenario.faults)
        if scenario.delivered:
            self.server = LiveServer(self.app).start()
            self.endpoint = self.server.url + "/segment"

    def send(self, given: Given, api_key: str, client: str) -> Reply:
        reply = self.http.post("/segment", data=given.encoded(),
                                            headers=_headers(given, api_key, client))
        return Reply(reply.status_code, reply.get_json(silent=True))

    @property
    def _journal(self) -> Any:
        return self.app.extensions["mock_spideo"].journal

    def interactions(self, users: list[str]) -> list[dict[str, Any]]:
        return self._journal.interactions()

    def user_properties(self, users: list[str]) -> dict[str, dict[str, Any]]:
        return {user: self._journal.user(self.client, user)["properties"] for user in users}

    def problems(self) -> list[str]:
        return [row["code"] for row in self._journal.problems()]

    def close(self) -> None:
        if self.server:
            self.server.stop()
            self.server = None


class HttpTarget:
    """A running Spideo-compatible service, read only through its REST API."""

    reads_journal = False

    def __init__(self, url: str, api_key: str, client: str) -> None:
        self.base = url.rstrip("/")
        self.endpoint = self.base + "/segment"
        self.api_key, self.client = api_key, client
        self._http = urllib3.PoolManager(retries=False, timeout=30)
        self.nonce = uuid.uuid4().hex[:12]

    def _rest(self, method: str, path: str) -> Reply:
        response = self._http.request(method, f"{self.base}/{quote(self.client, safe='')}{path}",
                                      headers={"x-api-key": self.api_key})
        try:
            body = orjson.loads(response.data)
        except orjson.JSONDecodeError:
            body = None
        return Reply(response.status, body)

    def prepare(self, scenario: Scenario) -> None:
        """Start from a clean slate for the scenario's users, and give its messageIds a
        run prefix so re-running against the same service is not a duplicate."""
        for user in scenario.users():
            self._rest("DELETE", f"/users/{quote(user, safe='')}")
            self._rest("PUT", f"/users/{quote(user, safe='')}?tracked=true")
        for given in scenario.given:
            message = given.message
            if isinstance(message, dict) and isinstance(message.get("messageId"), str):
                prefixed = f"{self.nonce}-{message['messageId']}"
                if len(prefixed) <= 100:  # a longer id is kept as it is (and stays refused)
                    message["messageId"] = prefixed

    def send(self, given: Given, api_key: str, client: str) -> Reply:
        response = self._http.request("POST", self.endpoint, body=given.encoded(),
                                      headers=_headers(given, api_key, client))
        try:
            body = orjson.loads(response.data)
        except orjson.JSONDecodeError:
            body = None
        return Reply(response.status, body)

    def interactions(self, users: list[str]) -> list[dict[str, Any]]:
        found = []
        for user in users:
            reply = self._rest("GET", f"/users/{quote(user, safe='')}/interactions?limit=1000")
            items = reply.body if isinstance(reply.body, list) else []
            for item in reversed(items):  # the REST API lists newest first
                message_id = item.get("messageId")
                if isinstance(message_id, str) and message_id.startswith(self.nonce + "-"):
                    message_id = message_id[len(self.nonce) + 1:]
                found.append({"type": item.get("type"),
                              "user_id": (item.get("key") or {}).get("userId", user),
                              "content_id": item.get("contentId"),
                              "timestamp": item.get("timestamp"), "origin": item.get("origin"),
                              "device": item.get("device"), "progress": item.get("progress"),
                              "value": item.get("value"), "message_id": message_id})
        return sorted(found, key=lambda row: str(row["timestamp"]))  # oldest first, stable

    def user_properties(self, users: list[str]) -> dict[str, dict[str, Any]]:
        out = {}
        for user in users:
            reply = self._rest("GET", f"/users/{quote(user, safe='')}")
            out[user] = (reply.body or {}).get("properties", {}) if isinstance(
                reply.body, dict) else {}
        return out

    def problems(self) -> list[str]:
        return []

    def close(self) -> None:
        self._http.clear()


# --- matching ------------------------------------------------------------------------


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
    return expected == actual


def _count_ok(spec: Any, actual: int) -> bool:
    if isinstance(spec, int):
        return actual == spec
    return spec.get("at_least", 0) <= actual <= spec.get("at_most", math.inf)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def diff_interactions(expected: list[dict], recorded: list[dict], ordered: bool,
                      comparable: tuple[str, ...]) -> list[str]:
    """Lines naming each expected interaction with no match (and the closest recorded
    one's differing fields) and each recorded interaction nobody expected."""
    problems = []
    if ordered:
        pairs = list(zip(expected, recorded, strict=False))
        for index, (want, got) in enumerate(pairs):
            differing = [f for f in want if f in comparable and not matches(want[f], got.get(f))]
            for name in differing:
                problems.append(f"interaction #{index + 1} {name}: expected "
                                f"{_show(want[name])}, recorded {_show(got.get(name))}")
        for index in range(len(pairs), len(expected)):
            problems.append(f"interaction #{index + 1} expected {_show(expected[index])}: "
                            "not recorded")
        for index in range(len(pairs), len(recorded)):
            problems.append(f"unexpected interaction #{index + 1}: "
                            f"{_show(_brief(recorded[index]))}")
        return problems
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
        line = f"expected interaction {_show(want)} was not recorded"
        if unmatched:
            closest = min(unmatched, key=lambda r: sum(
                not matches(want[f], recorded[r].get(f)) for f in want if f in comparable))
            got = recorded[closest]
            differing = [f"{f}: expected {_show(want[f])}, recorded {_show(got.get(f))}"
                         for f in want if f in comparable and not matches(want[f], got.get(f))]
            line += f"; closest recorded differs in {'; '.join(differing)}"
            unmatched.remove(closest)
        problems.append(line)
    problems += [f"unexpected interaction recorded: {_show(_brief(recorded[r]))}"
                 for r in unmatched]
    return problems


def _brief(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in INTERACTION_FIELDS if row.get(k) is not None}


# --- running ---------------------------------------------------------------------------


@dataclass
class ScenarioResult:
    scenario: Scenario
    replies: list[Reply] = field(default_factory=list)
    ledger: Ledger | None = None
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def report(self) -> str:
        """What failed, then how each message was mapped (rule matched, near misses)."""
        lines = [f"scenario '{self.scenario.name}' ({self.scenario.path}) failed:"]
        lines += [f"  - {failure}" for failure in self.failures]
        lines += [f"  note: {note}" for note in self.notes]
        if not self.scenario.generated:
            lines.append("how each message was mapped:")
            for index, given in enumerate(self.scenario.given):
                lines += _explain_lines(index, given, self.scenario.rules,
                                        self.replies[index] if index < len(self.replies) else None)
        return "\n".join(lines)


def _explain_lines(index: int, given: Given, rules: RuleSet, reply: Reply | None) -> list[str]:
    message = given.message
    if given.body is not None or not isinstance(message, dict):
        label = "raw body"
    elif message.get("event"):
        label = f"{message.get('type')} '{message.get('event')}'"
    else:
        label = str(message.get("type"))
    answer = f" -> {reply.status} {reply.code or ''}".rstrip() if reply else ""
    lines = [f"  message #{index + 1} ({label}){answer}"]
    if given.body is not None:
        return lines
    result, traces = explain(message, rules)
    for trace in traces:
        if trace.matched:
            lines.append(f"      matched rule '{trace.rule}' -> {result.outcome} ({result.code})")
        else:
            lines.append(f"      not '{trace.rule}': {'; '.join(trace.reasons)}")
    if not traces:
        lines.append(f"      {result.outcome} ({result.code}): {result.message}")
    return lines


def run_scenario(scenario: Scenario, target: Target) -> ScenarioResult:
    """Send the scenario's messages to the target and check every expectation."""
    result = ScenarioResult(scenario)
    api_key = scenario.api_key or target.api_key
    client = scenario.client or target.client
    target.prepare(scenario)
    try:
        if scenario.delivered:
            _deliver(scenario, target, api_key, client, result)
        else:
            result.replies = [target.send(given, api_key, client) for given in scenario.given]
        _check(scenario, target, result)
    finally:
        target.close()
    return result


def _deliver(scenario: Scenario, target: Target, api_key: str, client: str,
             result: ScenarioResult) -> None:
    outcomes = {}
    destination = Destination(target.endpoint or "", api_key, client)
    with Deliverer(destination, clock=FakeClock(), workers=1, seed=1) as deliverer:
        messages = [g.message for g in scenario.given]
        result.ledger = deliverer.deliver_all(
            messages, lambda message, outcome: outcomes.__setitem__(id(message), outcome))
    for given in scenario.given:
        outcome = outcomes[id(given.message)]
        body = outcome.body if outcome.body is not None else (
            {"code": outcome.code} if outcome.code else None)
        result.replies.append(Reply(outcome.status or 0, body))


def _check(scenario: Scenario, target: Target, result: ScenarioResult) -> None:
    expect, fail = scenario.expect, result.failures.append
    replies = result.replies
    if "status" in expect:
        for index, reply in enumerate(replies):
            if reply.status != expect["status"] and not (
                    scenario.delivered and route(scenario.given[index].message)):
                fail(f"message #{index + 1}: status expected {expect['status']}, got "
                     f"{reply.status} {_show(reply.body)}")
    if "responses" in expect:
        wanted = expect["responses"]
        if len(wanted) != len(replies):
            fail(f"responses: {len(wanted)} expected for {len(replies)} messages")
        for index, (want, reply) in enumerate(zip(wanted, replies, strict=False)):
            if "status" in want and not matches(want["status"], reply.status):
                fail(f"message #{index + 1}: status expected {want['status']}, got "
                     f"{reply.status} {_show(reply.body)}")
            if "code" in want and not matches(want["code"], reply.code):
                fail(f"message #{index + 1}: code expected {_show(want['code'])}, got "
                     f"{_show(reply.code)}")
            if "problems" in want and sorted(reply.warnings) != sorted(want["problems"]):
                fail(f"message #{index + 1}: problems expected {want['problems']}, got "
                     f"{reply.warnings}")
    if "problems" in expect:
        if target.reads_journal:
            reported = target.problems()
        else:
            reported = [code for reply in replies for code in reply.problems if code]
        if Counter(reported) != Counter(expect["problems"]):
            fail(f"problems expected {sorted(expect['problems'])}, reported {sorted(reported)}")
    users = scenario.users()
    recorded = target.interactions(users) if any(k in expect for k in (
        "interactions", "interaction_counts", "no_interactions")) else []
    comparable = INTERACTION_FIELDS if target.reads_journal else (
        "type", "user_id", "content_id", "timestamp", "origin", "device", "progress", "value",
        "message_id")
    if "interactions" in expect:
        skipped = {f for item in expect["interactions"] for f in item if f not in comparable}
        if skipped:
            result.notes.append(f"fields not readable through the REST API, not checked: "
                                f"{sorted(skipped)}")
        result.failures += diff_interactions(expect["interactions"], recorded,
                                             expect.get("ordered", False), comparable)
    for kind, spec in expect.get("interaction_counts", {}).items():
        count = sum(1 for row in recorded if row["type"] == kind)
        if not _count_ok(spec, count):
            fail(f"interaction_counts {kind}: expected {_show(spec)}, recorded {count}")
    for user in expect.get("no_interactions", []):
        theirs = [_brief(row) for row in recorded if row["user_id"] == user]
        if theirs:
            fail(f"user {user!r} must have no interactions, has {_show(theirs)}")
    if "user_properties" in expect:
        found = target.user_properties(list(expect["user_properties"]))
        for user, properties in expect["user_properties"].items():
            for name, want in properties.items():
                got = found.get(user, {}).get(name)
                if not matches(want, got):
                    fail(f"user {user!r} property {name}: expected {_show(want)}, "
                         f"recorded {_show(got)}")
    if result.ledger is not None:
        for kind, spec in expect.get("outcomes", {}).items():
            if not _count_ok(spec, result.ledger.outcomes.get(kind, 0)):
                fail(f"outcomes {kind}: expected {_show(spec)}, got "
                     f"{result.ledger.outcomes.get(kind, 0)}")
        if "retries" in expect and not _count_ok(expect["retries"], result.ledger.retries):
            fail(f"retries: expected {_show(expect['retries'])}, got {result.ledger.retries}")
    elif "outcomes" in expect or "retries" in expect:
        fail("outcomes and retries are only known when messages are delivered (faults or "
             "generate)")
