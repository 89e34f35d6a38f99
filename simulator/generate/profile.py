"""Simulation profiles: every size and rate of a simulation, in one YAML file.

The shipped `profiles/default.yaml` holds every key with its default; a user's profile
overrides any subset. Unknown keys and wrong types fail with the key's dotted path.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from mock_spideo.errors import SpideoSimError

__all__ = ["ProfileError", "default_profile", "load_profile", "merge_profile"]


class ProfileError(SpideoSimError, ValueError):
    """A profile that cannot be used: names the key and the reason."""


@cache
def _default_text() -> str:
    return resources.files("simulator").joinpath("profiles/default.yaml").read_text("utf-8")


def default_profile() -> dict[str, Any]:
    """A fresh copy of the shipped default profile."""
    return yaml.safe_load(_default_text())


def merge_profile(base: dict[str, Any], override: dict[str, Any], where: str = "") -> None:
    """Apply `override` onto `base` in place, checking keys and value types."""
    for key, value in override.items():
        path = f"{where}.{key}" if where else str(key)
        if key not in base:
            raise ProfileError(f"unknown profile key '{path}'")
        current = base[key]
        # Free-form maps (audience definitions, mixes) may gain keys; others are checked.
        if isinstance(current, dict) and isinstance(value, dict):
            if path in ("engage.audiences", "catalog.kinds", "population.device_mix"):
                base[key] = value
            else:
                merge_profile(current, value, path)
        elif isinstance(current, bool) != isinstance(value, bool) or (
                isinstance(current, (int, float)) and not isinstance(value, (int, float))) or (
                isinstance(current, (str, list, dict)) and type(value) is not type(current)):
            raise ProfileError(f"profile key '{path}' must be a {type(current).__name__}, "
                               f"got {value!r}")
        else:
            base[key] = value


def load_profile(path: str | Path | None = None, **overrides: Any) -> dict[str, Any]:
    """The default profile with a file's values and keyword overrides applied."""
    profile = default_profile()
    if path is not None:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ProfileError(f"cannot read profile {path}: {exc}") from None
        if not isinstance(data, dict):
            raise ProfileError(f"profile {path} must be a mapping")
        merge_profile(profile, data)
    for dotted, value in overrides.items():
        if value is None:
            continue
        *parents, leaf = dotted.split(".")
        target = profile
        for parent in parents:
            target = target[parent]
        merge_profile(target, {leaf: value}, ".".join(parents))
    _check(profile)
    return profile


def _check(profile: dict[str, Any]) -> None:
    if profile["population"]["users"] < 1:
        raise ProfileError("population.users must be at least 1")
    if profile["catalog"]["titles"] < 1:
        raise ProfileError("catalog.titles must be at least 1")
    if profile["behaviour"]["heartbeat_interval"] < 1:
        raise ProfileError("behaviour.heartbeat_interval must be at least 1 second")
    if len(profile["sessions"]["diurnal"]) != 24:
        raise ProfileError("sessions.diurnal needs 24 hourly weights")
    for section in ("behaviour", "quality", "sessions"):
        for key, value in profile[section].items():
            if key in ("view_details", "play_after_details", "wishlist", "share", "purchase",
                       "complete", "pause", "seek", "buffer", "review", "binge",
                       "clock_skew", "late_arrival", "duplicate", "noise_custom_events",
                       "broken", "anonymous_start", "login_in_session") and not 0 <= value <= 1:
                raise ProfileError(f"{section}.{key} is a probability: 0 to 1, got {value}")
