"""`spideo-sim simulate`: generate, deliver as Segment does, and report."""

from __future__ import annotations

import os
import sys

import click
from rich.console import Console

from mock_spideo import mask_key
from simulator.cli.common import err, fail, progress_bar, stream_options
from simulator.deliver import TRANSPORTS
from simulator.generate import ProfileError
from simulator.shards import ShardFailed

INTERRUPTED = 130  # the shell's code for a run stopped by Ctrl-C (128 + SIGINT)


@click.command()
@stream_options
@click.option("--target", help="Deliver to this endpoint URL instead of the in-process mock.")
@click.option("--api-key", default="demo-key", show_default=True)
@click.option("--client", default="demo", show_default=True)
@click.option("--faults", type=click.Path(exists=True, dir_okay=False),
              help="YAML/JSON fault rules for the in-process mock.")
@click.option("--transport", type=click.Choice(TRANSPORTS),
              help="How messages reach the in-process mock: inprocess (no socket, the "
                   "default) or http (waitress on 127.0.0.1). --target always uses HTTP.")
@click.option("--jobs", type=click.IntRange(1, 64), default=os.cpu_count() or 1,
              show_default="the number of CPU cores",
              help="Processes: the viewers are split across them, each with its own mock.")
@click.option("--workers", type=click.IntRange(1, 64),
              help="Concurrent deliveries per process [default: 1 in-process, 2 over HTTP].")
@click.option("--max-requests", type=click.IntRange(min=1), default=1_000_000,
              show_default=True,
              help="Request rows each in-process mock keeps; older ones are dropped, every "
                   "count stays exact.")
@click.option("--time-scale", type=click.FloatRange(min=1), default=3600.0, show_default=True,
              help="Simulated seconds of retry waiting per real second.")
@click.option("--send-all", is_flag=True, help="Also send page/screen/group/alias calls.")
@click.option("--strict", is_flag=True,
              help="Exit 3 on error-severity problems the profile did not cause on purpose.")
@click.option("--out", "out_dir", default="out", show_default=True)
def simulate(users: int | None, days: float, seed: int, start: str | None, profile: str | None,
             target: str | None, api_key: str, client: str, faults: str | None,
             transport: str | None, jobs: int, workers: int | None, max_requests: int,
             time_scale: float, send_all: bool, strict: bool, out_dir: str) -> None:
    """Generate, deliver as Segment does, and report what Spideo recorded."""
    from simulator.report import print_report, write_reports
    from simulator.simulate import SimulationSettings, run_simulation
    settings = SimulationSettings(users=users, days=days, seed=seed, start=start,
                                  profile=profile, target=target, api_key=api_key,
                                  client=client, faults=faults, workers=workers,
                                  time_scale=time_scale, send_all=send_all,
                                  transport=transport, jobs=jobs,  # type: ignore[arg-type]
                                  max_requests=max_requests)
    where = target or f"mock Spideo in-process ({settings.transport_used})"
    err.print(f"Simulating seed={seed} days={days} users={users or 'profile default'} "
              f"jobs={jobs} -> {where} (apiKey {mask_key(api_key)}, client {client!r})")
    try:
        with progress_bar("delivering") as progress:
            result = run_simulation(settings, progress)
    except (ProfileError, ShardFailed, ValueError, OSError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        err.print("[red]Stopped by a second Ctrl-C: no report.[/red]")
        sys.exit(INTERRUPTED)
    print_report(result, Console())
    json_path, html_path = write_reports(result, out_dir)
    err.print(f"Reports: {json_path}, {html_path}")
    if not result.conservation.get("ok"):
        err.print("[red]Conservation failed: some messages are unaccounted for.[/red]")
        sys.exit(2)
    if result.interrupted:
        err.print(f"[yellow]Interrupted by Ctrl-C: the report covers the {result.total} "
                  "messages generated before it.[/yellow]")
        sys.exit(INTERRUPTED)
    if strict and result.unexpected_errors:
        sys.exit(3)
