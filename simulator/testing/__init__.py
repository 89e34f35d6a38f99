"""Testing tools for users of the toolkit: YAML scenario files (loading, targets,
expectations, reports), Hypothesis strategies, and the pytest plugin that runs scenarios.

Layer rule: builds on `simulator.deliver` and `simulator.generate` and the public names
of `mock_spideo`; nothing below imports it.
"""
