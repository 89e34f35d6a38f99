"""Segment's millisecond time form (`mock_spideo.segment.format_time`), fast: the
generator formats four times per message, so a minute's prefix is formatted once and the
seconds and milliseconds are looked up (tests check it against format_time)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

__all__ = ["clear_caches", "iso", "iso_times"]

_minutes: dict[int, str] = {}


@cache
def _second_millis() -> tuple[str, ...]:
    """'SS.mmmZ' for every millisecond of a minute (60,000 short strings, built once)."""
    return tuple(f"{second:02d}.{milli:03d}Z" for second in range(60) for milli in range(1000))


def iso(ms: int) -> str:
    """'2025-01-06T19:04:05.123Z' for a time in epoch milliseconds (UTC).

    Hot: called four times per generated message. A minute's prefix is formatted once,
    and the rest is looked up, so no date arithmetic happens per call."""
    minute = ms // 60_000
    prefix = _minutes.get(minute)
    if prefix is None:
        if len(_minutes) > 100_000:
            _minutes.clear()
        prefix = _minutes[minute] = datetime.fromtimestamp(minute * 60, UTC).strftime(
            "%Y-%m-%dT%H:%M:")
    return prefix + _second_millis()[ms - minute * 60_000]


def iso_times(*times_ms: int) -> list[str]:
    """iso() of several times in one call (a message's four times share the work)."""
    table, minutes = _second_millis(), _minutes
    out = []
    for ms in times_ms:
        minute = ms // 60_000
        prefix = minutes.get(minute)
        if prefix is None:
            prefix = iso(ms)[:17]
        out.append(prefix + table[ms - minute * 60_000])
    return out


def clear_caches() -> None:
    """Forget formatted minutes (benchmarks measure from cold)."""
    _minutes.clear()
