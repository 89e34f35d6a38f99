"""A bug planted in a copy of the rules is found by the fuzz properties and written,
shrunk, as a scenario that passes on the right rules and fails on the buggy ones."""

import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from mock_spideo import load_rules
from simulator.testing import InProcessTarget, load_scenario, run_scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_planted_bug_becomes_a_regression_scenario(tmp_path):
    shipped = resources.files("mock_spideo").joinpath("data/default_rules.yaml").read_text()
    assert shipped.count("interaction: click") == 1
    buggy = tmp_path / "buggy_rules.yaml"
    buggy.write_text(shipped.replace("interaction: click", "interaction: share"))
    exported = tmp_path / "regressions"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/fuzz/test_mapping_properties.py", "-k", "product-clicked"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "SPIDEO_FUZZ_RULES": str(buggy),
             "SPIDEO_EXPORT_REGRESSIONS": str(exported), "HYPOTHESIS_PROFILE": "ci"})
    assert run.returncode == 1, run.stdout[-2000:]
    files = sorted(exported.glob("rule-product-clicked-*.yaml"))
    assert len(files) == 1, run.stdout[-2000:]
    assert f"regression scenario written: {files[0]}" in run.stdout

    scenario = load_scenario(files[0])
    assert scenario.expect["interactions"][0]["type"] == "click"
    assert len(str(scenario.given[0].message)) < 600, "the example should be shrunk"
    assert run_scenario(scenario, InProcessTarget()).passed
    scenario.rules = load_rules(buggy)
    failed = run_scenario(scenario, InProcessTarget())
    assert not failed.passed
    assert 'type: expected "click", recorded "share"' in failed.report()
