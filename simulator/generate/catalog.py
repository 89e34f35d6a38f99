"""The simulated catalog: titles with asset ids, built once with faker, seeded.

The same catalog is loaded into the mock (`to_mock_payload`), so the mock can warn about
interactions on content it does not know.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from simulator.generate.fakes import seeded_faker
from simulator.generate.profile import Profile

__all__ = ["Catalog", "Title", "build_catalog"]


@dataclass(frozen=True, slots=True)
class Title:
    """One playable asset: a movie, an episode of a series, or a live programme."""

    asset_id: str
    title: str
    kind: str  # movie | episode | live
    genre: str
    duration: int  # seconds
    program: str | None = None
    season: int | None = None
    episode: int | None = None
    price: float | None = None  # set on the TVOD subset
    channel: str = "spideo-tv"
    publisher: str = "Spideo Studios"
    airdate: str = "2024-01-01"
    next_asset_id: str | None = None  # the next episode, for binge watching

    @property
    def livestream(self) -> bool:
        return self.kind == "live"


@dataclass(frozen=True)
class Catalog:
    """Titles by asset id, with indexes the behaviour model draws from."""

    titles: tuple[Title, ...]
    by_id: dict[str, Title] = field(init=False, repr=False, compare=False)
    # Where a viewer starts, by genre: movies, live programmes, first episodes.
    entry_points: dict[str, tuple[Title, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_genre: dict[str, list[Title]] = {}
        for title in self.titles:
            if title.kind != "episode" or title.episode == 1:
                by_genre.setdefault(title.genre, []).append(title)
        object.__setattr__(self, "by_id", {t.asset_id: t for t in self.titles})
        object.__setattr__(self, "entry_points", {g: tuple(v) for g, v in by_genre.items()})

    def to_mock_payload(self) -> list[dict[str, Any]]:
        """The catalog as the mock's POST /content (and /__admin/catalog) takes it."""
        return [{"id": t.asset_id, **{k: v for k, v in asdict(t).items()
                                      if k != "asset_id" and v is not None}}
                for t in self.titles]


def build_catalog(profile: Profile, seed: int) -> Catalog:
    """Generate the catalog once: faker runs here, never per event."""
    spec = profile.catalog
    rng = random.Random(f"catalog:{seed}")
    fake = seeded_faker("en_US", seed)
    genres = profile.population.genres
    kinds, weights = zip(*spec.kinds.items(), strict=True)
    titles: list[Title] = []
    serial = 0

    def asset_id() -> str:
        nonlocal serial
        serial += 1
        return f"ast_{serial:05d}_{rng.getrandbits(24):06x}"

    def price() -> float | None:
        if rng.random() >= spec.tvod_share:
            return None
        return round(rng.uniform(spec.price.min, spec.price.max), 2)

    while len(titles) < spec.titles:
        kind = rng.choices(kinds, weights)[0]
        genre = rng.choice(genres)
        name = " ".join(w.capitalize() for w in fake.words(rng.randint(1, 3)))
        airdate = fake.date_between(date(2005, 1, 1), date(2024, 12, 31)).isoformat()
        if kind == "series":
            season = rng.randint(1, 5)
            count = rng.randint(spec.episodes_per_series.min, spec.episodes_per_series.max)
            ids = [asset_id() for _ in range(count)]
            cost = price()
            for number, current in enumerate(ids, start=1):
                titles.append(Title(
                    asset_id=current, title=f"{name} S{season:02d}E{number:02d}", kind="episode",
                    genre=genre, duration=rng.randint(20, 60) * 60, program=name, season=season,
                    episode=number, price=cost, airdate=airdate,
                    next_asset_id=ids[number] if number < count else None))
        elif kind == "live":
            titles.append(Title(asset_id=asset_id(), title=f"{name} Live", kind="live",
                                genre=genre, duration=rng.randint(60, 180) * 60,
                                airdate=airdate))
        else:
            titles.append(Title(asset_id=asset_id(), title=name, kind="movie", genre=genre,
                                duration=rng.randint(80, 150) * 60, price=price(),
                                airdate=airdate))
    return Catalog(tuple(titles))
