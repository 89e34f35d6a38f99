"""Fast ISO-8601 timestamps for generated messages (milliseconds since the epoch in)."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["iso", "parse_iso_ms"]

_seconds: dict[int, str] = {}
_MILLIS = tuple(f".{n:03d}Z" for n in range(1000))


def iso(ms: int) -> str:
    """'2025-01-06T19:04:05.123Z' for a time in epoch milliseconds (UTC).

    Hot: called four times per generated message, so whole seconds are cached."""
    second = ms // 1000
    prefix = _seconds.get(second)
    if prefix is None:
        if len(_seconds) > 100_000:
            _seconds.clear()
        prefix = _seconds[second] = datetime.fromtimestamp(second, UTC).strftime(
            "%Y-%m-%dT%H:%M:%S")
    return prefix + _MILLIS[ms - second * 1000]


def parse_iso_ms(text: str) -> int:
    """Epoch milliseconds of an ISO-8601 date-time (naive means UTC)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)
