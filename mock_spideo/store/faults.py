"""Fault injection: make the mock misbehave on purpose, the way a real service can.

A fault rule matches requests by path prefix, message type, event or user, and then
answers a status (N times, or a share of the time), adds a delay, sets Retry-After, or
drops the connection. Faults never touch /__admin, so tests can always read the journal.

With `per_message`, the share is a share of messages, not of requests: whether a message
is hit is decided once from its messageId (and the seed), so Segment's retries of it are
hit again, and `attempts: N` lets its N+1th attempt through. That is how a day of real
destination answers is modelled (a message refused for good, one the destination stays
down for, one that gets through on a retry): see simulator/profiles/faults/.
"""

from __future__ import annotations

import hashlib
import random
import threading
from dataclasses import dataclass, field
from typing import Any

from mock_spideo.errors import SpideoSimError

__all__ = ["Fault", "FaultError", "FaultSet"]

_KEYS = {"name", "path", "type", "event", "user", "status", "times", "rate", "delay_ms",
         "retry_after", "drop", "message", "per_message", "attempts"}
# The JSON type each key takes (booleans are told from numbers), and its name.
_STRING, _BOOLEAN = ((str,), "a string"), ((bool,), "true or false")
_WHOLE, _NUMBER = ((int,), "a whole number"), ((int, float), "a number")
_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "path": _STRING, "type": _STRING, "event": _STRING, "user": _STRING, "message": _STRING,
    "drop": _BOOLEAN, "per_message": _BOOLEAN, "status": _WHOLE, "times": _WHOLE,
    "delay_ms": _WHOLE, "retry_after": _WHOLE, "attempts": _WHOLE, "rate": _NUMBER}


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
    per_message: bool = False
    attempts: int | None = None
    fired: int = 0
    # per_message with attempts: the attempts seen so far of each message hit.
    _tries: dict[str, int] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, raw: Any, index: int = 0) -> Fault:
        """A fault rule from its JSON form; FaultError naming the rule and the key."""
        if not isinstance(raw, dict):
            raise FaultError("each fault must be a JSON object")
        unknown = sorted(set(raw) - _KEYS)
        if unknown:
            raise FaultError(f"unknown key '{unknown[0]}'; allowed: {', '.join(sorted(_KEYS))}")
        name = raw.get("name", f"fault-{index + 1}")
        if not isinstance(name, str):
            raise FaultError(f"fault #{index + 1}: name must be a string")
        given: dict[str, Any] = {}
        for key, (kinds, kind_name) in _TYPES.items():
            if key not in raw:
                continue
            value = raw[key]
            if kinds == _WHOLE[0] and isinstance(value, float) and value.is_integer():
                value = int(value)  # JSON's 3.0 is the whole number 3
            if isinstance(value, bool) is not (bool in kinds) or not isinstance(value, kinds):
                raise FaultError(f"fault '{name}': {key} must be {kind_name}")
            given[key] = value
        fault = cls(name=name or f"fault-{index + 1}", **given)
        if fault.status is None and not fault.drop and not fault.delay_ms:
            raise FaultError(f"fault '{fault.name}' needs a status, drop or delay_ms")
        if fault.status is not None and not 100 <= fault.status <= 599:
            raise FaultError(f"fault '{fault.name}': status must be an HTTP status (100-599)")
        if fault.times is not None and fault.times < 1:
            raise FaultError(f"fault '{fault.name}': times must be a whole number >= 1")
        if fault.rate is not None and not 0 <= fault.rate <= 1:
            raise FaultError(f"fault '{fault.name}': rate must be between 0 and 1")
        if not 0 <= fault.delay_ms <= 60_000:
            raise FaultError(f"fault '{fault.name}': delay_ms must be 0 to 60000")
        if fault.attempts is not None and fault.attempts < 1:
            raise FaultError(f"fault '{fault.name}': attempts must be a whole number >= 1")
        if fault.attempts is not None and not fault.per_message:
            raise FaultError(f"fault '{fault.name}': attempts counts a message's attempts: "
                             "add per_message: true")
        if fault.retry_after is not None and fault.retry_after < 0:
            raise FaultError(f"fault '{fault.name}': retry_after must be seconds >= 0")
        if not fault.path.startswith("/"):
            raise FaultError(f"fault '{fault.name}': path must start with '/'")
        return fault

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()
                if v is not None and not k.startswith("_") and not (k == "per_message" and not v)}

    def hits(self, message: dict[str, Any] | None, seed: int, draw: float) -> bool:
        """Whether this request is hit: by `draw` (a fresh random number) for a share of
        requests; per message, by a hash of its messageId, and within its `attempts`."""
        message_id = message.get("messageId") if isinstance(message, dict) else None
        if not self.per_message or not isinstance(message_id, str):
            return self.rate is None or draw < self.rate
        if self.rate is not None:
            digest = hashlib.blake2b(f"{seed}:{self.name}:{message_id}".encode(),
                                     digest_size=8).digest()
            if int.from_bytes(digest, "big") / 2**64 >= self.rate:
                return False
        if self.attempts is None:
            return True
        tried = self._tries.get(message_id, 0)
        if tried >= self.attempts:
            return False
        self._tries[message_id] = tried + 1
        return True

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
        self._hash_seed = self.seed

    def add(self, raw: Any) -> list[Fault]:
        """Add fault rules from a dict, a list of dicts, or {"seed": n, "faults": [...]}."""
        if isinstance(raw, dict) and "faults" in raw:
            extra = sorted(set(raw) - {"seed", "faults"})
            if extra:
                raise FaultError(f"unknown key '{extra[0]}' beside 'faults'; allowed: seed")
            if "seed" in raw:
                seed = raw["seed"]
                if isinstance(seed, float) and seed.is_integer():
                    seed = int(seed)
                if isinstance(seed, bool) or not isinstance(seed, int):
                    raise FaultError("seed must be a whole number")
                with self._lock:
                    self._random.seed(seed)
                    self._hash_seed = seed
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
            self._hash_seed = self.seed

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
                draw = self._random.random() if fault.rate is not None else 0.0
                if not fault.hits(message, self._hash_seed, draw):
                    continue
                fault.fired += 1
                return fault
        return None

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_dict() for f in self.faults]
