"""What a load run sends, where, and how fast: the plan every Locust process follows.

The master (or the only process) makes one plan; each worker gets it with its own shard
(`Shard(index, count)`: the viewers whose index is `index` modulo `count`), so the
workers' streams are disjoint and together are exactly the stream `generate` writes
with the same options. A message limit is split the same way.
"""

from __future__ import annotations

import dataclasses
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from simulator.generate import Shard
from simulator.generate.profile import load_profile

__all__ = ["SHAPES", "LoadPlan", "ShapeName", "share"]

ShapeName = Literal["steady", "diurnal", "engage-sync", "outage"]
SHAPES: tuple[ShapeName, ...] = ("steady", "diurnal", "engage-sync", "outage")


def share(limit: int | None, shard: Shard) -> int | None:
    """A shard's part of a message limit, so that the shards together send `limit`
    (None: no limit; 0: this shard sends nothing)."""
    if limit is None:
        return None
    return limit // shard.count + (1 if shard.index < limit % shard.count else 0)


@dataclass(frozen=True)
class LoadPlan:
    """Everything a Locust process needs to send its part of a load run (plain data, so
    that the master can send it to its workers)."""

    endpoint: str
    api_key: str
    client: str
    users: int | None = None  # viewers (default: the profile's)
    days: float = 1.0
    seed: int = 1
    start: str | None = None
    profile_yaml: str | None = None  # the profile's text: a worker may not have the file
    send_all: bool = False
    messages: int | None = None  # in all, across workers
    shape: ShapeName = "steady"
    rate: float = 100.0  # messages per second (the peak, for diurnal)
    user_rate: float = 10.0  # messages per second per Locust user
    down_s: float = 0.0  # outage: how long the target is expected to fail
    period_s: float = 240.0  # diurnal: the run time that one simulated day is compressed into
    time_scale: float = 1.0  # simulated seconds of Segment's backoff per real second
    shard_index: int = 0
    shard_count: int = 1
    # Segment exports to send instead of generated viewers (as `replay` reads them; the
    # same paths must hold the same files on every worker's machine).
    inputs: tuple[str, ...] = ()

    @property
    def shard(self) -> Shard:
        return Shard(self.shard_index, self.shard_count)

    def for_shard(self, index: int, count: int) -> LoadPlan:
        return dataclasses.replace(self, shard_index=index, shard_count=count)

    def quota(self) -> int | None:
        """How many messages of the stream this shard sends (None: all of them)."""
        return share(self.messages, self.shard)

    def locust_users(self, elapsed_s: float = 0.0,
                     weights: list[float] | None = None) -> int:
        """Locust users that send the shape's rate between them, `elapsed_s` into the run:
        `rate` (steady, outage, engage-sync), or for diurnal `rate` times the weight of the
        hour that `elapsed_s` falls in, one simulated day per `period_s` (`weights`: the
        profile's, the peak hour 1.0; see diurnal_weights)."""
        rate = self.rate
        if self.shape == "diurnal":
            curve = weights if weights is not None else self.diurnal_weights()
            rate *= curve[int(24 * (elapsed_s % self.period_s) / self.period_s)]
        return max(1, math.ceil(rate / self.user_rate))

    def diurnal_weights(self) -> list[float]:
        """The profile's sessions per hour of the day, the peak hour 1.0."""
        weights = self._profile().sessions.diurnal
        peak = max(weights) or 1.0
        return [w / peak for w in weights]

    def _profile(self) -> Any:
        with self.profile_file() as path:
            return load_profile(path)

    def profile_file(self) -> _ProfileFile:
        """`with plan.profile_file() as path:` the profile as a file (None: the default)."""
        return _ProfileFile(self.profile_yaml)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoadPlan:
        fields = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in fields})


class _ProfileFile:
    """The plan's profile written to a temporary file for the generator, removed after."""

    def __init__(self, text: str | None) -> None:
        self.text = text
        self._folder: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> str | None:
        if self.text is None:
            return None
        self._folder = tempfile.TemporaryDirectory(prefix="spideo-load-")
        path = Path(self._folder.name) / "profile.yaml"
        path.write_text(self.text, encoding="utf-8")
        return str(path)

    def __exit__(self, *exc: object) -> None:
        if self._folder is not None:
            self._folder.cleanup()
