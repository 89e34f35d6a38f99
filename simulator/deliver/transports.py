"""How a delivery reaches its destination: over HTTP, or in-process.

- `HttpTransport`: a urllib3 keep-alive pool, a connection per worker, for any URL.
- `InProcessTransport`: the in-process mock's app called without a socket
  (`mock_spideo.InProcessEndpoint`): the same request bytes and headers go through the
  same request-handling core as over HTTP, only the socket is skipped. A dropped
  connection and an answer slower than the timeout become transport errors, as they are
  over HTTP.

Both return a `Received` or raise `TransportError`, so the Deliverer's routing, retries
and outcomes are the same whichever transport carries the bytes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal, Protocol

import urllib3

from mock_spideo import InProcessEndpoint

__all__ = ["TRANSPORTS", "HttpTransport", "InProcessTransport", "Received", "Transport",
           "TransportError", "TransportName"]

TransportName = Literal["inprocess", "http"]
TRANSPORTS: tuple[TransportName, ...] = ("inprocess", "http")


class TransportError(Exception):
    """No answer came back: connection refused or dropped, or a timeout (retryable)."""


@dataclass(slots=True)  # not frozen: one per attempt on the hot path, and frozen is slow
class Received:
    """What the deliverer reads from an answer: its status, body and Retry-After."""

    status: int
    data: bytes
    retry_after: str | None = None


class Transport(Protocol):
    """Carries one POST of a message to the destination."""

    def post(self, body: bytes, headers: dict[str, str]) -> Received: ...

    def close(self) -> None: ...


class HttpTransport:
    """POST over HTTP to `url` with a keep-alive pool (urllib3: fast and thread-safe)."""

    def __init__(self, url: str, *, connections: int = 4, timeout_s: float = 10.0) -> None:
        self.url = url
        self._http = urllib3.PoolManager(
            num_pools=4, maxsize=max(1, connections), block=True, retries=False,
            timeout=urllib3.Timeout(total=timeout_s))

    def post(self, body: bytes, headers: dict[str, str]) -> Received:
        try:
            response = self._http.request("POST", self.url, body=body, headers=headers,
                                          redirect=False)
        except urllib3.exceptions.HTTPError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from None
        return Received(response.status, response.data, response.headers.get("Retry-After"))

    def close(self) -> None:
        self._http.clear()


class InProcessTransport:
    """POST to an in-process mock's `path`, through the same core as over HTTP."""

    def __init__(self, endpoint: InProcessEndpoint, path: str = "/segment", *,
                 timeout_s: float = 10.0) -> None:
        self.endpoint = endpoint
        self.path = path
        self.timeout_s = timeout_s

    def post(self, body: bytes, headers: dict[str, str]) -> Received:
        started = time.monotonic()
        reply = self.endpoint.post(self.path, body, headers)
        if reply.dropped:
            raise TransportError("ProtocolError: Connection broken: the mock dropped the "
                                 "connection before its answer (in-process)")
        if time.monotonic() - started > self.timeout_s:  # a client would have given up
            raise TransportError(f"ReadTimeoutError: no answer within {self.timeout_s:g} s "
                                 "(in-process)")
        return Received(reply.status, reply.body, reply.headers.get("Retry-After"))

    def close(self) -> None:
        """Nothing to close: the app belongs to whoever made it."""
