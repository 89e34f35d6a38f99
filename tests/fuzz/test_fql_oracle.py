"""Differential test: our FQL matching against Segment's own engine
(@segment/destination-subscriptions, run with node from tests/oracle).

Every disagreement is a bug in ours. Skipped, saying why, where node or the installed
package is missing (CI has both: there it runs)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_spideo.engine import fql
from simulator.testing.strategies import fql_cases

ORACLE = Path(__file__).resolve().parents[1] / "oracle"
VECTORS = Path(__file__).resolve().parents[1] / "mock_spideo" / "data" / (
    "segment_fql_vectors.json")
BATCH = 40
generated: list[int] = []


def oracle_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed: the Segment FQL oracle cannot run"
    if not (ORACLE / "node_modules" / "@segment" / "destination-subscriptions").is_dir():
        return "tests/oracle/node_modules is missing: run `make install` with npm available"
    return None


pytestmark = pytest.mark.skipif(oracle_missing() is not None, reason=str(oracle_missing()))


class Oracle:
    """One node process answering batches of cases, a line each way."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(["node", str(ORACLE / "fql_oracle.js")],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)

    def verdicts(self, cases: list[dict]) -> list[bool]:
        self.process.stdin.write(json.dumps(cases) + "\n")
        self.process.stdin.flush()
        return [result["match"] for result in json.loads(self.process.stdout.readline())]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def oracle():
    running = Oracle()
    yield running
    running.close()


def disagreements(oracle: Oracle, cases: list[dict]) -> list[tuple[str, object, bool]]:
    theirs = oracle.verdicts(cases)
    return [(case["expression"], case["message"], verdict)
            for case, verdict in zip(cases, theirs, strict=True)
            if fql.matches(fql.parse(case["expression"]), case["message"]) != verdict]


def test_segments_published_vectors_through_the_live_oracle(oracle):
    data = json.loads(VECTORS.read_text())
    cases = [{"expression": e, "message": p} for e in data["expressions"]
             for p in data["payloads"]]
    assert disagreements(oracle, cases) == []


@settings(max_examples=max(60, settings.default.max_examples // 2))
@given(cases=st.lists(fql_cases(), min_size=BATCH, max_size=BATCH))
def test_generated_expressions_agree_with_segment(oracle, cases):
    generated.append(len(cases))
    found = disagreements(oracle, cases)
    assert found == [], f"{len(found)} disagreements with Segment, first: {found[:3]}"


def test_at_least_two_thousand_generated_pairs_were_compared():
    assert sum(generated) >= 2000, sum(generated)
