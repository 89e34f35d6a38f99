"""Testing tools for users of the toolkit: YAML scenario files (loading, targets,
expectations, reports), Hypothesis strategies, and the pytest plugin that runs scenarios.

Layer rule: builds on `simulator.deliver` and `simulator.generate` and the public names
of `mock_spideo`; nothing below imports it.
"""

from simulator.testing.loading import Given, Scenario, ScenarioError, load_scenario
from simulator.testing.reporting import ScenarioResult
from simulator.testing.runner import run_scenario
from simulator.testing.targets import HttpTarget, InProcessTarget, Target, skip_reason

__all__ = [
    "Given",
    "HttpTarget",
    "InProcessTarget",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "Target",
    "load_scenario",
    "run_scenario",
    "skip_reason",
]
