"""Hypothesis strategies for Segment messages, for fuzzing a mapping (ours or yours).

    from hypothesis import given
    from simulator.testing.strategies import messages_matching, segment_messages
    from mock_spideo import load_rules, map_message

    rules = load_rules("my_rules.yaml")

    @given(messages_matching(rules.rules[0]))
    def test_first_rule_records(message):
        assert map_message(message, rules).rule == rules.rules[0].name

Strategies are named for what they generate and compose: `segment_messages()` for
spec-valid messages, `track_messages(event)`, `identify_messages()`,
`engage_identify_messages()`, `messages_matching(rule)`, `adversarial_json()` for
anything a client might send, `recased(message)` for the same message in other field
casings, and `fql_cases()` for (expression, message) pairs.
"""

from __future__ import annotations

import math
import re
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from mock_spideo import Rule
from mock_spideo.engine.fql import Ast, js_string, matches
from mock_spideo.engine.paths import canonical_tree, lookup
from mock_spideo.segment import ACCEPTED_TYPES
from simulator.generate.timefmt import iso

__all__ = [
    "adversarial_json",
    "engage_identify_messages",
    "fql_cases",
    "fql_expressions",
    "identify_messages",
    "iso_timestamps",
    "messages_matching",
    "recased",
    "segment_messages",
    "track_messages",
]

VIDEO_EVENTS = ("Video Playback Started", "Video Playback Paused", "Video Playback Resumed",
                "Video Playback Completed", "Video Playback Exited", "Video Content Started",
                "Video Content Playing", "Video Content Completed", "Video Content Watched")
ECOMMERCE_EVENTS = ("Product Clicked", "Product Viewed", "Product Added to Wishlist",
                    "Product Shared", "Product Reviewed", "Order Completed")
OTHER_EVENTS = ("Audience Entered", "Audience Exited", "Application Opened",
                "Subtitles Enabled")
EVENTS = VIDEO_EVENTS + ECOMMERCE_EVENTS + OTHER_EVENTS

ids = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1,
              max_size=24).filter(lambda s: s.strip() != "")
"""Non-blank ids of any UTF-8, '/' and '%' included."""

iso_timestamps = st.integers(min_value=946_684_800_000, max_value=4_102_444_800_000).map(iso)
"""ISO-8601 UTC timestamps with milliseconds, 2000 to 2100."""


@st.composite
def _envelope(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    message: dict[str, Any] = {"type": kind, "messageId": draw(st.uuids()).hex,
                               "timestamp": draw(iso_timestamps), "integrations": {},
                               "context": {"library": {"name": "analytics.js",
                                                       "version": "2.0.0"}}}
    who = draw(st.sampled_from(["user", "anonymous", "both"]))
    if who in ("user", "both"):
        message["userId"] = draw(ids)
    if who in ("anonymous", "both"):
        message["anonymousId"] = str(draw(st.uuids(version=4)))
    if draw(st.booleans()):
        message["context"]["device"] = {"type": draw(st.sampled_from(
            ["tv", "mobile", "web", "tablet"]))}
    return message


def _properties_for(event: str) -> st.SearchStrategy[dict[str, Any]]:
    asset = {"position": st.integers(0, 10_000), "total_length": st.integers(1, 10_000),
             "session_id": ids}
    product = {"product_id": ids, "sku": ids, "price": st.floats(0, 100, allow_nan=False)}
    if event.startswith("Video Playback"):
        return st.fixed_dictionaries({"session_id": ids}, optional={
            "content_asset_ids": st.lists(ids, min_size=1, max_size=3),
            "content_asset_id": ids, "position": st.integers(0, 10_000)})
    if event.startswith("Video Content"):
        return st.fixed_dictionaries({"asset_id": ids}, optional=asset)
    if event == "Order Completed":
        return st.fixed_dictionaries({"products": st.lists(st.fixed_dictionaries(
            {"product_id": ids}, optional={"sku": ids, "price": product["price"]}),
            min_size=1, max_size=3)},
            optional={"order_id": ids, "currency": st.just("EUR")})
    if event == "Product Reviewed":
        return st.fixed_dictionaries({"product_id": ids, "rating": st.integers(1, 5)})
    if event.startswith("Product"):
        return st.fixed_dictionaries({"product_id": ids}, optional={
            "sku": ids, "price": product["price"], "list_id": ids})
    if event.startswith("Audience"):
        return ids.map(lambda key: {"audience_key": key, key: event.endswith("Entered")})
    return st.dictionaries(st.sampled_from(["name", "source", "language"]), ids, max_size=2)


@st.composite
def track_messages(draw: st.DrawFn, event: str | None = None) -> dict[str, Any]:
    """Spec-valid track calls; `event` fixes the event name (default: a spec event)."""
    name = event or draw(st.sampled_from(EVENTS))
    message = draw(_envelope("track"))
    message["event"] = name
    message["properties"] = draw(_properties_for(name))
    return message


_scalars = st.one_of(st.booleans(), st.integers(-10**6, 10**6),
                     st.text(max_size=20), st.floats(allow_nan=False, allow_infinity=False))


@st.composite
def identify_messages(draw: st.DrawFn) -> dict[str, Any]:
    """Identify calls with reserved and custom traits (personal ones included)."""
    message = draw(_envelope("identify"))
    message.setdefault("userId", draw(ids))
    message["traits"] = draw(st.dictionaries(
        st.sampled_from(["email", "firstName", "last_name", "phone", "plan", "logins", "vip",
                         "favorite_genre", "avatar", "address"]), _scalars, max_size=6))
    return message


@st.composite
def engage_identify_messages(draw: st.DrawFn) -> dict[str, Any]:
    """Identify calls as Engage sends them for an audience (context.personas)."""
    key = draw(st.from_regex(r"[a-z][a-z0-9_]{2,30}", fullmatch=True))
    message = draw(_envelope("identify"))
    message.setdefault("userId", draw(ids))
    message["traits"] = {key: draw(st.booleans())}
    message["context"]["personas"] = {"computation_class": "audience",
                                      "computation_id": "aud_" + key[:8],
                                      "computation_key": key, "namespace": "spa:s1",
                                      "space_id": "s1"}
    return message


def segment_messages(types: tuple[str, ...] = tuple(sorted(ACCEPTED_TYPES))
                     ) -> st.SearchStrategy[dict[str, Any]]:
    """Spec-valid messages of the given types (page/screen/group/alias included if asked)."""
    options = []
    if "track" in types:
        options.append(track_messages())
    if "identify" in types:
        options += [identify_messages(), engage_identify_messages()]
    for kind in sorted(set(types) - ACCEPTED_TYPES):
        options.append(_envelope(kind).map(lambda m: {**m, "name": "Home", "properties": {}}))
    return st.one_of(options)


# --- messages that match a rule ------------------------------------------------------------


def _conditions(ast: Ast) -> list[Ast]:
    """The leaf conditions an 'and' group requires (an 'or' contributes its first branch)."""
    if ast.get("type") != "group":
        return [ast]
    children = [c for c in ast.get("children", []) if c]
    if ast.get("operator") == "or":
        children = children[:1]
    return [leaf for child in children for leaf in _conditions(child)]


def _value_for(condition: Ast) -> st.SearchStrategy[Any] | None:
    """Values that satisfy one leaf condition (None: leave the field alone)."""
    op, value = str(condition.get("operator")), condition.get("value")
    text = js_string(value) if value is not None else ""
    if op in ("<", "<=", ">", ">="):
        bound = float(value) if isinstance(value, (int, float)) else math.nan
        if math.isnan(bound):
            return None
        low, high = math.floor(bound), math.ceil(bound)
        return {"<": st.integers(high - 1000, high - 1), "<=": st.integers(low - 1000, low),
                ">": st.integers(low + 1, low + 1000), ">=": st.integers(high, high + 1000)}[op]
    return {
        "=": st.just(text), "number_equals": st.just(value),
        "is_true": st.just(True), "is_false": st.just(False), "exists": ids,
        "contains": ids.map(lambda s: s + text), "starts_with": ids.map(lambda s: text + s),
        "ends_with": ids.map(lambda s: s + text),
    }.get(op)


def _set_path(message: dict[str, Any], parts: list[str], value: Any) -> None:
    target = message
    for part in parts[:-1]:
        child = target.get(part)
        if not isinstance(child, dict):
            child = target[part] = {}
        target = child
    target[parts[-1]] = value


@st.composite
def messages_matching(draw: st.DrawFn, rule: Rule) -> dict[str, Any]:
    """Messages that match `rule`'s condition and carry what it extracts.

    Built from the rule's own conditions (event, type, property values, comparisons),
    its content id paths and for_each list, then checked against the rule with Segment's
    semantics, so every example matches.
    """
    kind = "identify" if any(c.get("type") == "event-type" and c.get("value") == "identify"
                             for c in _conditions(rule.ast)) else "track"
    message = draw(_envelope(kind))
    message["properties" if kind == "track" else "traits"] = {}
    _add_content(draw, message, rule)
    for condition in _conditions(rule.ast):
        field = condition.get("type")
        if field == "event" and condition.get("operator") == "=":
            message["event"] = condition["value"]
        elif field == "event" and condition.get("operator") == "starts_with":
            message["event"] = condition["value"] + draw(st.sampled_from(
                [" Paused", " Resumed", " Exited", " Interrupted"]))
        elif field in ("event-property", "event-trait", "event-context"):
            root = {"event-property": "properties", "event-trait": "traits",
                    "event-context": "context"}[field]
            parts = [root, *condition["name"].split(".")]
            strategy = _value_for(condition)
            if strategy is not None and not (condition["operator"] == "exists" and lookup(
                    message, tuple(parts)) is not None):
                _set_path(message, parts, draw(strategy))
    if kind == "track":
        message.setdefault("event", draw(st.sampled_from(EVENTS)))
    view: dict[str, Any] = {**message, **{k: canonical_tree(message[k]) for k in (
        "properties", "traits", "context") if k in message}}
    assume(matches(rule.ast, view))
    return message


def _add_content(draw: st.DrawFn, message: dict[str, Any], rule: Rule) -> None:
    """The content ids (or for_each list) and audience key the rule will extract."""
    content_ids = st.lists(ids, min_size=1, max_size=3)
    if rule.for_each:
        first = next(p for _, p in rule.content_id)
        items = draw(content_ids)
        value = [it if first == ("item",) else _nest(list(first[1:]), it) for it in items]
        _set_path(message, [str(p) for p in rule.for_each], value)
    elif rule.content_id:
        _, path = rule.content_id[0]
        if any(isinstance(p, int) for p in path):
            index = next(i for i, p in enumerate(path) if isinstance(p, int))
            count = int(path[index]) + 1
            _set_path(message, [str(p) for p in path[:index]], [draw(ids)] * count)
        else:
            _set_path(message, [str(p) for p in path], draw(ids))
    if rule.user_property:
        name_path, _ = rule.user_property
        _set_path(message, [str(p) for p in name_path], draw(ids))


def _nest(parts: list[Any], value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _set_path(out, [str(p) for p in parts], value)
    return out


# --- adversarial input -------------------------------------------------------------------

_weird_text = st.one_of(st.text(max_size=30), st.sampled_from(
    ["", " ", "null", "undefined", "\u0000", "☃" * 50, "x" * 500, "ünïcödé ✓ 用户 \U0001d518",
     "../..", "%2F", "1e309", "-0", "track", "identify", "Video Content Started"]))
_keys = st.one_of(st.sampled_from(
    ["type", "Type", "TYPE", "event", "userId", "user_id", "UserID", "anonymousId",
     "anonymous-id", "messageId", "message_id", "timestamp", "properties", "Properties",
     "traits", "context", "asset_id", "assetId", "AssetId", "products", "rating",
     "content_asset_ids", "audience_key", "personas", "integrations", "position",
     "total_length"]), st.text(max_size=10))
_leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _weird_text,
                    st.integers(min_value=2**63, max_value=2**70))


def adversarial_json(max_leaves: int = 30) -> st.SearchStrategy[Any]:
    """Any JSON value, biased toward what breaks mappings: wrong types, odd casing of the
    envelope's keys, huge numbers and strings, unicode, missing fields, deep nesting."""
    values = st.recursive(_leaves, lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_keys, children, max_size=6)),
        max_leaves=max_leaves)
    deep = st.integers(1, 300).map(lambda n: {"type": "track", "event": "Product Clicked",
                                              "userId": "u", "properties": _deep(n)})
    return st.one_of(values, deep, segment_messages().flatmap(_mangled))


def _deep(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"product_id": value}
    return value


def _mangled(message: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A valid message with one field removed or replaced by a value of another type."""
    keys = sorted(message)
    return st.one_of(
        st.sampled_from(keys).map(lambda k: {x: v for x, v in message.items() if x != k}),
        st.tuples(st.sampled_from(keys), _leaves).map(lambda kv: {**message, kv[0]: kv[1]}),
        recased(message))


_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def _camel(key: str) -> str:
    words = _WORD.findall(key)
    return words[0].lower() + "".join(w.capitalize() for w in words[1:]) if words else key


def _snake(key: str) -> str:
    return "_".join(w.lower() for w in _WORD.findall(key)) or key


def recased(message: Any) -> st.SearchStrategy[Any]:
    """The same message with every field name in camelCase or snake_case (one choice per
    message), as different customers send it."""
    def convert(value: Any, style: Any) -> Any:
        if isinstance(value, dict):
            return {style(k) if isinstance(k, str) else k: convert(v, style)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v, style) for v in value]
        return value
    return st.sampled_from([_camel, _snake]).map(lambda style: convert(message, style))


# --- FQL -------------------------------------------------------------------------------

# Field names avoid JavaScript's built-in member names (constructor, toString, map, ...),
# which Segment's engine would read off the prototype; `length` is kept on purpose.
_FIELD_NAMES = st.sampled_from(["name", "value", "price", "asset_id", "rating", "plan",
                                "a.b", "items", "items.length", "x"])
_fields = st.one_of(
    st.sampled_from(["type", "event", "name", "userId"]),
    st.tuples(st.sampled_from(["properties", "traits", "context"]), _FIELD_NAMES).map(
        ".".join))
_literals = st.one_of(
    st.sampled_from(['"track"', '"identify"', '"A"', '"Video*"', '"5"', '"true"', '""',
                     "null", "true", "false", "5", "0", "-1", "2.5", "100"]),
    st.text("abcXYZ019 _*-", max_size=8).map(lambda s: f'"{s}"'),
    st.integers(-100, 100).map(str))


_short_text = st.text("abcXYZ019 ", max_size=6)


@st.composite
def _comparison(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 3))
    field = draw(_fields)
    if kind == 0:
        text = draw(_short_text)
        pattern = draw(st.sampled_from([f"{text}*", f"*{text}"]))
        return f'{draw(st.sampled_from(["", "!"]))}match({field}, "{pattern}")'
    if kind == 1:
        text = draw(_short_text)
        return f'{draw(st.sampled_from(["", "!"]))}contains({field}, "{text}")'
    op = draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">="]))
    return f"{field} {op} {draw(_literals)}"


_comparisons = _comparison()
_conditionals = st.sampled_from(["and", "or"])


@st.composite
def fql_expressions(draw: st.DrawFn) -> str:
    """FQL expressions: comparisons, functions, and/or (mixed too), one level of
    parentheses, and now and then something broken."""
    def group() -> str:
        parts = [draw(_comparisons)]
        for _ in range(draw(st.integers(0, 2))):
            parts += [draw(_conditionals), draw(_comparisons)]
        return " ".join(parts)
    expression = group()
    if draw(st.booleans()):
        expression = f"({expression}) {draw(st.sampled_from(['and', 'or']))} ({group()})"
    if draw(st.integers(0, 9)) == 0:
        expression = draw(st.sampled_from([expression[:-1], expression + " and",
                                           "(" + expression, expression.replace(" ", "")]))
    return expression


_fql_values = st.one_of(st.none(), st.booleans(), st.integers(-200, 200),
                        st.sampled_from([2.5, -1.5, 1e21, 0.0]),
                        st.sampled_from(["track", "identify", "A", "Video X", "X Video",
                                         "5", "true", "", "abc", "100"]),
                        st.lists(st.integers(0, 3), max_size=3))


_fql_sections = st.builds(
    lambda fields, nested: {**fields, **({"a": {"b": nested[0]}} if nested else {})},
    st.dictionaries(st.sampled_from(["name", "value", "price", "asset_id", "rating", "plan",
                                     "items", "x"]), _fql_values, max_size=4),
    st.lists(_fql_values, max_size=1))
_fql_fields = {"type": st.sampled_from(["track", "identify", "page", None, 5]),
               "event": _fql_values, "name": _fql_values, "userId": _fql_values,
               "properties": _fql_sections, "traits": _fql_sections, "context": _fql_sections}
fql_payloads = st.fixed_dictionaries({}, optional=_fql_fields)
"""Messages whose fields collide with what fql_expressions() asks about."""


def fql_cases() -> st.SearchStrategy[dict[str, Any]]:
    """(expression, message) pairs for differential testing against Segment's engine."""
    return st.fixed_dictionaries({"expression": fql_expressions(), "message": fql_payloads})
