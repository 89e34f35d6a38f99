"""`spideo-sim simulate`: generate, deliver as Segment does, and report."""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack

import click
from rich.console import Console

from mock_spideo import mask_key
from simulator.cli.common import err, fail, progress_bar, stream_options
from simulator.generate import ProfileError


@click.command()
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
@click.option("--ui", is_flag=True,
              help="Serve the in-process mock's web UI during the run and after the report,"
                   " until Ctrl-C.")
def simulate(users: int | None, days: float, seed: int, start: str | None, profile: str | None,
             target: str | None, api_key: str, client: str, faults: str | None, workers: int,
             time_scale: float, send_all: bool, strict: bool, out_dir: str, ui: bool) -> None:
    """Generate, deliver as Segment does, and report what Spideo recorded."""
    from simulator.report import print_report, write_reports
    from simulator.simulate import SimulationResult, SimulationSettings, run_simulation
    if ui and target:
        fail("--ui shows the in-process mock; with --target, open the UI of the mock at"
             " the target instead (spideo-sim mock serves it at /)")
    settings = SimulationSettings(users=users, days=days, seed=seed, start=start,
                                  profile=profile, target=target, api_key=api_key,
                                  client=client, faults=faults, workers=workers,
                                  time_scale=time_scale, send_all=send_all, ui=ui)
    where = target or "mock Spideo in-process (127.0.0.1, free port)"
    err.print(f"Simulating seed={seed} days={days} users={users or 'profile default'} "
              f"-> {where} (apiKey {mask_key(api_key)}, client {client!r})")
    ui_url: list[str] = []

    def show_url(url: str) -> None:
        ui_url.append(f"{url}/")
        err.print(f"Watch it live: {url}/")

    def report(result: SimulationResult) -> None:
        print_report(result, Console())
        json_path, html_path = write_reports(result, out_dir)
        err.print(f"Reports: {json_path}, {html_path}")
        if ui_url:
            err.print(f"The UI stays up at {ui_url[0]}  (Ctrl-C stops it)")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                err.print("stopped")

    try:
        with ExitStack() as bar:
            progress = bar.enter_context(progress_bar("delivering"))

            def report_while_up(result: SimulationResult) -> None:
                bar.close()  # the progress bar goes before the report
                report(result)

            result = run_simulation(settings, progress, on_mock=show_url if ui else None,
                                    after=report_while_up if ui else None)
    except (ProfileError, ValueError, OSError) as exc:
        fail(str(exc))
    if not ui:
        report(result)
    if not result.conservation.get("ok"):
        err.print("[red]Conservation failed: some messages are unaccounted for.[/red]")
        sys.exit(2)
    if strict and result.unexpected_errors:
        sys.exit(3)
