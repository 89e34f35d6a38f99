"""simulator: the Segment side of spideo-sim.

    from simulator import Simulation, Deliverer, Destination, run_simulation

The layers, bottom up: `generate` (profile, personas, catalog, behaviour, messages),
`deliver` (Segment's delivery semantics, transports, the Tracking API), `testing`
(scenarios, the pytest plugin, Hypothesis strategies in `simulator.testing.strategies`,
which need the `fuzz` extra); `shards` (processes), `simulate`, `report` and `cli` on
top.
"""

from mock_spideo import SpideoSimError, __version__
from simulator.deliver import (
    Deliverer,
    Destination,
    FakeClock,
    Ledger,
    Outcome,
    RetryPolicy,
    ScaledClock,
    route,
)
from simulator.generate import ProfileError, Simulation, complete_message, load_profile
from simulator.simulate import SimulationResult, SimulationSettings, run_simulation
from simulator.testing import Scenario, ScenarioError, load_scenario, run_scenario

__all__ = [
    "Deliverer",
    "Destination",
    "FakeClock",
    "Ledger",
    "Outcome",
    "ProfileError",
    "RetryPolicy",
    "ScaledClock",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "SimulationResult",
    "SimulationSettings",
    "SpideoSimError",
    "__version__",
    "complete_message",
    "load_profile",
    "load_scenario",
    "route",
    "run_scenario",
    "run_simulation",
]
