"""GET /metrics: the mock's counters in Prometheus text format (prometheus_client).

Requests by surface and status, outcomes, interactions by type, problems by code, a
request latency histogram, and the journal's size. Each app has its own registry, so
several mocks in one process (tests, shards) never mix their numbers. With an admin
token, /metrics needs it too (Prometheus scrapers send bearer tokens).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from mock_spideo.http.admin import require_admin_token
from mock_spideo.http.context import RequestRecord, current_state

__all__ = ["EXTENSION", "MockMetrics", "blueprint", "count_request"]

EXTENSION = "mock_spideo.metrics"
blueprint = Blueprint("metrics", __name__)
blueprint.before_request(require_admin_token)


class MockMetrics:
    """The metrics of one mock, in a registry of their own."""

    def __init__(self, app: Flask) -> None:
        self.registry = CollectorRegistry()
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}
        self.requests = Counter("spideo_requests", "Requests answered, by surface and status",
                                ["surface", "status"], registry=self.registry)
        self.outcomes = Counter("spideo_outcomes", "Messages on /segment, by outcome",
                                ["outcome"], registry=self.registry)
        self.interactions = Counter("spideo_interactions", "Interactions recorded, by type",
                                    ["type"], registry=self.registry)
        self.problems = Counter("spideo_problems", "Problems reported, by code", ["code"],
                                registry=self.registry)
        self.latency = Histogram("spideo_request_duration_seconds",
                                 "Time to answer a request, by surface", ["surface"],
                                 registry=self.registry)
        journal = Gauge("spideo_journal_bytes", "Bytes the journal's database occupies",
                        registry=self.registry)
        journal.set_function(lambda: _journal_bytes(app))

    def count(self, surface: str, record: RequestRecord, status: int) -> None:
        """Count one answered request of a surface (a blueprint's name); no Flask: the
        in-process endpoint counts its POST /segment requests here too."""
        child = self._child
        child(self.requests, surface, str(status)).inc()
        child(self.latency, surface).observe(record.elapsed_ms() / 1000)
        if surface == "destination" and record.outcome:
            child(self.outcomes, record.outcome).inc()
        for kind in record.interactions:
            child(self.interactions, kind).inc()
        for found in record.problems:
            child(self.problems, found.code).inc()

    def _child(self, metric: Any, *labels: str) -> Any:
        """`metric.labels(*labels)`, looked up once per label set: prometheus_client's
        own lookup takes a lock and checks the labels on every call, which the in-process
        transport pays on every message."""
        key = (id(metric), labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*labels)
        return found


def _journal_bytes(app: Flask) -> float:
    with app.app_context():
        return float(current_state().journal.size_bytes())


def _metrics() -> MockMetrics:
    metrics: MockMetrics = current_app.extensions[EXTENSION]
    return metrics


def count_request(record: RequestRecord, status: int) -> None:
    """Count the current Flask request (called for every request, /__admin included)."""
    _metrics().count(request.blueprint or "other", record, status)


@blueprint.get("/metrics")
def metrics() -> Response:
    """Every counter of this mock, for a Prometheus scraper."""
    return Response(generate_latest(_metrics().registry), mimetype=CONTENT_TYPE_LATEST)
