"""Fast ISO-8601 timestamps for generated messages (milliseconds since the epoch in)."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["iso", "parse_iso_ms"]

_prefix_cache: dict[int, str] = {}


def iso(ms: int) -> str:
    """'2025-01-06T19:04:05.123Z' for a time in epoch milliseconds (UTC)."""
    minute, rest = divmod(ms, 60_000)
    prefix = _prefix_cache.get(minute)
    if prefix is None:
        prefix = datetime.fromtimestamp(minute * 60, UTC).strftime("%Y-%m-%dT%H:%M:")
        if len(_prefix_cache) > 200_000:
            _prefix_cache.clear()
        _prefix_cache[minute] = prefix
    second, milli = divmod(rest, 1000)
    return f"{prefix}{second:02d}.{milli:03d}Z"


def parse_iso_ms(text: str) -> int:
    """Epoch milliseconds of an ISO-8601 date-time (naive means UTC)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)
