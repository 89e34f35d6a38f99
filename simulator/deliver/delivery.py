"""Delivering messages the way Segment delivers to a direct destination.

- Routing: the `integrations` object is opt-out ({"All": true} by default); a message
  with {"Spideo": false}, or {"All": false} without {"Spideo": true}, is not sent.
  Types the destination does not accept are filtered unless `send_all`.
- Headers: Basic auth with the apiKey and a colon, X-Segment-Settings with the other
  settings, Content-Type, User-Agent Segment.io/1.0, Accept */*, keep-alive.
- Retries, as Segment publishes them: 5xx except 501 and 505, the 4xx 408, 410, 429 and
  460, connection errors and timeouts are retried with randomized ("full jitter")
  exponential backoff, honouring Retry-After, within a window (4 hours by default);
  501, 505 and every other 4xx are discarded.
- Every message ends with exactly one Outcome: delivered, discarded, filtered or failed.

Waiting goes through a Clock: real time compressed by a scale for simulations, or a
fake clock for tests. The bytes travel through a Transport: HTTP, or in-process to the
in-process mock (simulator.deliver.transports).
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson

from mock_spideo.segment import ACCEPTED_TYPES, destination_headers
from simulator.deliver.clocks import Clock, ScaledClock
from simulator.deliver.ledger import Ledger, Outcome
from simulator.deliver.transports import HttpTransport, Transport, TransportError

__all__ = ["Deliverer", "DeliveryInterrupted", "Destination", "Journey", "RetryPolicy", "route"]

_RETRIED_4XX = frozenset({408, 410, 429, 460})
_DROPPED_5XX = frozenset({501, 505})


class DeliveryInterrupted(Exception):
    """A delivery stopped before it had an outcome (its Deliverer was interrupted)."""

    def __init__(self, message: Any) -> None:
        super().__init__("delivery interrupted")
        self.message = message


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
        """Segment's classes ("Understanding Segment Retry Logic for HTTP Status Codes"):
        5xx is retried but 501 and 505; 4xx is dropped but 408, 410, 429 and 460."""
        if status >= 500:
            return status not in _DROPPED_5XX
        return status in _RETRIED_4XX

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
                 send_all: bool = False, interrupt: threading.Event | None = None,
                 transport: Transport | None = None) -> None:
        """`interrupt`, once set, stops every delivery before its next attempt (raising
        DeliveryInterrupted): a shutting-down server spools those messages instead."""
        self.destination = destination
        self.interrupt = interrupt
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
        """Deliver one message (retrying as Segment does, waiting in between) and return
        its outcome."""
        journey = self.start(message, body)
        if isinstance(journey, Outcome):
            return journey
        while True:
            if self.interrupt is not None and self.interrupt.is_set():
                raise DeliveryInterrupted(message)
            result = self.attempt(journey)
            if isinstance(result, Outcome):
                return result
            self.clock.sleep(result, self.interrupt)
            journey.waited += result

    def start(self, message: Any, body: bytes | None = None) -> Journey | Outcome:
        """A message about to be sent, or its outcome if Segment would not send it.
        With `attempt`, the steps of `deliver` for a caller that schedules the attempts
        itself (`spideo-sim load`'s Locust users)."""
        fields = message if isinstance(message, dict) else {}
        ident = (fields.get("messageId"), fields.get("type"),
                 fields.get("event") if isinstance(fields.get("event"), str) else None)
        reason = route(message, self.destination.name, self.send_all)
        if reason:
            return Outcome("filtered", *ident, message=reason)
        return Journey(message, body if body is not None else orjson.dumps(message), ident,
                        self.clock.now())

    def attempt(self, journey: Journey) -> Outcome | float:
        """One attempt: the outcome when it ends the message, else the seconds (of the
        clock) to wait before the next attempt."""
        journey.attempt += 1
        attempt, ident, waited = journey.attempt, journey.ident, journey.waited
        status, reply, retry_after, error = None, None, None, ""
        try:
            received = self.transport.post(journey.body, self._headers)
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
        if self.clock.now() + pause - journey.started > self.policy.window_s:
            return Outcome("failed", *ident, status, attempt,
                           text or f"retries exhausted after {attempt} attempts", code,
                           reply, waited)
        return pause

    def deliver_all(self, messages: Iterable[Any],
                    on_outcome: Callable[[Any, Outcome], None] | None = None) -> Ledger:
        """Deliver a stream with N workers; every message gets exactly one outcome.

        A message to retry waits in a queue of its own until its backoff is over, as
        Segment's retries do, while the stream goes on: a message the destination keeps
        refusing for hours holds up no other."""
        ledger = Ledger()
        lock = threading.Lock()
        retries = _RetryQueue()

        def settle(journey: Journey, result: Outcome | float) -> None:
            if isinstance(result, Outcome):
                with lock:
                    ledger.add(result)
                    if on_outcome:
                        on_outcome(journey.message, result)
            else:
                journey.waited += result
                retries.push(self.clock.now() + result, journey)

        def finished(future: Future[Outcome | float], journey: Journey) -> None:
            try:
                result = future.result()
            except Exception as exc:  # a bug must not lose the message: it fails, visibly
                result = Outcome("failed", *journey.ident, None, journey.attempt,
                                 message=f"delivery error: {type(exc).__name__}: {exc}")
            settle(journey, result)

        def started(message: Any) -> Journey | None:
            ledger.sent += 1
            journey = self.start(message)
            if isinstance(journey, Outcome):
                with lock:
                    ledger.add(journey)
                    if on_outcome:
                        on_outcome(message, journey)
                return None
            return journey

        stream = iter(messages)
        if self.workers == 1:
            for journey in self._schedule(stream, retries, started, lambda: False):
                settle(journey, self.attempt(journey))
            return ledger
        in_flight: set[Future[Outcome | float]] = set()
        attempts = threading.Condition()
        unsettled = [0]  # attempts submitted whose result is not settled yet

        def settled(future: Future[Outcome | float], journey: Journey) -> None:
            finished(future, journey)  # a retry is queued before the attempt counts as done
            with attempts:
                unsettled[0] -= 1
                attempts.notify_all()

        def awaited() -> bool:
            """False when no attempt is in flight; else wait for one to settle (or a
            moment: a queued retry may fall due meanwhile), and True."""
            with attempts:
                if unsettled[0] == 0:
                    return False
                attempts.wait(timeout=0.05)
                return True

        with ThreadPoolExecutor(self.workers, thread_name_prefix="delivery") as pool:
            for journey in self._schedule(stream, retries, started, awaited):
                with attempts:
                    unsettled[0] += 1
                future = pool.submit(self.attempt, journey)
                future.add_done_callback(partial(settled, journey=journey))
                in_flight.add(future)
                if len(in_flight) >= self.workers * 4:
                    in_flight = wait(in_flight, return_when=FIRST_COMPLETED).not_done
        return ledger

    def _schedule(self, stream: Iterator[Any], retries: _RetryQueue,
                  started: Callable[[Any], Journey | None], awaited: Callable[[], bool]
                  ) -> Iterator[Journey]:
        """The attempts to make, in order: a retry once it is due, else the stream's next
        message; once the stream is done, the retries as they fall due (waiting for
        them, or for attempts in flight, which may queue more: `awaited`)."""
        exhausted = False
        while True:
            due = retries.pop_due(self.clock.now())
            if due is not None:
                yield due
            elif not exhausted:
                message = next(stream, _END)
                if message is _END:
                    exhausted = True
                elif (journey := started(message)) is not None:
                    yield journey
            elif awaited():
                continue
            elif retries:
                self.clock.sleep(retries.next_due() - self.clock.now(), self.interrupt)
                if self.interrupt is not None and self.interrupt.is_set():
                    return
            else:
                return


_END = object()


@dataclass
class Journey:
    """A message on its way: its bytes, how many attempts so far, and since when."""

    message: Any
    body: bytes
    ident: tuple[Any, Any, Any]
    started: float
    attempt: int = 0
    waited: float = 0.0


class _RetryQueue:
    """Messages waiting for their next attempt, by when it is due (thread-safe)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Journey]] = []
        self._lock = threading.Lock()
        self._order = itertools.count()  # ties keep the order they were queued in

    def __bool__(self) -> bool:
        return bool(self._heap)

    def push(self, due: float, journey: Journey) -> None:
        with self._lock:
            heapq.heappush(self._heap, (due, next(self._order), journey))

    def next_due(self) -> float:
        with self._lock:
            return self._heap[0][0]

    def pop_due(self, now: float) -> Journey | None:
        with self._lock:
            if self._heap and self._heap[0][0] <= now:
                return heapq.heappop(self._heap)[2]
        return None
