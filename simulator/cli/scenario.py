"""`spideo-sim scenario`: record real traffic as a contract test, and run scenario files
without writing a pytest configuration."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import click

from mock_spideo import RulesError, SpideoSimError
from simulator.cli.common import anonymize_options, anonymizer, err, fail
from simulator.verdict import EXIT_STRICT

_LARGE = 1000  # messages: a scenario this large takes a while on every run

RUN_EXIT_CODES = """\b
Exit codes: 0 every scenario passed; 1 the setup is wrong (a file, URL, key or client);
2 the command line is wrong; 3 a scenario failed."""


@click.group()
def scenario() -> None:
    """Scenario files: the mapping's contract in YAML (docs/scenarios.md)."""


@scenario.command()
@click.argument("messages", nargs=-1)
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="The scenario file to write (its folder must exist).")
@click.option("--rules", type=click.Path(exists=True, dir_okay=False),
              help="Rules file the mock applies (default: the default rules); the scenario "
                   "names it relative to itself.")
@click.option("--name", help="The scenario's name (default: from the files read).")
@click.option("--limit", type=click.IntRange(min=1), help="Record only the first N messages.")
@click.option("--update", is_flag=True,
              help="Re-record the expectations of the existing --out file (after an "
                   "intended change to the rules) and show the diff; give no MESSAGES.")
@anonymize_options
def record(messages: tuple[str, ...], out: str, rules: str | None, name: str | None,
           limit: int | None, update: bool, anonymize: bool, anonymize_key: str | None
           ) -> None:
    """Write a scenario whose expectations are what the mock does now with MESSAGES
    (files or folders of JSON lines, JSON arrays or batch objects, .gz, or - for
    stdin): responses, problems, interactions and user properties.

    The file passes as written; after a change to the rules it fails, naming each
    difference, until it is re-recorded with --update."""
    from simulator.read import ReadError, Reading, read_messages
    from simulator.testing import ScenarioError
    from simulator.testing.recording import record as record_file
    from simulator.testing.recording import rerecord
    path = Path(out)
    if update:
        if messages or rules or name or limit or anonymize or anonymize_key:
            fail("--update re-records the messages already in --out under the rules it "
                 "names: give only --out")
        if not path.is_file():
            fail(f"no scenario at {path} to update: record it first (without --update)")
        try:
            recording = rerecord(path)
        except ScenarioError as exc:
            fail(str(exc))
        if not recording.changed:
            err.print(f"{path}: the mock still does what it expects; nothing changed")
            return
        click.echo(recording.diff(), nl=False)
        path.write_text(recording.after, encoding="utf-8")
        err.print(f"{path}: expectations re-recorded")
        return
    if not messages:
        fail("give the files to record (or - for stdin), or --update with an existing --out")
    if path.exists():
        fail(f"{path} exists: add --update to re-record its expectations, or choose "
             "another --out")
    if not path.parent.is_dir():
        fail(f"cannot write {path}: the folder {path.parent} does not exist (create it first)")
    hasher = anonymizer(anonymize, anonymize_key)
    reading = Reading()
    stream = read_messages(messages, reading)
    try:
        found = list(islice(stream, limit))
    except ReadError as exc:
        fail(str(exc))
    stream.close()  # stopped at --limit: what was read so far is counted
    if hasher:
        found = [hasher.message(message) for message in found]
    if not found:
        fail(f"no Segment message in {', '.join(messages)} ({reading.describe()})")
    source = ", ".join(Path(m).name if m != "-" else "stdin" for m in messages)
    try:
        recording = record_file(found, path, name or f"Recorded from {source}", source,
                                Path(rules) if rules else None)
    except (RulesError, OSError) as exc:
        fail(str(exc))
    path.write_text(recording.after, encoding="utf-8")
    plural = "s" if len(found) != 1 else ""
    err.print(f"{path}: {len(found)} message{plural} recorded from {reading.describe()}",
              soft_wrap=True)
    if limit is None and len(found) > _LARGE:
        err.print(f"A large scenario: every run replays its {len(found)} messages; "
                  "--limit N records only the first N.", soft_wrap=True)


@scenario.command(epilog=RUN_EXIT_CODES)
@click.argument("paths", nargs=-1, required=True)
@click.option("--target", help="Run against this Spideo-compatible service (its base URL or"
              " /segment endpoint) instead of a fresh in-process mock per scenario.")
@click.option("--api-key", default="demo-key", show_default=True, help="The target's key.")
@click.option("--client", default="demo", show_default=True, help="The target's client.")
def run(paths: tuple[str, ...], target: str | None, api_key: str, client: str) -> None:
    """Run scenario files (or every .yaml below folders, skipping folders starting with
    '_'), as the pytest plugin does, and say which failed and why."""
    from simulator.deliver.target import SetupError, TargetUrl, probe
    from simulator.testing import (
        HttpTarget,
        InProcessTarget,
        ScenarioError,
        Target,
        load_scenario,
        run_scenario,
        skip_reason,
    )
    from simulator.testing.loading import scenario_files
    try:
        files = scenario_files(paths)
    except ScenarioError as exc:
        fail(str(exc))
    if target:
        try:
            probe(TargetUrl.parse(target), api_key, client)
        except SetupError as exc:
            fail(str(exc))
    failed = skipped = 0
    for file in files:
        try:
            loaded = load_scenario(file)
        except ScenarioError as exc:
            fail(f"invalid scenario file: {exc}")
        where: Target = InProcessTarget(client, api_key)
        if target:
            reason = skip_reason(loaded)
            if reason:
                skipped += 1
                click.echo(f"SKIP {file}: {reason}")
                continue
            where = HttpTarget(target, api_key, client)
        try:
            result = run_scenario(loaded, where)
        except SpideoSimError as exc:
            fail(f"{file}: {exc}")
        if result.passed:
            click.echo(f"PASS {file}")
        else:
            failed += 1
            click.echo(f"FAIL {file}\n{result.report()}")
    ran = len(files) - skipped
    if failed:
        click.echo(f"Result: FAILED: {failed} of {ran} scenarios failed")
        raise SystemExit(EXIT_STRICT)
    click.echo(f"Result: OK: {ran} scenario{'s' if ran != 1 else ''} passed"
               + (f", {skipped} skipped" if skipped else ""))
