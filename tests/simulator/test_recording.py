"""spideo-sim scenario record and run: a recorded scenario passes as written, fails after a
rule change (naming the difference) and passes again once re-recorded with --update."""

import gzip
import json
from importlib import resources
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main
from simulator.testing import InProcessTarget, load_scenario, run_scenario
from simulator.testing.recording import record

MESSAGES = [
    {"type": "track", "event": "Product Clicked", "userId": "viewer@example.com",
     "properties": {"product_id": "mv-2"}, "timestamp": "2025-01-06T12:01:00Z",
     "context": {"ip": "203.0.113.9"}},
    {"type": "track", "event": "Video Content Started", "userId": "u2",
     "properties": {"asset_id": "épisode-1", "position": 0}, "messageId": "m2",
     "timestamp": "2025-01-06T12:02:00Z"},
    {"type": "identify", "userId": "u2", "traits": {"binge_watchers": True}},
    {"type": "track", "event": "Product Clicked", "properties": {"product_id": "mv-2"}},
    {"type": "track", "event": "Product Reviewed", "userId": "u3",
     "properties": {"product_id": "mv-3", "rating": "2025-01-06"}},
]


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    """A Segment export: JSON lines, gzipped, one line that is not JSON."""
    path = tmp_path / "export.jsonl.gz"
    lines = [json.dumps(m) for m in MESSAGES[:2]] + ["{not json"] + [
        json.dumps(m) for m in MESSAGES[2:]]
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    return path


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "rules" / "ours.yaml"
    path.parent.mkdir()
    path.write_text(resources.files("mock_spideo").joinpath("data/default_rules.yaml")
                    .read_text())
    return path


def test_the_recorded_expectations_are_what_the_mock_did(tmp_path):
    recording = record(MESSAGES, tmp_path / "s.yaml", "five messages", "a test")
    expect = yaml.safe_load(recording.after)["expect"]
    assert expect["responses"] == [{"status": 200}, {"status": 200}, {"status": 200},
                                   {"status": 400, "code": "missing_user"},
                                   {"status": 200, "code": "neutral_rating"}]
    assert expect["problems"] == ["missing_user"]
    assert [(i["type"], i["user_id"], i["content_id"]) for i in expect["interactions"]] == [
        ("click", "viewer@example.com", "mv-2"), ("play", "u2", "épisode-1")]
    assert expect["interactions"][1]["message_id"] == "m2"
    assert expect["user_properties"] == {"u2": {"binge_watchers": True}}
    assert recording.before == "" and recording.changed


def test_values_keep_their_type_through_yaml(tmp_path):
    odd = [{"type": "track", "event": "Product Clicked", "userId": "u",
            "properties": {"product_id": "yes", "on": "2025-01-06", "n": "007",
                           "nul": "\u0085 \u2028", "null": None}}]
    path = tmp_path / "s.yaml"
    path.write_text(record(odd, path, "odd", "a test").after)
    assert load_scenario(path).given[0].message["properties"] == odd[0]["properties"]


def test_record_then_run_passes_as_written(tmp_path, exported):
    out = tmp_path / "recorded.yaml"
    done = run("scenario", "record", str(exported), "--out", str(out))
    assert done.exit_code == 0, done.output
    assert "5 messages recorded from 6 lines in 1 file, 1 unreadable (not_json: 1)" in (
        done.stderr)
    result = run_scenario(load_scenario(out), InProcessTarget())
    assert result.passed, result.report()
    ran = run("scenario", "run", str(out))
    assert ran.exit_code == 0 and "Result: OK: 1 scenario passed" in ran.output


def test_a_rule_change_fails_the_scenario_until_update(tmp_path, exported, rules):
    out = tmp_path / "recorded.yaml"
    assert run("scenario", "record", str(exported), "--rules", str(rules), "--out",
               str(out)).exit_code == 0
    assert yaml.safe_load(out.read_text())["rules"] == "rules/ours.yaml"
    out.write_text("# our own comment, kept\n" + out.read_text())

    rules.write_text(rules.read_text().replace("interaction: click", "interaction: moreInfo"))
    failed = run("scenario", "run", str(out))
    assert failed.exit_code == 3
    assert 'interaction #1 type: expected "click", recorded "moreInfo"' in failed.output
    assert "Result: FAILED: 1 of 1 scenarios failed" in failed.output

    updated = run("scenario", "record", "--update", "--out", str(out))
    assert updated.exit_code == 0, updated.output
    assert '-    - {"type": "click"' in updated.stdout
    assert '+    - {"type": "moreInfo"' in updated.stdout
    assert out.read_text().startswith("# our own comment, kept\n")
    assert run("scenario", "run", str(out)).exit_code == 0

    again = run("scenario", "record", "--update", "--out", str(out))
    assert again.exit_code == 0 and again.stdout == ""
    assert "nothing changed" in again.stderr


def test_anonymized_recording_holds_no_original_identity(tmp_path, exported):
    out = tmp_path / "recorded.yaml"
    done = run("scenario", "record", str(exported), "--out", str(out), "--anonymize-key",
               "k" * 16)
    assert done.exit_code == 0, done.output
    text = out.read_text()
    assert "viewer@example.com" not in text and "203.0.113.9" not in text
    assert '"u2"' not in text
    assert run("scenario", "run", str(out)).exit_code == 0


def test_record_reads_stdin(tmp_path):
    out = tmp_path / "s.yaml"
    done = run("scenario", "record", "-", "--out", str(out), "--limit", "1",
               stdin="\n".join(json.dumps(m) for m in MESSAGES))
    assert done.exit_code == 0, done.output
    assert len(yaml.safe_load(out.read_text())["given"]) == 1
    assert "1 message recorded from 1 line in 1 file" in done.output  # read up to --limit


@pytest.mark.parametrize(("args", "says"), [
    (["--out", "{out}"], "give the files to record"),
    (["{export}", "--out", "{tmp}/no/such/folder/s.yaml"], "does not exist"),
    (["{export}", "--out", "{existing}"], "add --update to re-record"),
    (["--update", "--out", "{tmp}/missing.yaml"], "record it first"),
    (["{export}", "--update", "--out", "{existing}"], "give only --out"),
    (["{tmp}/nothing-here.jsonl", "--out", "{out}"], "nothing-here.jsonl"),
])
def test_record_mistakes_are_one_line(tmp_path, exported, args, says):
    existing = tmp_path / "existing.yaml"
    existing.write_text("name: x\n")
    filled = [a.format(out=tmp_path / "s.yaml", export=exported, tmp=tmp_path,
                       existing=existing) for a in args]
    done = run("scenario", "record", *filled)
    assert done.exit_code == 1
    assert says in done.stderr and "Traceback" not in done.output
    assert existing.read_text() == "name: x\n"


def test_run_walks_folders_and_skips_support_folders(tmp_path):
    folder = tmp_path / "contract"
    (folder / "_support").mkdir(parents=True)
    (folder / "_support" / "rules.yaml").write_text("rules: []\n")
    record_one = record(MESSAGES[:1], folder / "a.yaml", "one", "a test")
    (folder / "a.yaml").write_text(record_one.after)
    done = run("scenario", "run", str(folder))
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[0] == f"PASS {folder / 'a.yaml'}"
    missing = run("scenario", "run", str(tmp_path / "nope"))
    assert missing.exit_code == 1 and "no such file or folder" in missing.stderr
