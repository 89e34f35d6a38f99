"""Engage audiences computed from simulated behaviour, synced as Segment describes it.

Audience definitions live in the profile (`engage.audiences`), each one of:
  {completions_within_hours: H, at_least: N}   completed N+ titles in the last H hours
  {plays_within_hours: H, at_least: N}         started N+ plays in the last H hours
  {orders_within_hours: H, at_least: N}        completed N+ orders in the last H hours
  {no_play_within_hours: H, after_playing: B}  no play in the last H hours (B: has played)
The first sync sends an identify for every member (value true); later syncs send only
users whose membership changed (true on entry, false on exit). Property names are the
snake_cased audience names, and each identify carries `context.personas`
(computation_class "audience").

Computed traits (`engage.traits`) are computed from what the viewer watched, each one of:
  {watch_minutes_within_hours: H}   whole minutes watched in the last H hours (a number)
  {top_genre_within_hours: H}       the genre watched longest in the last H hours
  {last_played_within_hours: H}     the asset id of the last playback in the last H hours
and synced the same way: the first sync sends every viewer's value, later syncs only the
values that changed; a value that becomes null (no viewing in the window) is sent as null.
Their identify calls carry `context.personas` with computation_class "trait".
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Iterator
from typing import Any

from simulator.generate.profile import Engage

TraitValue = int | str | None

__all__ = ["EngageTracker", "snake_case", "sync_times"]

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


def _traits(engage: Engage) -> list[tuple[str, str, float]]:
    """(property name, computation, window in ms) per computed trait."""
    out = []
    for name, trait in engage.traits.items():
        ((computation, hours),) = trait.computations.items()
        out.append((snake_case(name), computation, hours * HOUR))
    return out


class EngageTracker:
    """One viewer's history, their audience membership and trait values as of the last
    sync."""

    def __init__(self, engage: Engage, user_id: str, rng: random.Random) -> None:
        self.engage = engage
        self.user_id = user_id
        self.rng = rng
        self.definitions = _audiences(engage) if engage.enabled else []
        self.trait_definitions = _traits(engage) if engage.enabled else []
        self.events: dict[str, list[int]] = {"completions": [], "plays": [], "orders": []}
        # Playbacks as (when watching ended, asset id, genre, seconds watched).
        self.watched: list[tuple[int, str, str, int]] = []
        self.members: dict[str, bool] = {}
        self.values: dict[str, TraitValue] = {}  # as last sent; never sent: null
        self.horizon = max([d[2] for d in self.definitions]
                           + [d[2] for d in self.trait_definitions], default=0)

    def play(self, t: int) -> None:
        self.events["plays"].append(t)

    def complete(self, t: int) -> None:
        self.events["completions"].append(t)

    def order(self, t: int) -> None:
        self.events["orders"].append(t)

    def watch(self, t: int, asset: str, genre: str, seconds: int) -> None:
        if self.trait_definitions:
            self.watched.append((t, asset, genre, seconds))

    def is_member(self, kind: str, window: float, threshold: int, at: int) -> bool:
        if kind == "lapsed":
            plays = self.events["plays"]
            played_before = any(t <= at for t in plays)
            recent = any(at - window < t <= at for t in plays)
            return not recent and (played_before or not threshold)
        count = sum(1 for t in self.events[kind] if at - window < t <= at)
        return count >= threshold

    def trait_value(self, computation: str, window: float, at: int) -> TraitValue:
        """A computed trait's value at `at`: null when the window holds no viewing."""
        seen = [w for w in self.watched if at - window < w[0] <= at]
        if not seen:
            return None
        if computation == "watch_minutes_within_hours":
            return round(sum(w[3] for w in seen) / 60)
        if computation == "last_played_within_hours":
            return seen[-1][1]
        by_genre: dict[str, int] = {}
        for _, _, genre, seconds in seen:
            by_genre[genre] = by_genre.get(genre, 0) + seconds
        return max(by_genre, key=lambda genre: (by_genre[genre], genre))

    def sync(self, at: int, first: bool,
             message_id: Callable[[], str]) -> Iterator[tuple[dict[str, Any], int]]:
        """The identify messages of one sync, with the time each is sent."""
        if self.horizon:  # forget what no audience or trait can see any more
            oldest = at - self.horizon - HOUR
            for kind in self.events:
                self.events[kind] = [t for t in self.events[kind] if t > oldest]
            self.watched = [w for w in self.watched if w[0] > oldest]
        for key, kind, window, threshold in self.definitions:
            now = self.is_member(kind, window, threshold, at)
            before = self.members.get(key, False)
            self.members[key] = now
            if (first and now) or (not first and now != before):
                yield self._identify(key, now, "audience", message_id()), at + self.rng.randint(
                    1_000, 15 * 60_000)
        for key, computation, window in self.trait_definitions:
            value = self.trait_value(computation, window, at)
            if value != self.values.get(key):  # the first sync: every value there is
                self.values[key] = value
                yield self._identify(key, value, "trait", message_id()), at + self.rng.randint(
                    1_000, 15 * 60_000)

    def _identify(self, key: str, value: bool | TraitValue, computation_class: str,
                  message_id: str) -> dict[str, Any]:
        space = self.engage.space_id
        prefix = "aud_" if computation_class == "audience" else "trt_"
        computation = prefix + hashlib.sha1(f"{space}:{key}".encode()).hexdigest()[:12]
        return {
            "type": "identify", "userId": self.user_id, "traits": {key: value},
            "messageId": f"personas_{message_id}",
            "context": {
                "library": {"name": "unknown", "version": "unknown"},
                "personas": {"computation_class": computation_class,
                             "computation_id": computation,
                             "computation_key": key, "namespace": f"spa:{space}",
                             "space_id": space},
            },
            "integrations": {"All": False, "Spideo": True},
            "version": 2,
        }
