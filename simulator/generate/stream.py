"""A whole simulated Segment source: viewers merged into one stream, lazily.

Same seed and options, byte-identical stream. Memory does not grow with the number of
messages: each viewer holds only what it has generated and not yet released, and the
viewers are merged by receivedAt (the order in which Segment receives messages).
"""

from __future__ import annotations

import gc
import heapq
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any

import orjson

from mock_spideo.segment import parse_iso_ms
from simulator.generate.behaviour import DAY, ViewerStream
from simulator.generate.catalog import Catalog, build_catalog
from simulator.generate.engage import sync_times
from simulator.generate.messages import DEFAULT_TIME
from simulator.generate.personas import Persona, build_personas
from simulator.generate.profile import Profile, load_profile

__all__ = ["Simulation"]


@contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class Simulation:
    """Personas and catalog built once; `messages()` streams a reproducible source."""

    profile: Profile = field(default_factory=load_profile)
    seed: int = 1
    start: str = DEFAULT_TIME
    days: float = 1.0

    def __post_init__(self) -> None:
        self.start_ms = parse_iso_ms(self.start)
        self.end_ms = self.start_ms + int(self.days * DAY)
        self.catalog: Catalog = build_catalog(self.profile, self.seed)
        self.personas: list[Persona] = build_personas(self.profile, self.seed)

    @classmethod
    def from_options(cls, *, users: int | None = None, days: float = 1.0, seed: int = 1,
                     start: str | None = None, profile: str | Path | None = None) -> Simulation:
        """The command line's way in: a profile file plus the usual overrides."""
        loaded = load_profile(profile, **{"population.users": users})
        return cls(profile=loaded, seed=seed, start=start or DEFAULT_TIME, days=days)

    def messages(self) -> Iterator[dict[str, Any]]:
        """Every message of the simulation, ordered by receivedAt."""
        syncs = sync_times(self.profile.engage, self.start_ms, self.end_ms, self.seed)
        viewers = [iter(ViewerStream(p, self.catalog, self.profile, self.seed, self.start_ms,
                                     self.end_ms, syncs)) for p in self.personas]
        for item in heapq.merge(*viewers):
            yield item[3]

    def write_jsonl(self, out: IO[bytes], limit: int | None = None,
                    progress: Any = None) -> int:
        """Encode each message once and write one per line; returns the count.

        The stream makes millions of short-lived, acyclic dicts: the cyclic garbage
        collector only slows it down, so it is paused while writing."""
        with _gc_paused():
            return self._write_jsonl(out, limit, progress)

    def _write_jsonl(self, out: IO[bytes], limit: int | None, progress: Any) -> int:
        count, buffer = 0, []
        dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
        for message in islice(self.messages(), limit):
            buffer.append(dumps(message, option=newline))
            if len(buffer) == 4096:
                out.writelines(buffer)
                buffer.clear()
                count += 4096
                if progress:
                    progress(count)
        out.writelines(buffer)
        count += len(buffer)
        if progress:
            progress(count)
        return count
