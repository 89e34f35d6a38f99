"""The request log: every request the mock answers, journaled with its problems."""

from __future__ import annotations

import sqlite3

from flask import Response, request

from mock_spideo.http.context import RequestRecord, current_record, current_state
from mock_spideo.store.journal import Journal

__all__ = ["journal_request", "log_current_request", "log_request", "redacted_path"]


def redacted_path() -> str:
    """The request path with any apikey query parameter masked."""
    if not request.query_string:
        return request.path
    parts = [f"{name}={'***' if name.lower() == 'apikey' else value}"
             for name, value in request.args.items(multi=True)]
    return f"{request.path}?{'&'.join(parts)}"


def journal_request(journal: Journal, db: sqlite3.Connection, record: RequestRecord,
                    method: str, path: str, status: int) -> None:
    """Journal one request's record inside the caller's transaction (no Flask: the
    request-handling core of POST /segment calls it too)."""
    journal.add_request(
        db, method=method, path=path, status=status, client=record.client,
        message_id=record.message_id, type_=record.type, event=record.event,
        outcome=record.outcome, problems=record.problems, duration_ms=record.elapsed_ms())
    record.logged = True


def log_current_request(db: sqlite3.Connection, status: int) -> None:
    """Journal the current Flask request inside the caller's transaction."""
    journal_request(current_state().journal, db, current_record(), request.method,
                    redacted_path(), status)


def log_request(response: Response) -> Response:
    """after_request hook: journal every request its view did not journal itself."""
    record = current_record()
    if record.logged or request.path.startswith("/__admin"):
        return response
    if response.status_code >= 400 and not record.problems and record.refusal:
        record.problems = [record.refusal]
    with current_state().journal.transaction() as db:
        log_current_request(db, response.status_code)
    return response
