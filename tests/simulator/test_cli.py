"""The command line: its commands (found lazily), generate, mapping check, mapping
explain."""

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from simulator.cli import main
from tests.support.exports import modules_after

CLI = Path(__file__).resolve().parents[2] / "simulator" / "cli"


def test_help_lists_every_command_module_with_its_short_help():
    context = click.Context(main)
    names = main.list_commands(context)
    assert set(names) == {p.stem for p in CLI.glob("*.py")} - {"__init__", "common"}
    assert names == sorted(names)
    shown = CliRunner().invoke(main, ["--help"]).output
    for name in names:
        command = main.get_command(context, name)
        assert command is not None and command.name == name
        first_words = " ".join(command.get_short_help_str(limit=200).split()[:3])
        assert f"  {name} " in shown and first_words in shown


def test_an_unknown_command_is_refused():
    done = CliRunner().invoke(main, ["nope"])
    assert done.exit_code == 2 and "No such command 'nope'" in done.output


@pytest.mark.parametrize(("command", "absent"), [
    ("mapping", {"flask", "faker", "jsonschema", "simulator.generate"}),
    ("mock", {"faker", "jsonschema", "simulator.generate", "simulator.testing"}),
    ("generate", {"flask", "jsonschema", "simulator.testing", "simulator.deliver"}),
])
def test_a_command_imports_only_what_it_runs(command, absent):
    loaded = modules_after("import click\nfrom simulator.cli import main\n"
                           f"main.get_command(click.Context(main), {command!r})")
    assert f"simulator.cli.{command}" in loaded
    others = {f"simulator.cli.{name}" for name in main.list_commands(click.Context(main))}
    assert not (others - {f"simulator.cli.{command}"}) & loaded
    assert not absent & loaded


def test_generate_writes_jsonl_reproducibly(tmp_path):
    runner = CliRunner()
    out_a, out_b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for out in (out_a, out_b):
        done = runner.invoke(main, ["generate", "--users", "3", "--days", "0.5", "--seed", "9",
                                    "--out", str(out)])
        assert done.exit_code == 0, done.output
    assert out_a.read_bytes() == out_b.read_bytes()
    lines = out_a.read_text().splitlines()
    assert lines and all(json.loads(line)["messageId"] for line in lines)
    assert f"{len(lines)} messages written" in done.output


def test_generate_to_stdout_with_a_limit():
    done = CliRunner().invoke(main, ["generate", "--users", "2", "--limit", "5"])
    assert done.exit_code == 0
    assert len([line for line in done.stdout.splitlines() if line.startswith("{")]) == 5


def test_generate_refuses_a_bad_profile(tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text("behaviour: {complete: 7}\n")
    done = CliRunner().invoke(main, ["generate", "--profile", str(profile)])
    assert done.exit_code != 0 and "behaviour.complete: Expected `float` <= 1.0" in done.output


def test_mapping_check_lists_rules_or_points_at_the_error(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("rules:\n  - name: plays\n    when: event = \"Video Content Started\"\n"
                    "    interaction: play\n    content_id: [properties.asset_id]\n")
    done = CliRunner().invoke(main, ["mapping", "check", str(good)])
    assert done.exit_code == 0 and "1 rules OK" in done.output and "plays" in done.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("interaction: play", "interaction: stream"))
    done = CliRunner().invoke(main, ["mapping", "check", str(bad)])
    assert done.exit_code == 1
    assert f"{bad}:4: rule 'plays' field 'interaction'" in done.output


def test_mapping_explain_shows_the_match_and_the_near_misses(tmp_path):
    message = tmp_path / "m.json"
    message.write_text(json.dumps({"type": "track", "event": "Product Viewed", "userId": "u",
                                   "properties": {"product_id": "p1"}}))
    done = CliRunner().invoke(main, ["mapping", "explain", str(message)])
    assert done.exit_code == 0, done.output
    assert "MATCH  product-viewed" in done.output
    assert "miss   product-clicked: event = 'Product Clicked': was 'Product Viewed'" in (
        done.output)
    assert '"type": "moreInfo"' in done.output and '"content_id": "p1"' in done.output


@pytest.mark.slow
def test_generate_is_byte_identical_across_processes_and_hash_seeds():
    """Same seed and options, same bytes, whatever the interpreter's hash seed (a faker
    provider that iterated a set once broke this): two commands with hash seeds 1 and 2,
    and this interpreter's own (random unless PYTHONHASHSEED is set)."""
    import hashlib
    import os
    import subprocess
    import sys

    from tests.support.processes import SPIDEO_SIM
    options = ["generate", "--users", "60", "--days", "0.3", "--seed", "4"]
    outputs = {f"this interpreter (hash randomization {sys.flags.hash_randomization})":
               CliRunner().invoke(main, options).stdout_bytes}
    for hash_seed in ("1", "2"):
        outputs[f"PYTHONHASHSEED={hash_seed}"] = subprocess.run(
            [SPIDEO_SIM, *options], capture_output=True, check=True, timeout=120,
            env={**os.environ, "PYTHONHASHSEED": hash_seed}).stdout
    digests = {name: hashlib.sha256(out).hexdigest()[:12] for name, out in outputs.items()}
    assert len(set(digests.values())) == 1, digests
    assert outputs["PYTHONHASHSEED=1"].count(b"\n") > 6000


def test_generate_shards_hold_the_whole_stream_and_bad_shards_say_why(tmp_path):
    runner = CliRunner()
    def lines(*shard):
        done = runner.invoke(main, ["generate", "--users", "6", "--days", "0.5", "--seed", "2",
                                    *shard])
        assert done.exit_code == 0, done.output
        return [line for line in done.stdout.splitlines() if line.startswith("{")]

    whole, first, second = lines(), lines("--shard", "1/2"), lines("--shard", "2/2")
    assert first and second and sorted(first + second) == sorted(whole)
    bad = runner.invoke(main, ["generate", "--shard", "3/2"])
    assert bad.exit_code == 2 and "'3/2' is not a shard: I must be 1 to 2" in bad.output
