"""The `spideo-sim` command line: generate, mock, simulate, serve, mapping."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from mock_spideo import (
    ConfigError,
    LiveServer,
    MockConfig,
    RulesError,
    create_app,
    default_rules,
    explain,
    load_rules,
    mask_key,
)
from simulator.generate.profile import ProfileError

__all__ = ["main"]

err = Console(stderr=True)


@contextmanager
def progress_bar(label: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        yield lambda count: None
        return
    columns = [TextColumn(label), BarColumn(), MofNCompleteColumn() if total else
               TextColumn("{task.completed} messages"), TimeElapsedColumn()]
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda count: bar.update(task, completed=count)


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.group()
@click.version_option(package_name="spideo-sim")
def main() -> None:
    """See, before production, what Spideo records from your Segment tracking."""


def stream_options(command: Callable) -> Callable:
    """The options that define a simulated stream, shared by generate and simulate."""
    for option in reversed((
        click.option("--users", type=click.IntRange(min=1),
                     help="Viewers (default: the profile's)."),
        click.option("--days", type=click.FloatRange(min=0.01), default=1.0, show_default=True),
        click.option("--seed", type=int, default=1, show_default=True),
        click.option("--start", help="Start of simulated time, ISO-8601 "
                                     "(default 2025-01-06T12:00Z)."),
        click.option("--profile", type=click.Path(exists=True, dir_okay=False),
                     help="Profile YAML overriding simulator/profiles/default.yaml."),
    )):
        command = option(command)
    return command


@main.command()
@stream_options
@click.option("--out", default="-", show_default=True, help="JSONL file, or - for stdout.")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after N messages.")
def generate(users, days, seed, start, profile, out, limit) -> None:
    """Write a simulated Segment stream as JSONL (one message per line)."""
    from simulator.generate.stream import Simulation
    try:
        sim = Simulation.from_options(users=users, days=days, seed=seed, start=start,
                                      profile=profile)
    except (ProfileError, ValueError) as exc:
        _fail(str(exc))
    with progress_bar("generating") as progress:
        if out == "-":
            count = sim.write_jsonl(sys.stdout.buffer, limit, progress)
            sys.stdout.flush()
        else:
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            with open(out, "wb", buffering=1 << 20) as handle:
                count = sim.write_jsonl(handle, limit, progress)
    err.print(f"{count} messages written to {'stdout' if out == '-' else out}")


def _mock_config(config: str | None, rules: str | None, journal: str | None) -> MockConfig:
    try:
        loaded = load_rules(rules) if rules else None
        if config:
            return MockConfig.from_file(config, rules=loaded, journal_path=journal)
        return MockConfig(rules=loaded or default_rules(), journal_path=journal)
    except (ConfigError, RulesError, OSError) as exc:
        _fail(str(exc))
        raise  # unreachable: _fail raises


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8787, show_default=True)
@click.option("--config", type=click.Path(exists=True, dir_okay=False),
              help="YAML/JSON: clients (name -> apiKey), rules, unknown_content.")
@click.option("--rules", type=click.Path(exists=True, dir_okay=False),
              help="Mapping rules file (default: the shipped rules).")
@click.option("--journal", type=click.Path(dir_okay=False),
              help="SQLite file for the journal (default: in memory).")
def mock(host, port, config, rules, journal) -> None:
    """Run mock Spideo under a production WSGI server (waitress)."""
    settings = _mock_config(config, rules, journal)
    try:
        server = LiveServer(create_app(settings), host=host, port=port)
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc}")
    err.print(f"mock Spideo on {server.url}  (Ctrl-C stops it)")
    err.print(f"  direct-destination endpoint: POST {server.url}/segment")
    for client, key in settings.clients.items():
        err.print(f"  client {client!r}: apiKey {mask_key(key)}  REST: {server.url}/{client}/...")
    err.print(f"  rules: {settings.rules.source}; journal: {settings.journal_path or 'memory'}")
    err.print(f"  contract: {server.url}/openapi.yaml; admin: {server.url}/__admin/health")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        err.print("stopped")


@main.command()
@stream_options
@click.option("--target", help="Deliver to this endpoint URL instead of the in-process mock.")
@click.option("--api-key", default="demo-key", show_default=True)
@click.option("--client", default="demo", show_default=True)
@click.option("--faults", type=click.Path(exists=True, dir_okay=False),
              help="YAML/JSON fault rules for the in-process mock.")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Concurrent deliveries (in-process, the mock shares the GIL: keep it low).")
@click.option("--time-scale", type=click.FloatRange(min=1), default=3600.0, show_default=True,
              help="Simulated seconds of retry waiting per real second.")
@click.option("--send-all", is_flag=True, help="Also send page/screen/group/alias calls.")
@click.option("--strict", is_flag=True,
              help="Exit 3 on error-severity problems the profile did not cause on purpose.")
@click.option("--out", "out_dir", default="out", show_default=True)
def simulate(users, days, seed, start, profile, target, api_key, client, faults, workers,
             time_scale, send_all, strict, out_dir) -> None:
    """Generate, deliver as Segment does, and report what Spideo recorded."""
    from simulator.report import print_report, write_reports
    from simulator.simulate import SimulationSettings, run_simulation
    settings = SimulationSettings(users=users, days=days, seed=seed, start=start,
                                  profile=profile, target=target, api_key=api_key,
                                  client=client, faults=faults, workers=workers,
                                  time_scale=time_scale, send_all=send_all)
    where = target or "mock Spideo in-process (127.0.0.1, free port)"
    err.print(f"Simulating seed={seed} days={days} users={users or 'profile default'} "
              f"-> {where} (apiKey {mask_key(api_key)}, client {client!r})")
    try:
        with progress_bar("delivering") as progress:
            result = run_simulation(settings, progress)
    except (ProfileError, ValueError, OSError) as exc:
        _fail(str(exc))
    print_report(result, Console())
    json_path, html_path = write_reports(result, out_dir)
    err.print(f"Reports: {json_path}, {html_path}")
    if not result.conservation.get("ok"):
        err.print("[red]Conservation failed: some messages are unaccounted for.[/red]")
        sys.exit(2)
    if strict and result.unexpected_errors:
        sys.exit(3)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8788, show_default=True,
              help="Port of the local Segment Tracking API.")
@click.option("--mock-port", type=int, default=8787, show_default=True,
              help="Port of mock Spideo.")
@click.option("--write-key", default="local-write-key", show_default=True,
              help="The write key your SDK must send.")
@click.option("--api-key", default="demo-key", show_default=True)
@click.option("--client", default="demo", show_default=True)
@click.option("--target", help="Deliver to this endpoint URL instead of the mock.")
@click.option("--time-scale", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Simulated seconds of retry waiting per real second.")
def serve(host, port, mock_port, write_key, api_key, client, target, time_scale) -> None:
    """Run a local Segment Tracking API in front of mock Spideo, for your own app's SDK."""
    from simulator.deliver.serve import serving
    try:
        context = serving(host=host, port=port, mock_port=mock_port, write_key=write_key,
                          api_key=api_key, client=client, target=target,
                          time_scale=time_scale)
        services = context.__enter__()
    except OSError as exc:
        _fail(f"cannot listen on {host}: {exc}")
    tracking = services.tracking_url
    where = services.mock_url or target
    example = ('{"userId": "u1", "event": "Video Content Watched", '
               '"properties": {"asset_id": "xyz"}}')
    err.print(f"Segment Tracking API: {tracking}/v1/  (write key: {write_key})")
    err.print(f"Delivering to Spideo at {where}  (client {client!r}, "
              f"apiKey {mask_key(api_key)})")
    if services.mock_url:
        err.print(f"  what Spideo recorded: {services.mock_url}/__admin/interactions")
    err.print("Try it:")
    click.echo(f"curl -u {write_key}: -H 'Content-Type: application/json' "
               f"-d '{example}' {tracking}/v1/track")
    err.print("Ctrl-C stops both.")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        err.print("stopping")
    finally:
        context.__exit__(None, None, None)


@main.group()
def mapping() -> None:
    """Check and explain mapping rules files."""


@mapping.command("check")
@click.argument("rules_file", type=click.Path(exists=True, dir_okay=False))
def mapping_check(rules_file: str) -> None:
    """Validate a rules file; exit 1 with the rule, field, reason and line if it is bad."""
    try:
        rules = load_rules(rules_file)
    except RulesError as exc:
        _fail(str(exc))
    click.echo(f"{rules_file}: {len(rules.rules)} rules OK")
    for rule in rules.rules:
        click.echo(f"  {rule.line:>4}  {rule.name:<32} {rule.outcome}")


@mapping.command("explain")
@click.option("--rules", "rules_file", type=click.Path(exists=True, dir_okay=False),
              help="Rules file (default: the shipped rules).")
@click.argument("message_file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
def mapping_explain(rules_file: str | None, message_file: str) -> None:
    """Show which rule matches a message (JSON file or -), what it extracts, and why
    each earlier rule did not match."""
    try:
        rules = load_rules(rules_file) if rules_file else default_rules()
    except RulesError as exc:
        _fail(str(exc))
    raw = sys.stdin.read() if message_file == "-" else Path(message_file).read_text("utf-8")
    try:
        message = json.loads(raw)
    except ValueError as exc:
        _fail(f"{message_file} is not JSON: {exc}")
    result, traces = explain(message, rules)
    for trace in traces:
        if trace.matched:
            click.echo(f"MATCH  {trace.rule}")
        else:
            click.echo(f"miss   {trace.rule}: " + "; ".join(trace.reasons))
    click.echo(f"\noutcome: {result.outcome} ({result.code}) {result.message}")
    for item in result.interactions:
        click.echo("  interaction " + json.dumps(item.to_dict()))
    for item in result.user_properties:
        click.echo("  user property " + json.dumps(item.to_dict()))
