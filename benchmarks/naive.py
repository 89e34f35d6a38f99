"""The peer the generator is compared with: a straightforward generator that calls faker
for every event (a fresh user agent, ip, ids and timestamps per message)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from faker import Faker


def naive_messages(count: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    fake = Faker(["en_US", "fr_FR", "de_DE"])
    fake.seed_instance(seed)
    rng = random.Random(seed)
    for _ in range(count):
        moment = fake.date_time_between("-1d", "now").isoformat() + "Z"
        yield {
            "type": "track",
            "event": rng.choice(["Video Content Playing", "Product Clicked",
                                 "Video Content Started"]),
            "userId": fake.user_name(),
            "anonymousId": fake.uuid4(),
            "messageId": fake.uuid4(),
            "timestamp": moment, "originalTimestamp": moment, "sentAt": moment,
            "receivedAt": moment,
            "properties": {"asset_id": fake.bothify("ast_#####"), "title": fake.sentence(3),
                           "position": rng.randint(0, 3000), "total_length": 3600},
            "context": {
                "ip": fake.ipv4_public(), "userAgent": fake.user_agent(),
                "locale": fake.locale(), "timezone": fake.timezone(),
                "device": {"id": fake.uuid4(), "manufacturer": fake.company(),
                           "model": fake.word(), "type": "tv"},
                "os": {"name": "tvOS", "version": "17.4"},
                "library": {"name": "analytics-ios", "version": "4.1.8"},
                "location": {"city": fake.city(), "country": fake.country_code()},
            },
            "integrations": {}, "version": 2,
        }
