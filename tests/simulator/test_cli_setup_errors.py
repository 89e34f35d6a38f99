"""A wrong port, path or file stops a command with one line and a meant exit code, before
any work, never with a traceback."""

import socket

import pytest
from click.testing import CliRunner

from simulator.cli import main


def run(*args: str):
    done = CliRunner().invoke(main, list(args))
    assert "Traceback" not in done.output and not isinstance(done.exception, (
        TypeError, AttributeError, KeyError)), done.output
    return done


@pytest.mark.parametrize("args", [
    ("mock", "--port", "99999"), ("mock", "--port", "-1"), ("serve", "--port", "70000"),
    ("serve", "--mock-port", "65536"),
])
def test_ports_outside_1_to_65535_are_usage_errors(args):
    done = run(*args)
    assert done.exit_code == 2
    assert "0<=x<=65535" in done.output  # click names the range


def test_a_busy_port_is_named_with_the_fix():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run("mock", "--port", str(port))
        served = run("serve", "--port", str(port), "--mock-port", "0")
    assert done.exit_code == 1
    assert f"mock Spideo cannot listen on 127.0.0.1:{port}: Address already in use" in done.output
    assert "choose another port, or 0 for any free port" in done.output
    assert served.exit_code == 1
    assert f"Segment Tracking API cannot listen on 127.0.0.1:{port}" in served.output


def test_generate_does_not_create_missing_folders(tmp_path):
    target = tmp_path / "missing" / "stream.jsonl"
    done = run("generate", "--users", "1", "--out", str(target))
    assert done.exit_code == 1
    assert f"the folder {target.parent} does not exist" in done.output
    assert not target.parent.exists()


def test_generate_into_a_folder_or_an_unwritable_place_fails_first(tmp_path):
    assert "it is a folder" in run("generate", "--out", str(tmp_path)).output
    done = run("generate", "--users", "1", "--out", "/proc/stream.jsonl")  # even for root
    assert done.exit_code == 1
    assert done.output.startswith("Error: cannot write /proc/stream.jsonl: ")
    assert "messages written" not in done.output


def test_simulate_checks_its_report_folder_before_the_run(tmp_path):
    a_file = tmp_path / "report"
    a_file.write_text("not a folder")
    done = run("simulate", "--users", "1", "--out", str(a_file))
    assert done.exit_code == 1
    assert "it is a file, not a folder" in done.output
    assert "Simulating" not in done.output  # nothing ran
    unwritable = run("simulate", "--users", "1", "--out", "/proc")
    assert unwritable.exit_code == 1 and "cannot write reports into /proc" in unwritable.output


def test_a_journal_that_cannot_be_opened_is_one_line(tmp_path):
    not_a_db = tmp_path / "journal.sqlite"
    not_a_db.write_text("this is not a database\n" * 100)
    done = run("mock", "--port", "0", "--journal", str(not_a_db))
    assert done.exit_code == 1
    assert f"cannot open the journal {not_a_db}: file is not a database" in done.output
    missing = run("mock", "--port", "0", "--journal", str(tmp_path / "no" / "j.sqlite"))
    assert missing.exit_code == 1 and "cannot open the journal" in missing.output


@pytest.mark.parametrize("name", ["profile.yaml", "config.yaml"])
def test_yaml_syntax_errors_name_the_file_and_line(tmp_path, name):
    path = tmp_path / name
    path.write_text("a: 1\nb: [unclosed\n")
    args = (("generate", "--profile", str(path)) if name == "profile.yaml"
            else ("mock", "--port", "0", "--config", str(path)))
    done = run(*args)
    assert done.exit_code == 1
    assert f"{path}:3: not valid YAML" in done.output
    assert "<unicode string>" not in done.output


def test_serve_checks_its_target_before_starting(tmp_path):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    done = run("serve", "--port", "0", "--target", f"http://127.0.0.1:{port}")
    assert done.exit_code == 1
    assert f"nothing answers at http://127.0.0.1:{port}/segment" in done.output
