"""Engage audiences computed from simulated behaviour, synced as Segment describes it.

Audience definitions live in the profile (`engage.audiences`), each one of:
  {completions_within_hours: H, at_least: N}   completed N+ titles in the last H hours
  {plays_within_hours: H, at_least: N}         started N+ plays in the last H hours
  {orders_within_hours: H, at_least: N}        completed N+ orders in the last H hours
  {no_play_within_hours: H, after_playing: B}  no play in the last H hours (B: has played)
The first sync sends an identify for every member (value true); later syncs send only
users whose membership changed (true on entry, false on exit). Property names are the
snake_cased audience names, and each identify carries `context.personas`.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Iterator
from typing import Any

from simulator.generate.profile import Engage

__all__ = ["AudienceTracker", "snake_case", "sync_times"]

HOUR = 3_600_000
_KINDS = {"completions_within_hours": "completions", "plays_within_hours": "plays",
          "orders_within_hours": "orders", "no_play_within_hours": "lapsed"}


def snake_case(name: str) -> str:
    """'Order Completed Last 30days' -> 'order_completed_last_30days'."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def sync_times(engage: Engage, start_ms: int, end_ms: int, seed: int) -> list[int]:
    """When Engage syncs: first after `first_sync_after_hours`, then every 2 to 3 hours."""
    if not engage.enabled:
        return []
    rng = random.Random(f"engage:{seed}")
    times, t = [], start_ms + int(engage.first_sync_after_hours * HOUR)
    every = engage.sync_every_hours
    while t <= end_ms:
        times.append(t)
        t += int(rng.uniform(every.min, every.max) * HOUR)
    return times


def _audiences(engage: Engage) -> list[tuple[str, str, float, int]]:
    """(property name, kind of history, window in ms, threshold) per audience."""
    out = []
    for name, audience in engage.audiences.items():
        ((test, hours),) = audience.tests.items()
        threshold = audience.at_least if test != "no_play_within_hours" else int(
            audience.after_playing)
        out.append((snake_case(name), _KINDS[test], hours * HOUR, threshold))
    return out


class AudienceTracker:
    """One viewer's history, and their membership as of the last sync."""

    def __init__(self, engage: Engage, user_id: str, rng: random.Random) -> None:
        self.engage = engage
        self.user_id = user_id
        self.rng = rng
        self.definitions = _audiences(engage) if engage.enabled else []
        self.events: dict[str, list[int]] = {"completions": [], "plays": [], "orders": []}
        self.members: dict[str, bool] = {}
        self.horizon = max((d[2] for d in self.definitions), default=0)

    def play(self, t: int) -> None:
        self.events["plays"].append(t)

    def complete(self, t: int) -> None:
        self.events["completions"].append(t)

    def order(self, t: int) -> None:
        self.events["orders"].append(t)

    def is_member(self, kind: str, window: float, threshold: int, at: int) -> bool:
        if kind == "lapsed":
            plays = self.events["plays"]
            played_before = any(t <= at for t in plays)
            recent = any(at - window < t <= at for t in plays)
            return not recent and (played_before or not threshold)
        count = sum(1 for t in self.events[kind] if at - window < t <= at)
        return count >= threshold

    def sync(self, at: int, first: bool,
             message_id: Callable[[], str]) -> Iterator[tuple[dict[str, Any], int]]:
        """The identify messages of one sync, with the time each is sent."""
        for kind in self.events:  # forget what no audience can see any more
            self.events[kind] = [t for t in self.events[kind] if t > at - self.horizon - HOUR
                                 ] if self.horizon else self.events[kind]
        for key, kind, window, threshold in self.definitions:
            now = self.is_member(kind, window, threshold, at)
            before = self.members.get(key, False)
            self.members[key] = now
            if (first and now) or (not first and now != before):
                yield self._identify(key, now, message_id()), at + self.rng.randint(
                    1_000, 15 * 60_000)

    def _identify(self, key: str, value: bool, message_id: str) -> dict[str, Any]:
        space = self.engage.space_id
        computation = "aud_" + hashlib.sha1(f"{space}:{key}".encode()).hexdigest()[:12]
        return {
            "type": "identify", "userId": self.user_id, "traits": {key: value},
            "messageId": f"personas_{message_id}",
            "context": {
                "library": {"name": "unknown", "version": "unknown"},
                "personas": {"computation_class": "audience", "computation_id": computation,
                             "computation_key": key, "namespace": f"spa:{space}",
                             "space_id": space},
            },
            "integrations": {"All": False, "Spideo": True},
            "version": 2,
        }
