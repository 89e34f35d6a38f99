"""Spec-valid Segment messages: the common fields of every call, filled consistently.

Times follow Segment's clock-skew correction: with true event time t, device clock skew
s, send delay d and network latency L,

    originalTimestamp = t + s      sentAt = t + d + s      receivedAt = t + d + L
    timestamp = receivedAt - (sentAt - originalTimestamp) = t + L
"""

from __future__ import annotations

import hashlib
import uuid
from contextlib import suppress
from typing import Any

from mock_spideo.segment import canonical_key, parse_iso_ms, skew_corrected
from mock_spideo.version import __version__
from simulator.generate.timefmt import iso_times

__all__ = ["DEFAULT_TIME", "complete_message", "message_times", "stamp"]

DEFAULT_TIME = "2025-01-06T12:00:00.000Z"
_LIBRARY_CONTEXT = {"library": {"name": "spideo-sim", "version": __version__}}


def message_times(t: int, skew: int = 0, delay: int = 0,
                  latency: int = 0) -> tuple[int, int, int, int]:
    """(timestamp, originalTimestamp, sentAt, receivedAt) in epoch ms, from the true
    event time t, the device's clock skew, the send delay and the network latency."""
    original, sent, received = t + skew, t + delay + skew, t + delay + latency
    return skew_corrected(received, sent, original), original, sent, received


def stamp(message: dict[str, Any], t: int, skew: int = 0, delay: int = 0,
          latency: int = 0) -> dict[str, Any]:
    """Set the four times of a message from true event time t (all in epoch ms)."""
    (message["timestamp"], message["originalTimestamp"], message["sentAt"],
     message["receivedAt"]) = iso_times(*message_times(t, skew, delay, latency))
    return message


def complete_message(partial: dict[str, Any], index: int = 0) -> dict[str, Any]:
    """A full message from a partial one: fields left out are filled deterministically.

    Scenario files give only what matters ("type", "event", "properties", a user); this
    fills messageId (a hash of the content and position), the four times (from
    `timestamp` if given, else DEFAULT_TIME), context, integrations and version. Fields
    given, in any casing, are kept as they are.
    """
    message = dict(partial)
    present = {canonical_key(k) for k in message if isinstance(k, str)}
    if "messageid" not in present:
        digest = hashlib.sha256(f"{index}:{sorted(map(str, message.items()))}".encode())
        message["messageId"] = str(uuid.UUID(bytes=digest.digest()[:16], version=4))
    times = [k for k in ("timestamp", "originaltimestamp", "sentat", "receivedat")
             if k in present]
    if not times:
        stamp(message, parse_iso_ms(DEFAULT_TIME) + index * 1000)
    elif "timestamp" in present and len(times) == 1:
        base = next(v for k, v in message.items() if canonical_key(k) == "timestamp")
        if isinstance(base, str):
            with suppress(ValueError):  # an unparseable timestamp is kept for the mock to refuse
                stamp(message, parse_iso_ms(base))
    if "context" not in present:
        message["context"] = {"library": dict(_LIBRARY_CONTEXT["library"])}
    if "integrations" not in present:
        message["integrations"] = {}
    if "version" not in present:
        message["version"] = 2
    return message
