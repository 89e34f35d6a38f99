"""The request log: every request the mock answers, journaled with its problems, and,
for the UI's detail panel, its exchange (headers with keys masked, body, answer)."""

from __future__ import annotations

import base64
import sqlite3
from typing import Any

import orjson
from flask import Response, request

from mock_spideo.http.context import current_record, current_state
from mock_spideo.store.config import mask_key
from mock_spideo.store.journal import BODY_CAP

__all__ = ["log_current_request", "log_request", "masked_headers", "redacted_path"]

# Paths that are not traffic to Spideo: the admin API and the UI itself.
_NOT_LOGGED = ("/__admin", "/__ui")
_SECRET_WORDS = ("key", "token", "secret", "password")


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
    code = record.refusal.code if record.refusal else record.code
    if code is None and record.outcome == "fault" and record.problems:
        code = record.problems[0].code
    record.request_id = current_state().journal.add_request(
        db, method=request.method, path=redacted_path(), status=status,
        client=record.client, message_id=record.message_id, type_=record.type,
        event=record.event, outcome=record.outcome, problems=record.problems,
        duration_ms=record.elapsed_ms(), user_id=record.user, code=code,
        interactions=record.interactions)
    record.logged = True


def log_request(response: Response) -> Response:
    """after_request hook: journal every request its view did not journal itself, then
    its exchange when the UI keeps bodies."""
    record = current_record()
    state = current_state()
    if request.path.startswith(_NOT_LOGGED) or (state.config.ui and request.path == "/"):
        return response
    if not record.logged:
        if response.status_code >= 400 and not record.problems and record.refusal:
            record.problems = [record.refusal]
        with state.journal.transaction() as db:
            log_current_request(db, response.status_code)
    if state.config.ui and state.config.keep_bodies and record.request_id is not None:
        body, size = _body_seen(record.body)
        answer = b"" if response.is_streamed else response.get_data()
        state.journal.add_exchange(record.request_id, masked_headers(request.headers.items()),
                                   body, size, answer, response.mimetype,
                                   state.config.keep_bodies)
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


def masked_headers(headers: Any) -> dict[str, str]:
    """Request headers as shown to a person: API keys and tokens masked (the Basic
    credentials and X-Segment-Settings are decoded first, so that the key is visible
    to no one yet its shape is)."""
    out: dict[str, str] = {}
    for name, value in headers:
        lower = name.lower()
        if lower == "authorization":
            out[name] = _masked_authorization(value)
        elif lower == "x-segment-settings":
            out[name] = _masked_settings(value)
        elif any(word in lower for word in _SECRET_WORDS) or lower == "cookie":
            out[name] = mask_key(value)
        else:
            out[name] = value
    return out


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
