"""Segment's subscription language (FQL), with exactly Segment's semantics.

Mapping rules select messages with the same expressions Segment uses for destination
subscriptions, so a customer can paste one into the other. This module is a port of
Segment's `@segment/fql-ts` lexer and `@segment/destination-subscriptions` parser and
matcher (npm, version pinned in tests/oracle/package-lock.json), quirks included:

- `a and b or c` is one group whose operator is the *last* conditional seen ("or").
- `=` compares as strings (`"5"` never equals the number 5) except that a number literal
  on properties / traits / context compares numerically; `<`, `>`, ... need numbers.
- Nested parentheses never match (Segment's parser fails on them).

The differential test in tests/oracle runs Segment's own package on the same inputs.
`check()` adds the strictness a rules file wants on top: it refuses, with the column,
what Segment would silently read in a surprising way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mock_spideo.errors import SpideoSimError

__all__ = [
    "CONDITION_TYPES",
    "DIRECT",
    "PREFIXED",
    "UNDEFINED",
    "Ast",
    "FqlSyntaxError",
    "Token",
    "check",
    "field_name",
    "field_value",
    "js_get",
    "js_string",
    "lex",
    "matches",
    "parse",
]

# A parsed expression, as Segment's parser returns it: nested JSON-like dicts.
Ast = dict[str, Any]
_EOS = "-1"  # fql-ts's end-of-stream flag, a string compared like any character
_MAX_LEN = 100_000


class FqlSyntaxError(SpideoSimError, ValueError):
    """An FQL expression Segment cannot read (or that `check` refuses), with its column."""

    def __init__(self, message: str, column: int, expression: str = "") -> None:
        super().__init__(f"{message} (column {column})")
        self.reason = message
        self.column = column
        self.expression = expression


@dataclass(frozen=True, slots=True)
class Token:
    type: str
    value: str
    column: int = 0


def _is_alpha(c: str) -> bool:
    return len(c) == 1 and ("a" <= c <= "z" or "A" <= c <= "Z")


def _is_number(c: str) -> bool:
    return len(c) == 1 and "0" <= c <= "9"


def _is_whitespace(c: str) -> bool:
    return c in (" ", "\t", "\n")


def _is_ident(c: str) -> bool:
    if c == _EOS:
        return False
    return _is_alpha(c) or _is_number(c) or c in ("_", "-", "\\")


def _is_terminator(c: str) -> bool:
    return c == _EOS or _is_whitespace(c) or c in (",", "]", ")")


class _Lexer:
    """Line-by-line port of fql-ts's Lexer (including what `accept` does at the end)."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.pos = 0

    def next(self) -> tuple[str, bool]:
        if self.pos >= len(self.code):
            return _EOS, True
        char = self.code[self.pos]
        self.pos += 1
        return char, False

    def peek(self) -> str:
        char, eos = self.next()
        if not eos:
            self.pos -= 1
        return char

    def backup(self, count: int) -> None:
        self.pos = max(0, self.pos - count)

    def error(self, message: str) -> FqlSyntaxError:
        return FqlSyntaxError(message, self.pos, self.code)

    def lex(self) -> list[Token]:
        tokens: list[Token] = []
        while True:
            start = self.pos + 1
            char, eos = self.next()
            if eos:
                tokens.append(Token("eos", "eos", start))
                return tokens
            if _is_whitespace(char):
                continue
            if char == "!":
                nxt = self.peek()
                if _is_alpha(nxt) or nxt == "(":
                    tokens.append(Token("operator", "!", start))
                    continue
            if _is_alpha(char) or char in ("!", "=", ">", "<", "\\", "_"):
                tokens.append(self.lex_operator_or_conditional(char, start))
                continue
            if _is_number(char) or char in ("-", "+"):
                tokens.append(self.lex_number(char, start))
                continue
            if char in ('"', "'"):
                tokens.append(self.lex_string(char, start))
                continue
            simple = {".": "dot", "[": "brackleft", "]": "brackright", ",": "comma",
                      "(": "parenleft", ")": "parenright"}
            if char in simple:
                tokens.append(Token(simple[char], char, start))
                continue
            raise self.error(f'invalid character "{char}"')

    def lex_string(self, quote: str, start: int) -> Token:
        text = ""
        while self.peek() != quote:
            char, eos = self.next()
            text += char
            if eos:
                raise FqlSyntaxError("unterminated string", start, self.code)
            if len(text) >= _MAX_LEN:
                raise self.error("unreasonable string length")
        self.accept(quote)
        return Token("string", f"{quote}{text}{quote}", start)

    def lex_number(self, previous: str, start: int) -> Token:
        text = ""
        coming = self.peek()
        is_decimal = False
        while _is_number(coming) or coming == ".":
            char, _ = self.next()
            text += char
            if coming == ".":
                if _is_terminator(self.peek()):
                    raise self.error("unexpected terminator after decimal point")
                if is_decimal:
                    raise self.error("multiple decimal points in one number")
                is_decimal = True
            if len(text) >= _MAX_LEN:
                raise self.error("unreasonable number length")
            coming = self.peek()
        return Token("number", previous + text, start)

    def lex_operator_or_conditional(self, previous: str, start: int) -> Token:
        if previous == "=":
            return Token("operator", "=", start)
        if previous == "!":
            if self.accept("="):
                return Token("operator", "!=", start)
            raise self.error(f"expected '=' after '!', got '{self.peek()}'")
        if previous == "a":
            if self.accept("nd"):
                return Token("conditional", "and", start)
            return self.lex_ident(previous, start)
        if previous == "o":
            if self.accept("r"):
                return Token("conditional", "or", start)
            return self.lex_ident(previous, start)
        if previous == "n":
            if self.accept("ull"):
                return Token("null", "null", start)
            return self.lex_ident(previous, start)
        if previous in ("<", ">"):
            if self.accept("="):
                return Token("operator", previous + "=", start)
            return Token("operator", previous, start)
        return self.lex_ident(previous, start)

    def lex_ident(self, previous: str, start: int) -> Token:
        text = ""
        char = previous
        while True:
            if char == "\\":
                if self.peek() == _EOS:
                    raise self.error("expected character after escape character, got EOS")
                char, _ = self.next()
            text += char
            if len(text) >= _MAX_LEN:
                raise self.error("unreasonable literal length")
            if not _is_ident(self.peek()):
                break
            char, _ = self.next()
        coming = self.peek()
        if not (coming == _EOS or _is_terminator(coming) or coming in (".", "(", "=", "!")):
            raise self.error(f"expected termination character after identifier, got {coming}")
        return Token("ident", text, start)

    def accept(self, expected: str) -> bool:
        chars = ""
        for _ in expected:
            char, eos = self.next()
            chars += char
            if eos:
                return False  # fql-ts does not back up here: the characters read are lost
            if _is_terminator(char):
                break
        if expected == chars and _is_terminator(self.peek()):
            return True
        self.backup(len(chars))
        return False


def lex(code: str) -> list[Token]:
    """Tokens of an FQL expression, as fql-ts produces them; raises FqlSyntaxError."""
    return _Lexer(code).lex()


# --- parser (port of parse-fql.ts) -------------------------------------------------------

# The one table of which message field each kind of condition reads: the field's root
# word in an expression -> the condition type Segment's parser gives it.
CONDITION_TYPES = {
    "type": "event-type",
    "event": "event",
    "name": "name",
    "userId": "userId",
    "context": "event-context",
    "properties": "event-property",
    "traits": "event-trait",
}
# Condition types that read a path under a top-level object -> that object's name.
PREFIXED = {kind: root for root, kind in CONDITION_TYPES.items()
            if root in ("properties", "traits", "context")}
# Condition types that read one top-level field -> its name.
DIRECT = {kind: root for root, kind in CONDITION_TYPES.items() if kind not in PREFIXED}


_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_RADIX = {"0x": 16, "0o": 8, "0b": 2}
# Names every JavaScript object answers to (Object.prototype): Segment's code reads them.
_JS_OBJECT_MEMBERS = frozenset({
    "constructor", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable",
    "toLocaleString", "toString", "valueOf", "__proto__", "__defineGetter__",
    "__defineSetter__", "__lookupGetter__", "__lookupSetter__",
})


def _js_number(text: str) -> float:
    """JavaScript's Number(text): decimals, Infinity, 0x/0o/0b, '' -> 0, else NaN."""
    s = text.strip(" \t\n\r\v\f\u00a0\ufeff")
    if not s:
        return 0.0
    if _DECIMAL.fullmatch(s):
        return float(s)
    if s in ("Infinity", "+Infinity", "-Infinity"):
        return -math.inf if s.startswith("-") else math.inf
    base = _RADIX.get(s[:2].lower())
    if base:
        try:
            return float(int(s[2:], base))
        except ValueError:
            return math.nan
    return math.nan


def js_string(value: Any) -> str:
    """JavaScript's String(value) for the scalars FQL deals in."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        value = float(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value == int(value) and abs(value) < 1e21:
            return str(int(value))
        text = repr(value)
        mantissa, _, exponent = text.partition("e")
        if not exponent:
            return text
        exp = int(exponent)
        if -7 < exp < 21:
            return format(Decimal(text), "f")  # every digit of the shortest form
        return f"{mantissa}e{'+' if exp > 0 else '-'}{abs(exp)}"
    return str(value)


def _token_value(token: Token) -> str | float | bool:
    if token.type == "string":
        value = token.value
        value = value[1:] if value.startswith('"') else value
        return value[:-1] if value.endswith('"') else value
    if token.type == "number":
        return _js_number(token.value)
    if token.type == "ident" and token.value in ("true", "false"):
        return token.value == "true"
    return token.value


def _is_function(token: Token | None) -> bool:
    return token is not None and token.type == "ident" and token.value in ("contains", "match")


def _strip_prefix(name: str, prefix: str) -> str:
    return name[len(prefix) + 1:] if name.startswith(prefix + ".") else name


def _shift(tokens: list[Token]) -> Token | None:
    return tokens.pop(0) if tokens else None


def _parse_function(name: str, nodes: list[Ast | None], tokens: list[Token], negate: bool) -> None:
    _shift(tokens)  # "("
    name_token = _shift(tokens)
    if name_token is None:
        raise ValueError(f"{name}() is missing a 1st argument")
    _shift(tokens)  # ","
    value_token = _shift(tokens)
    if value_token is None:
        raise ValueError(f"{name}() is missing a 2nd argument")
    _shift(tokens)  # ")"
    if name == "contains":
        operator = "not_contains" if negate else "contains"
        value = js_string(_token_value(value_token))
    elif value_token.value.endswith('*"'):
        operator = "not_starts_with" if negate else "starts_with"
        value = js_string(_token_value(value_token))[:-1]
    else:
        operator = "not_ends_with" if negate else "ends_with"
        value = js_string(_token_value(value_token))[1:]
    field = name_token.value
    if field in ("event", "name", "userId"):
        nodes.append({"type": field, "operator": operator, "value": value})
    for condition_type, prefix in PREFIXED.items():
        if field.startswith(prefix):
            nodes.append({"type": condition_type, "name": _strip_prefix(field, prefix),
                          "operator": operator, "value": value})


def _parse(tokens: list[Token]) -> Ast | None:
    nodes: list[Ast | None] = []
    operator = "and"
    token = _shift(tokens)
    while token is not None and token.type != "eos":
        if token.type == "ident":
            root = token.value.split(".")[0]
            condition_type = CONDITION_TYPES.get(root)
            if condition_type or root in _JS_OBJECT_MEMBERS:
                op_token = _shift(tokens)
                if op_token is None:
                    raise ValueError("Operator token is missing")
                value_token = _shift(tokens)
                if value_token is None:
                    raise ValueError("Value token is missing")
                if condition_type:  # a prototype name consumes its tokens and adds nothing
                    nodes.append(_condition(condition_type, token.value, op_token, value_token))
            if _is_function(token):
                _parse_function(token.value, nodes, tokens, negate=False)
        if token.type == "operator" and token.value == "!" and tokens and _is_function(tokens[0]):
            name = tokens.pop(0).value
            _parse_function(name, nodes, tokens, negate=True)
        if token.type == "parenleft":
            group: list[Token] = []
            inner = _shift(tokens)
            while inner is None or inner.type != "parenright":
                if inner is None:
                    raise TypeError("Cannot read properties of undefined (reading 'type')")
                group.append(inner)
                inner = _shift(tokens)
            group.append(Token("eos", "eos"))
            nodes.append(_parse(group))
        if token.type == "conditional":
            operator = token.value
        token = _shift(tokens)
    if len(nodes) > 1:
        return {"type": "group", "operator": operator, "children": nodes}
    return nodes[0] if nodes else None


def _condition(condition_type: str, field: str, op_token: Token, value_token: Token) -> Ast:
    op, raw = op_token.value, value_token.value
    if condition_type in ("event", "event-type"):
        return {"type": condition_type, "operator": op,
                "value": js_string(_token_value(value_token))}
    node: Ast = {"type": condition_type}
    if condition_type in PREFIXED:
        node["name"] = _strip_prefix(field, PREFIXED[condition_type])
    if op == "!=" and raw == "null":
        node["operator"] = "exists"
    elif op == "=" and raw == "null":
        node["operator"] = "not_exists"
    elif condition_type == "name":
        node.update(operator=op, value=js_string(_token_value(value_token)))
    elif op == "=" and raw == "true":
        node["operator"] = "is_true"
    elif op == "=" and raw == "false":
        node["operator"] = "is_false"
    elif condition_type == "userId":
        node.update(operator=op, value=js_string(_token_value(value_token)))
    elif op in ("=", "!=") and value_token.type == "number":
        node.update(operator="number_equals" if op == "=" else "number_not_equals",
                    value=_token_value(value_token))
    else:
        node.update(operator=op, value=_token_value(value_token))
    return node


def _normalize(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        last = out[-1] if out else None
        current = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if last and last.type == "ident" and current.type == "dot" and nxt and nxt.type == "ident":
            out.pop()
            out.append(Token("ident", f"{last.value}.{nxt.value}", last.column))
            i += 2
        else:
            out.append(current)
            i += 1
    return out


def parse(expression: str) -> Ast:
    """Segment's AST for an expression: a group dict, or {"error": reason} as Segment returns."""
    try:
        ast = _parse(_normalize(lex(expression)))
        if ast is None:
            raise TypeError("Cannot read properties of undefined (reading 'type')")
    except (FqlSyntaxError, ValueError, TypeError) as exc:
        return {"error": str(exc)}
    if ast.get("type") != "group":
        return {"type": "group", "operator": "and", "children": [ast]}
    return ast


# --- matching (port of validate.ts) -----------------------------------------------------

UNDEFINED = object()
_SPLIT = re.compile(r"[^\[.\]]+")


def js_get(obj: Any, path: str) -> Any:
    """lodash-style get as destination-subscriptions does it (falsy values stop the walk)."""
    if not path:
        return UNDEFINED
    value = obj
    for key in _SPLIT.findall(path):
        if value is UNDEFINED or _js_falsy(value):
            break
        value = _js_member(value, key)
    return value


def _js_falsy(value: Any) -> bool:
    if value is None or value is False or value == "":
        return True
    return isinstance(value, (int, float)) and not isinstance(value, bool) and (
        value == 0 or value != value)


_JS_FUNCTION = object()  # what a prototype member such as `constructor` reads as


def _js_member(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        if key in value:
            return value[key]
    elif isinstance(value, (list, str)):
        if key == "length":
            return len(value)
        if key.isdigit() and (key == "0" or not key.startswith("0")) and int(key) < len(value):
            return value[int(key)]
    # Every JavaScript value but null and undefined has Object.prototype's members.
    return _JS_FUNCTION if key in _JS_OBJECT_MEMBERS else UNDEFINED


def _is_js_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _num(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    return _js_number(str(value))


def _validate_value(actual: Any, operator: str, expected: Any) -> bool:
    if operator == "=":
        return isinstance(actual, str) and actual == js_string(expected)
    if operator == "!=":
        return not (isinstance(actual, str) and actual == js_string(expected))
    if operator in ("number_equals", "number_not_equals", "<", "<=", ">", ">="):
        if not _is_js_number(actual):
            return False
        a, b = float(actual), _num(expected)
        return {
            "number_equals": a == b, "number_not_equals": a != b,
            "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b,
        }[operator]
    if operator in ("contains", "not_contains", "starts_with", "not_starts_with",
                    "ends_with", "not_ends_with"):
        if not isinstance(actual, str):
            return False
        text = js_string(expected)
        found = {"contains": text in actual, "starts_with": actual.startswith(text),
                 "ends_with": actual.endswith(text)}[operator.removeprefix("not_")]
        return found != operator.startswith("not_")
    if operator == "exists":
        return actual is not UNDEFINED and actual is not None
    if operator == "not_exists":
        return actual is UNDEFINED or actual is None
    if operator == "is_true":
        return actual is True
    if operator == "is_false":
        return actual is False
    return False


def _field(data: Any, key: str) -> Any:
    if isinstance(data, dict):
        return data.get(key, UNDEFINED)
    return _js_member(data, key) if isinstance(data, (list, str)) else UNDEFINED


def field_name(condition: Ast) -> str:
    """The field a condition reads, as written in an expression ('properties.rating')."""
    kind = str(condition.get("type"))
    if kind in DIRECT:
        return DIRECT[kind]
    return f"{PREFIXED.get(kind, '?')}.{condition.get('name', '')}"


def field_value(condition: Ast, data: Any) -> Any:
    """The value a (non-group) condition compares, read as Segment reads it; UNDEFINED
    when absent."""
    kind = condition.get("type")
    if kind in DIRECT:
        return _field(data, DIRECT[kind])
    if kind in PREFIXED:
        return js_get(_field(data, PREFIXED[kind]), condition.get("name", ""))
    return UNDEFINED


def _validate_condition(condition: Ast, data: Any) -> bool:
    kind = condition.get("type")
    if kind == "group":
        return _validate_group(condition, data)
    if kind not in DIRECT and kind not in PREFIXED:
        return False
    return _validate_value(field_value(condition, data), condition.get("operator", ""),
                           condition.get("value"))


def _validate_group(condition: Ast, data: Any) -> bool:
    # An empty group "()" leaves a hole that throws in JavaScript when reached: no match.
    want_all = condition.get("operator") == "and"
    if not want_all and condition.get("operator") != "or":
        return False
    for child in condition.get("children", []):
        if child is None:
            return False
        if _validate_condition(child, data) != want_all:
            return not want_all
    return want_all


def matches(ast: Ast, data: Any) -> bool:
    """Whether a message matches a parsed expression, as Segment's validate() decides.

    A JSON null payload makes Segment's code throw; that counts as no match.
    """
    if "error" in ast or data is None:
        return False
    return _validate_group(ast, data)


# --- strictness for rules files ----------------------------------------------------------

_FIELD_ROOTS = ("type", "event", "name", "userId", "properties", "traits", "context")
_OPERATORS = ("=", "!=", "<", "<=", ">", ">=")


def check(expression: str) -> Ast:
    """Parse an expression for a rules file, refusing what Segment would misread.

    Returns Segment's AST. Raises FqlSyntaxError with the column for: lexer errors, a
    field Segment does not know, a missing operator or value, a function with the wrong
    arguments, nested parentheses, and `and` mixed with `or` in one group without
    parentheses (Segment would apply the last one to the whole group).
    """
    tokens = _normalize(lex(expression))
    _Checker(tokens, expression).run()
    ast = parse(expression)
    if "error" in ast:
        raise FqlSyntaxError(ast["error"], 1, expression)
    return ast


class _Checker:
    def __init__(self, tokens: list[Token], expression: str) -> None:
        self.tokens = tokens
        self.expression = expression
        self.i = 0

    def fail(self, message: str, token: Token) -> FqlSyntaxError:
        return FqlSyntaxError(message, token.column or 1, self.expression)

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        if token.type != "eos":
            self.i += 1
        return token

    def run(self) -> None:
        self.group(depth=0)
        token = self.peek()
        if token.type != "eos":
            raise self.fail(f"unexpected '{token.value}'", token)

    def group(self, depth: int) -> None:
        conditional = None
        while True:
            self.term(depth)
            token = self.peek()
            if token.type != "conditional":
                return
            if conditional and token.value != conditional:
                raise self.fail(
                    f"'{conditional}' and '{token.value}' mixed without parentheses; Segment "
                    f"would apply '{token.value}' to the whole group", token)
            conditional = self.take().value

    def term(self, depth: int) -> None:
        token = self.take()
        if token.type == "parenleft":
            if depth:
                raise self.fail("nested parentheses are not supported by Segment's FQL", token)
            self.group(depth + 1)
            closing = self.take()
            if closing.type != "parenright":
                raise self.fail("missing ')'", closing)
            return
        if token.type == "operator" and token.value == "!":
            function = self.take()
            if not _is_function(function):
                raise self.fail("'!' must be followed by contains(...) or match(...)", function)
            self.function(function)
            return
        if _is_function(token):
            self.function(token)
            return
        if token.type != "ident" or token.value.split(".")[0] not in _FIELD_ROOTS:
            raise self.fail(
                f"expected a field ({', '.join(_FIELD_ROOTS)}), '(' or a function, "
                f"got '{token.value}'", token)
        self.field(token)
        op = self.take()
        if op.type != "operator" or op.value not in _OPERATORS:
            raise self.fail(f"expected an operator ({' '.join(_OPERATORS)}), got '{op.value}'", op)
        value = self.take()
        if value.type not in ("string", "number", "null") and not (
                value.type == "ident" and value.value in ("true", "false")):
            raise self.fail(f"expected a value (string, number, true, false, null), "
                            f"got '{value.value}'", value)
        if value.type == "string" and not value.value.startswith('"'):
            raise self.fail("strings must use double quotes", value)
        if value.type == "null" and op.value not in ("=", "!="):
            raise self.fail("null only compares with = or !=", value)
        if token.value in ("type", "event") and value.type == "null":
            raise self.fail(f"Segment compares '{token.value} = null' with the text 'null'; "
                            "every message has a type and a track has an event", value)

    def field(self, token: Token) -> None:
        root, _, rest = token.value.partition(".")
        if root in ("properties", "traits", "context") and not rest:
            raise self.fail(f"'{root}' needs a path, e.g. {root}.asset_id", token)
        if root in ("type", "event", "name", "userId") and rest:
            raise self.fail(f"'{root}' has no sub-fields", token)

    def function(self, token: Token) -> None:
        parts = [self.take() for _ in range(5)]
        opening, field, comma, value, closing = parts
        if opening.type != "parenleft" or comma.type != "comma" or closing.type != "parenright":
            raise self.fail(f"{token.value}() takes (field, \"text\")", opening)
        if field.type != "ident" or not (
                field.value in ("event", "name", "userId")
                or field.value.split(".")[0] in ("properties", "traits", "context")):
            raise self.fail(f"{token.value}() works on event, name, userId, properties.*, "
                            "traits.* or context.*", field)
        self.field(field)
        if value.type != "string" or not value.value.startswith('"'):
            raise self.fail(f"{token.value}()'s second argument must be a double-quoted string",
                            value)
        text = value.value[1:-1]
        if token.value == "match" and not (text.endswith("*") or text.startswith("*")):
            raise self.fail('match() needs "prefix*" or "*suffix"', value)
