"""`spideo-sim simulate`: generate, deliver as Segment does, and report. The delivery
options and the report are shared with `spideo-sim replay`."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from mock_spideo import SpideoSimError, mask_key
from simulator.cli.common import err, fail, output_folder, progress_bar, stream_options
from simulator.deliver import TRANSPORTS

if TYPE_CHECKING:
    from simulator.simulate import SimulationSettings

EXIT_CODES = """\b
Exit codes: 0 the run succeeded; 1 the setup is wrong (file, port, URL, key, client);
2 the command line is wrong; 3 --strict and unexpected error-severity problems;
4 conservation failed (a bug); 130 interrupted; 143 ended by SIGTERM."""


def delivery_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Where and how a run delivers, and where its report goes (simulate and replay)."""
    options = [
        click.option("--target", help="Deliver to this Spideo-compatible service instead of "
                     "the in-process mock: its base URL (/segment is appended) or its full "
                     "/segment endpoint. One setup-check message is sent first."),
        click.option("--api-key", default="demo-key", show_default=True,
                     help="The Spideo destination's API Key setting (sent as Basic auth)."),
        click.option("--client", default="demo", show_default=True,
                     help="The Spideo destination's client setting (X-Segment-Settings)."),
        click.option("--faults", metavar="NAME|FILE",
                     help="Fault rules for the in-process mock (not with --target): a "
                          "shipped profile (segment-day: a normal day of Segment's "
                          "destination answers) or a YAML/JSON file."),
        click.option("--transport", type=click.Choice(TRANSPORTS),
                     help="How messages reach the in-process mock: inprocess (no socket, "
                          "the default) or http (waitress on 127.0.0.1). --target always "
                          "uses HTTP."),
        click.option("--jobs", type=click.IntRange(1, 64),
                     help="Processes: the viewers are split across them, each with its own "
                          "mock [default: one per CPU core, but one per 10,000 messages "
                          "expected for a smaller run; 1 with --ui]."),
        click.option("--workers", type=click.IntRange(1, 64),
                     help="Concurrent deliveries per process [default: 1 in-process, 2 over "
                          "HTTP]."),
        click.option("--max-requests", type=click.IntRange(min=1), default=1_000_000,
                     show_default=True,
                     help="Request rows each in-process mock keeps; older ones are dropped, "
                          "every count stays exact."),
        click.option("--time-scale", type=click.FloatRange(min=1), default=3600.0,
                     show_default=True,
                     help="Simulated seconds of retry waiting per real second."),
        click.option("--send-all", is_flag=True,
                     help="Also send page/screen/group/alias calls."),
        click.option("--strict", is_flag=True,
                     help="Exit 3 on error-severity problems the source did not cause on "
                          "purpose (severities from problems.yaml)."),
        click.option("--out", "out_dir", default="out", show_default=True,
                     help="Folder for report.json and report.html (created if missing; its "
                          "parent must exist)."),
        click.option("--ui", is_flag=True,
                     help="Serve the in-process mock's web UI during the run and after the "
                          "report, until Ctrl-C."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.command(epilog=EXIT_CODES)
@stream_options
@delivery_options
def simulate(users: int | None, days: float, seed: int, start: str | None, profile: str | None,
             **delivery: Any) -> None:
    """Generate, deliver as Segment does, and report what Spideo recorded."""
    run_and_report(f"seed={seed} days={days} users={users or 'profile default'}",
                   dict(users=users, days=days, seed=seed, start=start, profile=profile),
                   **delivery)


def run_and_report(what: str, source: dict[str, Any], *, target: str | None, api_key: str,
                   client: str, faults: str | None, transport: str | None, jobs: int | None,
                   workers: int | None, max_requests: int, time_scale: float,
                   send_all: bool, strict: bool, out_dir: str, ui: bool) -> None:
    """Run (`source` gives the SimulationSettings of what to deliver), print the report,
    write its files, and exit with the verdict's code."""
    from simulator.simulate import SimulationSettings, default_jobs
    out = output_folder(out_dir)
    if faults and target:
        fail("--faults injects faults into the in-process mock; with --target the service "
             "answers for itself: drop one of them")
    if ui and target:
        fail("--ui shows the in-process mock; with --target, open the UI of the mock at"
             " the target instead (spideo-sim mock serves it at /)")
    one_mock = ui or source.get("journal") or "-" in source.get("inputs", ())
    jobs = jobs or (1 if one_mock else default_jobs(source, os.cpu_count() or 1))
    settings = SimulationSettings(**source, target=target, api_key=api_key, client=client,
                                  faults=faults, workers=workers, time_scale=time_scale,
                                  send_all=send_all, ui=ui, transport=transport,  # type: ignore[arg-type]
                                  jobs=jobs, max_requests=max_requests)
    where = target or f"mock Spideo in-process ({settings.transport_used} transport)"
    anonymized = ", identities anonymized" if settings.anonymize_key is not None else ""
    err.print(f"{'Replaying' if settings.inputs else 'Simulating'} {what} jobs={jobs} -> "
              f"{where} (apiKey {mask_key(api_key)}, client {client!r}){anonymized}")
    sys.exit(_run(settings, out, strict))


def _run(settings: SimulationSettings, out: Path, strict: bool) -> int:
    from simulator.report import print_report, write_reports
    from simulator.simulate import SimulationResult, run_simulation
    from simulator.verdict import EXIT_INTERRUPTED, judge
    ui_url: list[str] = []

    def show_url(url: str) -> None:
        ui_url.append(f"{url}/")
        err.print(f"Watch it live: {url}/")

    def report(result: SimulationResult) -> int:
        """Tables, report files and the verdict; then, with --ui, wait for Ctrl-C."""
        print_report(result, Console())
        try:
            json_path, html_path = write_reports(result, out)
        except OSError as exc:
            fail(f"cannot write the reports into {out}: {exc.strerror}")
        err.print(f"Reports: {json_path}, {html_path}")
        verdict = judge(result, strict)
        Console().print(f"[{'green' if verdict.ok else 'red'}]{verdict.line}[/]",
                        highlight=False, soft_wrap=True)
        if ui_url:
            err.print(f"The UI stays up at {ui_url[0]}  (Ctrl-C stops it)")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                err.print("stopped")
        return verdict.exit_code

    exit_codes: list[int] = []
    try:
        with ExitStack() as bar:
            progress = bar.enter_context(progress_bar("delivering"))

            def report_while_up(result: SimulationResult) -> None:
                bar.close()  # the progress bar goes before the report
                exit_codes.append(report(result))

            result = run_simulation(settings, progress,
                                    on_mock=show_url if settings.ui else None,
                                    after=report_while_up if settings.ui else None)
    except (SpideoSimError, ValueError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        err.print("[red]Stopped by a second Ctrl-C: no report.[/red]")
        return EXIT_INTERRUPTED
    return exit_codes[0] if exit_codes else report(result)
