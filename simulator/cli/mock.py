"""`spideo-sim mock`: run mock Spideo in the foreground."""

from __future__ import annotations

import click

from mock_spideo import LiveServer, create_app, mask_key
from simulator.cli.common import err, fail, mock_config


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8787, show_default=True)
@click.option("--config", type=click.Path(exists=True, dir_okay=False),
              help="YAML/JSON: clients (name -> apiKey), rules, unknown_content.")
@click.option("--rules", type=click.Path(exists=True, dir_okay=False),
              help="Mapping rules file (default: the shipped rules).")
@click.option("--journal", type=click.Path(dir_okay=False),
              help="SQLite file for the journal (default: in memory).")
def mock(host: str, port: int, config: str | None, rules: str | None,
         journal: str | None) -> None:
    """Run mock Spideo under a production WSGI server (waitress)."""
    settings = mock_config(config, rules, journal)
    try:
        server = LiveServer(create_app(settings), host=host, port=port)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc}")
    err.print(f"mock Spideo on {server.url}  (Ctrl-C stops it)")
    err.print(f"  web UI: {server.url}/")
    err.print(f"  direct-destination endpoint: POST {server.url}/segment")
    for client, key in settings.clients.items():
        err.print(f"  client {client!r}: apiKey {mask_key(key)}  REST: {server.url}/{client}/...")
    err.print(f"  rules: {settings.rules.source}; journal: {settings.journal_path or 'memory'}")
    err.print(f"  contract: {server.url}/openapi.yaml; admin: {server.url}/__admin/health")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        err.print("stopped")
