"""Seeded Faker instances, made once per thread and locale.

Building a Faker takes milliseconds (it loads every provider), and its first public IPv4
address tens more (it computes the reserved networks to leave out, once per instance):
a fresh instance for every simulation cost 30 to 80 ms each time a stream was built.
Reseeding an instance gives the same values as a fresh one seeded alike, so the stream
of a seed is unchanged. One cache per thread: two threads never share an instance's
random state.
"""

from __future__ import annotations

import threading

from faker import Faker

__all__ = ["seeded_faker"]

_LOCAL = threading.local()


def seeded_faker(locale: str, seed: int) -> Faker:
    """This thread's Faker for `locale`, seeded with `seed` (use it before asking for
    another seeding of the same locale: the instance is shared)."""
    fakers: dict[str, Faker] = _LOCAL.__dict__.setdefault("fakers", {})
    fake = fakers.get(locale)
    if fake is None:
        fake = fakers[locale] = Faker(locale)
    fake.seed_instance(seed)
    return fake
