"""Rules files: loading, validation errors that point at the rule, field and line."""

from importlib import resources

import pytest

from mock_spideo import RulesError, default_rules, load_rules, parse_rules
from mock_spideo.engine.vocabulary import vocabulary
from mock_spideo.errors import SpideoSimError

GOOD = """
rules:
  - name: plays
    when: type = "track" and event = "Video Content Started"
    interaction: play
    content_id: [properties.asset_id]
"""


def test_default_rules_load_with_every_required_rule():
    names = {rule.name for rule in default_rules().rules}
    assert {"video-content-started", "video-content-watched", "video-playback-started",
            "video-content-completed", "video-playback-completed", "video-heartbeat",
            "video-playback-state", "product-clicked", "product-viewed", "order-completed",
            "product-added-to-wishlist", "product-shared", "product-reviewed-like",
            "product-reviewed-dislike", "audience-entered", "audience-exited",
            "identify-traits"} <= names


def test_a_good_file_loads():
    rules = parse_rules(GOOD)
    assert rules.rules[0].interaction == "play"
    assert rules.rules[0].line == 3


@pytest.mark.parametrize(("text", "line", "field", "words"), [
    (GOOD.replace('event = "Video Content Started"', 'event = "A" or'), 4, "when",
     "FQL syntax error at column"),
    (GOOD.replace("interaction: play", "interaction: watch"), 5, "interaction",
     "not in the vocabulary"),
    (GOOD.replace("content_id: [properties.asset_id]", "content_id: ['properties..x']"), 6,
     "content_id", "cannot read"),
    (GOOD.replace("    content_id: [properties.asset_id]\n", ""), 3, "content_id", "needs"),
    (GOOD + "    colour: blue\n", 7, "colour", "unknown key"),
    (GOOD + "  - name: plays\n    when: type = \"identify\"\n    user_properties: traits\n", 7,
     "name", "two rules have this name"),
])
def test_a_bad_file_names_rule_field_reason_and_line(text, line, field, words):
    with pytest.raises(RulesError) as caught:
        parse_rules(text, source="my_rules.yaml")
    error = caught.value
    assert (error.line, error.field) == (line, field), str(error)
    assert words in error.reason
    assert str(error).startswith(f"my_rules.yaml:{line}: rule ")


def test_fql_error_reports_the_column_inside_the_expression():
    with pytest.raises(RulesError) as caught:
        parse_rules(GOOD.replace('event = "Video Content Started"', 'event = "A" $'))
    assert "column 32" in str(caught.value)


def test_not_yaml_reports_the_line():
    with pytest.raises(RulesError) as caught:
        parse_rules("rules:\n  - name: [unclosed\n")
    assert caught.value.line is not None


def test_aliases_resolve_to_vocabulary_types():
    rules = parse_rules(GOOD.replace("interaction: play", "interaction: Purchase"))
    assert rules.rules[0].interaction == "buy"


@pytest.mark.parametrize(("key", "line", "text"), [
    ("user_properties", 4, "  - name: ids\n    when: type = \"identify\"\n"
                           "    user_properties: [traits, properties]\n"),
    ("for_each", 7, GOOD.replace("content_id: [properties.asset_id]",
                                 "content_id: [item.id]\n    for_each: [properties.a, "
                                 "properties.b]")),
    ("progress", 7, GOOD + "    progress: {position: [properties.a, properties.b], "
                           "total: properties.t}\n"),
])
def test_a_list_where_one_path_is_wanted_is_refused_at_its_line(key, line, text):
    if not text.startswith("\n"):
        text = "rules:\n" + text
    with pytest.raises(RulesError) as caught:
        parse_rules(text, source="my_rules.yaml")
    assert (caught.value.field, caught.value.line) == (key, line), str(caught.value)
    assert caught.value.reason == "takes one path, not a list of 2"


# --- the error itself ----------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "text"), [
    ({"line": 3, "rule": "r", "field_name": "f"}, "my.yaml:3: rule 'r' field 'f': bad"),
    ({"line": 3, "rule": "r"}, "my.yaml:3: rule 'r': bad"),
    ({"field_name": "f"}, "my.yaml: field 'f': bad"),
    ({}, "my.yaml: bad"),
    ({"line": 0}, "my.yaml: bad"),
])
def test_a_rules_error_reads_source_line_rule_field_reason(kwargs, text):
    error = RulesError("bad", source="my.yaml", **kwargs)
    assert str(error) == text
    assert (error.reason, error.source, error.line, error.rule, error.field) == (
        "bad", "my.yaml", kwargs.get("line"), kwargs.get("rule"), kwargs.get("field_name"))
    assert isinstance(error, SpideoSimError) and isinstance(error, ValueError)


def failure(text, source="r.yaml"):
    with pytest.raises(RulesError) as caught:
        parse_rules(text, source=source)
    return caught.value


RULE = "  - name: r\n    when: type = \"track\"\n"


@pytest.mark.parametrize(("text", "line", "rule", "field", "reason"), [
    ("rules: [\n", 2, None, None,
     "not valid YAML: did not find expected node content"),
    ("- a\n- b\n", 1, None, None, "expected a mapping with a 'rules' list"),
    ("rules: {}\n", 1, None, None, "expected a mapping with a 'rules' list"),
    ("user_properties: [1]\nrules: []\n", 1, None, None,
     "'user_properties' and 'defaults' must be mappings"),
    ("rules: []\ndefaults: 5\n", None, None, None,
     "'user_properties' and 'defaults' must be mappings"),
    ("rules: []\nuser_properties:\n  max_string_length: 0\n", 3, None, "max_string_length",
     "max_string_length must be a positive whole number"),
    ("rules: []\nuser_properties:\n  max_string_length: true\n", 3, None,
     "max_string_length", "max_string_length must be a positive whole number"),
    ("rules: []\nuser_properties:\n  max_string_length: '9'\n", 3, None,
     "max_string_length", "max_string_length must be a positive whole number"),
    ("rules: []\nuser_properties:\n  forward_personal_traits: [plan]\n", 3, None,
     "forward_personal_traits", "forward_personal_traits lists names from email, phone, "
     "name, firstName, lastName, address, birthday, avatar"),
    ("rules: []\nuser_properties:\n  forward_personal_traits: email\n", 3, None,
     "forward_personal_traits", "forward_personal_traits lists names from email, phone, "
     "name, firstName, lastName, address, birthday, avatar"),
    ("rules: []\nuser_properties:\n  forward_personal_traits: [5]\n", 3, None,
     "forward_personal_traits", "forward_personal_traits lists names from email, phone, "
     "name, firstName, lastName, address, birthday, avatar"),
    ("rules: []\ndefaults:\n  origin: ['a..b']\n", None, None, None,
     "cannot read '' in path 'a..b'"),
    ("rules: []\ndefaults:\n  device: ['[0]']\n", None, None, None,
     "cannot read '[0]' in path '[0]'"),
    ("rules:\n  - just text\n", 2, "#1", None, "each rule must be a mapping"),
    ("rules:\n" + RULE + "    ignore: x\n  - when: type = \"track\"\n    ignore: y\n", 5, "#2",
     "name", "needs a 'name'"),
    ("rules:\n  - name: ''\n    ignore: y\n", 2, "#1", "name", "needs a 'name'"),
    ("rules:\n" + RULE + "    ignore: x\n    colour: red\n    animal: cat\n", 6, "r", "animal",
     "unknown key 'animal'; allowed: content_id, description, device, for_each, ignore, "
     "interaction, name, origin, progress, user_properties, user_property, value, when"),
    ("rules:\n  - name: r\n    ignore: x\n", 2, "r", "when",
     "needs a 'when' expression, e.g. type = \"track\" and event = \"...\""),
    ("rules:\n  - name: r\n    when: '  '\n    ignore: x\n", 2, "r", "when",
     "needs a 'when' expression, e.g. type = \"track\" and event = \"...\""),
    ("rules:\n  - name: r\n    ignore: x\n    when: event = 'A'\n", 4, "r", "when",
     "FQL syntax error at column 9: strings must use double quotes"),
    ("rules:\n" + RULE, 2, "r", None,
     "needs exactly one of interaction, ignore, user_property, user_properties (got 0)"),
    ("rules:\n" + RULE + "    ignore: x\n    user_properties: traits\n", 2, "r", None,
     "needs exactly one of interaction, ignore, user_property, user_properties (got 2)"),
    ("rules:\n" + RULE + "    ignore: Heart-Beat\n", 2, "r", "ignore",
     "ignore takes a reason code in snake_case, e.g. heartbeat"),
    ("rules:\n" + RULE + "    ignore: 5\n", 2, "r", "ignore",
     "ignore takes a reason code in snake_case, e.g. heartbeat"),
    ("rules:\n" + RULE + "    ignore: 9lives\n", 2, "r", "ignore",
     "ignore takes a reason code in snake_case, e.g. heartbeat"),
    ("rules:\n" + RULE + "    user_property: audience\n", 2, "r", "user_property",
     "user_property needs 'name' (a path) and 'value'"),
    ("rules:\n" + RULE + "    user_property: {name: properties.k}\n", 2, "r", "user_property",
     "user_property needs 'name' (a path) and 'value'"),
    ("rules:\n" + RULE + "    user_property: {value: true}\n", 2, "r", "user_property",
     "user_property needs 'name' (a path) and 'value'"),
    ("rules:\n" + RULE + "    user_property: {name: properties.k, value: [1]}\n", 2, "r",
     "user_property", "user_property value must be a scalar"),
    ("rules:\n" + RULE + "    user_property: {name: '..', value: 1}\n", 4, "r",
     "user_property", "cannot read '' in path '..'"),
    ("rules:\n" + RULE + "    user_properties: ''\n", 4, "r", "user_properties",
     "a path must be a non-empty string such as properties.asset_id"),
    ("rules:\n" + RULE + "    ignore: x\n" + RULE + "    ignore: y\n", 5, "r", "name",
     "two rules have this name"),
    ("rules:\n" + RULE + "    interaction: play\n", 2, "r", "content_id",
     "an interaction rule needs content_id paths"),
    ("rules:\n" + RULE + "    interaction: play\n    content_id: []\n", 5, "r", "content_id",
     "needs at least one path"),
    ("rules:\n" + RULE + "    interaction: play\n    content_id: [item.id]\n", 2, "r",
     "content_id", "paths start with 'item' only in a rule with for_each"),
    ("rules:\n" + RULE + "    interaction: play\n    content_id: x\n    origin: ['']\n", 6,
     "r", "origin", "a path must be a non-empty string such as properties.asset_id"),
    ("rules:\n" + RULE + "    interaction: play\n    content_id: x\n    device: ['a[']\n", 6,
     "r", "device", "cannot read 'a[' in path 'a['"),
    ("rules:\n" + RULE + "    interaction: play\n    content_id: x\n    value: []\n", 6, "r",
     "value", "needs at least one path"),
    ("rules:\n" + RULE + "    interaction: play\n    content_id: x\n    for_each: ''\n", 6,
     "r", "for_each", "a path must be a non-empty string such as properties.asset_id"),
    ("rules:\n" + RULE + "    interaction: play\n    content_id: x\n    progress: properties.p\n",
     2, "r", "progress", "progress needs 'position' and 'total' paths"),
    ("rules:\n" + RULE + "    interaction: play\n    content_id: x\n"
     "    progress: {position: a, total: b, extra: c}\n", 2, "r", "progress",
     "progress needs 'position' and 'total' paths"),
    ("rules:\n" + RULE + "    interaction: play\n    content_id: x\n"
     "    progress: {position: a}\n", 2, "r", "progress",
     "progress needs 'position' and 'total' paths"),
    ("rules:\n" + RULE + "    interaction: play\n    content_id: x\n"
     "    progress: {position: a, total: ''}\n", 6, "r", "progress",
     "a path must be a non-empty string such as properties.asset_id"),
])
def test_each_mistake_in_a_rules_file_is_located(text, line, rule, field, reason):
    error = failure(text)
    assert (error.line, error.rule, error.field, error.reason) == (line, rule, field, reason)
    assert error.source == "r.yaml"


def test_a_yaml_error_without_a_position_has_no_line():
    error = failure("rules: [\x00]\n")
    assert error.line is None
    assert error.reason.startswith("not valid YAML: unacceptable character #x0000")


def test_strings_of_one_character_are_a_usable_limit():
    rules = parse_rules("rules: []\nuser_properties:\n  max_string_length: 1\n")
    assert rules.max_string_length == 1


def test_an_unknown_interaction_lists_the_vocabulary_at_its_line():
    error = failure("rules:\n" + RULE + "    interaction: watch\n    content_id: x\n")
    assert (error.line, error.field) == (4, "interaction")
    assert error.reason == (f"'watch' is not in the vocabulary "
                            f"({', '.join(vocabulary().names)})")
    assert "(play, complete, click, moreInfo, buy, " in error.reason


# --- what a good file gives ------------------------------------------------------------------

FULL = """
defaults:
  origin: [properties.origin, properties.rail]
  device: properties.device
user_properties:
  max_string_length: 10
  forward_personal_traits: [first_name, EMAIL]
rules:
  - name: plays
    description: A play.
    when: type = "track" and event = "Play" and properties.Asset_ID != null
    interaction: Play
    content_id: [properties.asset_id, "properties.ids[0]"]
    progress: {position: properties.position, total: properties.total}
    value: properties.price
  - name: orders
    when: type = "track" and (event = "Order" or event = "Purchase")
    interaction: buy
    for_each: properties.products
    content_id: [item.sku, properties.fallback]
    origin: properties.list
    device: [context.device.type]
  - name: heartbeat
    when: event = "Beat"
    ignore: heartbeat
  - name: context-reader
    when: type = "track" and (context.Page.Path = "/" or event = "Page")
    ignore: page_noise
  - name: fans
    when: type = "track" and event = "Fan"
    user_property: {name: properties.audience_key, value: 3}
  - name: traits
    when: type = "identify"
    user_properties: traits
"""


def test_a_full_file_compiles_every_field():
    rules = parse_rules(FULL, source="full.yaml")
    plays, orders, heartbeat, reader, fans, traits = rules.rules
    assert (rules.source, rules.max_string_length) == ("full.yaml", 10)
    assert rules.forward_personal_traits == frozenset({"firstname", "email"})
    assert rules.ignore_codes == frozenset({"heartbeat", "page_noise"})
    assert rules.reads_context
    assert (plays.name, plays.line, plays.description, plays.interaction, plays.outcome) == (
        "plays", 9, "A play.", "play", "interaction play")
    assert plays.when == 'type = "track" and event = "Play" and properties.Asset_ID != null'
    assert plays.content_id == (("properties.asset_id", ("properties", "asset_id")),
                                ("properties.ids.0", ("properties", "ids", 0)))
    assert plays.origin == (("properties", "origin"), ("properties", "rail"))
    assert plays.device == (("properties", "device"),)
    assert plays.progress == (("properties", "position"), ("properties", "total"))
    assert plays.value == (("properties", "price"),)
    assert (plays.for_each, plays.ignore, plays.user_property, plays.user_properties) == (
        None, None, None, None)
    assert plays.required_event == "Play"
    assert plays.ast["children"][2] == {"type": "event-property", "name": "assetid",
                                        "operator": "exists"}
    assert (orders.for_each, orders.origin, orders.device, orders.value, orders.progress) == (
        ("properties", "products"), (("properties", "list"),),
        (("context", "device", "type"),), (), None)
    assert orders.required_event is None and orders.description == ""
    assert (heartbeat.ignore, heartbeat.outcome, heartbeat.required_event) == (
        "heartbeat", "ignore (heartbeat)", "Beat")
    assert reader.ast["children"][1]["children"][0]["name"] == "page.path"
    assert (fans.user_property, fans.outcome) == ((("properties", "audience_key"), 3),
                                                  "user property")
    assert (traits.user_properties, traits.outcome) == (("traits",), "user properties")
    assert traits.required_event is None


def test_a_file_without_settings_takes_the_defaults():
    rules = parse_rules("rules:\n" + RULE + "    interaction: play\n    content_id: x\n")
    assert (rules.source, rules.max_string_length, rules.forward_personal_traits,
            rules.ignore_codes, rules.reads_context) == ("<rules>", 64, frozenset(),
                                                         frozenset(), False)
    assert (rules.rules[0].origin, rules.rules[0].device) == ((), ())
    assert parse_rules("rules: []\nuser_properties:\ndefaults:\n").rules == ()


@pytest.mark.parametrize(("when", "event"), [
    ('event = "A"', "A"), ('type = "track" and event = "A"', "A"),
    ('event = "A" and event = "B"', "A"), ('event = "A" or type = "track"', None),
    ('event != "A"', None), ('type = "track"', None), ('(event = "A") and type = "track"', "A"),
    ('event = 5', "5"), ('contains(event, "A")', None),
])
def test_a_rule_that_requires_one_event_name_says_which(when, event):
    rules = parse_rules(f"rules:\n  - name: r\n    when: '{when}'\n    ignore: x\n")
    assert rules.rules[0].required_event == event


def test_candidates_are_the_rules_that_can_match_an_event_name():
    rules = parse_rules(FULL)
    names = {event: [r.name for r in rules.candidates(event)]
             for event in ("Play", "Beat", "Other", None, 5)}
    assert names == {
        "Play": ["plays", "orders", "context-reader", "traits"],
        "Beat": ["orders", "heartbeat", "context-reader", "traits"],
        "Other": ["orders", "context-reader", "traits"],
        None: ["orders", "context-reader", "traits"],
        5: ["orders", "context-reader", "traits"]}
    assert rules.candidates("Play") is rules.candidates("Play")


@pytest.mark.parametrize("event", [["Play"], {"name": "Play"}])
def test_an_event_that_is_not_text_is_no_event_name(event):
    rules = parse_rules(FULL)
    assert [r.name for r in rules.candidates(event)] == ["orders", "context-reader", "traits"]


def test_candidates_remember_at_most_ten_thousand_event_names():
    rules = parse_rules(FULL)
    for index in range(10_005):
        rules.candidates(f"event {index}")
    assert len(rules._by_event) == 10_000
    assert [r.name for r in rules.candidates("event 10004")] == [
        "orders", "context-reader", "traits"]


@pytest.mark.parametrize(("when", "reads"), [
    ('type = "track"', False), ('context.x = 1', True), ('contains(context.x, "a")', True),
    ('type = "track" and (event = "A" or context.page.path = "/")', True),
    ('!match(context.x, "a*")', True), ('traits.context = 1', False),
])
def test_a_rules_file_reads_the_context_when_a_condition_does(when, reads):
    text = f"rules:\n  - name: r\n    when: '{when}'\n    ignore: x\n"
    assert parse_rules(text).reads_context is reads


def test_a_condition_field_with_an_escaped_space_is_one_canonical_name():
    ast = parse_rules("rules:\n  - name: r\n    when: 'properties.Asset\\ Id.Sub_Key = 1'\n"
                      "    ignore: x\n").rules[0].ast
    assert ast["children"][0]["name"] == "assetid.subkey"


def test_function_conditions_are_canonical_too():
    ast = parse_rules("rules:\n  - name: r\n    when: 'contains(traits.Plan_Type, \"G\") and "
                      "userId = \"U_1\"'\n    ignore: x\n").rules[0].ast
    assert ast["children"] == [
        {"type": "event-trait", "name": "plantype", "operator": "contains", "value": "G"},
        {"type": "userId", "operator": "=", "value": "U_1"}]


def test_load_rules_reads_a_file_and_names_it(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("rules:\n  - name: r\n    when: type = \"track\"\n    ignore: x\n",
                    encoding="utf-8")
    rules = load_rules(path)
    assert (rules.source, [r.name for r in rules.rules]) == (str(path), ["r"])
    assert load_rules(str(path)).source == str(path)
    path.write_text("rules: 5\n")
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    assert caught.value.source == str(path)
    with pytest.raises(OSError):
        load_rules(tmp_path / "absent.yaml")


def test_the_default_rules_are_the_shipped_file():
    shipped = default_rules()
    assert shipped.source == "default_rules.yaml"
    assert shipped is default_rules()
    text = resources.files("mock_spideo").joinpath("data/default_rules.yaml").read_text()
    assert shipped == parse_rules(text, source="default_rules.yaml")
