"""`spideo-sim serve`: a local Segment Tracking API in front of mock Spideo."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from mock_spideo import SpideoSimError, mask_key
from simulator.cli.common import (
    admin_options,
    check_exposure,
    connection_options,
    err,
    fail,
    port_option,
)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address both servers listen on (127.0.0.1: this machine only).")
@port_option(8788, "Port of the local Segment Tracking API")
@port_option(8787, "Port of mock Spideo (not with --target)", name="--mock-port")
@click.option("--write-key", default="local-write-key", show_default=True,
              help="The write key your SDK must send.")
@click.option("--api-key", default="demo-key", show_default=True,
              help="The Spideo destination's API Key setting.")
@click.option("--client", default="demo", show_default=True,
              help="The Spideo destination's client setting.")
@click.option("--target", help="Deliver to this Spideo-compatible service instead of the "
              "mock: its base URL or its /segment endpoint (checked at start).")
@click.option("--time-scale", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Simulated seconds of retry waiting per real second.")
@click.option("--quiet", is_flag=True,
              help="Do not print a line for each message Spideo refused or ignored.")
@click.option("--spool", type=click.Path(dir_okay=False), default="serve-spool.jsonl",
              show_default=True, help="Where messages still undelivered at shutdown are "
              "kept (JSONL); they are resent at the next start.")
@click.option("--max-queue", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Messages waiting for delivery before new requests get 503 + Retry-After.")
@click.option("--drain-timeout", type=click.FloatRange(min=0), default=10.0,
              show_default=True, help="Seconds to keep delivering after Ctrl-C or SIGTERM "
              "before spooling the rest.")
@admin_options
@connection_options
def serve(host: str, port: int, mock_port: int, write_key: str, api_key: str, client: str,
          target: str | None, time_scale: float, quiet: bool, spool: str, max_queue: int,
          drain_timeout: float, admin_token: str | None, insecure: bool, max_connections: int,
          idle_timeout: float) -> None:
    """Run a local Segment Tracking API in front of mock Spideo, for your own app's SDK.

    Like Segment, it answers your SDK 200 before delivering; each message Spideo then
    refuses or ignores is printed on one line (code and reason) unless --quiet."""
    from simulator.deliver.serve import downstream_line, serving
    if not target:
        check_exposure(host, admin_token, insecure)
    context = click.get_current_context()
    if target and context.get_parameter_source("mock_port") is ParameterSource.COMMANDLINE:
        err.print("[yellow]note: --mock-port does not apply with --target (no mock is "
                  "started)[/yellow]")

    def report(message: dict[str, Any], outcome: Any) -> None:
        line = downstream_line(message, outcome)
        if line and not quiet:
            err.print(line, markup=False, highlight=False, soft_wrap=True)

    spool_path = Path(spool)
    if not spool_path.parent.is_dir():
        fail(f"cannot keep the spool {spool_path}: the folder {spool_path.parent} does not "
             "exist")
    try:
        running = serving(host=host, port=port, mock_port=mock_port, write_key=write_key,
                          api_key=api_key, client=client, target=target,
                          time_scale=time_scale, on_outcome=report, admin_token=admin_token,
                          spool=spool_path, max_queue=max_queue, drain_timeout=drain_timeout,
                          connections=(max_connections, idle_timeout))
        services = running.__enter__()
    except SpideoSimError as exc:
        fail(str(exc))
    if services.resent:
        err.print(f"Resending {services.resent} messages the last run spooled in {spool}")
    tracking = services.tracking_url
    example = ('{"userId": "u1", "event": "Video Content Watched", '
               '"properties": {"asset_id": "xyz"}}')
    err.print(f"Segment Tracking API: {tracking}/v1/  (write key: {write_key})")
    err.print(f"Delivering to Spideo at {services.destination.url}  (client {client!r}, "
              f"apiKey {mask_key(api_key)})")
    if services.mock_url:
        err.print(f"  what Spideo recorded: {services.mock_url}/  (web UI), "
                  f"{services.mock_url}/__admin/interactions")
    err.print("Try it:")
    click.echo(f"curl -u {write_key}: -H 'Content-Type: application/json' "
               f"-d '{example}' {tracking}/v1/track")
    err.print("Ctrl-C (or SIGTERM) stops both, after delivering or spooling what was "
              "accepted.")
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        err.print(f"stopping: new requests get 503; delivering what is queued (up to "
                  f"{drain_timeout:g} s)")
    try:
        running.__exit__(None, None, None)
    except SpideoSimError as exc:
        fail(str(exc))
    ledger = services.api.ledger
    outcomes = ", ".join(f"{count} {kind}" for kind, count in sorted(ledger.outcomes.items()))
    err.print(f"accepted {ledger.sent} messages: {outcomes or 'none delivered'}"
              + (f"; {services.spooled} spooled to {spool}, resent at the next start"
                 if services.spooled else ""))


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM stops serve as Ctrl-C does: drain, spool, report."""
    raise KeyboardInterrupt
