"""How one viewer behaves: sessions over time, the viewing funnel, and Engage syncs.

A `ViewerStream` generates one persona's messages a session at a time, when the stream
asks for it (`start`, then `step` at each session start), into a queue ordered by
receivedAt (the order in which Segment receives them). Sessions arrive as a Poisson
process whose rate follows a diurnal profile in the viewer's own timezone, with a
weekend uplift. Inside a session a state machine walks: browse -> click -> details ->
(buy) -> play -> heartbeats with pauses, seeks and buffering -> complete or exit ->
review / binge the next episode. All randomness comes from one generator seeded by
(seed, viewer), so streams are reproducible and independent of each other.

Heartbeats (Video Content Playing, most of any stream) wait in the queue compactly, as
a `Heartbeat` tuple of their random draws, and become messages (`heartbeat_message`)
only when released: a session's heartbeats cost a few hundred bytes each while queued.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable, Iterator
from heapq import heappush
from itertools import accumulate
from typing import Any

import orjson

from simulator.generate.catalog import Catalog, Title
from simulator.generate.engage import EngageTracker
from simulator.generate.messages import message_times
from simulator.generate.personas import Device, Persona
from simulator.generate.profile import MAX_VIEWERS, Profile
from simulator.generate.timefmt import iso, iso_offsets, iso_times, millis_bytes, minute_bytes

__all__ = ["END", "KEY_SHIFT", "MAX_VIEWERS", "Heartbeat", "Playback", "Queued", "Run",
           "ViewerStream", "heartbeat_line", "heartbeat_message", "message_id"]

HOUR = 3_600_000
DAY = 24 * HOUR
_RAILS = ("home-trending", "home-continue", "because-you-watched", "new-releases", "search")
_CUSTOM_EVENTS = ("Subtitles Enabled", "Profile Switched", "Notification Opened")
_SCREENS = ("Home", "Browse", "Search", "My List")
END = float("inf")  # the time of a viewer with no session left
# An interruption of playback (pause, seek, buffering): emits its messages and returns
# the wall time at which playback goes on.
Interruption = Callable[[Device, "str | None", str, str, int, int], int]

# What every heartbeat of one playback shares: (anonymousId, context, userId or None,
# session_id, asset_id, total_length, livestream, the device's clock skew in ms, and a
# slot for the playback's JSON template, made on first use by heartbeat_line).
Playback = tuple[str, dict[str, Any], "str | None", str, str, int, bool, int,
                 "list[tuple[bytes, bytes, bytes] | None]"]
# A queued Video Content Playing: its draws, not yet a message: (playback, position in
# seconds, the messageId's 128 random bits, event time t, send delay, latency, and
# `resend` > 0 for the duplicate a device sends again that long after). Plain tuples:
# the hottest loop makes one per heartbeat.
Heartbeat = tuple[Playback, int, int, int, int, int, int]
# The queue orders by one int: receivedAt in ms, then the viewer, then the viewer's
# sequence number (KEY_SHIFT bits below receivedAt hold viewer << 32 | sequence).
KEY_SHIFT = 32 + (MAX_VIEWERS - 1).bit_length()  # 56
# What the queue holds: (key, message or heartbeat, the rest of its run or None). A run
# is the heartbeats of one playback whose keys increase (most of them: the late and the
# resent ones are queued on their own); the queue holds a run once, under the key of its
# next heartbeat, so it stays as small as the number of playbacks in progress.
Run = Iterator[tuple[int, Heartbeat]]
Queued = tuple[int, "dict[str, Any] | Heartbeat", "Run | None"]


_NOT_VERSION_OR_VARIANT = ~((0xF0 << 48) | (0xC0 << 64))
_VERSION_4_AND_VARIANT = (0x40 << 48) | (0x80 << 64)


def message_id(bits: int) -> str:
    """A UUIDv4 from 128 random bits, read as little-endian bytes (as `rng.randbytes(16)`
    draws them), the version nibble set to 4 and the variant bits to 10."""
    h = ((bits & _NOT_VERSION_OR_VARIANT) | _VERSION_4_AND_VARIANT).to_bytes(16, "little").hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _times(beat: Heartbeat) -> tuple[str, str, str, str]:
    """timestamp, originalTimestamp, sentAt and receivedAt of a heartbeat (see
    simulator.generate.messages for the formula)."""
    _, _, _, t, delay, latency, resend = beat
    skew = beat[0][7]
    return iso_offsets(t, latency, skew, delay + skew + resend, delay + latency + resend)


def heartbeat_message(beat: Heartbeat) -> dict[str, Any]:
    """The Video Content Playing message a queued heartbeat stands for, exactly as if it
    had been built when it was drawn (same fields, same order)."""
    play, position, ident = beat[0], beat[1], beat[2]
    anonymous_id, context, user, session_id, asset, total, live = play[:7]
    message: dict[str, Any] = {
        "type": "track", "event": "Video Content Playing",
        "properties": {"session_id": session_id, "asset_id": asset, "position": position,
                       "total_length": total, "livestream": live},
        "anonymousId": anonymous_id, "messageId": message_id(ident), "context": context,
        "integrations": {}, "version": 2}
    if user:
        message["userId"] = user
    (message["timestamp"], message["originalTimestamp"], message["sentAt"],
     message["receivedAt"]) = _times(beat)
    return message


def heartbeat_line(beat: Heartbeat) -> bytes:
    """orjson.dumps(heartbeat_message(beat)) plus a newline, without building the
    message: the parts every heartbeat of the playback shares are encoded once, with
    orjson, and the rest is spliced in as bytes (tests check the bytes are the same).
    The four times mostly fall in the event time's minute, which then serves them all."""
    play, position, ident, t, delay, latency, resend = beat
    template, skew = play[8][0] or _template(play), play[7]
    minute = t // 60_000
    into, prefix, table = t - minute * 60_000, minute_bytes(minute), millis_bytes()
    a, b = into + latency, into + skew  # timestamp, originalTimestamp
    c, d = b + delay + resend, a + delay + resend  # sentAt, receivedAt
    pa, ma = (prefix, table[a]) if 0 <= a < 60_000 else _time_bytes(t + latency)
    pb, mb = (prefix, table[b]) if 0 <= b < 60_000 else _time_bytes(t + skew)
    pc, mc = (prefix, table[c]) if 0 <= c < 60_000 else _time_bytes(t + c - into)
    pd, md = (prefix, table[d]) if 0 <= d < 60_000 else _time_bytes(t + d - into)
    h = ((ident & _NOT_VERSION_OR_VARIANT) | _VERSION_4_AND_VARIANT).to_bytes(
        16, "little").hex().encode()
    return b"".join((template[0], b"%d" % position, template[1], h[:8], b"-", h[8:12], b"-",
                     h[12:16], b"-", h[16:20], b"-", h[20:], template[2], pa, ma, _SENT_FIELDS[0],
                     pb, mb, _SENT_FIELDS[1], pc, mc, _SENT_FIELDS[2], pd, md, b'"}\n'))


_SENT_FIELDS = (b'","originalTimestamp":"', b'","sentAt":"', b'","receivedAt":"')


def _time_bytes(ms: int) -> tuple[bytes, bytes]:
    minute = ms // 60_000
    return minute_bytes(minute), millis_bytes()[ms - minute * 60_000]


def _template(play: Playback) -> tuple[bytes, bytes, bytes]:
    anonymous_id, context, user, session_id, asset, total, live = play[:7]
    dumps = orjson.dumps
    template = (
        b'{"type":"track","event":"Video Content Playing","properties":{"session_id":'
        + dumps(session_id) + b',"asset_id":' + dumps(asset) + b',"position":',
        b',"total_length":' + dumps(total) + b',"livestream":' + dumps(live)
        + b'},"anonymousId":' + dumps(anonymous_id) + b',"messageId":"',
        b'","context":' + dumps(context) + b',"integrations":{},"version":2'
        + (b',"userId":' + dumps(user) if user else b"") + b',"timestamp":"')
    play[8][0] = template
    return template


class ViewerStream:
    """One persona's messages, queued by receivedAt as (key, message) into `pending` (a
    heap the stream shares between viewers; see KEY_SHIFT)."""

    def __init__(self, persona: Persona, catalog: Catalog, profile: Profile, seed: int,
                 start_ms: int, end_ms: int, sync_times: list[int],
                 pending: list[Queued] | None = None) -> None:
        self.persona = persona
        self.catalog = catalog
        self.rng = random.Random(f"viewer:{seed}:{persona.index}")
        self.start_ms, self.end_ms = start_ms, end_ms
        self.sync_times = sync_times
        self.behaviour, self.sessions = profile.behaviour, profile.sessions
        self.timing, self.quality = profile.timing, profile.quality
        self.heartbeat_ms = int(self.behaviour.heartbeat_interval * 1000)
        self.pending: list[Queued] = [] if pending is None else pending
        self.seq = 0
        self._t, self._syncs = start_ms, 0  # the next session's start; syncs done
        self._viewer_key = persona.index << 32
        self.logged_in = [False] * len(persona.devices)
        self.engage = EngageTracker(profile.engage, persona.user_id, self.rng)
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
        return message_id(self.rng.getrandbits(128))  # what rng.randbytes(16) draws

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
        heappush(self.pending, ((received << KEY_SHIFT) + self._viewer_key + self.seq, message,
                                None))

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
            self.engage.order(t)
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
        self.engage.watch(t, title.asset_id, title.genre, watched)
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
        self.engage.play(t)
        return content, t

    def _heartbeats(self, device: Device, user: str | None, title: Title, session_id: str,
                    t: int, watched: int, marks: list[tuple[int, Interruption]]) -> int:
        """Video Content Playing every heartbeat interval up to `watched` seconds, with
        the interruptions at their positions; returns when watching ended.

        The hottest loop of the generator: it makes exactly the draws `_track` and
        `_push` would make for each heartbeat, in the same order, and queues a compact
        Heartbeat instead of a message (see heartbeat_message)."""
        step, end = self.heartbeat_ms, watched * 1000
        base, position = t, 0  # base: wall time of position 0, moved by interruptions
        asset = title.asset_id
        playback: Playback = (device.anonymous_id, device.context, user, session_id, asset,
                              title.duration, title.livestream, device.clock_skew_ms, [None])
        rng = self.rng
        random, bits = rng.random, rng.getrandbits
        late_share, duplicate_share = self._late_share, self._duplicate_share
        late_low, late_high = self._late_s
        send_low, send_high = self._send_ms
        latency_low, latency_high = self._latency_ms
        resend_low, resend_high = self._resend_ms
        pending, viewer, seq = self.pending, self._viewer_key, self.seq
        keys: list[int] = []  # the run: heartbeats received in order, queued as one
        beats: list[Heartbeat] = []
        last = -1
        while True:
            nxt = position + step
            while marks and marks[0][0] * 1000 < nxt:
                mark, handler = marks.pop(0)
                self.seq = seq
                base = handler(device, user, session_id, asset, mark,
                               base + mark * 1000) - mark * 1000
                seq = self.seq
            if nxt >= end:
                self.seq = seq
                if keys:
                    run = zip(keys, beats, strict=True)
                    first, beat = next(run)
                    heappush(pending, (first, beat, run))
                return base + end
            position = nxt
            at = base + position
            ident = bits(128)
            if random() < late_share:  # as _push: queued offline, sent much later
                delay = int((late_low + random() * (late_high - late_low)) * 1000)
                late = True
            else:
                delay = send_low + int(random() * (send_high - send_low))
                late = False
            latency = latency_low + int(random() * (latency_high - latency_low))
            key = ((at + delay + latency) << KEY_SHIFT) + viewer
            seq += 1
            beat = (playback, position // 1000, ident, at, delay, latency, 0)
            if late or key + seq < last:
                heappush(pending, (key + seq, beat, None))
            else:
                last = key + seq
                keys.append(last)
                beats.append(beat)
            if random() < duplicate_share:  # as _resend
                resend = resend_low + int(random() * (resend_high - resend_low))
                seq += 1
                heappush(pending, (key + (resend << KEY_SHIFT) + seq,
                                   (playback, position // 1000, ident, at, delay, latency,
                                    resend), None))

    def _end_playback(self, device: Device, user: str | None, title: Title, session_id: str,
                      content: dict[str, Any], t: int, watched: int, completed: bool) -> None:
        total, asset = title.duration, title.asset_id
        if completed:
            self._track(device, user, "Video Content Completed",
                        {**content, "position": total}, t)
            self._track(device, user, "Video Playback Completed",
                        {"session_id": session_id, "content_asset_id": asset,
                         "position": total, "total_length": total}, t + 200)
            self.engage.complete(t)
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
        for message, t in self.engage.sync(at, first, self._message_id):
            self._push(message, t, None)

    def start(self) -> float:
        """Draw the first session (and do the Engage syncs before it); returns when it
        starts, or END. Nothing this viewer queues later is received before that time."""
        return self._advance()

    def step(self) -> float:
        """Generate the session that starts now, draw the next one (and the syncs
        before it); returns when the next starts, or END."""
        self._t = self._session(self._t)
        return self._advance()

    def _advance(self) -> float:
        t = self._next_session(self._t)
        limit, syncs = min(t, self.end_ms), self.sync_times
        while self._syncs < len(syncs) and syncs[self._syncs] <= limit:
            self._sync(syncs[self._syncs], first=self._syncs == 0)
            self._syncs += 1
        if t >= self.end_ms:
            return END
        self._t = t
        return t
