"""POST /segment: the endpoint Segment delivers to, as a direct destination.

Order of checks (each refusal names its code): auth (Basic apiKey:), the
X-Segment-Settings header, the content type and size, the JSON body, injected faults,
then the mapping. Accepted messages are journaled once per messageId and client.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson
from flask import Blueprint, Response, request

from mock_spideo.engine.mapping import map_message
from mock_spideo.engine.problems import problem
from mock_spideo.http.context import current_record, current_state
from mock_spideo.http.faults import fault_answer
from mock_spideo.http.request_log import log_current_request
from mock_spideo.http.responses import ApiError, json_response
from mock_spideo.segment import BadCredentials, now_time, read_basic_key, read_settings
from mock_spideo.store.state import MockState

__all__ = ["blueprint"]

blueprint = Blueprint("destination", __name__)
_CREDENTIAL_PROBLEMS = {
    "missing": lambda: problem("missing_api_key"),
    "scheme": lambda: problem("bad_api_key", scope="any client (expected HTTP Basic auth)"),
    "encoding": lambda: problem("bad_api_key",
                                scope="any client (the Basic credentials are not base64)"),
}


def _authenticate(state: MockState) -> str:
    try:
        key = read_basic_key(request.headers.get("Authorization"))
    except BadCredentials as exc:
        raise ApiError(_CREDENTIAL_PROBLEMS[exc.reason]()) from None
    client = state.config.client_for_key(key)
    if client is None:
        raise ApiError(problem("bad_api_key", scope="any configured client"))
    settings = request.headers.get("X-Segment-Settings")
    if settings is not None:
        try:
            decoded = read_settings(settings)
        except ValueError as exc:  # binascii.Error and JSON errors are ValueErrors
            raise ApiError(problem("bad_settings_header", detail=str(exc)[:100])) from None
        given = decoded.get("client")
        if given is not None and given != client:
            raise ApiError(problem("client_mismatch", given=given, expected=client))
    return client


def _read_body(state: MockState) -> Any:
    content_type = request.mimetype or ""
    if content_type != "application/json":
        raise ApiError(problem("unsupported_media_type",
                               content_type=request.content_type or "none"))
    limit = state.config.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(problem("payload_too_large", size=f"{request.content_length} bytes",
                               limit=f"{limit} bytes"))
    body = current_record().body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise ApiError(problem("payload_too_large", size=f"more than {limit} bytes",
                               limit=f"{limit} bytes"))
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(problem("malformed_json", detail=str(exc)[:120])) from None


@blueprint.post("/segment")
def receive() -> Response:
    """Map one Segment message and journal what Spideo would record."""
    state = current_state()
    record = current_record()
    record.client = client = _authenticate(state)
    message = _read_body(state)
    answer = fault_answer(request.path, message)
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
    with state.journal.transaction() as db:
        if env.message_id is not None and not state.journal.first_sight(
                db, client, env.message_id):
            duplicate = problem("duplicate_message", message_id=env.message_id, client=client)
            record.problems, record.outcome = [duplicate], "duplicate"
            record.code = duplicate.code
            return json_response({"status": "duplicate", "code": duplicate.code,
                                  "message": duplicate.message})
        if interactions:
            state.journal.add_interactions(db, client, interactions, via="segment")
        if result.user_properties:
            state.journal.add_user_properties(db, client, result.user_properties)
        record.problems, record.outcome = warnings, result.outcome
        record.interactions = tuple(i.type for i in interactions)
        log_current_request(db, 200)
    if result.outcome == "ignored":
        return json_response({"status": "ignored", "code": result.code,
                              "message": result.message})
    return json_response({
        "status": "recorded",
        "rule": result.rule,
        "interactions": [i.to_dict() for i in interactions],
        "user_properties": [p.to_dict() for p in result.user_properties],
        "problems": [p.to_dict() for p in warnings],
    })
