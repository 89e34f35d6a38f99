"""Generating a realistic Segment source: the profile, personas, catalog, behaviour,
Engage syncs and spec-valid messages, seeded and lazy.

Layer rule: no network and no delivery; the same seed and options give the same bytes.
Imports from `mock_spideo` only its public names (the Segment wire module).
"""

from simulator.generate.catalog import Catalog, Title, build_catalog
from simulator.generate.messages import DEFAULT_TIME, complete_message, message_times, stamp
from simulator.generate.personas import Device, Persona, build_personas
from simulator.generate.profile import ProfileError, default_profile, load_profile
from simulator.generate.stream import Shard, Simulation

__all__ = [
    "DEFAULT_TIME",
    "Catalog",
    "Device",
    "Persona",
    "ProfileError",
    "Shard",
    "Simulation",
    "Title",
    "build_catalog",
    "build_personas",
    "complete_message",
    "default_profile",
    "load_profile",
    "message_times",
    "stamp",
]
