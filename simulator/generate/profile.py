"""Simulation profiles: every size, rate and duration of a simulation, typed.

The shipped `profiles/default.yaml` holds every key with its default; a user's profile
overrides any subset. The result is a frozen `Profile` of typed sections (msgspec
structs), so a wrong key or type fails at load time with its path, and the generator
reads attributes, not dictionary keys.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import msgspec

from mock_spideo import SpideoSimError
from mock_spideo.files import parse_yaml, read_yaml

__all__ = [
    "MAX_VIEWERS",
    "Audience",
    "Behaviour",
    "CatalogSpec",
    "Count",
    "Engage",
    "Population",
    "Profile",
    "ProfileError",
    "Quality",
    "Sessions",
    "Span",
    "Timing",
    "Trait",
    "default_profile",
    "fault_profile_names",
    "load_faults",
    "load_profile",
]

Probability = Annotated[float, msgspec.Meta(ge=0, le=1)]
Positive = Annotated[float, msgspec.Meta(gt=0)]
AtLeastOne = Annotated[int, msgspec.Meta(ge=1)]
# The most viewers one simulation holds: the stream's queue key gives a viewer 24 bits
# (simulator/generate/behaviour.py, KEY_SHIFT). Checked here, before any is built.
MAX_VIEWERS = 1 << 24
Viewers = Annotated[int, msgspec.Meta(ge=1, le=MAX_VIEWERS)]
# Maps whose keys the user chooses: a profile replaces them whole instead of merging.
_FREE_FORM = ("engage.audiences", "engage.traits", "catalog.kinds", "population.device_mix")


class ProfileError(SpideoSimError, ValueError):
    """A profile that cannot be used: names the file, the key and the reason."""


class _Section(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A profile section: immutable, and an unknown key is an error."""


class Count(_Section, frozen=True):
    """A whole-number range, drawn uniformly (both ends included)."""

    min: int
    max: int

    def __post_init__(self) -> None:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")


class Span(_Section, frozen=True):
    """A range of seconds (or of any real quantity), drawn uniformly."""

    min: float
    max: float

    def __post_init__(self) -> None:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")

    @property
    def ms(self) -> tuple[int, int]:
        """The range in whole milliseconds, for rng.randint."""
        return round(self.min * 1000), round(self.max * 1000)


class Population(_Section, frozen=True):
    users: Viewers
    locales: list[str]
    devices_per_user: Count
    device_mix: dict[str, Positive]
    genres: list[str]
    identified_share: Probability

    def __post_init__(self) -> None:
        # What the personas can be built from: said here, before a viewer is built
        from faker.config import AVAILABLE_LOCALES

        from simulator.generate.personas import DEVICE_KINDS
        unknown = sorted(set(self.locales) - set(AVAILABLE_LOCALES))
        if not self.locales or unknown:
            raise ValueError(f"locales: {', '.join(unknown) or 'none given'}: give Faker "
                             "locales such as en_US, fr_FR, pt_BR")
        kinds = sorted(set(self.device_mix) - set(DEVICE_KINDS))
        if not self.device_mix or kinds:
            raise ValueError(f"device_mix: {', '.join(kinds) or 'none given'}: the device "
                             f"kinds are {', '.join(DEVICE_KINDS)}")
        if not self.genres:
            raise ValueError("genres: give at least one")


class CatalogSpec(_Section, frozen=True):
    titles: AtLeastOne
    kinds: dict[str, Positive]
    episodes_per_series: Count
    tvod_share: Probability
    price: Span


class Sessions(_Section, frozen=True):
    per_day: Positive
    diurnal: Annotated[list[Annotated[float, msgspec.Meta(ge=0)]],
                       msgspec.Meta(min_length=24, max_length=24)]
    weekend_uplift: Positive
    anonymous_start: Probability
    login_in_session: Probability


class Behaviour(_Section, frozen=True):
    browse_pages: Count
    clicks_per_session: Count
    view_details: Probability
    play_after_details: Probability
    wishlist: Probability
    share: Probability
    purchase: Probability
    heartbeat_interval: Annotated[float, msgspec.Meta(ge=1)]
    watch_share: Span
    complete: Probability
    pause: Probability
    seek: Probability
    buffer: Probability
    review: Probability
    binge: Probability
    max_binge: int


class Timing(_Section, frozen=True):
    """How long a viewer takes between steps, and how a device's messages travel (all in
    seconds)."""

    page_view: Span
    login: Span
    custom_event: Span
    click: Span
    details: Span
    wishlist: Span
    share: Span
    purchase: Span
    play: Span
    content_start: Span
    review: Span
    pause: Span
    buffer: Span
    seek_offset: Span
    send_delay: Span
    latency: Span
    resend_after: Span


class Quality(_Section, frozen=True):
    clock_skew: Probability
    clock_skew_seconds: Span
    late_arrival: Probability
    late_seconds: Span
    duplicate: Probability
    noise_custom_events: Probability
    broken: Probability


class Audience(_Section, frozen=True):
    """One Engage audience: exactly one membership test, with its threshold."""

    completions_within_hours: Positive | None = None
    plays_within_hours: Positive | None = None
    orders_within_hours: Positive | None = None
    no_play_within_hours: Positive | None = None
    at_least: AtLeastOne = 1
    after_playing: bool = True

    _TESTS = ("completions_within_hours", "plays_within_hours", "orders_within_hours",
              "no_play_within_hours")

    def __post_init__(self) -> None:
        if len(self.tests) != 1:
            raise ValueError(f"an audience needs exactly one of {', '.join(self._TESTS)}")

    @property
    def tests(self) -> dict[str, float]:
        """The membership test(s) set: name -> window in hours."""
        return _chosen(self, self._TESTS)


class Trait(_Section, frozen=True):
    """One Engage computed trait: exactly one computation over the last hours of viewing.

    watch_minutes_within_hours: whole minutes watched (a number); top_genre_within_hours:
    the genre watched longest (a string); last_played_within_hours: the asset id of the
    last playback (a string). With no viewing in the window the value is null."""

    watch_minutes_within_hours: Positive | None = None
    top_genre_within_hours: Positive | None = None
    last_played_within_hours: Positive | None = None

    _COMPUTATIONS = ("watch_minutes_within_hours", "top_genre_within_hours",
                     "last_played_within_hours")

    def __post_init__(self) -> None:
        if len(self.computations) != 1:
            raise ValueError(f"a trait needs exactly one of {', '.join(self._COMPUTATIONS)}")

    @property
    def computations(self) -> dict[str, float]:
        """The computation(s) set: name -> window in hours."""
        return _chosen(self, self._COMPUTATIONS)


def _chosen(section: Any, names: tuple[str, ...]) -> dict[str, float]:
    """The fields among `names` that a section sets: name -> value (a section of these
    kinds takes exactly one)."""
    return {name: value for name in names if (value := getattr(section, name)) is not None}


class Engage(_Section, frozen=True):
    enabled: bool
    space_id: str
    first_sync_after_hours: Annotated[float, msgspec.Meta(ge=0)]
    sync_every_hours: Span
    audiences: dict[str, Audience]
    traits: dict[str, Trait] = {}


class Profile(_Section, frozen=True):
    """Every size, rate and duration of a simulation."""

    population: Population
    catalog: CatalogSpec
    sessions: Sessions
    behaviour: Behaviour
    timing: Timing
    quality: Quality
    engage: Engage


@cache
def _default_text() -> str:
    return resources.files("simulator").joinpath("profiles/default.yaml").read_text("utf-8")


def default_profile() -> Profile:
    """The shipped default profile."""
    return load_profile()


def _merge(base: dict[str, Any], override: dict[str, Any], where: str = "") -> None:
    """Apply `override` onto `base` in place: sections merge key by key, free-form maps
    (audiences, mixes) are replaced whole. Types are checked afterwards, with paths."""
    for key, value in override.items():
        path = f"{where}.{key}" if where else str(key)
        current = base.get(key)
        if isinstance(current, dict) and isinstance(value, dict) and path not in _FREE_FORM:
            _merge(current, value, path)
        else:
            base[key] = value


def load_profile(path: str | Path | None = None, **overrides: Any) -> Profile:
    """The default profile with a file's values, then keyword overrides, applied.

    Overrides use dotted keys: load_profile(**{"population.users": 5}); None is ignored.
    Raises ProfileError naming the file and the key."""
    data: dict[str, Any] = parse_yaml(_default_text())
    source = "the default profile"
    if path is not None:
        source = str(path)
        given = read_yaml(path, ProfileError, "the profile") or {}
        if not isinstance(given, dict):
            raise ProfileError(f"{path}: a profile is a mapping of sections "
                               "(population, catalog, sessions, ...)")
        _merge(data, given)
    for dotted, value in overrides.items():
        if value is not None:
            *parents, leaf = dotted.split(".")
            nested: dict[str, Any] = {leaf: value}
            for parent in reversed(parents):
                nested = {parent: nested}
            _merge(data, nested)
    try:
        return msgspec.convert(data, Profile)
    except msgspec.ValidationError as exc:
        reason, _, where = str(exc).partition(" - at `$.")
        where = where.rstrip("`")
        if overrides.get(where) is not None:  # a value given as an option (--users, ...)
            raise ProfileError(f"{where}={overrides[where]!r} (an override of {source}): "
                               f"{reason}") from None
        key = f"{where}: " if where else ""
        raise ProfileError(f"{source}: {key}{reason}") from None


def fault_profile_names() -> list[str]:
    """The fault profiles shipped beside the default profile (profiles/faults/NAME.yaml),
    usable by name wherever a faults file is: `--faults segment-day`."""
    folder = resources.files("simulator").joinpath("profiles/faults")
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def load_faults(name_or_path: str, error: type[SpideoSimError]) -> Any:
    """The fault rules of a shipped fault profile (by name) or of a YAML/JSON file (by
    path). `error` (one line) when it is neither, or cannot be read."""
    if name_or_path in fault_profile_names():
        return parse_yaml(resources.files("simulator").joinpath(
            f"profiles/faults/{name_or_path}.yaml").read_text("utf-8"))
    if not Path(name_or_path).exists() and "/" not in name_or_path and "." not in name_or_path:
        raise error(f"no fault profile named {name_or_path!r} and no such file; shipped "
                    f"profiles: {', '.join(fault_profile_names())}")
    return read_yaml(name_or_path, error, "the faults file")
