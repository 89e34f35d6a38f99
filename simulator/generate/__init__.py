"""Generating a realistic Segment source: the profile, personas, catalog, behaviour,
Engage syncs and spec-valid messages, seeded and lazy.

Layer rule: no network and no delivery; the same seed and options give the same bytes.
Imports from `mock_spideo` only its public names (the Segment wire module).
"""
