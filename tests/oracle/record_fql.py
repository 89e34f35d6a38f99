"""Record Segment's verdicts for tests/mock_spideo/data/segment_fql_recorded.json.

The live differential test (tests/fuzz/test_fql_oracle.py) needs node; this file keeps
Segment's answers so that the engine's own tests, offline and fast, compare our FQL port
with Segment's on the same inputs: the parsed AST as well as the match verdict. It holds
  - `edges`: hand-written expressions aimed at every branch of the lexer and parser
    (escapes, numbers, operators, functions, prototype names, broken input), each
    against a small set of payloads;
  - `generated`: (expression, message) pairs drawn from simulator.testing.strategies'
    fql_cases(), derandomized, so the same file comes out every time.
Run from the repository root after upgrading Segment's package (tests/oracle/
package-lock.json): .venv/bin/python tests/oracle/record_fql.py
"""

import json
import subprocess
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings

from simulator.testing.strategies import fql_cases

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "tests" / "mock_spideo" / "data" / "segment_fql_recorded.json"
PACKAGE = ROOT / "tests/oracle/node_modules/@segment/destination-subscriptions/package.json"
GENERATED = 1000

EDGE_EXPRESSIONS = [
    # whitespace, operators, conditionals
    'event = "A"', 'event\t=\n"A"', 'event != "A"', 'event = "A" and type = "track"',
    'event = "A" or type = "track"', 'event = "A" and event = "B" or event = "C"',
    'event = "A" or event = "B" and event = "C"', 'event="A"and type="track"',
    'event = "A" and(type = "track")', 'event = "A" or(type = "track")', 'event = "A" and',
    'and event = "A"', 'event = "A" or', 'event = "A" event = "B"', 'event == "A"',
    'event => "A"', 'event <> "A"', 'properties.x < 5', 'properties.x <= 5',
    'properties.x > 5', 'properties.x >= 5', 'properties.x < "5"', 'properties.x >= -1.5',
    'properties.x <5', 'properties.x<=5',
    # identifiers that start like a keyword
    'a = 1', 'an = 1', 'android = 1', 'o = 1', 'order = 1', 'n = 1', 'nu = 1',
    'nullable = 1', 'properties.x = nullx', 'properties.x = nul', 'properties.and = 1',
    'properties.or = 1', 'properties.null = 1', 'anything', 'orx', 'nullify',
    # '!' in its forms
    '!contains(event, "A")', '! contains(event, "A")', '!match(event, "A*")',
    '!(event = "A")', '!event = "A"', 'event ! = "A"', 'event !x "A"', '!', '!=',
    'properties.x != 5', 'properties.x!=5', 'event!= "A"', 'properties.x!= 5',
    '(event = a)', '(type = o)', '(name = n)', 'zed = 1', 'properties.zed_Z = 1',
    'properties.asset-id = 1',
    # numbers
    'properties.x = 5', 'properties.x = -5', 'properties.x = +5', 'properties.x = 5.5',
    'properties.x = 0.5', 'properties.x = 5.', 'properties.x = 5..5', 'properties.x = 1.2.3',
    'properties.x = 12345678901234567890', 'properties.x = -', 'properties.x = +',
    'properties.x = 1e5', 'properties.x = 0x10', 'properties.x = 5a', 'properties.x = .5',
    'properties.x = 5.5.', 'properties.x = 00', 'properties.x = -0', 'properties.x = 1.50',
    'properties.x < 1e21', 'event = 5', 'type = 5', 'userId = 5', 'name = 5', 'event = -1',
    'name = 2.50', 'event = 0.0000125', 'name = 0.0000015', 'userId = 0.00001',
    'event = 0.5', 'contains(event, 0.0000125)',
    # strings and quotes
    "event = 'A'", 'event = "with space"', 'event = ""', 'event = "A', "event = 'A",
    'event = "a\\"b"', 'event = "A" "B"', 'event = "5"', 'properties.x = "5"',
    'properties.x = "true"', 'event = "null"', 'event = A', 'event = "A*"',
    # escapes in identifiers
    'properties.a\\.b = 1', 'properties.a\\ b = 1', 'properties.x\\', 'event\\ = "A"',
    'properties.\\x = 1', 'properties.a\\\\b = 1',
    # what ends an identifier, invalid characters
    'properties.x$ = 1', 'properties.x = 1$', '#', '@event', 'event = "A" ~',
    'properties.x{ = 1', 'properties.x[0] = 1', 'properties.x] = 1', 'properties.x, = 1',
    'properties.x) = 1', 'properties.items.length = 2', 'properties.items.0 = 1',
    'properties.items.00 = 1', 'properties.a.b = 1', 'properties. x = 1', 'properties .x = 1',
    '[', ']', ',', '.', 'properties.x.', '.properties.x = 1',
    # null, true, false on each kind of field
    'event = null', 'event != null', 'type = null', 'type != null', 'name = null',
    'name != null', 'userId = null', 'userId != null', 'properties.x = null',
    'properties.x != null', 'traits.x = null', 'context.x != null', 'userId = true',
    'name = true', 'event = true', 'type = false', 'properties.x = true',
    'properties.x = false', 'properties.x != true', 'properties.x != false',
    'properties.x < null', 'properties.x > true',
    # strings read as numbers (JavaScript's Number()), lists and strings as objects
    'properties.x < "0x10"', 'properties.x > "0b11"', 'properties.x >= "0o17"',
    'properties.x <= " 5 "', 'properties.x > ""', 'properties.x < "Infinity"',
    'properties.x > "-Infinity"', 'properties.x < "+Infinity"', 'properties.x < "1e3"',
    'properties.x > ".5"', 'properties.x >= "5."', 'properties.x < "abc"',
    'properties.x < "0xZZ"', 'properties.x = "0x10"', 'properties.x < true',
    'properties.items.1 = 2', 'properties.items.2 != null', 'properties.items.0 = 1',
    'properties.x.length = 1', 'properties.x.0 = "A"', 'properties.x.1 != null',
    'properties.a.b.c = null', 'properties.a.b.c != null', 'context.a.b != null',
    # fields
    'userId = "u"', 'userId != "u"', 'name = "n"', 'name != "n"', 'traits.plan = "gold"',
    'context.a.b = 1', 'context.x = "y"', 'traits.x = 1', 'properties = 1', 'traits = 1',
    'context = 1', 'propertiesx = 1', 'eventx = "A"', 'type.x = "track"',
    # functions
    'contains(event, "A")', 'contains(event, A)', 'contains(event, 5)', 'contains(event, true)',
    'contains(properties.x, "5")', 'contains(traits.plan, "ol")', 'contains(context.x, "y")',
    'contains(userId, "u")', 'contains(name, "n")', 'contains(type, "tr")',
    'contains(propertiesx, "a")', 'contains(properties, "a")', 'contains(event "A")',
    'contains()', 'contains(event,', 'contains(event', 'contains', 'contains(event, "A"',
    'match(event, "A*")', 'match(event, "*A")', 'match(event, "A")', 'match(event, "*")',
    'match(event, "**")', 'match(event, A*)', 'match(name, "n*")', 'match(userId, "*u")',
    'match(properties.x, "5*")', 'match(traits.plan, "*ld")', 'match(context.x, "y*")',
    '!contains(userId, "u")', '!match(name, "*n")', '!contains(properties.x, "5")',
    'contains(event, "A" type = "track")', 'match(event, "A*" type = "track")',
    'properties.x >= true', 'properties.x > false', 'properties.x <= false',
    'contains(event, "A") and event = "A"', 'event = "A" or match(event, "B*")',
    # JavaScript prototype names
    'constructor = 1', 'toString = "x"', '__proto__ = 1', 'hasOwnProperty = 1 and event = "A"',
    'valueOf', 'properties.constructor != null', 'properties.toString = 1',
    'properties.x.constructor != null', 'context.__proto__ != null',
    # parentheses
    '(event = "A")', '(event = "A") and (type = "track")', '(event = "A") or type = "track"',
    '(event = "A"', 'event = "A")', '()', '( )', '((event = "A") or type = "x")',
    '((event = "A"))', '(event = "A" or event = "B") and type = "track"',
    'type = "track" and (event = "A" or event = "B")', '()and event = "A"',
    '(event = "A") (type = "track")', '',
]

EDGE_PAYLOADS = [
    None, {}, {"type": "track", "event": "A"}, {"event": "B", "type": "identify"},
    {"event": "Aardvark", "userId": "uu", "name": "n"}, {"userId": "u", "name": "A*"},
    {"event": "A*", "type": "5"}, {"event": "5", "userId": 5, "name": 5},
    {"properties": {"x": 5, "a.b": 1, "a": {"b": 1}, "items": [1, 2]}},
    {"properties": {"x": "5", "and": 1, "or": 1, "null": 1}}, {"properties": {"x": True}},
    {"properties": {"x": False}}, {"properties": {"x": None}}, {"properties": {"x": 0}},
    {"properties": {"x": -1.5}}, {"properties": {"x": 5.5, "a b": 1, "a\\b": 1}},
    {"properties": {"x": "A", "items": [1]}}, {"properties": {"x": 1e21}},
    {"traits": {"plan": "gold", "x": 1}}, {"traits": {"x": None}},
    {"context": {"a": {"b": 1}, "x": "y"}}, {"context": {"x": None}},
    {"properties": {"x": 15}}, {"properties": {"x": 16, "items": [0, 2, 3]}},
    {"properties": {"x": 4}}, {"properties": {"x": "AB", "a": {"b": 0}}},
    {"properties": {"x": 999, "a": {"b": {"c": 1}}}}, {"properties": {"x": 0.7}},
    {"properties": {"x": 1, "zed_Z": 1, "asset-id": 1}, "type": "track", "event": "A"},
    {"event": "a", "type": "o", "name": "n"},
]


def generated_cases() -> list[dict]:
    found: list[dict] = []

    @settings(max_examples=GENERATED * 2, derandomize=True, database=None,
              phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(fql_cases())
    def collect(case: dict) -> None:
        if case not in found and len(found) < GENERATED:
            found.append(case)

    collect()
    return found


def segment(cases: list[dict]) -> list[dict]:
    run = subprocess.run(["node", str(ROOT / "tests/oracle/fql_oracle.js")],
                         input=json.dumps(cases) + "\n", capture_output=True, text=True,
                         check=True)
    return json.loads(run.stdout)


def main() -> None:
    edge_cases = [{"expression": e, "message": p} for e in EDGE_EXPRESSIONS
                  for p in EDGE_PAYLOADS]
    edge_answers = segment(edge_cases)
    width = len(EDGE_PAYLOADS)
    cases = generated_cases()
    answers = segment(cases)
    data = {
        "about": "Segment's AST and verdict for each input; see tests/oracle/record_fql.py",
        "verdicts_from": (f"@segment/destination-subscriptions "
                          f"{json.loads(PACKAGE.read_text())['version']} (tests/oracle)"),
        "edges": {
            "expressions": EDGE_EXPRESSIONS,
            "payloads": EDGE_PAYLOADS,
            "asts": [edge_answers[i * width]["ast"] for i in range(len(EDGE_EXPRESSIONS))],
            "matches": [[answer["match"] for answer in edge_answers[i * width:(i + 1) * width]]
                        for i in range(len(EDGE_EXPRESSIONS))],
        },
        "generated": [{**case, "ast": answer["ast"], "match": answer["match"]}
                      for case, answer in zip(cases, answers, strict=True)],
    }
    RECORDED.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"{len(edge_cases)} edge cases, {len(cases)} generated cases -> {RECORDED}")


if __name__ == "__main__":
    main()
