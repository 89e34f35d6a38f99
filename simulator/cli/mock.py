"""`spideo-sim mock`: run mock Spideo in the foreground."""

from __future__ import annotations

import click

from mock_spideo import LiveServer, SpideoSimError, create_app, mask_key
from simulator.cli.common import (
    admin_options,
    check_exposure,
    connection_options,
    err,
    fail,
    mock_config,
    port_option,
)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (127.0.0.1: this machine only).")
@port_option(8787, "Port to listen on")
@click.option("--config", type=click.Path(exists=True, dir_okay=False),
              help="YAML/JSON: clients (name -> apiKey), rules, unknown_content.")
@click.option("--rules", type=click.Path(exists=True, dir_okay=False),
              help="Mapping rules file (default: the shipped rules).")
@click.option("--journal", type=click.Path(dir_okay=False),
              help="SQLite file for the journal, kept across restarts (default: in memory).")
@click.option("--max-requests", type=click.IntRange(min=1),
              help="Keep only the newest N request rows in the journal (every count stays "
                   "exact); overrides the config key max_requests [default: all].")
@admin_options
@connection_options
def mock(host: str, port: int, config: str | None, rules: str | None,
         journal: str | None, max_requests: int | None, admin_token: str | None,
         insecure: bool, max_connections: int, idle_timeout: float) -> None:
    """Run mock Spideo under a production WSGI server (waitress)."""
    settings = mock_config(config, rules, journal, admin_token, max_requests)
    check_exposure(host, settings.admin_token, insecure)
    try:
        server = LiveServer(create_app(settings), host=host, port=port,
                            connection_limit=max_connections, idle_timeout=idle_timeout)
    except SpideoSimError as exc:
        fail(str(exc))
    err.print(f"mock Spideo on {server.url}  (Ctrl-C stops it)")
    err.print(f"  web UI: {server.url}/")
    err.print(f"  direct-destination endpoint: POST {server.url}/segment")
    for client, key in settings.clients.items():
        err.print(f"  client {client!r}: apiKey {mask_key(key)}  REST: {server.url}/{client}/...")
    kept = (f" (the newest {settings.max_requests:,} requests kept)"
            if settings.max_requests else "")
    err.print(f"  rules: {settings.rules.source}; journal: {settings.journal_path or 'memory'}"
              f"{kept}")
    guarded = " (admin token required)" if settings.admin_token else ""
    err.print(f"  contract: {server.url}/openapi.yaml; admin: {server.url}/__admin/health"
              f"{guarded}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        err.print("stopped")
