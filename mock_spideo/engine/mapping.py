"""The mapping: one Segment message -> Spideo interactions, user properties, or a refusal.

`map_message` is pure (no I/O, no clock) and total: any JSON value in, exactly one
outcome out (recorded / ignored / refused) with a known code, never an exception. The
mock, the scenario runner, the fuzzers and `spideo-sim mapping explain` all call it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from mock_spideo.engine import fql
from mock_spideo.engine.envelope import Envelope, read_envelope
from mock_spideo.engine.paths import FieldPath, canonical_tree, lookup
from mock_spideo.engine.problems import Problem, problem
from mock_spideo.engine.rules import PERSONAL_TRAITS, Rule, RuleSet, default_rules
from mock_spideo.segment import ACCEPTED_TYPES, MESSAGE_TYPES, canonical_key

__all__ = ["Interaction", "MappingResult", "UserProperty", "condition_view", "map_message"]

Outcome = Literal["recorded", "ignored", "refused"]
_PERSONAL = frozenset(canonical_key(t) for t in PERSONAL_TRAITS)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Interaction:
    """What Spideo records: a user did `type` on a content, at the event time."""

    type: str
    user_id: str
    content_id: str
    timestamp: str | None
    anonymous: bool = False
    origin: str | None = None
    device: str | None = None
    progress: float | None = None
    value: float | None = None
    message_id: str | None = None
    event: str | None = None
    rule: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class UserProperty:
    """A name -> scalar recorded for a user (Engage audiences, computed traits); null
    when the source unset it (a computed trait with no value any more)."""

    user_id: str
    name: str
    value: bool | int | float | str | None
    timestamp: str | None
    source: Literal["identify", "engage", "track"] = "identify"
    message_id: str | None = None
    rule: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class MappingResult:
    """The one outcome of mapping a message, with its code and a readable message."""

    outcome: Outcome
    code: str
    message: str
    rule: str | None = None
    interactions: tuple[Interaction, ...] = ()
    user_properties: tuple[UserProperty, ...] = ()
    problem: Problem | None = None
    envelope: Envelope | None = None

    @property
    def status(self) -> int:
        return self.problem.status if self.problem else 200


def _refused(found: Problem, rule: str | None = None,
             envelope: Envelope | None = None) -> MappingResult:
    return MappingResult("refused", found.code, found.message, rule, problem=found,
                         envelope=envelope)


def _ignored(code: str, message: str, rule: str | None, envelope: Envelope) -> MappingResult:
    return MappingResult("ignored", code, message, rule, envelope=envelope)


def condition_view(fields: dict[str, Any], rules: RuleSet,
                   with_context: bool = False) -> dict[str, Any]:
    """The message as FQL conditions read it: Segment's top-level names, canonical keys.

    `context` is canonicalised only when a rule reads it (or when asked), since most
    rules files never look at it and it is the largest object of a message."""
    view = dict(fields)
    for name in ("properties", "traits"):
        if name in view:
            view[name] = canonical_tree(view[name])
    if (with_context or rules.reads_context) and "context" in view:
        view["context"] = canonical_tree(view["context"])
    return view


def _content_id(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return str(int(value))
    if isinstance(value, str) and value.strip():
        return value
    return None


def _first(fields: dict[str, Any], paths: tuple[FieldPath, ...], item: Any,
           accept: Callable[[Any], T | None]) -> T | None:
    for path in paths:
        source, rest = (item, path[1:]) if path[0] == "item" else (fields, path)
        found = accept(lookup(source, rest))
        if found is not None:
            return found
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float, e.g. 10**400
        return None
    return number if math.isfinite(number) else None


def _progress(fields: dict[str, Any], rule: Rule) -> float | None:
    if not rule.progress:
        return None
    position = _number(lookup(fields, rule.progress[0]))
    total = _number(lookup(fields, rule.progress[1]))
    if position is None or not total or total <= 0:
        return None
    return round(min(max(position / total, 0.0), 1.0), 4)


def _apply_interaction(rule: Rule, kind: str, env: Envelope) -> MappingResult:
    fields = env.fields
    items: list[Any] = [None]
    if rule.for_each:
        found = lookup(fields, rule.for_each)
        items = found if isinstance(found, list) else []
    paths = tuple(p for _, p in rule.content_id)
    looked = ", ".join(text for text, _ in rule.content_id)
    if not items:
        return _refused(problem("missing_content_id", rule=rule.name,
                                paths=f"each item of {'.'.join(map(str, rule.for_each or ()))} "
                                      f"({looked})"), rule.name, env)
    origin = _first(fields, rule.origin, None, _text)
    device = _first(fields, rule.device, None, _text)
    progress = _progress(fields, rule)
    event = fields.get("event") if isinstance(fields.get("event"), str) else None
    interactions = []
    for index, item in enumerate(items):
        content_id = _first(fields, paths, item, _content_id)
        if content_id is None:
            where = (f"item {index} of {'.'.join(map(str, rule.for_each))}: "
                     if rule.for_each else "")
            return _refused(problem("missing_content_id", rule=rule.name, paths=where + looked),
                            rule.name, env)
        interactions.append(Interaction(
            type=kind, user_id=env.user_id, content_id=content_id,
            timestamp=env.event_time, anonymous=env.anonymous, origin=origin, device=device,
            progress=progress, value=_first(fields, rule.value, item, _number),
            message_id=env.message_id, event=event, rule=rule.name))
    noun = "interaction" if len(interactions) == 1 else "interactions"
    return MappingResult("recorded", "recorded", f"{len(interactions)} {kind} "
                         f"{noun} recorded by rule '{rule.name}'", rule.name,
                         interactions=tuple(interactions), envelope=env)


def _forwardable(value: Any, rules: RuleSet) -> bool:
    if value is None or isinstance(value, (bool, int)):
        return True
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    return isinstance(value, str) and len(value) <= rules.max_string_length


def _apply_user_properties(rule: Rule, env: Envelope, rules: RuleSet) -> MappingResult:
    fields = env.fields
    source: Literal["engage", "identify"] = (
        "engage" if lookup(fields, ("context", "personas")) else "identify")
    found: list[UserProperty] = []
    if rule.user_property:
        name_path, value = rule.user_property
        name = lookup(fields, name_path)
        if not isinstance(name, str) or not name.strip():
            return _refused(problem("missing_audience_key", rule=rule.name,
                                    path=".".join(map(str, name_path))), rule.name, env)
        found.append(UserProperty(env.user_id, name, value, env.event_time, "track",
                                  env.message_id, rule.name))
    else:
        traits = lookup(fields, rule.user_properties or ())
        for name, value in (traits.items() if isinstance(traits, dict) else ()):
            if not isinstance(name, str) or not name or not _forwardable(value, rules):
                continue
            if canonical_key(name) in _PERSONAL and canonical_key(
                    name) not in rules.forward_personal_traits:
                continue
            found.append(UserProperty(env.user_id, name, value, env.event_time, source,
                                      env.message_id, rule.name))
    if not found:
        spec = problem("no_user_properties")
        return _ignored(spec.code, spec.message, rule.name, env)
    return MappingResult("recorded", "recorded", f"{len(found)} user propert"
                         f"{'y' if len(found) == 1 else 'ies'} set by rule '{rule.name}'",
                         rule.name, user_properties=tuple(found), envelope=env)


def map_message(message: Any, rules: RuleSet | None = None) -> MappingResult:
    """Map one Segment message with `rules` (default: the shipped rules). Pure and total."""
    rules = rules or default_rules()
    try:
        return _map(message, rules)
    except RecursionError:
        return _refused(problem("malformed_json", detail="the message is nested too deeply"))


def _map(message: Any, rules: RuleSet) -> MappingResult:
    env = read_envelope(message)
    if isinstance(env, Problem):
        return _refused(env)
    if env.type not in ACCEPTED_TYPES:
        code = "unsupported_type" if env.type in MESSAGE_TYPES else "unknown_type"
        return _refused(problem(code, type=env.type), envelope=env)
    if env.type == "track" and not (isinstance(env.event, str) and env.event.strip()):
        return _refused(problem("missing_event"), envelope=env)
    view = condition_view(env.fields, rules)
    for rule in rules.candidates(env.event):
        if fql.matches(rule.ast, view):
            return _apply(rule, env, rules)
    what = f"{env.type} '{env.event}'" if env.type == "track" else f"this {env.type}"
    spec = problem("no_rule", what=what)
    return _ignored(spec.code, spec.message, None, env)


def _apply(rule: Rule, env: Envelope, rules: RuleSet) -> MappingResult:
    if rule.interaction:
        return _apply_interaction(rule, rule.interaction, env)
    if rule.ignore:
        return _ignored(rule.ignore, f"Ignored by rule '{rule.name}' ({rule.ignore}): "
                        f"{rule.description or 'no interaction for this event'}", rule.name, env)
    return _apply_user_properties(rule, env, rules)
