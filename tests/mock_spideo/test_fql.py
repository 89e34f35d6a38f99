"""FQL: Segment's semantics, operator by operator, and the strict check for rules files."""

import json
import math
from pathlib import Path

import pytest

from mock_spideo.engine import fql
from mock_spideo.errors import SpideoSimError

VECTORS = json.loads((Path(__file__).parent / "data" / "segment_fql_vectors.json").read_text())


def match(expression, message):
    return fql.matches(fql.parse(expression), message)


def test_segment_published_vectors_agree_with_segments_verdicts():
    disagreements = []
    for expression, verdicts in zip(VECTORS["expressions"], VECTORS["matches"], strict=True):
        for payload, expected in zip(VECTORS["payloads"], verdicts, strict=True):
            if match(expression, payload) != expected:
                disagreements.append((expression, payload, expected))
    assert disagreements == [], f"{len(disagreements)} disagreements, first: {disagreements[:3]}"


@pytest.mark.parametrize(("expression", "yes", "no"), [
    ('event = "A"', {"event": "A"}, {"event": "B"}),
    ('event != "A"', {"event": "B"}, {"event": "A"}),
    ("properties.n < 10", {"properties": {"n": 9}}, {"properties": {"n": 10}}),
    ("properties.n <= 10", {"properties": {"n": 10}}, {"properties": {"n": 11}}),
    ("properties.n > 10", {"properties": {"n": 11}}, {"properties": {"n": 10}}),
    ("properties.n >= 10", {"properties": {"n": 10}}, {"properties": {"n": "10"}}),
    ("properties.n = 5", {"properties": {"n": 5.0}}, {"properties": {"n": "5"}}),
    ('properties.n = "5"', {"properties": {"n": "5"}}, {"properties": {"n": 5}}),
    ("properties.n != 5", {"properties": {"n": 6}}, {"properties": {}}),
    ("properties.flag = true", {"properties": {"flag": True}}, {"properties": {"flag": "true"}}),
    ("properties.flag = false", {"properties": {"flag": False}}, {"properties": {"flag": 0}}),
    ("properties.x = null", {"properties": {"x": None}}, {"properties": {"x": 0}}),
    ("properties.x != null", {"properties": {"x": 0}}, {"properties": {}}),
    ('contains(event, "Vid")', {"event": "Video"}, {"event": "Audio"}),
    ('!contains(event, "Vid")', {"event": "Audio"}, {"event": "Video"}),
    ('match(event, "Video*")', {"event": "Video X"}, {"event": "X Video"}),
    ('match(event, "*Started")', {"event": "Video Started"}, {"event": "Started X"}),
    ('!match(event, "Video*")', {"event": "Audio"}, {"event": "Video X"}),
    ('!match(event, "*Started")', {"event": "Started X"}, {"event": "Video Started"}),
    ('type = "track" and event = "A"', {"type": "track", "event": "A"},
     {"type": "page", "event": "A"}),
    ('event = "A" or event = "B"', {"event": "B"}, {"event": "C"}),
    ('type = "track" and (event = "A" or event = "B")', {"type": "track", "event": "B"},
     {"type": "track", "event": "C"}),
    ('userId = "u1"', {"userId": "u1"}, {"userId": "u2"}),
    ("userId != null", {"userId": "u1"}, {"anonymousId": "a"}),
    ('name = "Home"', {"name": "Home"}, {"name": "Away"}),
    ('traits.plan = "gold"', {"traits": {"plan": "gold"}}, {"properties": {"plan": "gold"}}),
    ('context.device.type = "tv"', {"context": {"device": {"type": "tv"}}}, {"context": {}}),
    ("properties.items.length = 2", {"properties": {"items": [1, 2]}},
     {"properties": {"items": [1]}}),
])
def test_each_operator_matches_and_misses(expression, yes, no):
    assert match(expression, yes), f"{expression!r} should match {yes}"
    assert not match(expression, no), f"{expression!r} should not match {no}"


def test_last_conditional_of_a_group_applies_to_all_of_it_as_in_segment():
    ast = fql.parse('event = "A" and event = "B" or event = "C"')
    assert ast["operator"] == "or"
    assert match('event = "A" and event = "B" or event = "C"', {"event": "A"})


def test_nested_parentheses_never_match_as_in_segment():
    assert "error" in fql.parse('((event = "A"))')
    assert not match('((event = "A"))', {"event": "A"})


def test_json_null_payload_matches_nothing():
    assert not match('type != "x"', None)


@pytest.mark.parametrize(("expression", "column", "words"), [
    ('event = "A" and event = "B" or event = "C"', 29, "mixed without parentheses"),
    ('((event = "A"))', 2, "nested parentheses"),
    ('event = "A" and', 16, "expected a field"),
    ('event = "A', 9, "unterminated string"),
    ('events = "A"', 1, "expected a field"),
    ('event "A"', 7, "expected an operator"),
    ('match(event, "A")', 14, "prefix*"),
    ("properties = 1", 1, "needs a path"),
    ('event = "A" $', 13, "invalid character"),
])
def test_check_refuses_with_the_column(expression, column, words):
    with pytest.raises(fql.FqlSyntaxError) as caught:
        fql.check(expression)
    assert caught.value.column == column, caught.value
    assert words in caught.value.reason


def test_check_accepts_every_default_rule_shape():
    ast = fql.check('type = "track" and (event = "A" or match(event, "B*")) and properties.x >= 1')
    assert ast["type"] == "group"


def test_js_string_formats_numbers_as_javascript_does():
    assert [fql.js_string(v) for v in (1.0, 0.5, 1e21, 1e-7, -0.0, 123456789012)] == [
        "1", "0.5", "1e+21", "1e-7", "0", "123456789012"]


@pytest.mark.parametrize("value", [5, -1.5, "A", True, [1], {"y": 1}])
def test_every_value_but_null_has_the_object_prototype_members_as_in_javascript(value):
    """(5).constructor is Number, "A".constructor is String: they exist (Segment agrees)."""
    assert match("properties.x.constructor != null", {"properties": {"x": value}})
    assert match("properties.x.toString != null", {"properties": {"x": value}})
    assert not match("properties.x.colour != null", {"properties": {"x": value}})


# --- Segment's recorded answers: the AST and the verdict, offline ------------------------

RECORDED = json.loads((Path(__file__).parent / "data" / "segment_fql_recorded.json").read_text())


def comparable(ast):
    """An AST as JSON carries it: numbers as floats, NaN as null, any error as one error."""
    if isinstance(ast, dict):
        return {"error": True} if "error" in ast else {k: comparable(v) for k, v in ast.items()}
    if isinstance(ast, list):
        return [comparable(item) for item in ast]
    if isinstance(ast, (int, float)) and not isinstance(ast, bool):
        return None if math.isnan(ast) else float(ast)
    return ast


def test_edge_expressions_parse_and_match_as_segment_recorded():
    edges = RECORDED["edges"]
    wrong = []
    for expression, theirs, verdicts in zip(edges["expressions"], edges["asts"],
                                            edges["matches"], strict=True):
        ours = fql.parse(expression)
        if comparable(ours) != comparable(theirs):
            wrong.append((expression, "ast", ours, theirs))
        wrong += [(expression, payload, not verdict, verdict)
                  for payload, verdict in zip(edges["payloads"], verdicts, strict=True)
                  if fql.matches(ours, payload) != verdict]
    assert wrong == [], f"{len(wrong)} disagreements with Segment, first: {wrong[:3]}"


def test_generated_cases_parse_and_match_as_segment_recorded():
    wrong = []
    for case in RECORDED["generated"]:
        ours = fql.parse(case["expression"])
        if comparable(ours) != comparable(case["ast"]):
            wrong.append((case["expression"], "ast", ours, case["ast"]))
        if fql.matches(ours, case["message"]) != case["match"]:
            wrong.append((case["expression"], case["message"], not case["match"]))
    assert len(RECORDED["generated"]) >= 1000
    assert wrong == [], f"{len(wrong)} disagreements with Segment, first: {wrong[:3]}"


# --- the lexer: tokens, columns, and its errors ------------------------------------------

def test_tokens_carry_their_type_value_and_column():
    tokens = fql.lex('properties.x >= -1.5 and !contains(event, "A") or (name != null)')
    assert [(t.type, t.value, t.column) for t in tokens] == [
        ("ident", "properties", 1), ("dot", ".", 11), ("ident", "x", 12),
        ("operator", ">=", 14), ("number", "-1.5", 17), ("conditional", "and", 22),
        ("operator", "!", 26), ("ident", "contains", 27), ("parenleft", "(", 35),
        ("ident", "event", 36), ("comma", ",", 41), ("string", '"A"', 43),
        ("parenright", ")", 46), ("conditional", "or", 48), ("parenleft", "(", 51),
        ("ident", "name", 52), ("operator", "!=", 57), ("null", "null", 60),
        ("parenright", ")", 64), ("eos", "eos", 65)]


def test_identifiers_take_every_letter_digits_and_dashes():
    assert [(t.type, t.value) for t in fql.lex("zed Zoo asset-id a_1")] == [
        ("ident", "zed"), ("ident", "Zoo"), ("ident", "asset-id"), ("ident", "a_1"),
        ("eos", "eos")]


def test_tokens_of_escapes_quotes_brackets_and_keywords_inside_words():
    tokens = fql.lex("a\\.b <'x' [1] andy ory nully > <")
    assert [(t.type, t.value) for t in tokens] == [
        ("ident", "a.b"), ("operator", "<"), ("string", "'x'"), ("brackleft", "["),
        ("number", "1"), ("brackright", "]"), ("ident", "andy"), ("ident", "ory"),
        ("ident", "nully"), ("operator", ">"), ("operator", "<"), ("eos", "eos")]


def test_a_syntax_error_made_by_hand_has_no_expression_unless_given():
    assert fql.FqlSyntaxError("bad", 3).expression == ""
    assert fql.FqlSyntaxError("bad", 3, "x").expression == "x"


@pytest.mark.parametrize(("expression", "reason", "column"), [
    ('event = "A', "unterminated string", 9),
    ("event = 'A", "unterminated string", 9),
    ("properties.x = 5..5", "multiple decimal points in one number", 18),
    ("properties.x = 5.", "unexpected terminator after decimal point", 17),
    ("properties.x = 5.)", "unexpected terminator after decimal point", 17),
    ('event = "A" $', 'invalid character "$"', 13),
    ("properties.x$ = 1", "expected termination character after identifier, got $", 12),
    ('event ! = "A"', "expected '=' after '!', got ' '", 7),
    ("properties.x\\", "expected character after escape character, got EOS", 13),
])
def test_lexer_errors_say_what_and_where(expression, reason, column):
    with pytest.raises(fql.FqlSyntaxError) as caught:
        fql.lex(expression)
    error = caught.value
    assert (error.reason, error.column, error.expression) == (reason, column, expression)
    assert str(error) == f"{reason} (column {column})"
    assert isinstance(error, SpideoSimError)


@pytest.mark.parametrize(("make", "reason"), [
    (lambda n: '"' + "a" * n + '"', "unreasonable string length"),
    (lambda n: "1" * (n + 1), "unreasonable number length"),  # the first digit apart
    (lambda n: "a" * n, "unreasonable literal length"),
])
def test_the_lexer_stops_at_its_length_limit(make, reason, monkeypatch):
    """At a limit of 10 rather than 100,000 characters, to stay fast under `make mutate`."""
    monkeypatch.setattr(fql, "_MAX_LEN", 10)
    assert len(fql.lex(make(9))) == 2
    with pytest.raises(fql.FqlSyntaxError) as caught:
        fql.lex(make(10))
    assert caught.value.reason == reason


def test_the_length_limit_is_a_hundred_thousand_characters():
    assert len(fql.lex('"' + "a" * 99_999 + '"')) == 2
    with pytest.raises(fql.FqlSyntaxError, match="unreasonable string length"):
        fql.lex('"' + "a" * 100_000 + '"')


# --- parse: Segment's AST, including how it fails -----------------------------------------

def test_a_single_condition_is_wrapped_in_an_and_group():
    assert fql.parse('event = "A"') == {"type": "group", "operator": "and", "children": [
        {"type": "event", "operator": "=", "value": "A"}]}


@pytest.mark.parametrize(("expression", "error"), [
    ("", "Cannot read properties of undefined (reading 'type')"),
    ("event", "Value token is missing"),
    ("(event)", "Value token is missing"),
    ("contains", "contains() is missing a 1st argument"),
    ("contains(event", "contains() is missing a 2nd argument"),
    ("(event = 1", "Cannot read properties of undefined (reading 'type')"),
    ('event = "A', 'unterminated string (column 9)'),
])
def test_parse_answers_an_error_as_segment_does(expression, error):
    assert fql.parse(expression) == {"error": error}


def test_conditions_on_each_field_kind():
    ast = fql.parse('properties.a.b = 1 and traits.t != "x" and context.c = true and '
                    'userId = 5 and name = null and type = "track" and contains(name, "n")')
    assert ast["children"] == [
        {"type": "event-property", "name": "a.b", "operator": "number_equals", "value": 1.0},
        {"type": "event-trait", "name": "t", "operator": "!=", "value": "x"},
        {"type": "event-context", "name": "c", "operator": "is_true"},
        {"type": "userId", "operator": "=", "value": "5"},
        {"type": "name", "operator": "not_exists"},
        {"type": "event-type", "operator": "=", "value": "track"},
        {"type": "name", "operator": "contains", "value": "n"}]


# --- matching: what Segment's validate() decides on hand-made trees ----------------------

@pytest.mark.parametrize(("ast", "message"), [
    ({"error": "bad"}, {"event": "A"}),
    ({"type": "group", "operator": "xor", "children": [
        {"type": "event", "operator": "=", "value": "A"}]}, {"event": "A"}),
    ({"type": "group", "operator": "and", "children": [None]}, {"event": "A"}),
    ({"type": "group", "operator": "or", "children": [None]}, {"event": "A"}),
    ({"type": "group", "operator": "and", "children": [
        {"type": "colour", "operator": "=", "value": "A"}]}, {"event": "A"}),
    ({"type": "group", "operator": "and", "children": [
        {"type": "event", "operator": "~", "value": "A"}]}, {"event": "A"}),
])
def test_trees_segment_would_not_match(ast, message):
    assert not fql.matches(ast, message)


def test_groups_nest_and_an_empty_and_group_matches():
    nested = {"type": "group", "operator": "or", "children": [
        {"type": "event", "operator": "=", "value": "B"},
        {"type": "group", "operator": "and", "children": [
            {"type": "event", "operator": "=", "value": "A"},
            {"type": "event-type", "operator": "=", "value": "track"}]}]}
    assert fql.matches(nested, {"event": "A", "type": "track"})
    assert not fql.matches(nested, {"event": "A", "type": "page"})
    assert fql.matches({"type": "group", "operator": "and", "children": []}, {})
    assert not fql.matches({"type": "group", "operator": "or", "children": []}, {})


def test_a_list_or_a_string_as_the_whole_message():
    assert match("event.length = 3", {"event": "abc"}) is False  # event is a direct field
    assert fql.field_value({"type": "event"}, ["a"]) is fql.UNDEFINED
    assert fql.field_value({"type": "event-property", "name": "x"}, "text") is fql.UNDEFINED


@pytest.mark.parametrize(("condition", "name"), [
    ({"type": "event"}, "event"), ({"type": "event-type"}, "type"), ({"type": "name"}, "name"),
    ({"type": "userId"}, "userId"), ({"type": "event-property", "name": "a.b"}, "properties.a.b"),
    ({"type": "event-trait", "name": "t"}, "traits.t"),
    ({"type": "event-context", "name": "c"}, "context.c"),
    ({"type": "colour", "name": "c"}, "?.c"), ({"type": "event-property"}, "properties."),
])
def test_field_name_is_the_field_as_written(condition, name):
    assert fql.field_name(condition) == name


def test_field_value_reads_as_segment_reads():
    message = {"event": "A", "properties": {"a": {"b": 0}, "z": 0}, "traits": {}}
    assert fql.field_value({"type": "event"}, message) == "A"
    assert fql.field_value({"type": "name"}, message) is fql.UNDEFINED
    assert fql.field_value({"type": "event-property", "name": "a.b"}, message) == 0
    assert fql.field_value({"type": "event-property", "name": "z.y"}, message) == 0
    assert fql.field_value({"type": "event-property", "name": ""}, message) is fql.UNDEFINED
    assert fql.field_value({"type": "event-trait", "name": "t"}, message) is fql.UNDEFINED
    assert fql.field_value({"type": "event-context", "name": "c"}, message) is fql.UNDEFINED
    assert fql.field_value({"type": "colour", "name": "c"}, message) is fql.UNDEFINED
    assert fql.field_value({"type": "event-property"}, {"properties": {"XXXX": 1}}) is (
        fql.UNDEFINED)


def test_js_get_stops_at_falsy_values_and_reads_lists_and_strings():
    data = {"a": {"b": None}, "s": "xyz", "l": [10, 20], "e": "", "f": False, "n": float("nan")}
    assert fql.js_get(data, "a.b.c") is None
    assert fql.js_get(data, "s.length") == 3
    assert fql.js_get(data, "s.1") == "y"
    assert fql.js_get(data, "l.1") == 20
    assert fql.js_get(data, "l.0") == 10
    assert fql.js_get(data, "s.0") == "x"
    assert fql.js_get(data, "l[1]") == 20
    assert fql.js_get(data, "l.01") is fql.UNDEFINED
    assert fql.js_get(data, "l.2") is fql.UNDEFINED
    assert fql.js_get(data, "e.length") == ""
    assert fql.js_get(data, "f.x") is False
    assert math.isnan(fql.js_get(data, "n.x"))
    assert fql.js_get(data, "missing.x") is fql.UNDEFINED
    assert fql.js_get(data, "") is fql.UNDEFINED


@pytest.mark.parametrize(("text", "number"), [
    ("5", 5.0), (" 5 ", 5.0), ("\u00a05\ufeff", 5.0), ("", 0.0), ("  ", 0.0), ("-2.5", -2.5),
    ("+3", 3.0), (".5", 0.5), ("5.", 5.0), ("1e3", 1000.0), ("1E-2", 0.01),
    ("Infinity", math.inf), ("+Infinity", math.inf), ("-Infinity", -math.inf),
    ("0x1F", 31.0), ("0X10", 16.0), ("0o17", 15.0), ("0b101", 5.0),
])
def test_strings_become_numbers_as_javascripts_number_does(text, number):
    assert fql._js_number(text) == number


@pytest.mark.parametrize("text", ["abc", "0xZZ", "0b2", "1,5", "--1", "Infinityx", "0x", "X5",
                                  "5X"])
def test_strings_that_are_not_numbers_become_nan(text):
    assert math.isnan(fql._js_number(text))


@pytest.mark.parametrize(("value", "text"), [
    (True, "true"), (False, "false"), (None, "null"), (5, "5"), (-3, "-3"), (2.5, "2.5"),
    (float("nan"), "NaN"), (math.inf, "Infinity"), (-math.inf, "-Infinity"),
    (1e20, "100000000000000000000"), (1.5e20, "150000000000000000000"), (1e21, "1e+21"),
    (1.5e21, "1.5e+21"), (-1e21, "-1e+21"), (1e-6, "0.000001"), (1.25e-5, "0.0000125"),
    (1e-7, "1e-7"), (-2.5e-8, "-2.5e-8"), (1.5e300, "1.5e+300"), (123.456, "123.456"),
    ("text", "text"),
])
def test_js_string_is_javascripts_string(value, text):
    assert fql.js_string(value) == text


# --- check: what a rules file may not say -------------------------------------------------

@pytest.mark.parametrize(("expression", "column", "reason"), [
    ('(event = "A"', 13, "missing ')'"),
    ('event = "A")', 12, "unexpected ')'"),
    ('!event = "A"', 2, "'!' must be followed by contains(...) or match(...)"),
    ('contains(event "A")', 9, 'contains() takes (field, "text")'),
    ('contains(event, "A"', 9, 'contains() takes (field, "text")'),
    ('contains event, "A")', 10, 'contains() takes (field, "text")'),
    ('contains(type, "A")', 10,
     "contains() works on event, name, userId, properties.*, traits.* or context.*"),
    ('contains("x", "A")', 10,
     "contains() works on event, name, userId, properties.*, traits.* or context.*"),
    ('contains(properties, "a")', 10, "'properties' needs a path, e.g. properties.asset_id"),
    ("contains(event, A)", 17, "contains()'s second argument must be a double-quoted string"),
    ("match(event, 'A*')", 14, "match()'s second argument must be a double-quoted string"),
    ('match(event, "A")', 14, 'match() needs "prefix*" or "*suffix"'),
    ('"A" = event', 1, "expected a field (type, event, name, userId, properties, traits, "
                       "context), '(' or a function, got '\"A\"'"),
    ('event = and', 9, "expected a value (string, number, true, false, null), got 'and'"),
    ("event = A", 9, "expected a value (string, number, true, false, null), got 'A'"),
    ('event "A"', 7, "expected an operator (= != < <= > >=), got '\"A\"'"),
    ("event = 'A'", 9, "strings must use double quotes"),
    ("properties.x < null", 16, "null only compares with = or !="),
    ("event = null", 9, "Segment compares 'event = null' with the text 'null'; every message "
                        "has a type and a track has an event"),
    ("type != null", 9, "Segment compares 'type = null' with the text 'null'; every message "
                        "has a type and a track has an event"),
    ('event.x = "A"', 1, "'event' has no sub-fields"),
    ('userId.x = "A"', 1, "'userId' has no sub-fields"),
    ('type = "track" and event.x = "A"', 20, "'event' has no sub-fields"),
    ("event = abc", 9, "expected a value (string, number, true, false, null), got 'abc'"),
    ("event = oops", 9, "expected a value (string, number, true, false, null), got 'oops'"),
    ("event = nope", 9, "expected a value (string, number, true, false, null), got 'nope'"),
    ("event = =", 9, "expected a value (string, number, true, false, null), got '='"),
    ("event = <", 9, "expected a value (string, number, true, false, null), got '<'"),
    ("event = >", 9, "expected a value (string, number, true, false, null), got '>'"),
    ("traits = 1", 1, "'traits' needs a path, e.g. traits.asset_id"),
    ("context = 1", 1, "'context' needs a path, e.g. context.asset_id"),
    ('contains(event', 9, 'contains() takes (field, "text")'),
    ('contains,event, "A")', 9, 'contains() takes (field, "text")'),
    ('= "A"', 1, "expected a field (type, event, name, userId, properties, traits, "
                 "context), '(' or a function, got '='"),
    ('event !contains(event, "A")', 7, "expected an operator (= != < <= > >=), got '!'"),
    ('type.x = "A"', 1, "'type' has no sub-fields"),
    ('name.x = "A"', 1, "'name' has no sub-fields"),
    ('((event = "A"))', 2, "nested parentheses are not supported by Segment's FQL"),
    ('event = "A" or type = "B" and name = "C"', 27,
     "'or' and 'and' mixed without parentheses; Segment would apply 'and' to the whole "
     "group"),
])
def test_check_names_each_mistake(expression, column, reason):
    with pytest.raises(fql.FqlSyntaxError) as caught:
        fql.check(expression)
    assert (caught.value.reason, caught.value.column) == (reason, column)
    assert caught.value.expression == expression


@pytest.mark.parametrize("expression", [
    'event = "A"', 'properties.x = true', "properties.x != false", "traits.x != null",
    "context.a.b = null", 'userId = "u"', 'name = "n"', "properties.x < 5",
    "properties.x <= -1.5", "properties.x > 0", "properties.x >= 2", 'type != "page"',
    '!contains(event, "A")', 'match(context.x, "*a")', '!match(userId, "u*")',
    'contains(traits.plan, "o")', 'contains(name, "n")',
    '(event = "A" or event = "B") and (type = "track" and name = "n")',
    'event = "A" or event = "B" or event = "C"',
])
def test_check_accepts_what_segment_reads_plainly(expression):
    assert fql.check(expression) == fql.parse(expression)
