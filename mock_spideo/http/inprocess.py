"""A mock reached without a socket: the in-process transport's way into the app.

`InProcessEndpoint.post` hands the exact bytes and headers of a request to the same
application that serves HTTP. POST /segment goes straight to its request-handling core
(`mock_spideo.http.receiver`, which the Flask view calls too), skipping only Flask's
routing and the socket; any other request goes through the whole WSGI app. A dropped
connection (an injected fault) comes back as `dropped`, for the caller to treat as the
transport error a client would see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from io import BytesIO

from flask import Flask
from werkzeug.test import EnvironBuilder, run_wsgi_app

from mock_spideo.http.app import mock_state
from mock_spideo.http.context import RequestRecord
from mock_spideo.http.metrics import EXTENSION as METRICS
from mock_spideo.http.metrics import MockMetrics
from mock_spideo.http.receiver import SegmentRequest, receive_segment
from mock_spideo.http.request_log import keep_exchange

__all__ = ["InProcessEndpoint", "InProcessReply"]

_SEGMENT = "/segment"


@dataclass(slots=True)  # not frozen: one per request on the hot path, and frozen is slow
class InProcessReply:
    """What a client would have received: status, headers and body, or `dropped` when
    the mock cut the connection before the body."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    dropped: bool = False


class InProcessEndpoint:
    """One mock made by `create_app`, called in-process (thread-safe, as the app is)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.state = mock_state(app)
        self.metrics: MockMetrics = app.extensions[METRICS]

    def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> InProcessReply:
        """POST `body` with `headers` to `path` (and its query string, if any)."""
        if path != _SEGMENT:
            return self._through_wsgi(path, body, headers)
        reader = BytesIO(body)
        request = SegmentRequest(headers={name.lower(): value for name, value in headers.items()},
                                 content_length=len(body), read=reader.read)
        record = RequestRecord()
        answer = receive_segment(self.state, record, request)
        self.metrics.count("destination", record, answer.status)
        if record.request_id is not None and self.state.config.ui:
            keep_exchange(self.state, record, headers.items(), body, len(body),
                          b"" if answer.dropped else answer.body, "application/json")
        return InProcessReply(answer.status, b"" if answer.dropped else answer.body,
                              {"Content-Type": "application/json", **answer.headers},
                              answer.dropped)

    def _through_wsgi(self, path: str, body: bytes, headers: Mapping[str, str]) -> InProcessReply:
        environ = EnvironBuilder(path=path, method="POST", data=body,
                                 headers=list(headers.items())).get_environ()
        chunks, status, answer_headers = run_wsgi_app(self.app, environ, buffered=True)
        data = b"".join(chunks)
        promised = answer_headers.get("Content-Length")
        dropped = promised is not None and promised.isdigit() and int(promised) > len(data)
        return InProcessReply(int(status.split(" ", 1)[0]), data, dict(answer_headers),
                              dropped)
