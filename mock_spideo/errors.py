"""The one base exception of spideo-sim.

Every error a user of the toolkit is meant to catch (a bad config, rules, fault, profile
or scenario file) derives from `SpideoSimError`, so `except SpideoSimError` catches them
all and nothing else. Each subclass also derives from ValueError, as it did before the
hierarchy existed, so older `except ValueError` code keeps working.
"""

from __future__ import annotations

__all__ = ["SpideoSimError"]


class SpideoSimError(Exception):
    """Something the user can fix: a file, an option or a setting that cannot be used.

    The message names what is wrong and where (file, line, key) in one line."""
