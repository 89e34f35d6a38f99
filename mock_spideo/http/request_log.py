"""The request log: every request the mock answers, journaled with its problems."""

from __future__ import annotations

import sqlite3

from flask import Response, request

from mock_spideo.http.context import current_record, current_state
from mock_spideo.http.metrics import count_request

__all__ = ["log_current_request", "log_request", "redacted_path"]


def redacted_path() -> str:
    """The request path with any apikey query parameter masked."""
    if not request.query_string:
        return request.path
    parts = [f"{name}={'***' if name.lower() == 'apikey' else value}"
             for name, value in request.args.items(multi=True)]
    return f"{request.path}?{'&'.join(parts)}"


def log_current_request(db: sqlite3.Connection, status: int) -> None:
    """Journal the current request inside the caller's transaction."""
    record = current_record()
    current_state().journal.add_request(
        db, method=request.method, path=redacted_path(), status=status,
        client=record.client, message_id=record.message_id, type_=record.type,
        event=record.event, outcome=record.outcome, problems=record.problems,
        duration_ms=record.elapsed_ms(), user_id=record.user_id)
    record.logged = True


def log_request(response: Response) -> Response:
    """after_request hook: count every request, and journal every request its view did
    not journal itself (but /__admin's and /metrics')."""
    record = current_record()
    if response.status_code >= 400 and not record.problems and record.refusal:
        record.problems = [record.refusal]
    count_request(record, response.status_code)
    if record.logged or request.blueprint in ("admin", "metrics"):
        return response
    with current_state().journal.transaction() as db:
        log_current_request(db, response.status_code)
    return response
