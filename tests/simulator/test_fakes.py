"""Seeded Faker instances are reused: reseeded, one gives what a fresh one gives."""

import threading

from faker import Faker

from simulator.generate.fakes import seeded_faker


def values(fake: Faker) -> list[str]:
    return [fake.first_name(), fake.email(), fake.ipv4_public(), fake.company(),
            fake.date_between("-30y", "-1y").isoformat()]


def fresh(locale: str, seed: int) -> Faker:
    fake = Faker(locale)
    fake.seed_instance(seed)
    return fake


def test_a_reused_instance_gives_what_a_fresh_one_seeded_alike_gives():
    first = values(seeded_faker("fr_FR", 5))
    values(seeded_faker("fr_FR", 6))  # used meanwhile with another seed
    again = seeded_faker("fr_FR", 5)
    assert values(again) == first == values(fresh("fr_FR", 5))
    assert values(seeded_faker("fr_FR", 6)) != first


def test_each_thread_has_its_own_instances():
    here = seeded_faker("it_IT", 1)
    there: list[Faker] = []
    thread = threading.Thread(target=lambda: there.append(seeded_faker("it_IT", 1)))
    thread.start()
    thread.join()
    assert there[0] is not here and seeded_faker("it_IT", 1) is here
