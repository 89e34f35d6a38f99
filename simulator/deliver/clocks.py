"""Where delivery reads the time and waits: real time compressed by a scale for
simulations (a retry window of hours passes in seconds), or a fake clock for tests."""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["Clock", "FakeClock", "ScaledClock"]


class Clock(Protocol):
    """Where delivery reads the time and waits."""

    def now(self) -> float: ...

    def sleep(self, seconds: float, until: threading.Event | None = None) -> None:
        """Wait `seconds` of this clock's time, or less if `until` is set meanwhile."""


class ScaledClock:
    """Real time, with waits compressed: scale=3600 waits one real second per hour."""

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale
        self._origin = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._origin) * self.scale

    def sleep(self, seconds: float, until: threading.Event | None = None) -> None:
        if seconds <= 0:
            return
        if until is None:
            time.sleep(seconds / self.scale)
        else:
            until.wait(seconds / self.scale)


class FakeClock:
    """Simulated time that advances only when delivery waits (for tests)."""

    def __init__(self) -> None:
        self._now = 0.0
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self._now

    def sleep(self, seconds: float, until: threading.Event | None = None) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._now += max(0.0, seconds)
