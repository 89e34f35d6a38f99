"""The Segment envelope: the common fields every message carries, read in any casing.

Both the direct-destination endpoint and the mapping start here, so a message is judged
the same way wherever it arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mock_spideo.engine.problems import Problem, problem
from mock_spideo.segment import TIME_FIELDS, canonical_key, format_time, parse_time

__all__ = ["Envelope", "envelope_fields", "read_envelope"]

_ENVELOPE_FIELDS = {
    canonical_key(name): name
    for name in ("type", "event", "userId", "anonymousId", "messageId", "properties",
                 "traits", "context", "integrations", "name", *TIME_FIELDS)
}
MAX_MESSAGE_ID = 100


@dataclass(frozen=True, slots=True)
class Envelope:
    """The common fields of a message, under Segment's own names."""

    fields: dict[str, Any]
    type: str
    user_id: str
    anonymous: bool
    message_id: str | None
    event_time: str | None

    @property
    def event(self) -> Any:
        return self.fields.get("event")


def envelope_fields(message: dict[str, Any]) -> dict[str, Any]:
    """The top-level fields under Segment's names (userId for user_id, ...); first wins."""
    out: dict[str, Any] = {}
    for key, value in message.items():
        name = _ENVELOPE_FIELDS.get(canonical_key(key), key) if isinstance(key, str) else key
        out.setdefault(name, value)
    return out


def _as_id(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None


def read_envelope(message: Any) -> Envelope | Problem:
    """The envelope of a message, or the first problem that makes it unreadable.

    Checks, each with a stable code: a JSON object, a type, a user (userId or
    anonymousId), a messageId of at most 100 characters, parseable timestamps.
    """
    if not isinstance(message, dict):
        return problem("malformed_json", detail=f"got a JSON {_json_kind(message)}")
    fields = envelope_fields(message)
    kind = fields.get("type")
    if not isinstance(kind, str) or not kind:
        return problem("missing_type")
    user = _as_id(fields.get("userId"))
    anonymous = user is None
    if anonymous:
        user = _as_id(fields.get("anonymousId"))
    if user is None:
        return problem("missing_user")
    message_id = fields.get("messageId")
    if message_id is not None:
        message_id = str(message_id)
        if len(message_id) > MAX_MESSAGE_ID:
            return problem("message_id_too_long", length=len(message_id))
    times: dict[str, datetime] = {}
    for name in TIME_FIELDS:
        if name in fields and fields[name] is not None:
            parsed = parse_time(fields[name])
            if parsed is None:
                return problem("bad_timestamp", field=name, value=repr(fields[name])[:80])
            times[name] = parsed
    event_time = next((times[name] for name in TIME_FIELDS if name in times), None)
    return Envelope(
        fields=fields,
        type=kind,
        user_id=user,
        anonymous=anonymous,
        message_id=message_id,
        event_time=format_time(event_time) if event_time else None,
    )


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return type(value).__name__
