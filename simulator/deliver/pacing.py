"""Pacing a replay: as fast as possible, at the original gaps sped up, or at a rate.

`--speed X` keeps the gaps between messages as they were received (`receivedAt`, else
`timestamp`), divided by X; `--rate R` sends R messages a second. Either way a message
is sent at its place on one schedule counted from the start, so that waiting for one
message never delays the next ones further, and the shards of a replay, which each see
every message, keep to the same schedule whatever their share of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from mock_spideo.segment import parse_time
from simulator.deliver.clocks import Clock

__all__ = ["Pace", "paced"]

_STEP_S = 0.2  # a long wait is slept in steps, to see a stop request


@dataclass(frozen=True)
class Pace:
    """How fast to replay: `speed` (times the original pace) or `rate` (messages/s),
    neither for as fast as possible."""

    speed: float | None = None
    rate: float | None = None

    def __post_init__(self) -> None:
        if self.speed is not None and self.rate is not None:
            raise ValueError("--speed and --rate both set the pace: give one of them")
        for name, value in (("speed", self.speed), ("rate", self.rate)):
            if value is not None and not value > 0:
                raise ValueError(f"--{name} must be above 0, not {value}")

    @property
    def as_fast_as_possible(self) -> bool:
        return self.speed is None and self.rate is None


def paced(messages: Iterable[dict[str, Any]], pace: Pace, clock: Clock,
          stop: Callable[[], bool] | None = None) -> Iterator[dict[str, Any]]:
    """The messages, each once its time on the schedule has come on `clock`. With
    `speed`, a message without a readable time keeps the previous message's time. Once
    `stop()` is true (Ctrl-C), a wait ends at once, and so do the messages."""
    if pace.as_fast_as_possible:
        yield from messages
        return
    start = clock.now()
    first: float | None = None
    at = 0.0
    for number, message in enumerate(messages):
        if pace.rate is not None:
            at = number / pace.rate
        else:
            moment = _received(message)
            if moment is not None:
                first = moment if first is None else first
                at = max(at, (moment - first) / (pace.speed or 1.0))
        wait = start + at - clock.now()
        while wait > 0:
            if stop is not None and stop():
                return
            clock.sleep(min(wait, _STEP_S) if stop is not None else wait)
            wait = start + at - clock.now()
        yield message


def _received(message: dict[str, Any]) -> float | None:
    """When Segment received the message (receivedAt, else its timestamp), in seconds."""
    for key in ("receivedAt", "timestamp"):
        moment = parse_time(message.get(key))
        if moment is not None:
            return moment.timestamp()
    return None
