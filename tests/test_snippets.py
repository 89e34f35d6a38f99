"""Every command and snippet a newcomer copies from README.md and docs/serve.md runs as
written (the ports of a running server substituted for the documented defaults)."""

import re
import shlex
import shutil
import subprocess
import textwrap
from pathlib import Path

import click
import pytest

from mock_spideo import mock_state
from simulator.cli import main
from simulator.deliver.serve import serving

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SERVE = (ROOT / "docs" / "serve.md").read_text(encoding="utf-8")
NODE_MODULES = ROOT / "tests" / "oracle" / "node_modules"


def blocks(text: str, language: str) -> list[str]:
    """The fenced code blocks of a Markdown text in one language ('' for plain ones)."""
    found, current, inside = [], [], None
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            if inside is None:
                inside, current = line[3:].strip(), []
            else:
                if inside == language:
                    found.append("".join(current))
                inside = None
        elif inside is not None:
            current.append(line)
    return found


def test_every_command_and_option_in_the_readme_table_exists():
    rows = [line for line in README.splitlines() if line.startswith("| `spideo-sim")]
    assert len(rows) >= 8
    for row in rows:
        usage = row.split("`")[1]
        words = usage.replace("[", " ").replace("]", " ").split()
        command: click.Command = main
        for word in words[1:]:
            if isinstance(command, click.Group):
                command = command.get_command(click.Context(command), word) or command
        options = {opt for param in command.params for opt in param.opts}
        documented = {w for w in re.findall(r"--[a-z-]+", row) if w not in ("--help",)}
        missing = documented - options - {"--version"}
        assert not missing, f"{usage}: {sorted(missing)} not options of {command.name}"


def test_the_readme_fixture_snippet_passes(pytester):
    (snippet,) = blocks(README, "python")
    pytester.makepyfile(test_snippet=snippet)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_readme_scenario_snippet_passes(pytester):
    (snippet,) = blocks(README, "yaml")
    pytester.makeini("[pytest]\nspideo_scenarios = scenarios\n")
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "watched.yaml").write_text(snippet)
    pytester.runpytest("scenarios", "-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.fixture
def served():
    with serving(time_scale=1000) as running:
        yield running


def localised(snippet: str, running) -> str:
    return snippet.replace("http://127.0.0.1:8788", running.tracking_url).replace(
        "http://127.0.0.1:8787", running.mock_url)


def recorded_plays(running) -> list[tuple[str, str]]:
    assert running.api.flush(timeout=30), "delivery did not finish"
    rows = mock_state(running.mock.app).journal.interactions()
    return [(row["user_id"], row["content_id"]) for row in rows if row["type"] == "play"]


def test_the_python_sdk_snippet_records_a_play(served):
    (snippet,) = blocks(SERVE, "python")
    exec(compile(localised(snippet, served), "docs/serve.md", "exec"), {})
    assert recorded_plays(served) == [("u1", "xyz")]


@pytest.mark.skipif(shutil.which("node") is None or not (
    NODE_MODULES / "@segment" / "analytics-node").is_dir(),
    reason="node or tests/oracle/node_modules is missing (make install runs npm ci)")
def test_the_node_sdk_snippet_pasted_into_app_mjs_records_a_play(served, tmp_path):
    (snippet,) = blocks(SERVE, "js")
    (tmp_path / "node_modules").symlink_to(NODE_MODULES)
    app = tmp_path / "app.mjs"
    app.write_text(localised(snippet, served))
    done = subprocess.run(["node", str(app)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert recorded_plays(served) == [("u1", "xyz")]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_curl_commands_of_serve_record_and_read_a_play(served):
    banner, admin = blocks(SERVE, "")[0], blocks(SERVE, "sh")[-1]
    (try_it,) = [line for line in banner.splitlines() if line.startswith("curl ")]
    for command in (try_it, admin):
        done = subprocess.run(shlex.split(localised(command, served)), capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 0, done.stderr
    assert recorded_plays(served) == [("u1", "xyz")]
    assert '"content_id":"xyz"' in done.stdout.replace(" ", "")


def test_the_serve_snippet_commands_are_real():
    for line in textwrap.dedent("\n".join(blocks(SERVE, "sh"))).splitlines():
        if line.startswith("spideo-sim "):
            args = shlex.split(line)[1:]
            assert args[0] in main.list_commands(click.Context(main)), line
