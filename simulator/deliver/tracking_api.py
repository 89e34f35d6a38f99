"""A local stand-in for Segment's HTTP Tracking API, so real Segment SDKs can drive the
simulation (the way Snowplow Micro stands in for Snowplow).

    POST /v1/track | identify | page | screen | group | alias | batch
    POST /v1/t | i | p | s | g | a | b   (analytics.js's short paths; /v1/m is accepted)

The write key comes as Basic auth (username, empty password) or `writeKey` in the body;
gzip bodies are accepted; limits are Segment's: 32 KB per message, 500 KB per request,
2,500 messages per batch, answered 400 with a JSON message. Each accepted message gets
messageId, receivedAt and a skew-corrected timestamp (timestamp = receivedAt - (sentAt -
originalTimestamp)), then goes through the same Segment delivery as `simulate` (routing,
retries, outcomes), in the background, as Segment does after answering 200.
"""

from __future__ import annotations

import threading
import time
import uuid
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
from flask import Blueprint, Flask, Response, current_app, jsonify, request
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from werkzeug.exceptions import HTTPException

from mock_spideo.segment import (
    MESSAGE_TYPES,
    BadCredentials,
    format_time,
    parse_time,
    read_basic_key,
    skew_corrected,
)
from simulator.deliver.delivery import DeliveryInterrupted
from simulator.deliver.ledger import Ledger, Outcome

__all__ = ["TrackingApi", "TrackingError", "create_tracking_app"]

MAX_MESSAGE = 32 * 1024
MAX_REQUEST = 500 * 1024
MAX_BATCH = 2500


class TrackingError(Exception):
    """A refusal: HTTP status, stable code, and a message an SDK user can act on."""

    def __init__(self, status: int, code: str, message: str,
                 retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.retry_after = retry_after


class TrackingApi:
    """Accepts messages like Segment and hands them to delivery on a background thread.

    The queue is bounded: when it is full, or when the API is shutting down, a request is
    answered 503 with Retry-After, as Segment's own API does under load, and the SDK
    sends it again later. Whatever is accepted is delivered or, at shutdown, handed back
    to be spooled: accepted = outcomes + handed back, always."""

    def __init__(self, write_key: str, deliver: Callable[[dict[str, Any]], Outcome],
                 on_outcome: Callable[[dict[str, Any], Outcome], None] | None = None,
                 max_queue: int = 10_000, retry_after_s: int = 5) -> None:
        self.write_key = write_key
        self._deliver = deliver
        self._on_outcome = on_outcome
        self.max_queue = max_queue
        self.retry_after_s = retry_after_s
        self.ledger = Ledger()
        self.refused_busy = 0  # requests answered 503 (full queue or shutting down)
        self.resent = 0  # messages a previous run spooled, accepted again
        self.spooled = 0  # messages handed back at shutdown, without an outcome
        self._queue: deque[dict[str, Any]] = deque()
        self._lock = threading.Condition()
        self._current: dict[str, Any] | None = None
        self._closing = False
        self._stopped = False
        self._worker = threading.Thread(target=self._work, name="tracking-delivery",
                                        daemon=True)
        self._worker.start()

    @property
    def queued(self) -> int:
        """Messages accepted and not yet delivered (the one in delivery included)."""
        with self._lock:
            return len(self._queue) + (self._current is not None)

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._stopped:
                    self._lock.wait()
                if self._stopped:
                    return
                message = self._current = self._queue.popleft()
            try:
                outcome = self._deliver(message)
            except DeliveryInterrupted:
                return  # shutdown: the message in hand is spooled with the rest
            except Exception as exc:  # a bug must not lose the message: it fails, visibly
                outcome = Outcome("failed", message.get("messageId"), message.get("type"),
                                  message.get("event"), message=f"delivery error: {exc}")
            with self._lock:
                self._current = None
                self.ledger.add(outcome)
                if self._on_outcome:
                    self._on_outcome(message, outcome)
                self._lock.notify_all()

    def accept(self, messages: list[dict[str, Any]], *, spooled: bool = False) -> None:
        """Queue messages for delivery, all or none: TrackingError 503 (with Retry-After)
        when the queue has no room for them or the API is shutting down. Spooled messages
        from an earlier run are always taken."""
        with self._lock:
            if self._closing:
                self.refused_busy += 1
                raise TrackingError(503, "shutting_down", "This Tracking API is shutting "
                                    "down; send the messages again later.", self.retry_after_s)
            if not spooled and len(self._queue) + len(messages) > self.max_queue:
                self.refused_busy += 1
                raise TrackingError(503, "queue_full", f"{len(self._queue)} messages wait for "
                                    f"delivery (the limit is {self.max_queue}); send these "
                                    "again later.", self.retry_after_s)
            self.ledger.sent += len(messages)
            self.resent += len(messages) if spooled else 0
            self._queue.extend(messages)
            self._lock.notify_all()

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every accepted message has an outcome; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self.ledger.total < self.ledger.sent:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    def shutdown(self, drain_timeout: float, interrupt: threading.Event | None = None
                 ) -> list[dict[str, Any]]:
        """Stop accepting (503 from now on), deliver what is queued for up to
        `drain_timeout` seconds, then stop and return every message still without an
        outcome, the one in delivery included (set `interrupt`, the deliverer's, to stop
        its retries), for the caller to spool."""
        with self._lock:
            self._closing = True
        self.flush(drain_timeout)
        if interrupt is not None:
            interrupt.set()
        with self._lock:
            self._stopped = True
            self._lock.notify_all()
        self._worker.join(timeout=30)
        with self._lock:
            rest = ([self._current] if self._current is not None else []) + list(self._queue)
            self._queue.clear()
            self._current = None
            self.spooled += len(rest)
        return rest

    def close(self) -> None:
        """Stop the delivery thread (what is still queued stays undelivered)."""
        with self._lock:
            self._closing = self._stopped = True
            self._lock.notify_all()
        self._worker.join(timeout=10)

    # --- one request -------------------------------------------------------------------

    def check_key(self, body: dict[str, Any]) -> None:
        try:
            key: Any = read_basic_key(request.headers.get("Authorization"))
        except BadCredentials:
            key = body.get("writeKey")
        if not key:
            raise TrackingError(401, "missing_write_key", "No write key: send it as the Basic "
                                "auth username (empty password) or as writeKey in the body.")
        if key != self.write_key:
            raise TrackingError(401, "bad_write_key", "This write key is not the source's "
                                "write key (see the banner of spideo-sim serve).")

    def read_body(self) -> dict[str, Any]:
        raw = request.get_data(cache=False)
        if len(raw) > MAX_REQUEST:
            raise TrackingError(400, "request_too_large",
                                f"The request is {len(raw)} bytes; the limit is 500 KB.")
        if request.headers.get("Content-Encoding", "").lower() == "gzip":
            try:
                raw = _gunzip(raw, MAX_REQUEST + 1)
            except (OSError, EOFError, zlib.error):
                raise TrackingError(400, "bad_gzip", "The body says gzip but is not gzip."
                                    ) from None
            if len(raw) > MAX_REQUEST:
                raise TrackingError(400, "request_too_large",
                                    "The uncompressed request is over the 500 KB limit.")
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise TrackingError(400, "invalid_json", f"The body is not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise TrackingError(400, "invalid_json", "The body must be a JSON object.")
        return dict(body)

    def prepare(self, message: Any, kind: str | None,
                index: int | None = None) -> dict[str, Any]:
        where = f"batch item {index}" if index is not None else "the message"
        if not isinstance(message, dict):
            raise TrackingError(400, "invalid_message", f"{where} is not a JSON object.")
        size = len(orjson.dumps(message))
        if size > MAX_MESSAGE:
            raise TrackingError(400, "message_too_large",
                                f"{where} is {size} bytes; the limit is 32 KB per message.")
        prepared: dict[str, Any] = {k: v for k, v in message.items() if k != "writeKey"}
        if kind:
            prepared["type"] = kind
        if prepared.get("type") not in MESSAGE_TYPES:
            raise TrackingError(400, "invalid_type",
                                f"{where} has type {prepared.get('type')!r}; use one of "
                                f"{', '.join(sorted(MESSAGE_TYPES))}.")
        if not (prepared.get("userId") or prepared.get("anonymousId")):
            raise TrackingError(400, "missing_user", f"{where} needs userId or anonymousId.")
        for name in ("context", "integrations"):
            value = prepared.get(name)
            if value is not None and not isinstance(value, dict):
                raise TrackingError(400, f"invalid_{name}", f"{where} has a '{name}' that is "
                                    f"not a JSON object ({type(value).__name__}).")
        return prepared

    def stamp(self, message: dict[str, Any], sent_at: Any,
              where: str = "the message") -> dict[str, Any]:
        """messageId, receivedAt and the skew-corrected timestamp, as Segment fills them;
        TrackingError when the correction leaves the calendar (years 1 to 9999)."""
        try:
            return self._stamp(message, sent_at)
        except OverflowError:
            raise TrackingError(400, "invalid_timestamp", f"{where}: its timestamp and sentAt "
                                "are too far apart to correct the clock skew "
                                f"({message.get('timestamp')!r}, "
                                f"{message.get('sentAt', sent_at)!r}).") from None

    def _stamp(self, message: dict[str, Any], sent_at: Any) -> dict[str, Any]:
        now = datetime.now(UTC)
        message.setdefault("messageId", str(uuid.uuid4()))
        message["receivedAt"] = format_time(now)
        original = parse_time(message.get("timestamp"))
        sent = parse_time(message.get("sentAt", sent_at))
        if original is None:
            message["timestamp"] = format_time(now)
            return message
        message["originalTimestamp"] = format_time(original)
        message["timestamp"] = format_time(skew_corrected(now, sent, original) if sent
                                           else original)
        if sent:
            message["sentAt"] = format_time(sent)
        return message


def _gunzip(data: bytes, limit: int) -> bytes:
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = decompressor.decompress(data, limit)
    if not decompressor.eof and len(out) < limit:
        raise EOFError("truncated gzip stream")
    return out


blueprint = Blueprint("tracking_api", __name__, url_prefix="/v1")


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _api() -> TrackingApi:
    api: TrackingApi = current_app.extensions["tracking_api"]
    return api


@blueprint.post("/batch")
@blueprint.post("/b")  # analytics.js (the browser SDK) batches to the short path
def batch() -> Response:
    api = _api()
    body = api.read_body()
    api.check_key(body)
    items = body.get("batch")
    if not isinstance(items, list) or not items:
        raise TrackingError(400, "invalid_batch", "A batch needs a non-empty 'batch' list.")
    if len(items) > MAX_BATCH:
        raise TrackingError(400, "batch_too_large",
                            f"The batch has {len(items)} messages; the limit is 2,500.")
    shared_context = _object(body.get("context"))
    shared_routing = _object(body.get("integrations"))
    prepared = []
    for index, item in enumerate(items):
        message = api.prepare(item, None, index)
        message["context"] = {**shared_context, **(message.get("context") or {})}
        message["integrations"] = {**shared_routing, **(message.get("integrations") or {})}
        prepared.append(api.stamp(message, body.get("sentAt"), f"batch item {index}"))
    api.accept(prepared)
    return jsonify({"success": True})


def _single(kind: str) -> Callable[[], Response]:
    def view() -> Response:
        api = _api()
        body = api.read_body()
        api.check_key(body)
        api.accept([api.stamp(api.prepare(body, kind), body.get("sentAt"))])
        return jsonify({"success": True})
    view.__name__ = f"single_{kind}"
    return view


for _kind in sorted(MESSAGE_TYPES):
    _view = _single(_kind)
    blueprint.add_url_rule(f"/{_kind}", view_func=_view, methods=["POST"])
    # analytics.js posts each call to the type's first letter: /v1/t, /v1/i, /v1/p, ...
    blueprint.add_url_rule(f"/{_kind[0]}", view_func=_view, methods=["POST"])


@blueprint.post("/m")
def metrics() -> Response:
    """analytics.js's own performance metrics: accepted and dropped, as they are not
    Segment messages (Segment's API accepts them for its own dashboards)."""
    return jsonify({"success": True})


def _cors(response: Response) -> Response:
    """Let a web page of any origin call the API, as Segment's does: every answer (errors
    included, so the SDK sees them) allows the page's origin, and a preflight allows the
    method and the headers it asks for (analytics.js sends Authorization)."""
    response.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin", "*")
    response.headers["Vary"] = "Origin"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        asked = request.headers.get("Access-Control-Request-Headers")
        if asked:
            response.headers["Access-Control-Allow-Headers"] = asked
        response.headers["Access-Control-Max-Age"] = "600"
    return response


class _ServeCollector(Collector):
    """The Tracking API's counts, read when Prometheus scrapes."""

    def __init__(self, api: TrackingApi) -> None:
        self.api = api

    def collect(self) -> Iterator[Metric]:
        api = self.api
        outcomes = CounterMetricFamily("spideo_serve_outcomes", "Messages delivered, "
                                       "discarded, filtered or failed", labels=["outcome"])
        for kind, count in sorted(api.ledger.outcomes.items()):
            outcomes.add_metric([kind], count)
        yield outcomes
        yield CounterMetricFamily("spideo_serve_accepted", "Messages accepted (answered 200)",
                                  value=api.ledger.sent)
        yield GaugeMetricFamily("spideo_serve_queued", "Messages waiting for delivery",
                                value=api.queued)
        yield CounterMetricFamily("spideo_serve_busy_refusals", "Requests answered 503 "
                                  "(queue full or shutting down)", value=api.refused_busy)
        yield CounterMetricFamily("spideo_serve_resent", "Spooled messages queued again",
                                  value=api.resent)
        yield CounterMetricFamily("spideo_serve_spooled", "Messages spooled at shutdown",
                                  value=api.spooled)


def create_tracking_app(api: TrackingApi) -> Flask:
    """The Tracking API as a Flask app around a TrackingApi (its key and delivery)."""
    app = Flask("tracking_api")
    app.extensions["tracking_api"] = api
    app.register_blueprint(blueprint)
    app.after_request(_cors)

    @app.errorhandler(TrackingError)
    def refused(error: TrackingError) -> Response:
        response = jsonify({"success": False, "code": error.code, "message": error.message})
        response.status_code = error.status
        if error.retry_after is not None:
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        response = jsonify({"success": False, "code": (error.name or "error").lower().replace(
            " ", "_"), "message": error.description or error.name})
        response.status_code = error.code or 400
        return response

    registry = CollectorRegistry()
    registry.register(_ServeCollector(api))

    @app.get("/metrics")
    def metrics() -> Response:
        """accepted, queued, outcomes, 503s, resent and spooled, for Prometheus."""
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)

    @app.get("/v1/stats")
    def stats() -> Response:
        ledger = api.ledger
        return jsonify({"accepted": ledger.sent, "outcomes": dict(ledger.outcomes),
                        "retries": ledger.retries})

    return app

