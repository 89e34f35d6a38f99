"""`spideo-sim serve`: a local Segment Tracking API in front of mock Spideo."""

from __future__ import annotations

import time
from typing import Any

import click
from click.core import ParameterSource

from mock_spideo import SpideoSimError, mask_key
from simulator.cli.common import admin_options, check_exposure, err, fail, port_option


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
@admin_options
def serve(host: str, port: int, mock_port: int, write_key: str, api_key: str, client: str,
          target: str | None, time_scale: float, quiet: bool, admin_token: str | None,
          insecure: bool) -> None:
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

    try:
        running = serving(host=host, port=port, mock_port=mock_port, write_key=write_key,
                          api_key=api_key, client=client, target=target,
                          time_scale=time_scale, on_outcome=report, admin_token=admin_token)
        services = running.__enter__()
    except SpideoSimError as exc:
        fail(str(exc))
    tracking = services.tracking_url
    example = ('{"userId": "u1", "event": "Video Content Watched", '
               '"properties": {"asset_id": "xyz"}}')
    err.print(f"Segment Tracking API: {tracking}/v1/  (write key: {write_key})")
    err.print(f"Delivering to Spideo at {services.destination.url}  (client {client!r}, "
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
        running.__exit__(None, None, None)
