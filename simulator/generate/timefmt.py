"""Segment's millisecond time form (`mock_spideo.segment.format_time`), fast: the
generator formats four times per message, so a minute's prefix is formatted once and the
seconds and milliseconds are looked up (tests check it against format_time)."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["clear_caches", "iso", "iso_offsets", "iso_times", "millis_bytes", "minute_bytes"]

_minutes: dict[int, str] = {}
_table: tuple[str, ...] = ()


def _second_millis() -> tuple[str, ...]:
    """'SS.mmmZ' for every millisecond of a minute (60,000 short strings, built once)."""
    global _table
    if not _table:
        _table = tuple(f"{second:02d}.{milli:03d}Z" for second in range(60)
                       for milli in range(1000))
    return _table


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


def iso_offsets(t: int, a: int, b: int, c: int, d: int) -> tuple[str, str, str, str]:
    """iso() of t+a, t+b, t+c and t+d: a message's four times, which mostly fall in the
    minute of its event time t, so that minute's prefix serves all four (the generator's
    hottest formatting)."""
    table = _table or _second_millis()
    minute = t // 60_000
    into = t - minute * 60_000
    prefix = _minutes.get(minute) or iso(t)[:17]
    x, y, z, w = into + a, into + b, into + c, into + d
    return (prefix + table[x] if 0 <= x < 60_000 else iso(t + a),
            prefix + table[y] if 0 <= y < 60_000 else iso(t + b),
            prefix + table[z] if 0 <= z < 60_000 else iso(t + c),
            prefix + table[w] if 0 <= w < 60_000 else iso(t + d))


_minutes_bytes: dict[int, bytes] = {}
_table_bytes: tuple[bytes, ...] = ()


def millis_bytes() -> tuple[bytes, ...]:
    """b'SS.mmmZ' for every millisecond of a minute, as bytes (for JSON spliced as bytes)."""
    global _table_bytes
    if not _table_bytes:
        _table_bytes = tuple(part.encode() for part in (_table or _second_millis()))
    return _table_bytes


def minute_bytes(minute: int) -> bytes:
    """b'2025-01-06T19:04:' for a minute since the epoch (cached)."""
    prefix = _minutes_bytes.get(minute)
    if prefix is None:
        if len(_minutes_bytes) > 100_000:
            _minutes_bytes.clear()
        prefix = _minutes_bytes[minute] = iso(minute * 60_000)[:17].encode()
    return prefix


def clear_caches() -> None:
    """Forget formatted minutes (benchmarks measure from cold)."""
    _minutes.clear()
    _minutes_bytes.clear()
