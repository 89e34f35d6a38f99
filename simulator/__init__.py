"""simulator: the Segment side of spideo-sim.

    from simulator import Simulation, Deliverer, Destination, run_simulation

Hypothesis strategies live in `simulator.testing.strategies` (they need the `fuzz` extra).
"""

from simulator.deliver.delivery import (
    Deliverer,
    Destination,
    FakeClock,
    Ledger,
    Outcome,
    RetryPolicy,
    ScaledClock,
    route,
)
from simulator.generate.messages import complete_message
from simulator.generate.profile import ProfileError, load_profile
from simulator.generate.stream import Simulation
from simulator.simulate import SimulationResult, SimulationSettings, run_simulation
from simulator.testing.scenario import Scenario, ScenarioError, load_scenario, run_scenario

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
    "complete_message",
    "load_profile",
    "load_scenario",
    "route",
    "run_scenario",
    "run_simulation",
]
