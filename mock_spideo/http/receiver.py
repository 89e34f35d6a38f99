"""The request-handling core of POST /segment: every check, fault, mapping step and
journal write of one Segment delivery, without Flask's request context.

The Flask view (`mock_spideo.http.destination`) and the in-process transport
(`mock_spideo.http.inprocess`) both call `receive_segment`, so a message delivered in
process goes through exactly what it goes through over HTTP; only the transport differs.

Order of checks (each refusal names its code): auth (Basic apiKey:), the
X-Segment-Settings header, the content type and size, the JSON body, injected faults,
then the mapping. Accepted messages are journaled once per messageId and client; every
request, refused or not, lands in the request log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Protocol

import orjson
from werkzeug.http import parse_options_header

from mock_spideo.engine.mapping import map_message
from mock_spideo.engine.problems import Problem, problem
from mock_spideo.http.context import RequestRecord
from mock_spideo.http.faults import injected_answer
from mock_spideo.http.request_log import journal_request
from mock_spideo.http.responses import Answer, ApiError
from mock_spideo.segment import BadCredentials, now_time, read_basic_key, read_settings
from mock_spideo.store.state import MockState

__all__ = ["HeaderLookup", "SegmentRequest", "receive_segment"]

_CREDENTIAL_PROBLEMS = {
    "missing": lambda: problem("missing_api_key"),
    "scheme": lambda: problem("bad_api_key", scope="any client (expected HTTP Basic auth)"),
    "encoding": lambda: problem("bad_api_key",
                                scope="any client (the Basic credentials are not base64)"),
}
_mimetypes: dict[str, str] = {}


class HeaderLookup(Protocol):
    """Request headers, looked up by name whatever the case (Werkzeug's headers, or a
    dict with lower-case keys)."""

    def get(self, key: str, /) -> str | None: ...


@dataclass(slots=True)  # not frozen: one per request on the hot path, and frozen is slow
class SegmentRequest:
    """One POST to the destination endpoint, as the core needs it.

    `path` is what fault rules match (no query string); `logged_path` is what the
    request log shows (any apikey parameter masked); `read(n)` reads at most n bytes of
    the body, so that a refused request's body is never read, as over HTTP."""

    headers: HeaderLookup
    content_length: int | None
    read: Callable[[int], bytes]
    path: str = "/segment"
    logged_path: str = "/segment"
    method: str = "POST"


def receive_segment(state: MockState, record: RequestRecord, request: SegmentRequest) -> Answer:
    """Check, map and journal one Segment message; the answer Spideo would give."""
    try:
        answer = _receive(state, record, request)
    except ApiError as error:
        answer = _refused(record, error.problem, error.headers)
    except Exception as error:  # as the app's last resort: a bug answers 500, named
        answer = _refused(record, problem(
            "internal_error", detail=f"{type(error).__name__}: {error}"[:200]))
    if not record.logged:
        if answer.status >= 400 and not record.problems and record.refusal:
            record.problems = [record.refusal]
        with state.journal.transaction() as db:
            journal_request(state.journal, db, record, request.method, request.logged_path,
                            answer.status)
    return answer


def _refused(record: RequestRecord, found: Problem,
             headers: dict[str, str] | None = None) -> Answer:
    record.refusal = found
    record.outcome = record.outcome or "refused"
    return Answer.refusal(found, headers)


def _authenticate(state: MockState, headers: HeaderLookup) -> str:
    key, reason = _read_key(headers.get("authorization"))
    if reason is not None:
        raise ApiError(_CREDENTIAL_PROBLEMS[reason]())
    client = state.config.client_for_key(key or "")
    if client is None:
        raise ApiError(problem("bad_api_key", scope="any configured client"))
    settings = headers.get("x-segment-settings")
    if settings is not None:
        given, error = _settings_client(settings)
        if error is not None:
            raise ApiError(problem("bad_settings_header", detail=error))
        if given is not None and given != client:
            raise ApiError(problem("client_mismatch", given=given, expected=client))
    return client


# Every delivery repeats the same two headers: what they say is read once (the clients
# they name are looked up in the live config on every request).
@lru_cache(maxsize=256)
def _read_key(authorization: str | None) -> tuple[str | None, str | None]:
    """(the key, None), or (None, why BadCredentials)."""
    try:
        return read_basic_key(authorization), None
    except BadCredentials as exc:
        return None, exc.reason


@lru_cache(maxsize=256)
def _settings_client(header: str) -> tuple[Any, str | None]:
    """(the settings' client or None, None), or (None, why the header is unreadable)."""
    try:
        return read_settings(header).get("client"), None
    except ValueError as exc:  # binascii.Error and JSON errors are ValueErrors
        return None, str(exc)[:100]


def _mimetype(content_type: str) -> str:
    """The media type of a Content-Type header, lower case, as Werkzeug reads it."""
    found = _mimetypes.get(content_type)
    if found is None:
        found = parse_options_header(content_type)[0].lower()
        if len(_mimetypes) < 256:
            _mimetypes[content_type] = found
    return found


def _read_body(state: MockState, record: RequestRecord, request: SegmentRequest) -> Any:
    content_type = request.headers.get("content-type")
    if _mimetype(content_type or "") != "application/json":
        raise ApiError(problem("unsupported_media_type", content_type=content_type or "none"))
    limit = state.config.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(problem("payload_too_large", size=f"{request.content_length} bytes",
                               limit=f"{limit} bytes"))
    body = record.body = request.read(limit + 1)
    if len(body) > limit:
        raise ApiError(problem("payload_too_large", size=f"more than {limit} bytes",
                               limit=f"{limit} bytes"))
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(problem("malformed_json", detail=str(exc)[:120])) from None


def _receive(state: MockState, record: RequestRecord, request: SegmentRequest) -> Answer:
    record.client = client = _authenticate(state, request.headers)
    message = _read_body(state, record, request)
    answer = injected_answer(state, record, request.path, message)
    if answer is not None:
        return answer
    result = map_message(message, state.config.rules)
    env = result.envelope
    if env is not None:
        record.message_id, record.type, record.user_id = env.message_id, env.type, env.user_id
        record.event = env.event if isinstance(env.event, str) else None
        record.code = result.code
    if result.problem is not None:  # refused
        raise ApiError(result.problem)
    assert env is not None  # a message the mapping did not refuse has an envelope
    if result.interactions and not state.journal.is_tracked(client, env.user_id):
        raise ApiError(problem("user_not_tracked", user=env.user_id))
    warnings = state.unknown_content(client, result.interactions)
    errors = [p for p in warnings if p.severity == "error"]
    if errors:
        raise ApiError(errors[0])
    interactions = result.interactions
    if any(not i.timestamp for i in interactions):  # no time in the message: time received
        received = now_time()
        interactions = tuple(replace(i, timestamp=received) for i in interactions)
    journal = state.journal
    with journal.transaction() as db:
        if env.message_id is not None and not journal.first_sight(db, client, env.message_id):
            duplicate = problem("duplicate_message", message_id=env.message_id, client=client)
            record.problems, record.outcome = [duplicate], "duplicate"
            record.code = duplicate.code
            return Answer.json({"status": "duplicate", "code": duplicate.code,
                                "message": duplicate.message})
        if interactions:
            journal.add_interactions(db, client, interactions, via="segment")
        if result.user_properties:
            journal.add_user_properties(db, client, result.user_properties)
        record.problems, record.outcome = warnings, result.outcome
        record.interactions = tuple(i.type for i in interactions)
        journal_request(journal, db, record, request.method, request.logged_path, 200)
    if result.outcome == "ignored":
        return Answer.json({"status": "ignored", "code": result.code, "message": result.message})
    return Answer.json({
        "status": "recorded",
        "rule": result.rule,
        "interactions": [i.to_dict() for i in interactions],
        "user_properties": [p.to_dict() for p in result.user_properties],
        "problems": [p.to_dict() for p in warnings],
    })
