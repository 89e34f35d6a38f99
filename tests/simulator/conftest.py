import pytest

from simulator.generate.stream import Simulation


@pytest.fixture(scope="session")
def day_of_messages():
    """One simulated day of the default profile (seed 1), generated once per session."""
    sim = Simulation(seed=1)
    return sim, list(sim.messages())
