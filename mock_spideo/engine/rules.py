"""Mapping rules: a YAML file, loaded and validated at start-up.

A bad file fails at load time with the rule's name, the field, the reason and the line,
so a customer editing their copy sees exactly what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn, Protocol

import yaml

from mock_spideo.engine import fql
from mock_spideo.engine.paths import FieldPath, PathSyntaxError, parse_path
from mock_spideo.engine.vocabulary import vocabulary
from mock_spideo.errors import SpideoSimError
from mock_spideo.files import compose_yaml, parse_yaml
from mock_spideo.segment import canonical_key

__all__ = ["Rule", "RuleSet", "RulesError", "default_rules", "load_rules", "parse_rules"]

_CODE = re.compile(r"[a-z][a-z0-9_]*")
PERSONAL_TRAITS = ("email", "phone", "name", "firstName", "lastName", "address", "birthday",
                   "avatar")


class RulesError(SpideoSimError, ValueError):
    """A rules file that cannot be used, located precisely."""

    def __init__(self, reason: str, *, source: str, line: int | None = None,
                 rule: str | None = None, field_name: str | None = None) -> None:
        where = f"{source}:{line}" if line else source
        parts = (f"rule '{rule}'" if rule else "", f"field '{field_name}'" if field_name else "")
        subject = " ".join(part for part in parts if part)
        super().__init__(f"{where}: {subject + ': ' if subject else ''}{reason}")
        self.reason, self.source, self.line = reason, source, line
        self.rule, self.field = rule, field_name


@dataclass(frozen=True)
class Rule:
    """One rule: when a message matches `when`, the outcome it decides."""

    name: str
    when: str
    ast: fql.Ast
    line: int
    description: str = ""
    interaction: str | None = None
    ignore: str | None = None
    user_property: tuple[FieldPath, Any] | None = None
    user_properties: FieldPath | None = None
    content_id: tuple[tuple[str, FieldPath], ...] = ()
    for_each: FieldPath | None = None
    origin: tuple[FieldPath, ...] = ()
    device: tuple[FieldPath, ...] = ()
    progress: tuple[FieldPath, FieldPath] | None = None
    value: tuple[FieldPath, ...] = ()
    required_event: str | None = field(default=None, compare=False)

    @property
    def outcome(self) -> str:
        if self.interaction:
            return f"interaction {self.interaction}"
        if self.ignore:
            return f"ignore ({self.ignore})"
        return "user property" if self.user_property else "user properties"


@dataclass(frozen=True)
class RuleSet:
    """An ordered list of rules (first match wins) and the settings they share."""

    rules: tuple[Rule, ...]
    source: str
    max_string_length: int = 64
    forward_personal_traits: frozenset[str] = frozenset()
    ignore_codes: frozenset[str] = frozenset()
    reads_context: bool = False
    _by_event: dict[str | None, tuple[Rule, ...]] = field(default_factory=dict, compare=False,
                                                          repr=False)

    def candidates(self, event: Any) -> tuple[Rule, ...]:
        """The rules that can match a message with this event name, in order."""
        key = event if isinstance(event, str) else None
        found = self._by_event.get(key)
        if found is None:
            found = tuple(r for r in self.rules if r.required_event in (None, key))
            if len(self._by_event) < 10_000:
                self._by_event[key] = found
        return found


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _mapping_child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if getattr(key_node, "value", None) == key:
                found: yaml.Node = value_node
                return found
    return None


def _paths(raw: Any, fail: Callable[[str], object]) -> tuple[FieldPath, ...]:
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        fail("needs at least one path")
    out = []
    for item in items:
        try:
            out.append(parse_path(item))
        except PathSyntaxError as exc:
            fail(str(exc))
    return tuple(out)


def _canonical_ast(node: Any) -> Any:
    """Field names in conditions in canonical form, to match canonicalised messages."""
    if isinstance(node, dict):
        out = {k: _canonical_ast(v) for k, v in node.items()}
        if node.get("type") in fql.PREFIXED and isinstance(node.get("name"), str):
            out["name"] = ".".join(canonical_key(part) for part in node["name"].split("."))
        return out
    if isinstance(node, list):
        return [_canonical_ast(item) for item in node]
    return node


def _required_event(ast: fql.Ast) -> str | None:
    if ast.get("operator") != "and":
        return None
    for child in ast.get("children", []):
        if child and child.get("type") == "event" and child.get("operator") == "=":
            value = child.get("value")
            return value if isinstance(value, str) else None
    return None


def _reads_context(ast: Any) -> bool:
    if isinstance(ast, dict):
        return ast.get("type") == "event-context" or any(
            _reads_context(c) for c in ast.get("children", []))
    return False


def parse_rules(text: str, source: str = "<rules>") -> RuleSet:
    """Validate and compile a rules document; raises RulesError naming what is wrong."""
    try:
        root = compose_yaml(text)
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RulesError(f"not valid YAML: {getattr(exc, 'problem', exc)}", source=source,
                         line=mark.line + 1 if mark else None) from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RulesError("expected a mapping with a 'rules' list", source=source, line=1)
    rules_node = _mapping_child(root, "rules")
    settings = data.get("user_properties") or {}
    defaults = data.get("defaults") or {}
    settings_fail = _failer(source, _line(_mapping_child(root, "user_properties")), None)
    if not isinstance(settings, dict) or not isinstance(defaults, dict):
        settings_fail("'user_properties' and 'defaults' must be mappings")
    default_origin = _paths(defaults.get("origin", []) or [], settings_fail) if defaults.get(
        "origin") else ()
    default_device = _paths(defaults.get("device", []) or [], settings_fail) if defaults.get(
        "device") else ()
    max_len = settings.get("max_string_length", 64)
    if not isinstance(max_len, int) or isinstance(max_len, bool) or max_len < 1:
        settings_fail("max_string_length must be a positive whole number", "max_string_length")
    forwarded = settings.get("forward_personal_traits", []) or []
    if not isinstance(forwarded, list) or not all(
            isinstance(t, str) and canonical_key(t) in {canonical_key(p) for p in PERSONAL_TRAITS}
            for t in forwarded):
        settings_fail(f"forward_personal_traits lists names from {', '.join(PERSONAL_TRAITS)}",
                      "forward_personal_traits")

    rules: list[Rule] = []
    seen: set[str] = set()
    for index, raw in enumerate(data["rules"]):
        node = rules_node.value[index] if isinstance(rules_node, yaml.SequenceNode) else None
        rule = _parse_rule(raw, node, index, source, default_origin, default_device)
        if rule.name in seen:
            raise RulesError("two rules have this name", source=source, line=rule.line,
                             rule=rule.name, field_name="name")
        seen.add(rule.name)
        rules.append(rule)
    return RuleSet(
        rules=tuple(rules),
        source=source,
        max_string_length=max_len,
        forward_personal_traits=frozenset(canonical_key(t) for t in forwarded),
        ignore_codes=frozenset(r.ignore for r in rules if r.ignore),
        reads_context=any(_reads_context(r.ast) for r in rules),
    )


class Fail(Protocol):
    """Raise RulesError for a reason, at a field and (when known) at a node's line."""

    def __call__(self, reason: str, field_name: str | None = None,
                 at: yaml.Node | None = None) -> NoReturn: ...


def _failer(source: str, line: int | None, rule: str | None) -> Fail:
    def fail(reason: str, field_name: str | None = None,
             at: yaml.Node | None = None) -> NoReturn:
        raise RulesError(reason, source=source, line=_line(at) or line, rule=rule,
                         field_name=field_name)
    return fail


@dataclass(frozen=True)
class _RuleSource:
    """One rule as written, with what its outcome's parser needs to read and blame it."""

    raw: dict[str, Any]
    node: yaml.Node | None
    fail: Fail
    default_origin: tuple[FieldPath, ...]
    default_device: tuple[FieldPath, ...]

    def paths(self, key: str) -> tuple[FieldPath, ...]:
        """The path(s) under `key`, failing at that key's line."""
        return _paths(self.raw[key], lambda reason: self.fail(
            reason, key, _mapping_child(self.node, key)))

    def one_path(self, key: str, raw: Any) -> FieldPath:
        """The one path `raw` holds for `key`; a list of several fails at that key's line."""
        paths = _paths(raw, lambda reason: self.fail(reason, key,
                                                     _mapping_child(self.node, key)))
        if len(paths) != 1:
            self.fail(f"takes one path, not a list of {len(paths)}", key,
                      _mapping_child(self.node, key))
        return paths[0]


def _interaction(rule: _RuleSource) -> dict[str, Any]:
    raw, fail = rule.raw, rule.fail
    canonical = vocabulary().canonical(raw["interaction"])
    if canonical is None:
        fail(f"'{raw['interaction']}' is not in the vocabulary "
             f"({', '.join(vocabulary().names)})", "interaction",
             _mapping_child(rule.node, "interaction"))
    if "content_id" not in raw:
        fail("an interaction rule needs content_id paths", "content_id")
    fields: dict[str, Any] = {"interaction": canonical}
    fields["content_id"] = tuple((".".join(map(str, p)), p) for p in rule.paths("content_id"))
    if "for_each" in raw:
        fields["for_each"] = rule.one_path("for_each", raw["for_each"])
    elif any(p[0] == "item" for _, p in fields["content_id"]):
        fail("paths start with 'item' only in a rule with for_each", "content_id")
    fields["origin"] = rule.paths("origin") if "origin" in raw else rule.default_origin
    fields["device"] = rule.paths("device") if "device" in raw else rule.default_device
    if "value" in raw:
        fields["value"] = rule.paths("value")
    if "progress" in raw:
        progress = raw["progress"]
        if not isinstance(progress, dict) or set(progress) != {"position", "total"}:
            fail("progress needs 'position' and 'total' paths", "progress")
        fields["progress"] = (rule.one_path("progress", progress["position"]),
                              rule.one_path("progress", progress["total"]))
    return fields


def _ignore(rule: _RuleSource) -> dict[str, Any]:
    code = rule.raw["ignore"]
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        rule.fail("ignore takes a reason code in snake_case, e.g. heartbeat", "ignore")
    return {"ignore": code}


def _user_property(rule: _RuleSource) -> dict[str, Any]:
    spec = rule.raw["user_property"]
    if not isinstance(spec, dict) or "name" not in spec or "value" not in spec:
        rule.fail("user_property needs 'name' (a path) and 'value'", "user_property")
    if not isinstance(spec["value"], (bool, int, float, str)):
        rule.fail("user_property value must be a scalar", "user_property")
    return {"user_property": (rule.one_path("user_property", spec["name"]), spec["value"])}


def _user_properties(rule: _RuleSource) -> dict[str, Any]:
    return {"user_properties": rule.one_path("user_properties", rule.raw["user_properties"])}


# One parser per outcome a rule can decide; a rule names exactly one of these keys.
_OUTCOME_PARSERS: dict[str, Callable[[_RuleSource], dict[str, Any]]] = {
    "interaction": _interaction,
    "ignore": _ignore,
    "user_property": _user_property,
    "user_properties": _user_properties,
}


_RULE_KEYS = {"name", "description", "when", "content_id", "for_each", "origin", "device",
              "progress", "value", *_OUTCOME_PARSERS}


def _parse_rule(raw: Any, node: yaml.Node | None, index: int, source: str,
                default_origin: tuple[FieldPath, ...],
                default_device: tuple[FieldPath, ...]) -> Rule:
    line = _line(node) or 0
    name = raw.get("name") if isinstance(raw, dict) else None
    label = name if isinstance(name, str) and name else f"#{index + 1}"
    fail = _failer(source, line, label)
    if not isinstance(raw, dict):
        fail("each rule must be a mapping")
    if not isinstance(name, str) or not name:
        fail("needs a 'name'", "name")
    unknown = sorted(set(raw) - _RULE_KEYS)
    if unknown:
        fail(f"unknown key '{unknown[0]}'; allowed: {', '.join(sorted(_RULE_KEYS))}",
             unknown[0], _mapping_child(node, unknown[0]))

    when = raw.get("when")
    if not isinstance(when, str) or not when.strip():
        fail("needs a 'when' expression, e.g. type = \"track\" and event = \"...\"", "when")
    try:
        ast = fql.check(when)
    except fql.FqlSyntaxError as exc:
        fail(f"FQL syntax error at column {exc.column}: {exc.reason}", "when",
             _mapping_child(node, "when"))
    outcomes = [key for key in _OUTCOME_PARSERS if key in raw]
    if len(outcomes) != 1:
        fail(f"needs exactly one of {', '.join(_OUTCOME_PARSERS)} (got {len(outcomes)})")
    ast = _canonical_ast(ast)
    fields: dict[str, Any] = {"name": name, "when": when, "ast": ast, "line": line,
                              "description": str(raw.get("description", "")),
                              "required_event": _required_event(ast)}
    fields.update(_OUTCOME_PARSERS[outcomes[0]](
        _RuleSource(raw, node, fail, default_origin, default_device)))
    return Rule(**fields)


def load_rules(path: str | Path) -> RuleSet:
    """Load a rules file; raises RulesError (with the line) or OSError."""
    path = Path(path)
    return parse_rules(path.read_text(encoding="utf-8"), source=str(path))


@cache
def default_rules() -> RuleSet:
    """The shipped default rules (loaded once)."""
    text = resources.files("mock_spideo").joinpath("data/default_rules.yaml").read_text("utf-8")
    return parse_rules(text, source="default_rules.yaml")
