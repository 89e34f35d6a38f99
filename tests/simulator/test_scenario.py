"""Scenario files: validation, precise failures, the pytest plugin, target mode."""

import signal
import textwrap
from pathlib import Path

import pytest

from mock_spideo import LiveServer, create_app
from simulator.testing import InProcessTarget, ScenarioError, load_scenario, run_scenario
from tests.support.processes import free_port, start

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

WRONG = """
name: A deliberately wrong expectation
given:
  - {type: track, event: Video Content Started, userId: u1, properties: {asset_id: a1}}
expect:
  interactions:
    - {type: play, user_id: u1, content_id: a2}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / "scenarios" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_a_wrong_expectation_names_the_differing_field(tmp_path):
    result = run_scenario(load_scenario(write(tmp_path, "wrong.yaml", WRONG)), InProcessTarget())
    assert not result.passed
    report = result.report()
    assert 'closest recorded differs in content_id: expected "a2", recorded "a1"' in report
    assert "matched rule 'video-content-started'" in report


def opt_in(pytester) -> None:
    # The plugin's packages are already imported by this session, which pytest warns
    # about in the inner session's output; a user's own session does not have that.
    pytester.makeini("[pytest]\nspideo_scenarios = scenarios\n"
                     "filterwarnings = ignore::pytest.PytestAssertRewriteWarning\n")


def test_the_plugin_reports_the_diff_and_writes_junit(pytester, tmp_path):
    opt_in(pytester)
    write(pytester.path, "wrong.yaml", WRONG)
    write(pytester.path, "right.yaml", WRONG.replace("a2", "a1"))
    junit = tmp_path / "junit.xml"
    outcome = pytester.runpytest("scenarios", f"--junitxml={junit}", "-p", "no:cacheprovider")
    outcome.assert_outcomes(passed=1, failed=1)
    outcome.stdout.fnmatch_lines(["*content_id: expected \"a2\", recorded \"a1\"*"])
    assert 'tests="2"' in junit.read_text() and "failures=\"1\"" in junit.read_text()


def test_yaml_is_collected_only_under_the_folders_the_ini_names(pytester):
    write(pytester.path, "right.yaml", WRONG.replace("a2", "a1"))
    pytester.runpytest("scenarios").assert_outcomes()  # not opted in: nothing collected
    opt_in(pytester)
    pytester.runpytest("scenarios").assert_outcomes(passed=1)


def test_support_folders_are_not_collected(pytester):
    opt_in(pytester)
    write(pytester.path, "_support/rules.yaml", "rules: []\n")
    write(pytester.path, "right.yaml", WRONG.replace("a2", "a1"))
    pytester.runpytest("scenarios").assert_outcomes(passed=1)


@pytest.mark.parametrize(("text", "where", "words"), [
    ("name: x\ngiven: []\nexpect: {status: 200}\n", "given", "should be non-empty"),
    ("name: x\ngiven: [{type: track}]\nexpect: {statuss: 200}\n", "expect",
     "Additional properties"),
    ("name: x\ngiven: [{type: track}]\nexpect:\n  interactions: [{kind: play}]\n",
     "expect/interactions/0", "Additional properties"),
    ("name: x\ngiven: [{type: track}]\nrules: nope.yaml\nexpect: {status: 200}\n", "rules",
     "nope.yaml"),
    ("name: [x\n", "", "cannot read YAML"),
])
def test_a_bad_file_reports_file_path_and_reason(tmp_path, text, where, words):
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    error = caught.value
    assert (error.file, error.where) == (path, where), str(error)
    assert words in error.reason


def test_envelope_fields_left_out_are_filled_deterministically(tmp_path):
    path = write(tmp_path, "s.yaml", WRONG)
    first, second = load_scenario(path), load_scenario(path)
    message = first.given[0].message
    assert message == second.given[0].message
    for field in ("messageId", "timestamp", "originalTimestamp", "sentAt", "receivedAt",
                  "context", "integrations", "version"):
        assert field in message


def test_at_least_forty_scenarios_ship():
    files = [p for p in SCENARIOS.rglob("*.yaml") if "_support" not in p.parts]
    assert len(files) >= 40
    for path in files:
        load_scenario(path)  # every shipped file is valid


@pytest.mark.slow
def test_target_mode_passes_against_the_mock_in_another_process(pytester):
    process, port = start("mock", health="/__admin/health")
    try:
        outcome = pytester.runpytest(  # in this process, as the other plugin tests
            str(SCENARIOS), "--spideo-target", f"http://127.0.0.1:{port}",
            "--spideo-api-key", "demo-key", "--spideo-client", "demo", "-p",
            "no:cacheprovider", "--rootdir", str(SCENARIOS.parent))
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    result = outcome.parseoutcomes()
    assert result.get("failed", 0) == 0 and result["passed"] >= 40, outcome.stdout.str()[-2000:]


def test_a_target_that_does_not_answer_is_one_line_for_the_session(pytester):
    opt_in(pytester)
    for name in ("one.yaml", "two.yaml", "three.yaml"):
        write(pytester.path, name, WRONG.replace("a2", "a1"))
    url = f"http://127.0.0.1:{free_port()}"
    outcome = pytester.runpytest("scenarios", "--spideo-target", url)
    assert outcome.ret == pytest.ExitCode.USAGE_ERROR
    output = outcome.stdout.str()
    assert output.count(f"spideo-sim: nothing answers at {url}/segment") == 1, output
    assert "Traceback" not in output and len(output.splitlines()) < 15


def test_a_wrong_key_for_the_target_names_the_pytest_option(pytester):
    opt_in(pytester)
    write(pytester.path, "right.yaml", WRONG.replace("a2", "a1"))
    with LiveServer(create_app()) as server:
        outcome = pytester.runpytest("scenarios", "--spideo-target", server.url + "/segment",
                                     "--spideo-api-key", "nope")
    assert outcome.ret == pytest.ExitCode.USAGE_ERROR
    outcome.stdout.fnmatch_lines(["*401 bad_api_key: use the API key the endpoint expects "
                                  "(--spideo-api-key)*"])


def test_the_target_may_be_given_as_base_url_or_endpoint(pytester):
    opt_in(pytester)
    write(pytester.path, "right.yaml", WRONG.replace("a2", "a1"))
    with LiveServer(create_app()) as server:
        for url in (server.url, server.url + "/segment"):
            pytester.runpytest("scenarios", "--spideo-target", url).assert_outcomes(passed=1)
