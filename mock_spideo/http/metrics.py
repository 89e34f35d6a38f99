"""GET /metrics: the mock's counters in Prometheus text format (prometheus_client).

Requests by surface and status, outcomes, interactions by type, problems by code, a
request latency histogram, and the journal's size. Each app has its own registry, so
several mocks in one process (tests, shards) never mix their numbers. With an admin
token, /metrics needs it too (Prometheus scrapers send bearer tokens).
"""

from __future__ import annotations

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
        self.requests.labels(surface, str(status)).inc()
        self.latency.labels(surface).observe(record.elapsed_ms() / 1000)
        if surface == "destination" and record.outcome:
            self.outcomes.labels(record.outcome).inc()
        for kind in record.interactions:
            self.interactions.labels(kind).inc()
        for found in record.problems:
            self.problems.labels(found.code).inc()


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
