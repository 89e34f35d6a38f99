"""`spideo-sim serve`: a local Segment Tracking API in front of mock Spideo."""

from __future__ import annotations

import time

import click

from mock_spideo import mask_key
from simulator.cli.common import err, fail


@click.command()
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
def serve(host: str, port: int, mock_port: int, write_key: str, api_key: str, client: str,
          target: str | None, time_scale: float) -> None:
    """Run a local Segment Tracking API in front of mock Spideo, for your own app's SDK."""
    from simulator.deliver.serve import serving
    try:
        context = serving(host=host, port=port, mock_port=mock_port, write_key=write_key,
                          api_key=api_key, client=client, target=target,
                          time_scale=time_scale)
        services = context.__enter__()
    except OSError as exc:
        fail(f"cannot listen on {host}: {exc}")
    tracking = services.tracking_url
    where = services.mock_url or target
    example = ('{"userId": "u1", "event": "Video Content Watched", '
               '"properties": {"asset_id": "xyz"}}')
    err.print(f"Segment Tracking API: {tracking}/v1/  (write key: {write_key})")
    err.print(f"Delivering to Spideo at {where}  (client {client!r}, "
              f"apiKey {mask_key(api_key)})")
    if services.mock_url:
        err.print(f"  what Spideo recorded: {services.mock_url}/  (web UI), "
                  f"{services.mock_url}/__admin/interactions")
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
