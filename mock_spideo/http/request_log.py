"""The request log: every request the mock answers, journaled with its problems, and,
for the UI's detail panel, its exchange (headers with keys masked, body, answer)."""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

import orjson
from flask import Response, request

from mock_spideo.http.context import RequestRecord, current_record, current_state
from mock_spideo.http.metrics import count_request
from mock_spideo.store.config import mask_key
from mock_spideo.store.journal import BODY_CAP, Journal
from mock_spideo.store.state import MockState

__all__ = ["journal_request", "keep_exchange", "log_current_request", "log_request",
           "masked_headers", "redacted_path"]

# Paths that are not traffic to Spideo: the admin API and the UI itself.
_NOT_LOGGED = ("/__admin", "/__ui")
_SECRET_WORDS = ("key", "token", "secret", "password")
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "x-segment-settings",
                             "cookie"})


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
    code = record.refusal.code if record.refusal else record.code
    if code is None and record.outcome == "fault" and record.problems:
        code = record.problems[0].code
    record.request_id = journal.add_request(
        db, method=method, path=path, status=status, client=record.client,
        message_id=record.message_id, type_=record.type, event=record.event,
        outcome=record.outcome, problems=record.problems, duration_ms=record.elapsed_ms(),
        user_id=record.user_id, code=code, interactions=record.interactions)
    record.logged = True


def log_current_request(db: sqlite3.Connection, status: int) -> None:
    """Journal the current Flask request inside the caller's transaction."""
    journal_request(current_state().journal, db, current_record(), request.method,
                    redacted_path(), status)


def keep_exchange(state: MockState, record: RequestRecord, headers: Iterable[tuple[str, str]],
                  body: bytes, body_size: int, answer: bytes, answer_type: str | None) -> None:
    """Keep a journaled request's exchange for the UI's detail panel (when the UI is on
    and keeps bodies), headers masked: over HTTP and in-process alike."""
    if state.config.ui and state.config.keep_bodies and record.request_id is not None:
        state.journal.add_exchange(record.request_id, masked_headers(headers), body,
                                   body_size, answer, answer_type, state.config.keep_bodies)


def log_request(response: Response) -> Response:
    """after_request hook: count every request; journal every request its view did not
    journal itself (not /__admin's, /__ui's, /metrics' or the UI page's), then its
    exchange when the UI keeps bodies."""
    record = current_record()
    state = current_state()
    if response.status_code >= 400 and not record.problems and record.refusal:
        record.problems = [record.refusal]
    count_request(record, response.status_code)
    if request.path.startswith(_NOT_LOGGED) or request.blueprint == "metrics" or (
            state.config.ui and request.path == "/" and request.method in ("GET", "HEAD")):
        return response
    if not record.logged:
        with state.journal.transaction() as db:
            log_current_request(db, response.status_code)
    if state.config.ui and state.config.keep_bodies and record.request_id is not None:
        body, size = _body_seen(record.body)
        keep_exchange(state, record, _environ_headers(request.environ), body, size,
                      b"" if response.is_streamed else response.get_data(), response.mimetype)
    return response


def _body_seen(read: bytes | None) -> tuple[bytes, int]:
    """The request body (as the view read it, else at most BODY_CAP bytes of it) and its
    size: a body larger than that is never read into memory just to be shown."""
    if read is not None:
        return read, len(read)
    size = request.content_length
    if size is None or size > BODY_CAP:
        return b"", size or 0
    return request.get_data(cache=True), size


def masked_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Request headers as shown to a person: API keys and tokens masked (the Basic
    credentials and X-Segment-Settings are decoded first, so that the key is visible
    to no one yet its shape is)."""
    return {name: _masked(name.lower(), value) if _secret(name) else value
            for name, value in headers}


def _environ_headers(environ: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The request's headers straight from the WSGI environ (cheaper than Werkzeug's
    EnvironHeaders, which this runs on every request for)."""
    for key, value in environ.items():
        name = _header_name(key)
        if name is not None:
            yield name, value


@lru_cache(maxsize=512)
def _header_name(key: str) -> str | None:
    if key.startswith("HTTP_"):
        return key[5:].replace("_", "-").title()
    return key.replace("_", "-").title() if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else None


@lru_cache(maxsize=512)
def _secret(name: str) -> bool:
    lower = name.lower()
    return lower in _SECRET_HEADERS or any(word in lower for word in _SECRET_WORDS)


@lru_cache(maxsize=256)  # a source sends the same credentials on every request
def _masked(lower: str, value: str) -> str:
    if lower in ("authorization", "proxy-authorization"):
        return _masked_authorization(value)
    if lower == "x-segment-settings":
        return _masked_settings(value)
    return mask_key(value)


def _masked_authorization(value: str) -> str:
    scheme, _, credentials = value.partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except ValueError:
            return f"Basic {mask_key(credentials)} (not base64)"
        user, _, password = decoded.partition(":")
        shown = mask_key(user) + (f":{mask_key(password)}" if password else ":")
        return f"Basic base64({shown})"
    return f"{scheme} {mask_key(credentials)}" if credentials else mask_key(value)


def _masked_settings(value: str) -> str:
    try:
        settings = orjson.loads(base64.b64decode(value, validate=True))
    except ValueError:
        return mask_key(value)
    if not isinstance(settings, dict):
        return mask_key(value)
    shown = {k: mask_key(str(v)) if any(w in str(k).lower() for w in _SECRET_WORDS) else v
             for k, v in settings.items()}
    return "base64(" + orjson.dumps(shown).decode() + ")"
