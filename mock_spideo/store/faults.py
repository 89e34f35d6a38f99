"""Fault injection: make the mock misbehave on purpose, the way a real service can.

A fault rule matches requests by path prefix, message type, event or user, and then
answers a status (N times, or a share of the time), adds a delay, sets Retry-After, or
drops the connection. Faults never touch /__admin, so tests can always read the journal.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from mock_spideo.errors import SpideoSimError

__all__ = ["Fault", "FaultError", "FaultSet"]

_KEYS = {"name", "path", "type", "event", "user", "status", "times", "rate", "delay_ms",
         "retry_after", "drop", "message"}


class FaultError(SpideoSimError, ValueError):
    """A fault rule that cannot be applied, with the reason."""


@dataclass
class Fault:
    """One fault rule; `times` counts down as it fires."""

    name: str
    path: str = "/segment"
    type: str | None = None
    event: str | None = None
    user: str | None = None
    status: int | None = None
    times: int | None = None
    rate: float | None = None
    delay_ms: int = 0
    retry_after: int | None = None
    drop: bool = False
    message: str | None = None
    fired: int = 0

    @classmethod
    def from_dict(cls, raw: Any, index: int = 0) -> Fault:
        if not isinstance(raw, dict):
            raise FaultError("each fault must be a JSON object")
        unknown = sorted(set(raw) - _KEYS)
        if unknown:
            raise FaultError(f"unknown key '{unknown[0]}'; allowed: {', '.join(sorted(_KEYS))}")
        fault = cls(name=str(raw.get("name") or f"fault-{index + 1}"),
                    **{k: v for k, v in raw.items() if k != "name"})
        if fault.status is None and not fault.drop and not fault.delay_ms:
            raise FaultError(f"fault '{fault.name}' needs a status, drop or delay_ms")
        if fault.status is not None and (not isinstance(fault.status, int)
                                         or not 100 <= fault.status <= 599):
            raise FaultError(f"fault '{fault.name}': status must be an HTTP status (100-599)")
        if fault.times is not None and (not isinstance(fault.times, int) or fault.times < 1):
            raise FaultError(f"fault '{fault.name}': times must be a whole number >= 1")
        if fault.rate is not None and (isinstance(fault.rate, bool) or not isinstance(
                fault.rate, (int, float)) or not 0 <= fault.rate <= 1):
            raise FaultError(f"fault '{fault.name}': rate must be between 0 and 1")
        if not isinstance(fault.delay_ms, int) or not 0 <= fault.delay_ms <= 60_000:
            raise FaultError(f"fault '{fault.name}': delay_ms must be 0 to 60000")
        if fault.retry_after is not None and (not isinstance(fault.retry_after, int)
                                              or fault.retry_after < 0):
            raise FaultError(f"fault '{fault.name}': retry_after must be seconds >= 0")
        if not isinstance(fault.path, str) or not fault.path.startswith("/"):
            raise FaultError(f"fault '{fault.name}': path must start with '/'")
        return fault

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    def applies(self, path: str, message: dict[str, Any] | None) -> bool:
        if not path.startswith(self.path):
            return False
        if self.type is None and self.event is None and self.user is None:
            return True
        if not isinstance(message, dict):
            return False
        user = message.get("userId") or message.get("anonymousId")
        return ((self.type is None or message.get("type") == self.type)
                and (self.event is None or message.get("event") == self.event)
                and (self.user is None or user == self.user))


@dataclass
class FaultSet:
    """The active fault rules; thread-safe, seeded so shares of the time are repeatable."""

    seed: int = 0
    faults: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(self.seed)

    def add(self, raw: Any) -> list[Fault]:
        """Add fault rules from a dict, a list of dicts, or {"seed": n, "faults": [...]}."""
        if isinstance(raw, dict) and "faults" in raw:
            if "seed" in raw:
                with self._lock:
                    self._random.seed(raw["seed"])
            raw = raw["faults"]
        items = raw if isinstance(raw, list) else [raw]
        added = [Fault.from_dict(item, len(self.faults) + i) for i, item in enumerate(items)]
        with self._lock:
            self.faults.extend(added)
        return added

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self._random.seed(self.seed)

    def pick(self, path: str, message: dict[str, Any] | None) -> Fault | None:
        """The fault to apply to this request, if any (and count it as fired)."""
        if not self.faults:  # the usual case, on every request: no lock needed to see it
            return None
        with self._lock:
            for fault in self.faults:
                if not fault.applies(path, message):
                    continue
                if fault.times is not None and fault.fired >= fault.times:
                    continue
                if fault.rate is not None and self._random.random() >= fault.rate:
                    continue
                fault.fired += 1
                return fault
        return None

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_dict() for f in self.faults]
