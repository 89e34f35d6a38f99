"""`spideo-sim load`: Segment-shaped load on a real endpoint, with Locust."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from types import ModuleType

import click
from rich.console import Console

from mock_spideo import SpideoSimError, mask_key
from mock_spideo.segment import parse_iso_ms
from simulator.cli.common import err, fail, stream_options
from simulator.deliver import RetryPolicy
from simulator.deliver.target import SetupError, TargetUrl, probe
from simulator.generate import DEFAULT_TIME, ProfileError, load_profile

EXIT_CODES = """\b
Exit codes: 0 the run ended and (against the mock) conservation holds; 1 the setup is
wrong (URL, key, client, port, workers); 2 the command line is wrong; 4 conservation
failed (a message accepted but not in the mock's journal exactly once); 130 interrupted."""
_SPAN = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_SHAPES = ("steady", "diurnal", "engage-sync", "outage")
# Set in the interpreter that `load` starts for Locust (see _locust_process).
_LOCUST_PROCESS = "SPIDEO_SIM_LOCUST_PROCESS"


def _seconds(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """Locust's --run-time: 90, 90s, 1m30s, 2h."""
    if value is None:
        return None
    text = value.strip().lower()
    if text.replace(".", "", 1).isdigit():
        return float(text)
    found = _SPAN.match(text)
    if not found or not any(found.groups()):
        raise click.BadParameter(f"'{value}' is not a time span: write e.g. 90, 90s, 1m30s, 2h")
    hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return float(hours * 3600 + minutes * 60 + seconds)


@click.command(epilog=EXIT_CODES)
@click.option("--target", help="The endpoint under load: a base URL (/segment is appended) "
              "or a full /segment endpoint. One setup-check message is sent first.")
@click.option("--api-key", default="demo-key", show_default=True,
              help="The Spideo destination's API Key setting (sent as Basic auth).")
@click.option("--client", default="demo", show_default=True,
              help="The Spideo destination's client setting (X-Segment-Settings).")
@stream_options
@click.option("--input", "inputs", multiple=True, type=click.Path(exists=True),
              metavar="PATH", help="Send these Segment exports instead of generated viewers "
              "(read as replay reads them; repeat for several). Each worker reads the same "
              "paths on its own machine and keeps its viewers' messages.")
@click.option("--send-all", is_flag=True, help="Also send page/screen/group/alias calls.")
@click.option("--shape", type=click.Choice(_SHAPES), default="steady", show_default=True,
              help="steady: --rate throughout; diurnal: the profile's day compressed into "
                   "--period; engage-sync: every Engage identify of the stream at once; "
                   "outage: steady, expecting the target down for --down seconds, and the "
                   "backlog's drain measured.")
@click.option("--rate", type=click.FloatRange(min=0.1), default=100.0, show_default=True,
              help="Messages per second in all (diurnal: at the peak hour).")
@click.option("--user-rate", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Messages per second per Locust user: users = rate / user-rate.")
@click.option("--down", type=click.FloatRange(min=0), default=30.0, show_default=True,
              help="outage: seconds the target is expected to fail.")
@click.option("--period", type=click.FloatRange(min=1), default=240.0, show_default=True,
              help="diurnal: seconds of run time that one simulated day is compressed into.")
@click.option("--messages", type=click.IntRange(min=1),
              help="Stop after N messages in all (across workers) [default: the whole stream].")
@click.option("--run-time", callback=_seconds, help="Stop after this long (90, 90s, 5m, 1h30m),"
              " as in Locust; messages still waiting to retry are counted unfinished.")
@click.option("--time-scale", type=click.FloatRange(min=1), default=1.0, show_default=True,
              help="Seconds of Segment's backoff (and Retry-After) per real second.")
@click.option("--csv", "csv_prefix", metavar="PREFIX",
              help="Write Locust's CSV files: PREFIX_stats.csv, PREFIX_failures.csv, ...")
@click.option("--web", is_flag=True, help="Serve Locust's web UI during the run and after it, "
              "until Ctrl-C.")
@click.option("--web-host", default="127.0.0.1", show_default=True)
@click.option("--web-port", type=click.IntRange(1, 65535), default=8089, show_default=True)
@click.option("--master", is_flag=True, help="Run as the master of workers on other machines.")
@click.option("--expect-workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="--master: start once this many workers are connected.")
@click.option("--master-bind-host", default="127.0.0.1", show_default=True,
              help="--master: address to listen on for workers (0.0.0.0: every interface).")
@click.option("--worker", is_flag=True, help="Run as a worker of the master at --master-host.")
@click.option("--master-host", default="127.0.0.1", show_default=True)
@click.option("--master-port", type=click.IntRange(1, 65535), default=5557, show_default=True)
@click.option("--local-workers", type=click.IntRange(1, 64),
              help="Start a master and N workers on this machine.")
@click.option("--admin-token", help="The mock's admin token, for the conservation check.")
def load(target: str | None, api_key: str, client: str, users: int | None, days: float,
         seed: int, start: str | None, profile: str | None, inputs: tuple[str, ...],
         send_all: bool, shape: str,
         rate: float, user_rate: float, down: float, period: float, messages: int | None,
         run_time: float | None, time_scale: float, csv_prefix: str | None, web: bool,
         web_host: str, web_port: int, master: bool, expect_workers: int,
         master_bind_host: str, worker: bool, master_host: str, master_port: int,
         local_workers: int | None, admin_token: str | None) -> None:
    """Put Segment-shaped load on an endpoint with Locust: generated viewers' messages,
    delivered with Segment's headers and retries, each answer classified."""
    locust_process = bool(os.environ.get(_LOCUST_PROCESS))
    if not locust_process and Path(sys.argv[0]).name != "spideo-sim":
        fail("spideo-sim load runs from the spideo-sim command only (it starts a new "
             "interpreter)")  # in-process (a test's CliRunner): it would replace the process
    if worker:
        if master or local_workers or target:
            fail("--worker takes its plan from the master: give only --master-host and "
                 "--master-port")
        _locust_process()
        _worker(master_host, master_port)
        return
    if not target:
        fail("give --target URL: the endpoint under load (e.g. http://127.0.0.1:8787)")
    try:
        url = TargetUrl.parse(target)
    except SetupError as exc:
        fail(str(exc))
    if not locust_process:  # checked once, before the second it takes to import Locust
        _check_setup(url, api_key, client, outage=shape == "outage", users=users,
                     start=start, profile=profile)
        _locust_process()
    from simulator.load.plan import LoadPlan
    plan = LoadPlan(endpoint=url.endpoint, api_key=api_key, client=client, users=users,
                    days=days, seed=seed, start=start,
                    profile_yaml=Path(profile).read_text("utf-8") if profile else None,
                    send_all=send_all, messages=messages, shape=shape,  # type: ignore[arg-type]
                    rate=rate, user_rate=user_rate, down_s=down, period_s=period,
                    time_scale=time_scale,
                    inputs=tuple(str(Path(path).resolve()) for path in inputs))
    role = "master" if master or local_workers else "local"
    err.print(f"Load on {url.endpoint} (apiKey {mask_key(api_key)}, client {client!r}): "
              f"shape {shape}, {rate:g} messages/s, "
              + (f"{len(inputs)} input(s)" if inputs else
                 f"seed={seed} users={users or 'profile default'}")
              + (f", {messages} messages" if messages else "")
              + (f", {local_workers} local workers" if local_workers else
                 f", master expecting {expect_workers} workers" if master else ""))
    run = _locust()
    try:
        result = run.run_load(
            plan, role=role, run_time_s=run_time, csv_prefix=csv_prefix,
            web=(web_host, web_port) if web else None,
            master_bind=(master_bind_host, 0 if local_workers else master_port),
            expect_workers=local_workers or expect_workers, local_workers=local_workers or 0,
            base=url.base, admin_token=admin_token, keep_web=web)
    except (run.LoadError, SpideoSimError, ValueError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        err.print("[red]Stopped by Ctrl-C: no summary.[/red]")
        sys.exit(130)
    from simulator.load.summary import print_summary
    print_summary(result, Console())
    if csv_prefix:
        err.print(f"Locust's CSV files: {csv_prefix}_stats.csv, {csv_prefix}_failures.csv, "
                  f"{csv_prefix}_exceptions.csv, {csv_prefix}_stats_history.csv")
    if web:
        err.print(f"Locust's UI stays up at http://{web_host}:{web_port}/  (Ctrl-C stops it)")
        run.wait_for_ctrl_c()
        err.print("stopped")
    if result.tally.ledger.sent == 0:
        fail("no message was sent: the stream has none for these options (engage-sync "
             "sends only Engage identifies: does the profile define audiences?)")
    conservation = result.conservation
    sys.exit(4 if (conservation is not None and not conservation.ok) or not result.complete
             else 0)


def _check_setup(url: TargetUrl, api_key: str, client: str, *, outage: bool,
                 users: int | None, start: str | None, profile: str | None) -> None:
    """The stream's options (here rather than in every worker), then one setup-check
    message to the target: a wrong option, URL, key or client fails in one line.

    The options are checked as Simulation.from_options checks them (the profile says
    what the viewers can be built from), without building the viewers: that is the
    Locust process's job, and it takes 0.15 s of CPU for 20 viewers, 1.5 s for 5,000."""
    try:
        load_profile(profile, **{"population.users": users})
        parse_iso_ms(start or DEFAULT_TIME)
    except (ProfileError, ValueError) as exc:
        fail(str(exc))
    try:  # an outage may have begun: a retryable answer will do
        probe(url, api_key, client, tolerate=RetryPolicy.retryable if outage else None)
    except SetupError as exc:
        fail(str(exc))


def _worker(master_host: str, master_port: int) -> None:
    run = _locust()
    err.print(f"Locust worker: waiting for the master at {master_host}:{master_port} (up to "
              "5 minutes), then for its runs")
    try:
        run.run_worker(master_host, master_port)
    except run.LoadError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        err.print("stopped")


def _locust_process() -> None:
    """Go on in a new interpreter that imported Locust first (the setup checked).

    Locust patches the standard library for gevent when it is imported, and patching
    after ssl was imported breaks ssl (every command imports urllib3): the same command
    is run again, in place of this process, by an interpreter that imports Locust before
    anything else, and that skips the setup checks this one made."""
    if os.environ.get(_LOCUST_PROCESS):
        return
    os.environ[_LOCUST_PROCESS] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-c", "import locust; from simulator.cli "
                              "import main; main(prog_name='spideo-sim')", *sys.argv[1:]])


def _locust() -> ModuleType:
    """The Locust runner module (Locust itself was imported first: _locust_process)."""
    from simulator.load import run
    return run
