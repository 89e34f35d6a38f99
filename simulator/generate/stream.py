"""A whole simulated Segment source: viewers merged into one stream, lazily.

Same seed and options, byte-identical stream. Memory does not grow with the number of
messages: each viewer holds only what it has generated and not yet released, and the
viewers are merged by receivedAt (the order in which Segment receives messages).
"""

from __future__ import annotations

import copy
import gc
import heapq
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any, TypeVar

import orjson

from mock_spideo.segment import parse_iso_ms
from simulator.generate.behaviour import (
    DAY,
    END,
    KEY_SHIFT,
    MAX_VIEWERS,
    Heartbeat,
    Queued,
    ViewerStream,
    heartbeat_line,
    heartbeat_message,
)
from simulator.generate.catalog import Catalog, build_catalog
from simulator.generate.engage import sync_times
from simulator.generate.messages import DEFAULT_TIME
from simulator.generate.personas import Persona, build_personas
from simulator.generate.profile import Profile, load_profile

__all__ = ["Shard", "Simulation"]

T = TypeVar("T")
_LAST = 1 << 200  # a key after every message's (see KEY_SHIFT)


@dataclass(frozen=True)
class Shard:
    """Which viewers a shard holds: those whose index is `index` modulo `count`. The
    shards of a stream together hold exactly its messages, each viewer's unchanged
    (a viewer's messages depend only on the seed and the viewer)."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise ValueError(f"shard {self.index + 1} of {self.count} does not exist")

    @classmethod
    def parse(cls, text: str) -> Shard:
        """'I/N' (1-based, as `--shard 1/2` and `--shard 2/2`); ValueError saying why not."""
        first, _, second = text.partition("/")
        if not (first.strip().isdigit() and second.strip().isdigit()) or int(second) < 1:
            raise ValueError(f"'{text}' is not a shard: write I/N, e.g. 1/2 for the first "
                             "of two shards")
        number, count = int(first), int(second)
        if not 1 <= number <= count:
            raise ValueError(f"'{text}' is not a shard: I must be 1 to {count}")
        return cls(number - 1, count)

    def holds(self, persona_index: int) -> bool:
        return persona_index % self.count == self.index

    def __str__(self) -> str:
        return f"{self.index + 1}/{self.count}"


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
    shard: Shard = field(default_factory=Shard)

    def __post_init__(self) -> None:
        self.start_ms = parse_iso_ms(self.start)
        self.end_ms = self.start_ms + int(self.days * DAY)
        self.catalog: Catalog = build_catalog(self.profile, self.seed)
        self.personas: list[Persona] = build_personas(self.profile, self.seed)

    @classmethod
    def from_options(cls, *, users: int | None = None, days: float = 1.0, seed: int = 1,
                     start: str | None = None, profile: str | Path | None = None,
                     shard: Shard | None = None) -> Simulation:
        """The command line's way in: a profile file plus the usual overrides."""
        loaded = load_profile(profile, **{"population.users": users})
        return cls(profile=loaded, seed=seed, start=start or DEFAULT_TIME, days=days,
                   shard=shard or Shard())

    def sharded(self, shard: Shard) -> Simulation:
        """The same viewers and catalog (built for every shard), streaming `shard`'s: a
        process that built them once gives each worker it forks its shard, unbuilt."""
        copied = copy.copy(self)
        copied.shard = shard
        return copied

    def messages(self) -> Iterator[dict[str, Any]]:
        """Every message of the simulation (of its shard's viewers), ordered by receivedAt."""
        return self._stream(_as_is, heartbeat_message)

    def lines(self) -> Iterator[bytes]:
        """The same messages as JSON lines: orjson.dumps(message) and a newline each
        (heartbeats are spliced into a template of their playback, the same bytes)."""
        return self._stream(_json_line, heartbeat_line)

    def _stream(self, queued: Callable[[dict[str, Any]], T],
                beat: Callable[[Heartbeat], T]) -> Iterator[T]:
        """What the viewers generate, in order, each message through `queued` (a message
        built when it was drawn) or `beat` (a queued heartbeat).

        One queue holds what the viewers generated; `agenda` says when each viewer starts
        its next session. A queued message is released once it was received before any
        viewer's next session (nothing earlier can be generated any more), and a viewer
        generates a session only when the stream reaches it: memory holds the sessions
        in progress, not every viewer's next one. The order is that of (receivedAt,
        viewer, sequence), the same whichever way the viewers are scheduled."""
        if len(self.personas) > MAX_VIEWERS:
            raise ValueError(f"at most {MAX_VIEWERS} viewers per simulation")
        syncs = sync_times(self.profile.engage, self.start_ms, self.end_ms, self.seed)
        pending: list[Queued] = []
        agenda: list[tuple[float, int, ViewerStream]] = []
        for persona in self.personas:
            if self.shard.holds(persona.index):
                viewer = ViewerStream(persona, self.catalog, self.profile, self.seed,
                                      self.start_ms, self.end_ms, syncs, pending)
                agenda.append((viewer.start(), persona.index, viewer))
        if not agenda:
            return
        heapq.heapify(agenda)
        pending.append((_LAST, {}, None))  # never released: no need to test for an empty queue
        pop, replace = heapq.heappop, heapq.heapreplace
        while True:
            frontier = agenda[0][0]
            limit = _LAST if frontier == END else int(frontier) << KEY_SHIFT
            while pending[0][0] < limit:
                _, item, run = pending[0]
                if run is not None:  # a heartbeat of a run: the run waits with the next
                    for key, following in run:
                        replace(pending, (key, following, run))
                        break
                    else:
                        pop(pending)
                    yield beat(item)  # type: ignore[arg-type]
                else:
                    pop(pending)
                    yield queued(item) if item.__class__ is dict else beat(item)  # type: ignore[arg-type]
            if frontier == END:
                return
            _, index, viewer = agenda[0]
            heapq.heapreplace(agenda, (viewer.step(), index, viewer))

    def write_jsonl(self, out: IO[bytes], limit: int | None = None,
                    progress: Any = None) -> int:
        """Write one message per line (each encoded once); returns the count.

        The stream makes millions of short-lived, acyclic objects: the cyclic garbage
        collector only slows it down, so it is paused while writing."""
        with _gc_paused():
            return self._write_jsonl(out, limit, progress)

    def _write_jsonl(self, out: IO[bytes], limit: int | None, progress: Any) -> int:
        count, buffer = 0, []
        for line in islice(self.lines(), limit):
            buffer.append(line)
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


def _as_is(message: dict[str, Any]) -> dict[str, Any]:
    return message


def _json_line(message: dict[str, Any]) -> bytes:
    return orjson.dumps(message, option=orjson.OPT_APPEND_NEWLINE)
