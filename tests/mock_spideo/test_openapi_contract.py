"""The OpenAPI file describes the server exactly: Schemathesis, the standard OpenAPI
fuzzer, runs every operation of /openapi.yaml against a live mock (coverage, fuzzing
and stateful phases, a bounded number of examples) and finds nothing."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mock_spideo import LiveServer, create_app, vocabulary
from mock_spideo.segment import basic_authorization

HERE = Path(__file__).resolve().parent
CONTRACT = HERE.parents[1] / "mock_spideo" / "data" / "openapi.yaml"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_the_interaction_type_enum_is_the_vocabulary():
    spec = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    words = vocabulary()
    assert spec["components"]["schemas"]["InteractionType"]["enum"] == [
        *words.names, *words.aliases]


@pytest.mark.skipif(not SCHEMATHESIS.exists() and not shutil.which("schemathesis"),
                    reason="schemathesis is not installed (make install installs it)")
@pytest.mark.slow
def test_schemathesis_finds_no_failure_in_any_operation(tmp_path):
    with LiveServer(create_app()) as server:
        done = subprocess.run(
            [str(SCHEMATHESIS), "--config-file", str(HERE / "schemathesis.toml"), "run",
             f"{server.url}/openapi.yaml",
             "-H", f"Authorization: {basic_authorization('demo-key')}",
             "-H", "x-api-key: demo-key", "--no-color"],
            capture_output=True, text=True, timeout=600, cwd=tmp_path)  # its cache there
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
