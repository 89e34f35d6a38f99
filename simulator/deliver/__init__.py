"""Delivering messages the way Segment does: routing, the direct-destination headers,
retries with backoff and Retry-After, one outcome per message (the ledger), the local
Tracking API for real SDKs, and `spideo-sim serve`.

Layer rule: knows nothing of how messages were generated or what a scenario expects;
imports `simulator.generate` and public names of `mock_spideo` only.
"""

from simulator.deliver.clocks import Clock, FakeClock, ScaledClock
from simulator.deliver.delivery import (
    Deliverer,
    DeliveryInterrupted,
    Destination,
    RetryPolicy,
    route,
)
from simulator.deliver.ledger import Ledger, Outcome, OutcomeKind

__all__ = [
    "Clock",
    "Deliverer",
    "DeliveryInterrupted",
    "Destination",
    "FakeClock",
    "Ledger",
    "Outcome",
    "OutcomeKind",
    "RetryPolicy",
    "ScaledClock",
    "route",
]
