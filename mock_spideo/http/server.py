"""Serving a WSGI app under waitress (a production server), in the foreground or in a
background thread on a free port for tests and in-process simulations."""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Any

from waitress import create_server, wasyncore

from mock_spideo.errors import SpideoSimError

__all__ = ["DEFAULT_CONNECTIONS", "DEFAULT_HOST", "DEFAULT_IDLE_TIMEOUT", "STOPPING",
           "ListenError", "LiveServer"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_CONNECTIONS = 1000
DEFAULT_IDLE_TIMEOUT = 10.0
STOPPING = "spideo_sim.stopping"  # environ key: a threading.Event set when serving stops
# waitress warns on every queued request under load; a mock under test is meant to queue.
logging.getLogger("waitress.queue").setLevel(logging.ERROR)


class ListenError(SpideoSimError, OSError):
    """A server that cannot listen: the address is busy, not allowed or not local."""


class LiveServer:
    """A WSGI app served by waitress in a background thread.

        with LiveServer(create_app()) as server:
            httpx.post(server.url + "/segment", ...)

    Port 0 picks a free port. Binds 127.0.0.1 unless told otherwise.
    """

    def __init__(self, app: Any, host: str = DEFAULT_HOST, port: int = 0, threads: int = 8,
                 connection_limit: int = DEFAULT_CONNECTIONS,
                 idle_timeout: float = DEFAULT_IDLE_TIMEOUT, name: str = "mock Spideo") -> None:
        """`connection_limit` open connections at most (idle and slow ones cost no thread:
        waitress reads them asynchronously); a connection silent for `idle_timeout`
        seconds is closed, so idle and slow clients cannot hold the server."""
        self.app = app
        self._stopping = threading.Event()
        try:
            self._server = create_server(
                self._serve, host=host, port=port, threads=threads,
                connection_limit=connection_limit, channel_timeout=idle_timeout,
                cleanup_interval=max(0.5, idle_timeout / 4),
                asyncore_use_poll=True,  # select() cannot watch more than 1,024 sockets
                # read on during a response, so that a closed client is seen at once
                # (environ's client_disconnected)
                channel_request_lookahead=1,
                ident="spideo-sim", clear_untrusted_proxy_headers=True)
        except OSError as exc:
            hint = "; choose another port, or 0 for any free port" if port else ""
            raise ListenError(f"{name} cannot listen on {host}:{port}: "
                              f"{exc.strerror or exc}{hint}") from None
        self.host = host
        self.port: int = self._server.effective_port
        self._thread: threading.Thread | None = None

    def _serve(self, environ: dict[str, Any], start_response: Any) -> Any:
        """The app, told through environ[STOPPING] when the server stops, so that a
        long response (the UI's live feed) ends instead of holding a thread."""
        environ[STOPPING] = self._stopping
        return self.app(environ, start_response)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LiveServer:
        self._thread = threading.Thread(target=self._loop, name=f"waitress:{self.port}",
                                        daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        """waitress's event loop, one short poll at a time so that stop() is prompt; the
        sockets (keep-alive connections included) are closed here, in the loop's thread."""
        server = self._server
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=0.1, map=server._map, count=1)
        finally:
            self._stopping.set()  # also on Ctrl-C in serve_forever
            server.task_dispatcher.shutdown(timeout=5)
            wasyncore.close_all(server._map)

    def stop(self) -> None:
        """Stop serving and close every socket; safe to call twice."""
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join(timeout=10)
        self._thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (Ctrl-C raises KeyboardInterrupt
        here, after every socket is closed)."""
        self._loop()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
