"""End to end through Segment's delivery under random fault schedules: every message
has one outcome, and nothing is recorded twice. The mock is called in-process, through
the same request core as over HTTP (tests/e2e/test_scale.py shows the two transports give
the same report), so that each example's thousand attempts cost no sockets."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_spideo import InProcessEndpoint, create_app
from simulator.deliver import (
    Deliverer,
    Destination,
    FakeClock,
    InProcessTransport,
    RetryPolicy,
)

faults = st.lists(st.fixed_dictionaries(
    {"status": st.sampled_from([408, 429, 500, 502, 503, 504])},
    optional={"times": st.integers(1, 6), "rate": st.sampled_from([0.1, 0.3, 0.6]),
              "retry_after": st.integers(0, 30), "event": st.sampled_from(
                  ["Product Clicked", "Product Viewed"])}), max_size=3).flatmap(
    lambda rules: st.lists(st.fixed_dictionaries({"drop": st.just(True),
                                                  "times": st.integers(1, 3)}),
                           max_size=1).map(lambda drops: rules + drops))
events = st.lists(st.sampled_from(["Product Clicked", "Product Viewed", "Video Content Playing",
                                   "Product Shared"]), min_size=1, max_size=12)


@pytest.fixture(scope="module")
def endpoint():
    return InProcessEndpoint(create_app())


@settings(max_examples=settings.default.max_examples // 4)
@given(schedule=faults, names=events, seed=st.integers(0, 2**16))
def test_conservation_under_faults(endpoint, schedule, names, seed):
    state = endpoint.state
    state.reset()
    state.faults.add({"seed": seed, "faults": schedule})
    messages = [{"type": "track", "event": name, "userId": f"u{n % 3}", "messageId": f"m{n}",
                 "properties": {"product_id": f"p{n}"}} for n, name in enumerate(names)]
    clock = FakeClock()
    destination = Destination("http://mock.invalid/segment", "demo-key", "demo")
    with Deliverer(destination, clock=clock, workers=2, seed=seed,
                   policy=RetryPolicy(window_s=24 * 3600),
                   transport=InProcessTransport(endpoint)) as deliverer:
        ledger = deliverer.deliver_all(messages)
    assert ledger.sent == ledger.total == len(messages)
    assert ledger.outcomes["delivered"] + ledger.outcomes["failed"] == len(messages)
    journal = state.journal
    assert journal.doubled_interactions() == 0
    assert journal.count_interactions() == ledger.recorded_interactions
    expected = sum(1 for name in names if name != "Video Content Playing")
    if ledger.outcomes["failed"] == 0:
        assert journal.count_interactions() == expected
