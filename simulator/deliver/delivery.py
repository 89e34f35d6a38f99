"""Delivering messages the way Segment delivers to a direct destination.

- Routing: the `integrations` object is opt-out ({"All": true} by default); a message
  with {"Spideo": false}, or {"All": false} without {"Spideo": true}, is not sent.
  Types the destination does not accept are filtered unless `send_all`.
- Headers: Basic auth with the apiKey and a colon, X-Segment-Settings with the other
  settings, Content-Type, User-Agent Segment.io/1.0, Accept */*, keep-alive.
- Retries: 429, 408, 423, 5xx except 501, connection errors and timeouts are retried
  with randomized ("full jitter") exponential backoff, honouring Retry-After, within a
  window (4 hours by default); 400, 401, 403, 501 and other 4xx are discarded.
- Every message ends with exactly one Outcome: delivered, discarded, filtered or failed.

Waiting goes through a Clock: real time compressed by a scale for simulations, or a
fake clock for tests. The bytes travel through a Transport: HTTP, or in-process to the
in-process mock (simulator.deliver.transports).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson

from mock_spideo.segment import ACCEPTED_TYPES, destination_headers
from simulator.deliver.clocks import Clock, ScaledClock
from simulator.deliver.ledger import Ledger, Outcome
from simulator.deliver.transports import HttpTransport, Transport, TransportError

__all__ = ["Deliverer", "Destination", "RetryPolicy", "route"]


@dataclass(frozen=True)
class Destination:
    """A direct-destination endpoint and the settings Segment sends with each message."""

    url: str
    api_key: str
    client: str
    name: str = "Spideo"

    def headers(self) -> dict[str, str]:
        """The headers Segment sends with every message to this destination."""
        return destination_headers(self.api_key, {"client": self.client})


@dataclass(frozen=True)
class RetryPolicy:
    """Which answers are retried, and how long to wait between attempts."""

    window_s: float = 4 * 3600
    base_s: float = 1.0
    cap_s: float = 600.0
    timeout_s: float = 10.0

    @staticmethod
    def retryable(status: int) -> bool:
        return status in (408, 423, 429) or (status >= 500 and status != 501)

    def backoff(self, attempt: int, rng: random.Random, retry_after: float | None) -> float:
        """Seconds to wait after a failed attempt (1-based): full jitter, capped; a
        Retry-After header is a floor."""
        ceiling = min(self.cap_s, self.base_s * 2 ** (attempt - 1))
        wait_s = rng.uniform(ceiling / 2, ceiling)
        return max(wait_s, retry_after) if retry_after is not None else wait_s


def route(message: Any, destination: str = "Spideo", send_all: bool = False) -> str | None:
    """Why Segment would not send this message to the destination, or None to send it."""
    if not isinstance(message, dict):
        return None
    integrations = message.get("integrations")
    if isinstance(integrations, dict):
        named = integrations.get(destination)
        if named is False or (named is None and integrations.get("All", True) is False):
            return f"integrations object turns {destination} off"
        if isinstance(named, dict) and named.get("enabled") is False:
            return f"integrations object turns {destination} off"
    kind = message.get("type")
    if not send_all and kind not in ACCEPTED_TYPES:
        return f"{destination} does not accept '{kind}' calls"
    return None


def _retry_after(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None


def _reply(data: bytes) -> dict[str, Any] | None:
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    return body if isinstance(body, dict) else None


class Deliverer:
    """Sends messages to one destination with Segment's semantics, N at a time.

    The transport defaults to HTTP to `destination.url`; pass an InProcessTransport to
    reach an in-process mock without a socket."""

    def __init__(self, destination: Destination, *, policy: RetryPolicy | None = None,
                 clock: Clock | None = None, workers: int = 4, seed: int = 0,
                 send_all: bool = False, transport: Transport | None = None) -> None:
        self.destination = destination
        self.policy = policy or RetryPolicy()
        self.clock = clock or ScaledClock()
        self.workers = max(1, workers)
        self.send_all = send_all
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._headers = destination.headers()
        self.transport = transport or HttpTransport(
            destination.url, connections=self.workers, timeout_s=self.policy.timeout_s)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Deliverer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def deliver(self, message: Any, body: bytes | None = None) -> Outcome:
        """Deliver one message (retrying as Segment does) and return its outcome."""
        fields = message if isinstance(message, dict) else {}
        ident = (fields.get("messageId"), fields.get("type"),
                 fields.get("event") if isinstance(fields.get("event"), str) else None)
        reason = route(message, self.destination.name, self.send_all)
        if reason:
            return Outcome("filtered", *ident, message=reason)
        body = body if body is not None else orjson.dumps(message)
        started = self.clock.now()
        attempt, waited = 0, 0.0
        while True:
            attempt += 1
            status, reply, retry_after, error = None, None, None, ""
            try:
                received = self.transport.post(body, self._headers)
                status, reply = received.status, _reply(received.data)
                retry_after = _retry_after(received.retry_after)
            except TransportError as exc:
                error = str(exc)
            text = (reply or {}).get("message", error) if reply or error else ""
            code = (reply or {}).get("code")
            if status is not None and 200 <= status < 300:
                return Outcome("delivered", *ident, status, attempt, text, code, reply, waited)
            if status is not None and not self.policy.retryable(status):
                return Outcome("discarded", *ident, status, attempt, text, code, reply, waited)
            with self._rng_lock:
                pause = self.policy.backoff(attempt, self._rng, retry_after)
            if self.clock.now() + pause - started > self.policy.window_s:
                return Outcome("failed", *ident, status, attempt,
                               text or f"retries exhausted after {attempt} attempts", code,
                               reply, waited)
            self.clock.sleep(pause)
            waited += pause

    def deliver_all(self, messages: Iterable[Any],
                    on_outcome: Callable[[Any, Outcome], None] | None = None) -> Ledger:
        """Deliver a stream with N workers; every message gets exactly one outcome."""
        ledger = Ledger()
        lock = threading.Lock()

        def record(message: Any, outcome: Outcome) -> None:
            with lock:
                ledger.add(outcome)
                if on_outcome:
                    on_outcome(message, outcome)

        def finished(future: Future[Outcome], message: Any) -> None:
            try:
                outcome = future.result()
            except Exception as exc:  # a bug must not lose the message: it fails, visibly
                fields = message if isinstance(message, dict) else {}
                outcome = Outcome("failed", fields.get("messageId"), fields.get("type"),
                                  None, message=f"delivery error: {type(exc).__name__}: {exc}")
            record(message, outcome)

        if self.workers == 1:
            for message in messages:
                ledger.sent += 1
                record(message, self.deliver(message))
            return ledger
        in_flight: set[Future[Outcome]] = set()
        with ThreadPoolExecutor(self.workers, thread_name_prefix="delivery") as pool:
            for message in messages:
                ledger.sent += 1
                future = pool.submit(self.deliver, message)
                future.add_done_callback(partial(finished, message=message))
                in_flight.add(future)
                if len(in_flight) >= self.workers * 4:
                    in_flight = wait(in_flight, return_when=FIRST_COMPLETED).not_done
        return ledger
