"""End to end: generate, deliver through Segment semantics to the mock, account for it."""

import json

from click.testing import CliRunner

from mock_spideo import LiveServer, MockConfig, create_app, load_rules
from simulator.cli import main
from simulator.simulate import SimulationSettings, run_simulation
from tests.support.processes import free_port


def test_simulation_records_plays_and_conserves_every_message():
    result = run_simulation(SimulationSettings(users=6, seed=2, days=0.5))
    assert result.total > 100
    assert result.conservation == {"every_message_has_one_outcome": True,
                                   "recorded_equals_delivered": True,
                                   "nothing_recorded_twice": True, "ok": True}
    assert result.interactions_by_type.get("play", 0) > 0
    assert result.ledger.outcomes["filtered"] == result.messages_by_type["page"] + (
        result.messages_by_type["screen"])


def test_with_faults_nothing_is_lost_or_doubled(tmp_path):
    faults = tmp_path / "faults.yaml"
    faults.write_text("seed: 4\nfaults:\n"
                      "  - {name: flaky, status: 503, rate: 0.1}\n"
                      "  - {name: burst, status: 429, times: 20, retry_after: 1}\n"
                      "  - {name: cut, drop: true, times: 5}\n")
    # The default time scale: the 4-hour retry window lasts 4 real seconds, which a loaded
    # machine cannot exhaust by being slow (at 100,000x it lasted 0.14 s and flaked).
    result = run_simulation(SimulationSettings(users=5, seed=3, days=0.5, faults=str(faults)))
    assert result.conservation["ok"], result.conservation
    assert result.ledger.retries > 20
    assert result.ledger.outcomes["failed"] == 0
    assert result.unexpected_errors == set()


def test_the_command_prints_tables_and_writes_reports(tmp_path):
    runner = CliRunner()
    outcome = runner.invoke(main, ["simulate", "--users", "6", "--days", "0.5", "--seed", "4",
                                   "--out", str(tmp_path)])
    assert outcome.exit_code == 0, outcome.output
    assert "Interactions recorded by Spideo" in outcome.output
    assert "Conservation: OK" in outcome.output
    report = json.loads((tmp_path / "report.json").read_text())
    for key in ("total", "by_type"):
        assert key in report["messages"]
    assert set(report["outcomes"]) == {"delivered", "discarded", "filtered", "failed"}
    assert report["conservation"]["ok"] is True
    assert report["interactions"]["total"] == sum(report["interactions"]["by_type"].values())
    assert "<svg" in (tmp_path / "report.html").read_text()


def simulate_against(url: str, tmp_path, *extra: str):
    return CliRunner().invoke(main, ["simulate", "--users", "2", "--days", "0.2",
                                     "--out", str(tmp_path), "--target", url, *extra])


def test_a_base_url_target_delivers_to_its_segment_endpoint(tmp_path):
    with LiveServer(create_app()) as server:
        done = simulate_against(server.url, tmp_path, "--strict")
    assert done.exit_code == 0, done.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["outcomes"]["delivered"] > 0 and report["outcomes"]["discarded"] == 0
    assert "Result: OK" in done.output


def test_a_wrong_key_stops_before_the_run_with_the_fix(tmp_path):
    with LiveServer(create_app()) as server:
        done = simulate_against(server.url, tmp_path, "--api-key", "wrong-key")
    assert done.exit_code == 1, done.output
    assert "refused a setup check with 401 bad_api_key" in done.output
    assert "--api-key" in done.output and "Traceback" not in done.output
    assert not (tmp_path / "report.json").exists()


def test_a_wrong_path_stops_before_the_run_with_the_fix(tmp_path):
    with LiveServer(create_app()) as server:
        done = simulate_against(server.url + "/v2/events", tmp_path)
    assert done.exit_code == 1, done.output
    assert "404 not_found" in done.output and "--target" in done.output


def test_setup_refusals_during_the_run_fail_it(tmp_path, httpserver):
    """A service that accepts the setup check, then refuses the key: exit 1, not OK."""
    calls = []

    def answer(request):
        from werkzeug import Response
        calls.append(request)
        if len(calls) == 1:
            return Response('{"status": "ignored"}', 200, content_type="application/json")
        return Response('{"code": "bad_api_key", "message": "revoked"}', 401,
                        content_type="application/json")
    httpserver.expect_request("/segment", method="POST").respond_with_handler(answer)
    done = simulate_against(httpserver.url_for("/"), tmp_path)
    assert done.exit_code == 1, done.output
    assert "Result: FAILED" in done.output and "setup is wrong (bad_api_key" in done.output
    assert "Conservation: OK" in done.output  # accounted for, and still a failure
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["problems"]["setup_refusals"]["bad_api_key"] == len(calls) - 1


def test_strict_exits_3_on_errors_the_profile_did_not_cause(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: plays-need-a-field-nobody-sends\n"
                     "    when: event = \"Video Content Started\"\n    interaction: play\n"
                     "    content_id: [properties.no_such_field]\n")
    with LiveServer(create_app(MockConfig(rules=load_rules(rules)))) as server:
        relaxed = simulate_against(server.url, tmp_path)
        strict = simulate_against(server.url, tmp_path, "--strict")
    assert relaxed.exit_code == 0, relaxed.output
    assert "--strict makes that fail" in relaxed.output
    assert strict.exit_code == 3, strict.output
    assert "missing_content_id" in strict.output


def test_deliberately_broken_messages_are_expected_under_strict(tmp_path):
    profile = tmp_path / "broken.yaml"
    profile.write_text("quality: {broken: 0.5}\n")
    result = run_simulation(SimulationSettings(users=8, days=0.5, profile=str(profile)))
    assert "missing_content_id" in result.error_codes
    assert result.unexpected_errors == set()


def test_an_unreachable_target_fails_fast_with_a_clear_error(tmp_path):
    outcome = CliRunner().invoke(main, ["simulate", "--users", "1", "--out", str(tmp_path),
                                        "--target", f"http://127.0.0.1:{free_port()}/segment"])
    assert outcome.exit_code == 1
    assert "nothing answers at http://127.0.0.1:" in outcome.output


def test_a_faults_file_that_is_not_yaml_is_refused(tmp_path):
    faults = tmp_path / "faults.yaml"
    faults.write_text("faults: [unclosed\n")
    outcome = CliRunner().invoke(main, ["simulate", "--users", "1", "--out", str(tmp_path),
                                        "--faults", str(faults)])
    assert outcome.exit_code == 1 and f"{faults}:2: not valid YAML" in outcome.output


def test_simulate_ui_keeps_the_mock_up_after_the_report_until_ctrl_c(tmp_path):
    import os
    import re
    import signal
    import subprocess

    import urllib3

    from tests.support.processes import SPIDEO_SIM
    process = subprocess.Popen(
        [SPIDEO_SIM, "simulate", "--users", "2", "--days", "0.2", "--ui", "--out",
         str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"})
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if "The UI stays up at" in line:
                break
        url = re.search(r"The UI stays up at (\S+)", "".join(lines)).group(1)
        assert any(f"Watch it live: {url}" in line for line in lines)
        assert (tmp_path / "report.html").exists()
        page = urllib3.request("GET", url, timeout=10)
        assert page.status == 200 and b"What Spideo received" in page.data
        assert b"recorded" in page.data  # the run's requests are in the feed
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=15)
    assert process.returncode == 0, rest
    assert "Traceback" not in rest and "stopped" in rest


def test_simulate_ui_with_a_target_says_where_the_ui_is(tmp_path):
    outcome = CliRunner().invoke(main, ["simulate", "--ui", "--target",
                                        "http://127.0.0.1:9/segment", "--out", str(tmp_path)])
    assert outcome.exit_code == 1
    assert "--ui shows the in-process mock" in outcome.output
