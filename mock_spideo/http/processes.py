"""Serving mock Spideo with several processes (gunicorn), over one shared journal file.

One Python process answers a few thousand messages a second at most (the GIL); a load
test of a real pipeline needs more. gunicorn's arbiter forks N workers that accept on
one listening socket, each with its own app (built after the fork: an SQLite connection
must not cross a fork) on the same SQLite file in WAL mode. The journal takes its write
lock at the start of every request's transaction, so a messageId's first sight and its
records land together, and duplicates are found exactly whichever process answers.

What lives in a process's memory is per process: fault rules added through /__admin
reach the process that answered (give faults in --config for all), and /metrics counts
the process that answers.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from mock_spideo.http.app import create_app
from mock_spideo.http.server import DEFAULT_CONNECTIONS, DEFAULT_IDLE_TIMEOUT, ListenError
from mock_spideo.store.config import MockConfig
from mock_spideo.store.journal import Journal

__all__ = ["ProcessServer"]


class ProcessServer(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped
    """mock Spideo served by `processes` gunicorn workers (threads each) on one socket.

    The socket is bound here, before the workers start, so a busy port fails at once
    with a ListenError, and port 0 picks a free port (`url` says which)."""

    def __init__(self, config: MockConfig, *, host: str = "127.0.0.1", port: int = 0,
                 processes: int = 2, threads: int = 8,
                 connection_limit: int = DEFAULT_CONNECTIONS,
                 idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
                 on_ready: Callable[[], None] | None = None) -> None:
        if not config.journal_path:
            raise ValueError("several processes share one journal file: give its path")
        Journal(config.journal_path, config.max_requests, feed_indexes=config.ui).close()
        self.mock_config = config
        self.processes, self.threads = processes, threads
        self.connection_limit, self.idle_timeout = connection_limit, idle_timeout
        self.on_ready = on_ready
        try:
            listening = socket.create_server((host, port), backlog=2048)
        except OSError as exc:
            hint = "; choose another port, or 0 for any free port" if port else ""
            raise ListenError(f"mock Spideo cannot listen on {host}:{port}: "
                              f"{exc.strerror or exc}{hint}") from None
        self.host, self.port = host, int(listening.getsockname()[1])
        self._fd = listening.detach()  # gunicorn takes the descriptor over (and closes it)
        super().__init__()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def load_config(self) -> None:
        """gunicorn's settings: threaded workers (keep-alive connections cost a thread
        only while a request is being answered), quiet logs, our socket."""
        settings: dict[str, Any] = {
            "bind": [f"fd://{self._fd}"],
            "workers": self.processes,
            "worker_class": "gthread",
            "threads": self.threads,
            "worker_connections": self.connection_limit,
            "keepalive": max(1, int(self.idle_timeout)),
            "timeout": 120,
            "graceful_timeout": 5,
            "accesslog": None,
            "loglevel": "warning",
            "proc_name": "spideo-sim-mock",
            "when_ready": lambda arbiter: self.on_ready and self.on_ready(),
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """The app of one worker, made in that worker after the fork."""
        return create_app(self.mock_config)

    def serve_forever(self) -> None:
        """Serve until SIGINT or SIGTERM stops gunicorn (its workers, then this).

        A worker's end is a SystemExit raised in the forked copy of this call: it exits
        here, so that none of the caller's clean-up (a temporary journal's removal) runs
        in a worker."""
        arbiter = os.getpid()
        try:
            self.run()
        except SystemExit as exc:
            if os.getpid() != arbiter:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(exc.code if isinstance(exc.code, int) else 1)
            if exc.code not in (0, None):
                raise
