"""`spideo-sim mock`: run mock Spideo in the foreground."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from mock_spideo import LiveServer, MockConfig, ProcessServer, SpideoSimError, create_app, mask_key
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
@click.option("--processes", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Serve with N processes (gunicorn) sharing one journal file (WAL); "
                   "duplicates stay exact across them. Without --journal, a temporary file.")
@admin_options
@connection_options
def mock(host: str, port: int, config: str | None, rules: str | None,
         journal: str | None, max_requests: int | None, processes: int,
         admin_token: str | None, insecure: bool, max_connections: int,
         idle_timeout: float) -> None:
    """Run mock Spideo under a production WSGI server (waitress; gunicorn with
    --processes)."""
    with tempfile.TemporaryDirectory(prefix="spideo-mock-") as folder:
        if processes > 1 and journal is None:
            journal = str(Path(folder) / "journal.sqlite")
        _serve(host, port, mock_config(config, rules, journal, admin_token, max_requests),
               processes, insecure, max_connections, idle_timeout)


def _serve(host: str, port: int, settings: MockConfig, processes: int, insecure: bool,
           max_connections: int, idle_timeout: float) -> None:
    """Listen, say where, and serve until Ctrl-C."""
    check_exposure(host, settings.admin_token, insecure)
    server: LiveServer | ProcessServer
    try:
        if processes > 1:
            server = ProcessServer(settings, host=host, port=port, processes=processes,
                                   connection_limit=max_connections, idle_timeout=idle_timeout,
                                   on_ready=lambda: err.print(f"  {processes} processes ready"))
        else:
            server = LiveServer(create_app(settings), host=host, port=port,
                                connection_limit=max_connections, idle_timeout=idle_timeout)
    except SpideoSimError as exc:
        fail(str(exc))
    err.print(f"mock Spideo on {server.url}  (Ctrl-C stops it)"
              + (f"; {processes} processes" if processes > 1 else ""))
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
