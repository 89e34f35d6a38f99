"""Engage audience syncs: the first sync is full, later syncs carry only changes."""

from collections import defaultdict
from datetime import datetime
from itertools import pairwise

from simulator.generate.engage import snake_case, sync_times
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
    messages = engage_messages(sim.messages())
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
