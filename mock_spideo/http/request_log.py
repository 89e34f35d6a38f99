"""The request log: every request the mock answers, journaled with its problems."""

from __future__ import annotations

import sqlite3
import time

from flask import Response, g, request

from mock_spideo.store.state import current_state

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
    event = g.get("event")
    current_state().journal.add_request(
        db, method=request.method, path=redacted_path(), status=status,
        client=g.get("client"), message_id=g.get("message_id"), type_=g.get("type"),
        event=event if isinstance(event, str) else None, outcome=g.get("outcome") or "",
        problems=g.get("problems") or [],
        duration_ms=(time.perf_counter() - g.get("started", time.perf_counter())) * 1000)
    g.logged = True


def log_request(response: Response) -> Response:
    """after_request hook: journal every request its view did not journal itself."""
    if g.get("logged") or request.path.startswith("/__admin"):
        return response
    if response.status_code >= 400 and not g.get("problems") and g.get("problem"):
        g.problems = [g.problem]
    with current_state().journal.transaction() as db:
        log_current_request(db, response.status_code)
    return response
