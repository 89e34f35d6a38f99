"""simulator: the Segment side of spideo-sim.

    from simulator import Simulation, Deliverer, Destination, run_simulation

The layers, bottom up: `generate` (profile, personas, catalog, behaviour, messages),
`deliver` (Segment's delivery semantics, transports, the Tracking API), `testing`
(scenarios, the pytest plugin, Hypothesis strategies in `simulator.testing.strategies`,
which need the `fuzz` extra); `shards` (processes), `simulate`, `report` and `cli` on
top. The names below are each imported from their home module on first use (PEP 562):
a command imports only what it runs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mock_spideo import SpideoSimError, __version__
    from simulator.deliver.clocks import FakeClock, ScaledClock
    from simulator.deliver.delivery import Deliverer, Destination, RetryPolicy, route
    from simulator.deliver.ledger import Ledger, Outcome
    from simulator.generate.messages import complete_message
    from simulator.generate.profile import ProfileError, load_profile
    from simulator.generate.stream import Simulation
    from simulator.simulate import SimulationResult, SimulationSettings, run_simulation
    from simulator.testing.loading import Scenario, ScenarioError, load_scenario
    from simulator.testing.runner import run_scenario

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

# Each public name's home module: the imports above, for the runtime (a test,
# tests/simulator/test_package.py, holds the three lists to one another).
_HOMES = {
    "mock_spideo": ("SpideoSimError", "__version__"),
    "simulator.deliver.clocks": ("FakeClock", "ScaledClock"),
    "simulator.deliver.delivery": ("Deliverer", "Destination", "RetryPolicy", "route"),
    "simulator.deliver.ledger": ("Ledger", "Outcome"),
    "simulator.generate.messages": ("complete_message",),
    "simulator.generate.profile": ("ProfileError", "load_profile"),
    "simulator.generate.stream": ("Simulation",),
    "simulator.simulate": ("SimulationResult", "SimulationSettings", "run_simulation"),
    "simulator.testing.loading": ("Scenario", "ScenarioError", "load_scenario"),
    "simulator.testing.runner": ("run_scenario",),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}


if not TYPE_CHECKING:  # for mypy, the imports above: a misspelt name stays an error

    def __getattr__(name: str) -> Any:
        """The public name, imported from its home module on first access (then kept)."""
        module = _HOME.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
