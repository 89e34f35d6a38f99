"""Seeded Faker instances, made once per thread and locale.

Building a Faker takes milliseconds (it loads every provider), and its first public IPv4
address tens more (it computes the reserved networks to leave out, once per instance):
a fresh instance for every simulation cost 30 to 80 ms each time a stream was built.
Reseeding an instance gives the same values as a fresh one seeded alike, so the stream
of a seed is unchanged. One cache per thread: two threads never share an instance's
random state.

Faker also lists the locales of every localized provider again for each locale it
builds (a directory scan per provider and locale): the lists are kept once listed.
"""

from __future__ import annotations

import functools
import threading

import faker.factory
from faker import Faker

__all__ = ["seeded_faker"]

_LOCAL = threading.local()


def seeded_faker(locale: str, seed: int) -> Faker:
    """This thread's Faker for `locale`, seeded with `seed` (use it before asking for
    another seeding of the same locale: the instance is shared)."""
    fakers: dict[str, Faker] = _LOCAL.__dict__.setdefault("fakers", {})
    fake = fakers.get(locale)
    if fake is None:
        _locales_listed_once()
        fake = fakers[locale] = Faker(locale)
    fake.seed_instance(seed)
    return fake


def _locales_listed_once() -> None:
    """Building a Faker for a locale, Faker.Factory asks each of its 19 localized
    providers which locales it has (faker.utils.loading.list_module, which walks the
    provider's directory): the same answer for every locale, asked again each time. The
    nine locales of the default profile cost 171 walks, 0.08 s of CPU in every process
    that builds viewers (the half of building the Fakers). A provider's directory does not
    change while a process runs: each is walked once."""
    listing = getattr(faker.factory, "list_module", None)  # absent in another Faker: skip
    if listing is not None and not hasattr(listing, "cache_info"):
        faker.factory.list_module = functools.cache(listing)  # type: ignore[attr-defined]
