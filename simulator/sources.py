"""Where a run's messages come from: generated viewers (`simulate`) or a team's own Segment
exports (`replay`), each split across shards by viewer.

A generated source builds only its shard's viewers. An export cannot be split without
reading it, so every shard reads every input and keeps the messages of its viewers (a
stable hash of userId, else anonymousId, else messageId): one viewer's messages stay in
one shard, in order, and the shards together hold every message once. Shard 0 alone
accounts for what it read, so unreadable lines are counted once.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from mock_spideo import SpideoSimError
from simulator.deliver.clocks import ScaledClock
from simulator.deliver.pacing import Pace, paced
from simulator.generate.stream import Shard, Simulation
from simulator.read import Anonymizer, Reading, read_messages

__all__ = ["CatalogFileError", "Source", "generated", "load_catalog_file", "replayed", "shard_of"]


class CatalogFileError(SpideoSimError, ValueError):
    """A --catalog file that is not a JSON list of catalog items."""


@dataclass
class Source:
    """A shard's messages, the catalog to load into the mock (None: none), the problem
    codes the source causes on purpose, and (shard 0 of a replay) what was read."""

    messages: Iterator[dict[str, Any]]
    catalog: list[dict[str, Any]] | None = None
    expected_codes: set[str] = field(default_factory=set)
    reading: Reading | None = None


def generated(shard: Shard, *, users: int | None, days: float, seed: int,
              start: str | None, profile: str | None) -> Source:
    """A shard of a simulated source: its viewers' messages and the generated catalog."""
    sim = Simulation.from_options(users=users, days=days, seed=seed, start=start,
                                  profile=profile, shard=shard)
    expected = {"missing_content_id"} if sim.profile.quality.broken > 0 else set()
    return Source(sim.messages(), sim.catalog.to_mock_payload(), expected)


def replayed(shard: Shard, inputs: tuple[str, ...], *, catalog: str | None = None,
             pace: Pace | None = None, anonymize_key: str | None = None,
             stop: Callable[[], bool] | None = None) -> Source:
    """A shard of a team's exports: its viewers' messages, paced on one schedule for all
    shards (a wait ends early once `stop()`), anonymized when a key is given (before
    anything is journaled or reported)."""
    reading = Reading()
    stream = paced(read_messages(inputs, reading), pace or Pace(), ScaledClock(), stop)
    anonymizer = Anonymizer(anonymize_key) if anonymize_key is not None else None
    items = load_catalog_file(catalog) if catalog else None
    return Source(_shard_messages(stream, shard, anonymizer), items,
                  reading=reading if shard.index == 0 else None)


def shard_of(message: dict[str, Any], count: int) -> int:
    """The shard (0-based, of `count`) a message's viewer belongs to."""
    if count <= 1:
        return 0
    for key in ("userId", "anonymousId", "messageId"):
        value = message.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and value != "":
            return zlib.crc32(str(value).encode()) % count
    return 0


def _shard_messages(stream: Iterator[dict[str, Any]], shard: Shard,
                    anonymizer: Anonymizer | None) -> Iterator[dict[str, Any]]:
    for message in stream:
        if shard_of(message, shard.count) == shard.index:
            yield anonymizer.message(message) if anonymizer else message


def load_catalog_file(path: str) -> list[dict[str, Any]]:
    """A catalog file: a JSON list of items, each with an `id` (as `generate --catalog`
    writes it, and as the mock's catalog endpoints take it)."""
    try:
        items = orjson.loads(Path(path).read_bytes())
    except OSError as exc:
        raise CatalogFileError(f"cannot read the catalog {path}: {exc.strerror}") from None
    except orjson.JSONDecodeError as exc:
        raise CatalogFileError(f"the catalog {path} is not JSON: {exc}") from None
    if not isinstance(items, list) or not all(
            isinstance(item, dict) and item.get("id") not in (None, "") for item in items):
        raise CatalogFileError(f"the catalog {path} must be a JSON list of items, each with "
                               "an 'id' (spideo-sim generate --catalog FILE writes one)")
    return items
