"""A load run's account, per process and merged: every message's outcome (the Ledger that
`simulate` reports), what the target accepted (a count and an order-free digest of the
messageIds, to check against the mock's journal), and the retry backlog over time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from simulator.deliver import Ledger, Outcome

__all__ = ["Tally", "digest_of"]

_MASK = (1 << 64) - 1
_COUNTERS = ("outcomes", "statuses", "codes", "interactions_by_type", "setup_refusals")


def digest_of(message_id: str) -> int:
    """A messageId's 64-bit hash; a set's digest is their sum modulo 2**64 (the same in
    any order and however the set is split across workers)."""
    return int.from_bytes(hashlib.blake2b(message_id.encode(), digest_size=8).digest(), "big")


@dataclass
class Tally:
    """What one process (or, merged, the whole run) sent and what became of it."""

    ledger: Ledger = field(default_factory=Ledger)
    accepted: int = 0  # distinct messageIds answered 2xx
    accepted_digest: int = 0
    # The accepted messageIds' hashes (8 bytes each on the way to the master): a device's
    # resent duplicate has its original's messageId, and both are the same viewer's, so
    # they are counted once, in the same process.
    accepted_ids: set[int] = field(default_factory=set, repr=False)
    unfinished: int = 0  # messages still waiting to retry, or in flight, when the run stopped
    backlog_peak: int = 0  # most messages waiting to retry at once
    first_refusal: float | None = None  # wall time of the first retryable answer
    last_refusal: float | None = None  # ... and of the last one
    drained: float | None = None  # when the backlog was last emptied after a refusal

    def settle(self, outcome: Outcome) -> None:
        """Count a message's outcome."""
        self.ledger.add(outcome)
        if outcome.kind == "delivered" and outcome.message_id is not None:
            digest = digest_of(outcome.message_id)
            if digest not in self.accepted_ids:
                self.accepted_ids.add(digest)
                self.accepted += 1
                self.accepted_digest = (self.accepted_digest + digest) & _MASK

    def refused(self, backlog: int) -> None:
        """A retryable answer: the message joins a backlog now `backlog` long."""
        now = time.time()
        self.first_refusal = self.first_refusal or now
        self.last_refusal = now
        self.backlog_peak = max(self.backlog_peak, backlog)

    def emptied(self) -> None:
        """The backlog is empty again."""
        if self.last_refusal is not None:
            self.drained = time.time()

    def to_dict(self) -> dict[str, Any]:
        """Plain data (string keys) for a worker's report to the master."""
        ledger = {f.name: getattr(self.ledger, f.name) for f in dataclasses.fields(Ledger)}
        for name in _COUNTERS:
            ledger[name] = {str(k): v for k, v in ledger[name].items()}
        ledger["examples"] = dict(ledger["examples"])
        ledger["setup_settings"] = dict(ledger["setup_settings"])
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["ledger"] = ledger
        out["accepted_digest"] = str(self.accepted_digest)
        out["accepted_ids"] = array("Q", self.accepted_ids).tobytes()  # 8 bytes each
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tally:
        raw = dict(data["ledger"])
        for name in _COUNTERS:
            raw[name] = Counter({int(k) if name == "statuses" else k: v
                                 for k, v in raw[name].items()})
        tally = cls(**{k: v for k, v in data.items() if k != "ledger"})
        tally.ledger = Ledger(**raw)
        tally.accepted_digest = int(data["accepted_digest"])
        ids = array("Q")
        ids.frombytes(data["accepted_ids"])
        tally.accepted_ids = set(ids)
        return tally

    def merge(self, other: Tally) -> None:
        """Add another process's account to this one."""
        self.ledger.merge(other.ledger)
        self.accepted_ids |= other.accepted_ids
        self.accepted += other.accepted
        self.accepted_digest = (self.accepted_digest + other.accepted_digest) & _MASK
        self.unfinished += other.unfinished
        self.backlog_peak += other.backlog_peak  # the processes' peaks may not coincide
        self.first_refusal = _least(self.first_refusal, other.first_refusal)
        self.last_refusal = _most(self.last_refusal, other.last_refusal)
        self.drained = _most(self.drained, other.drained)


def _least(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def _most(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)
