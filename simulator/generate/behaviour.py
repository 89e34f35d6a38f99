"""How one viewer behaves: sessions over time, the viewing funnel, and Engage syncs.

A `ViewerStream` yields one persona's messages lazily, in the order Segment receives
them (receivedAt). Sessions arrive as a Poisson process whose rate follows a diurnal
profile in the viewer's own timezone, with a weekend uplift. Inside a session a state
machine walks: browse -> click -> details -> (buy) -> play -> heartbeats with pauses,
seeks and buffering -> complete or exit -> review / binge the next episode. All
randomness comes from one generator seeded by (seed, viewer), so streams are
reproducible and independent of each other.
"""

from __future__ import annotations

import bisect
import heapq
import math
import random
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import Any

from simulator.generate.catalog import Catalog, Title
from simulator.generate.engage import AudienceTracker
from simulator.generate.messages import message_times
from simulator.generate.personas import Device, Persona
from simulator.generate.profile import Profile
from simulator.generate.timefmt import iso, iso_times

__all__ = ["ViewerStream"]

HOUR = 3_600_000
DAY = 24 * HOUR
_RAILS = ("home-trending", "home-continue", "because-you-watched", "new-releases", "search")
_CUSTOM_EVENTS = ("Subtitles Enabled", "Profile Switched", "Notification Opened")
_SCREENS = ("Home", "Browse", "Search", "My List")
_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}
# An interruption of playback (pause, seek, buffering): emits its messages and returns
# the wall time at which playback goes on.
Interruption = Callable[[Device, "str | None", str, str, int, int], int]


class ViewerStream:
    """One persona's messages, ordered by receivedAt, as (received_ms, index, seq, msg)."""

    def __init__(self, persona: Persona, catalog: Catalog, profile: Profile, seed: int,
                 start_ms: int, end_ms: int, sync_times: list[int]) -> None:
        self.persona = persona
        self.catalog = catalog
        self.rng = random.Random(f"viewer:{seed}:{persona.index}")
        self.start_ms, self.end_ms = start_ms, end_ms
        self.sync_times = sync_times
        self.behaviour, self.sessions = profile.behaviour, profile.sessions
        self.timing, self.quality = profile.timing, profile.quality
        self.heartbeat_ms = int(self.behaviour.heartbeat_interval * 1000)
        self.pending: list[tuple[int, int, int, dict[str, Any]]] = []
        self.seq = 0
        self.logged_in = [False] * len(persona.devices)
        self.audiences = AudienceTracker(profile.engage, persona.user_id, self.rng)
        entries = [t for titles in catalog.entry_points.values() for t in titles]
        self.entries = entries
        self.cum_weights = list(accumulate(persona.tastes.get(t.genre, 1.0) for t in entries))
        weights_by_hour = self.sessions.diurnal
        scale = self.sessions.per_day / sum(weights_by_hour)
        self.hourly_rate = [w * scale for w in weights_by_hour]  # sessions per hour
        self.uplift = self.sessions.weekend_uplift
        self.max_rate = max(self.hourly_rate) * max(1.0, self.uplift)
        self.offset_ms = persona.devices[0].utc_offset_hours * HOUR
        # The hot path's numbers, read once: shares, and [low, high) ranges in ms.
        timing = self.timing
        self._late_share, self._duplicate_share = self.quality.late_arrival, self.quality.duplicate
        self._late_s = (self.quality.late_seconds.min, self.quality.late_seconds.max)
        self._send_ms, self._latency_ms = timing.send_delay.ms, timing.latency.ms
        self._resend_ms = timing.resend_after.ms

    # --- time ----------------------------------------------------------------------

    def _rate(self, t: int) -> float:
        local = t + self.offset_ms
        hour = (local // HOUR) % 24
        weekday = (local // DAY + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        return self.hourly_rate[hour] * (self.uplift if weekday >= 5 else 1.0)

    def _next_session(self, t: int) -> int:
        """The next session start after t: thinning of a non-homogeneous Poisson process."""
        rng = self.rng
        while True:
            t += int(rng.expovariate(self.max_rate) * HOUR) + 1
            if t >= self.end_ms or rng.random() * self.max_rate < self._rate(t):
                return t

    # --- emitting --------------------------------------------------------------------

    def _message_id(self) -> str:
        """A UUIDv4 from the viewer's generator (the version and variant bits set)."""
        h = self.rng.randbytes(16).hex()
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"

    def _push(self, message: dict[str, Any], t: int, device: Device | None) -> None:
        """Stamp the four times (see simulator.generate.messages), queue by receivedAt,
        and sometimes resend a duplicate, as devices do.

        The hottest path of the generator: plain arithmetic on random() rather than
        randint, and times formatted from a per-minute cache (simulator.generate.timefmt)."""
        random = self.rng.random
        skew = device.clock_skew_ms if device else 0
        if device is None:  # Engage syncs are sent by Segment itself: no device delay
            delay = 0
        elif random() < self._late_share:  # queued offline, sent much later
            low, high = self._late_s
            delay = int((low + random() * (high - low)) * 1000)
        else:
            low, high = self._send_ms
            delay = low + int(random() * (high - low))
        low, high = self._latency_ms
        times = message_times(t, skew, delay, low + int(random() * (high - low)))
        (message["timestamp"], message["originalTimestamp"], message["sentAt"],
         message["receivedAt"]) = iso_times(*times)
        self._queue(times[3], message)
        if device is not None and random() < self._duplicate_share:
            self._resend(message, times[2], times[3])

    def _queue(self, received: int, message: dict[str, Any]) -> None:
        self.seq += 1
        heapq.heappush(self.pending, (received, self.persona.index, self.seq, message))

    def _resend(self, message: dict[str, Any], sent: int, received: int) -> None:
        """The same message (same messageId) sent again later: only sentAt and receivedAt
        move, so the skew-corrected timestamp stays the same."""
        low, high = self._resend_ms
        resend = low + int(self.rng.random() * (high - low))
        copy = dict(message)
        copy["sentAt"] = iso(sent + resend)
        copy["receivedAt"] = iso(received + resend)
        self._queue(received + resend, copy)

    def _track(self, device: Device, user: str | None, event: str, properties: dict[str, Any],
               t: int) -> None:
        message = {"type": "track", "event": event, "properties": properties,
                   "anonymousId": device.anonymous_id, "messageId": self._message_id(),
                   "context": device.context, "integrations": {}, "version": 2}
        if user:
            message["userId"] = user
        self._push(message, t, device)

    def _screen(self, device: Device, user: str | None, name: str, t: int) -> None:
        kind = "page" if device.is_web else "screen"
        message = {"type": kind, "name": name,
                   "properties": {"name": name, "path": f"/{name.lower().replace(' ', '-')}"},
                   "anonymousId": device.anonymous_id, "messageId": self._message_id(),
                   "context": device.context, "integrations": {}, "version": 2}
        if user:
            message["userId"] = user
        self._push(message, t, device)

    def _identify(self, device: Device, t: int) -> None:
        message = {"type": "identify", "userId": self.persona.user_id,
                   "anonymousId": device.anonymous_id, "traits": self.persona.traits,
                   "messageId": self._message_id(), "context": device.context,
                   "integrations": {}, "version": 2}
        self._push(message, t, device)

    # --- the session state machine ---------------------------------------------------

    def _pick_title(self) -> Title:
        x = self.rng.random() * self.cum_weights[-1]
        title: Title = self.entries[bisect.bisect(self.cum_weights, x)]
        return title

    def _session(self, t: int) -> int:
        """Generate one session starting at t; returns when it ends."""
        rng, b, timing, persona = self.rng, self.behaviour, self.timing, self.persona
        slot = rng.randrange(len(persona.devices))
        device = persona.devices[slot]
        user: str | None = None
        if persona.identified and self.logged_in[slot] and (
                rng.random() >= self.sessions.anonymous_start):
            user = persona.user_id
        login_at = None
        if persona.identified and user is None and (
                rng.random() < self.sessions.login_in_session):
            login_at = rng.randint(1, b.browse_pages.max)
        if not device.is_web:
            self._track(device, user, "Application Opened", {"from_background": False}, t)
        for page in range(rng.randint(b.browse_pages.min, b.browse_pages.max)):
            t += rng.randint(*timing.page_view.ms)
            self._screen(device, user, rng.choice(_SCREENS), t)
            if login_at is not None and page + 1 >= login_at and user is None:
                t += rng.randint(*timing.login.ms)
                self._identify(device, t)
                user, self.logged_in[slot] = persona.user_id, True
        if rng.random() < self.quality.noise_custom_events:
            t += rng.randint(*timing.custom_event.ms)
            self._track(device, user, rng.choice(_CUSTOM_EVENTS), {"source": "settings"}, t)
        for _ in range(rng.randint(b.clicks_per_session.min, b.clicks_per_session.max)):
            t = self._funnel(device, user, t)
        return t

    def _product(self, title: Title) -> dict[str, Any]:
        product: dict[str, Any] = {"product_id": title.asset_id, "sku": title.asset_id.upper(),
                   "name": title.title, "category": title.genre}
        if title.price is not None:
            product["price"] = title.price
        return product

    def _funnel(self, device: Device, user: str | None, t: int) -> int:
        rng, b, timing = self.rng, self.behaviour, self.timing
        title = self._pick_title()
        t += rng.randint(*timing.click.ms)
        self._track(device, user, "Product Clicked",
                    {**self._product(title), "position": rng.randint(1, 20),
                     "list_id": rng.choice(_RAILS)}, t)
        if rng.random() >= b.view_details:
            return t
        t += rng.randint(*timing.details.ms)
        self._track(device, user, "Product Viewed", self._product(title), t)
        if rng.random() < b.wishlist:
            t += rng.randint(*timing.wishlist.ms)
            self._track(device, user, "Product Added to Wishlist", self._product(title), t)
        if rng.random() < b.share:
            t += rng.randint(*timing.share.ms)
            self._track(device, user, "Product Shared",
                        {**self._product(title), "share_via": rng.choice(["link", "sms"])}, t)
        if rng.random() >= b.play_after_details:
            return t
        if title.price is not None:
            if user is None or rng.random() >= b.purchase:
                return t
            t += rng.randint(*timing.purchase.ms)
            order_id = f"ord_{rng.getrandbits(40):010x}"
            self._track(device, user, "Order Completed", {
                "order_id": order_id, "total": title.price, "revenue": title.price,
                "currency": "EUR", "products": [{**self._product(title), "quantity": 1}]}, t)
            self.audiences.order(t)
        binge = 0
        while True:
            t, completed = self._play(device, user, title, t + rng.randint(*timing.play.ms))
            if not completed:
                return t
            if rng.random() < b.review:
                t += rng.randint(*timing.review.ms)
                self._track(device, user, "Product Reviewed",
                            {"product_id": title.asset_id, "review_id": f"rev_{self.seq}",
                             "rating": rng.randint(1, 5)}, t)
            nxt = self.catalog.by_id.get(title.next_asset_id) if title.next_asset_id else None
            if nxt is None or binge >= b.max_binge or rng.random() >= b.binge:
                return t
            binge += 1
            title = nxt

    def _play(self, device: Device, user: str | None, title: Title, t: int) -> tuple[int, bool]:
        """One playback: start, heartbeats, pauses, seeks, buffering, complete or exit."""
        rng, b = self.rng, self.behaviour
        session_id = f"ses_{rng.getrandbits(48):012x}"
        content, t = self._start_playback(device, user, title, session_id, t)
        completed = rng.random() < b.complete
        watched = title.duration if completed else max(1, int(title.duration * rng.uniform(
            b.watch_share.min, b.watch_share.max)))
        # Interruptions at random positions (seconds into the title), in order; two at
        # the same second keep the order pause, seek, buffer (handlers do not compare).
        marks: list[tuple[int, Interruption]] = sorted(
            ((rng.randrange(watched), handler) for chance, handler in (
                (b.pause, self._pause), (b.seek, self._seek), (b.buffer, self._buffer))
             if rng.random() < chance), key=lambda mark: mark[0])
        t = self._heartbeats(device, user, title, session_id, t, watched, marks)
        self._end_playback(device, user, title, session_id, content, t, watched, completed)
        return t + 500, completed

    def _start_playback(self, device: Device, user: str | None, title: Title,
                        session_id: str, t: int) -> tuple[dict[str, Any], int]:
        """Video Playback Started, then Content Started; returns the content properties
        and when the content started."""
        total, asset = title.duration, title.asset_id
        self._track(device, user, "Video Playback Started", {
            "session_id": session_id, "content_asset_ids": [asset], "position": 0,
            "total_length": total, "livestream": title.livestream,
            "video_player": "spideo-player", "sound": 80, "full_screen": device.type == "tv",
            "quality": "hd"}, t)
        content = {"session_id": session_id, "asset_id": asset, "title": title.title,
                   "genre": title.genre, "program": title.program, "season": title.season,
                   "episode": title.episode, "position": 0, "total_length": total,
                   "livestream": title.livestream, "airdate": title.airdate,
                   "channel": title.channel, "publisher": title.publisher,
                   "keywords": [title.genre, title.kind]}
        content = {k: v for k, v in content.items() if v is not None}  # movies: no episode
        started = dict(content)
        if self.rng.random() < self.quality.broken:
            del started["asset_id"]
        t += self.rng.randint(*self.timing.content_start.ms)
        self._track(device, user, "Video Content Started", started, t)
        self.audiences.play(t)
        return content, t

    def _heartbeats(self, device: Device, user: str | None, title: Title, session_id: str,
                    t: int, watched: int, marks: list[tuple[int, Interruption]]) -> int:
        """Video Content Playing every heartbeat interval up to `watched` seconds, with
        the interruptions at their positions; returns when watching ended."""
        step, end = self.heartbeat_ms, watched * 1000
        base, position = t, 0  # base: wall time of position 0, moved by interruptions
        track, asset, total, live = self._track, title.asset_id, title.duration, title.livestream
        while True:
            nxt = position + step
            while marks and marks[0][0] * 1000 < nxt:
                mark, handler = marks.pop(0)
                base = handler(device, user, session_id, asset, mark,
                               base + mark * 1000) - mark * 1000
            if nxt >= end:
                return base + end
            position = nxt
            track(device, user, "Video Content Playing",
                  {"session_id": session_id, "asset_id": asset, "position": position // 1000,
                   "total_length": total, "livestream": live}, base + position)

    def _end_playback(self, device: Device, user: str | None, title: Title, session_id: str,
                      content: dict[str, Any], t: int, watched: int, completed: bool) -> None:
        total, asset = title.duration, title.asset_id
        if completed:
            self._track(device, user, "Video Content Completed",
                        {**content, "position": total}, t)
            self._track(device, user, "Video Playback Completed",
                        {"session_id": session_id, "content_asset_id": asset,
                         "position": total, "total_length": total}, t + 200)
            self.audiences.complete(t)
        else:
            self._track(device, user, "Video Playback Exited",
                        {"session_id": session_id, "content_asset_id": asset,
                         "position": watched, "total_length": total}, t)

    def _pause(self, device: Device, user: str | None, session_id: str, asset: str,
               position: int, t: int) -> int:
        self._track(device, user, "Video Playback Paused",
                    {"session_id": session_id, "content_asset_id": asset, "position": position}, t)
        t += self.rng.randint(*self.timing.pause.ms)
        self._track(device, user, "Video Playback Resumed",
                    {"session_id": session_id, "content_asset_id": asset, "position": position}, t)
        return t

    def _seek(self, device: Device, user: str | None, session_id: str, asset: str,
              position: int, t: int) -> int:
        offset = self.timing.seek_offset
        target = position + self.rng.randint(round(offset.min), round(offset.max))
        props = {"session_id": session_id, "content_asset_id": asset, "position": position,
                 "seek_position": max(0, target)}
        self._track(device, user, "Video Playback Seek Started", props, t)
        self._track(device, user, "Video Playback Seek Completed", props, t + 800)
        return t + 1_000

    def _buffer(self, device: Device, user: str | None, session_id: str, asset: str,
                position: int, t: int) -> int:
        props = {"session_id": session_id, "content_asset_id": asset, "position": position}
        self._track(device, user, "Video Playback Buffer Started", props, t)
        t += self.rng.randint(*self.timing.buffer.ms)
        self._track(device, user, "Video Playback Buffer Completed", props, t)
        return t

    # --- the stream ------------------------------------------------------------------

    def _sync(self, at: int, first: bool) -> None:
        if not self.persona.identified or not any(self.logged_in):
            return
        for message, t in self.audiences.sync(at, first, self._message_id):
            self._push(message, t, None)

    def _release(self, before: int) -> Iterator[tuple[int, int, int, dict[str, Any]]]:
        pending = self.pending
        while pending and pending[0][0] < before:
            yield heapq.heappop(pending)

    def __iter__(self) -> Iterator[tuple[int, int, int, dict[str, Any]]]:
        t, syncs = self.start_ms, 0
        while True:
            t = self._next_session(t)
            limit = min(t, self.end_ms)
            while syncs < len(self.sync_times) and self.sync_times[syncs] <= limit:
                self._sync(self.sync_times[syncs], first=syncs == 0)
                syncs += 1
            if t >= self.end_ms:
                break
            yield from self._release(t)
            t = self._session(t)
        yield from self._release(math.inf)  # type: ignore[arg-type]
