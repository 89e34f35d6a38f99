"""Engage audience and computed-trait syncs: the first sync is full, later syncs carry
only changes."""

import random
from collections import defaultdict
from datetime import datetime
from itertools import pairwise

from simulator.generate.engage import HOUR, EngageTracker, snake_case, sync_times
from simulator.generate.profile import load_profile
from simulator.generate.stream import Simulation


def engage_messages(messages):
    return [m for m in messages if m["type"] == "identify" and "personas" in m["context"]]


def test_snake_case_names():
    assert snake_case("Order Completed Last 30days") == "order_completed_last_30days"
    assert snake_case("bingeWatchers") == "binge_watchers"


def test_syncs_start_after_six_hours_then_every_two_to_three():
    profile = load_profile()
    times = sync_times(profile.engage, 0, 48 * 3_600_000, seed=1)
    assert times[0] == 6 * 3_600_000
    gaps = [b - a for a, b in pairwise(times)]
    assert gaps and all(2 * 3_600_000 <= g <= 3 * 3_600_000 for g in gaps)


def test_first_sync_is_full_and_later_syncs_are_changes_only():
    sim = Simulation(profile=load_profile(**{"population.users": 40}), seed=5, days=2)
    messages = by_class(sim.messages(), "audience")
    syncs = sync_times(sim.profile.engage, sim.start_ms, sim.end_ms, sim.seed)
    assert len(syncs) >= 3, "two days hold the first sync and several later ones"
    first_end = syncs[1]
    state = defaultdict(lambda: False)
    first, later = [], []
    for m in messages:
        (name, value), = m["traits"].items()
        assert name == m["context"]["personas"]["computation_key"]
        sent = int(datetime.fromisoformat(m["sentAt"]).timestamp() * 1000)
        key = (m["userId"], name)
        if sent < first_end:
            assert value is True, "the first sync only sends members"
            first.append(value)
        else:
            assert value != state[key], f"{key} sent {value} again without a change"
            later.append(value)
        state[key] = value
    assert first, "the first sync sends the audiences' members"
    assert True in later and False in later, "later syncs carry both entries and exits"


# --- computed traits ------------------------------------------------------------------------

def by_class(messages, computation_class):
    return [m for m in engage_messages(messages)
            if m["context"]["personas"]["computation_class"] == computation_class]


def test_audience_and_trait_identifies_have_segments_shape():
    sim = Simulation(profile=load_profile(**{"population.users": 20}), seed=3, days=1)
    messages = list(sim.messages())
    traits = by_class(messages, "trait")
    assert {next(iter(m["traits"])) for m in traits} == {
        "total_watch_minutes_30_days", "favourite_genre", "last_played_asset"}
    for m in traits:
        (name, value), = m["traits"].items()
        personas = m["context"]["personas"]
        assert personas["computation_key"] == name
        assert personas["computation_id"].startswith("trt_")
        assert personas["space_id"] == "spa_simulated"
        assert m["integrations"] == {"All": False, "Spideo": True}
        assert m["messageId"].startswith("personas_")
        expected = int if name == "total_watch_minutes_30_days" else str
        assert value is None or type(value) is expected, (name, value)
    genres = {m["properties"]["genre"] for m in messages
              if m["type"] == "track" and m["event"] == "Video Content Started"}
    assert {m["traits"]["favourite_genre"] for m in traits
            if "favourite_genre" in m["traits"]} <= genres


def tracker(**traits):
    engage = load_profile(**{"engage.traits": traits}).engage
    return EngageTracker(engage, "u1", random.Random(1))


def synced(tracker_, at, first=False):
    ids = iter(range(1000))
    return {name: value for message, _ in tracker_.sync(at, first, lambda: str(next(ids)))
            if message["context"]["personas"]["computation_class"] == "trait"
            for name, value in message["traits"].items()}


def test_traits_are_computed_from_what_was_watched_in_the_window():
    t = tracker(minutes={"watch_minutes_within_hours": 10},
                genre={"top_genre_within_hours": 10},
                last={"last_played_within_hours": 10})
    assert synced(t, HOUR, first=True) == {}, "nothing watched: nothing to send (all null)"
    t.watch(2 * HOUR, "a1", "drama", 600)
    t.watch(3 * HOUR, "a2", "comedy", 300)
    t.watch(4 * HOUR, "a3", "comedy", 150)
    assert synced(t, 5 * HOUR) == {"minutes": 18, "genre": "drama", "last": "a3"}
    assert synced(t, 6 * HOUR) == {}, "no change, nothing sent"
    t.watch(7 * HOUR, "a3", "comedy", 200)
    assert synced(t, 8 * HOUR) == {"minutes": 21, "genre": "comedy"}, "only what changed"
    assert synced(t, 12.5 * HOUR) == {"minutes": 11}, "a1 left the window; comedy still leads"
    assert synced(t, 18 * HOUR) == {"minutes": None, "genre": None, "last": None}
    assert synced(t, 20 * HOUR) == {}, "null is sent once"


def test_genre_ties_are_broken_by_name_so_a_seed_gives_one_stream():
    t = tracker(genre={"top_genre_within_hours": 10})
    t.watch(HOUR, "a1", "drama", 60)
    t.watch(HOUR, "a2", "comedy", 60)
    assert synced(t, 2 * HOUR, first=True) == {"genre": "drama"}


def test_a_trait_becomes_null_in_the_stream_once_viewing_stops():
    profile = load_profile(**{"population.users": 30, "engage.audiences": {},
                              "engage.traits": {"minutes_2h": {"watch_minutes_within_hours": 2}}})
    sim = Simulation(profile=profile, seed=11, days=2)
    sent = defaultdict(list)
    for m in by_class(sim.messages(), "trait"):
        sent[m["userId"]].append(m["traits"]["minutes_2h"])
    assert sent, "viewers watched something"
    for values in sent.values():
        assert values[0] is not None, "the first value sent is never null"
        assert all(a != b for a, b in pairwise(values)), "only changes are sent"
    assert any(None in values for values in sent.values()), "some trait became null"
