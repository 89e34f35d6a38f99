"""Simulated viewers: faker personas with devices, built once and reused for every event.

Each device carries a complete, consistent Segment `context` (os, userAgent, library,
app, screen, ip, timezone, locale) built here; messages share that dict, so no faker
call and no context building happens per event.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from faker import Faker

from simulator.generate.fakes import seeded_faker
from simulator.generate.profile import Profile

__all__ = ["DEVICE_KINDS", "Device", "Persona", "build_personas"]

# Timezones consistent with each locale (tz database names).
_TIMEZONES = {
    "en_US": ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"],
    "en_GB": ["Europe/London"], "fr_FR": ["Europe/Paris"], "de_DE": ["Europe/Berlin"],
    "es_ES": ["Europe/Madrid"], "it_IT": ["Europe/Rome"], "pt_BR": ["America/Sao_Paulo"],
    "nl_NL": ["Europe/Amsterdam"], "ja_JP": ["Asia/Tokyo"],
}
_UTC_OFFSET_HOURS = {
    "America/New_York": -5, "America/Chicago": -6, "America/Denver": -7,
    "America/Los_Angeles": -8, "Europe/London": 0, "Europe/Paris": 1, "Europe/Berlin": 1,
    "Europe/Madrid": 1, "Europe/Rome": 1, "America/Sao_Paulo": -3, "Europe/Amsterdam": 1,
    "Asia/Tokyo": 9,
}
# Cities by country, chosen with the seeded generator: faker's city() for some locales
# depends on the process's hash seed, which would break byte-identical output.
_CITIES = {"US": ["Chicago", "Austin", "Seattle", "Boston"], "GB": ["Leeds", "Bristol", "York"],
           "FR": ["Lyon", "Nantes", "Lille"], "DE": ["Leipzig", "Bremen", "Köln"],
           "ES": ["Sevilla", "Bilbao", "Valencia"], "IT": ["Torino", "Bologna", "Bari"],
           "BR": ["Recife", "Curitiba", "Salvador"], "NL": ["Utrecht", "Delft", "Leiden"],
           "JP": ["Osaka", "Sapporo", "Fukuoka"]}
_COUNTRY_LATLNG = {"US": (39.8, -98.6), "GB": (52.4, -1.5), "FR": (46.6, 2.2),
                   "DE": (51.2, 10.4), "ES": (40.4, -3.7), "IT": (42.8, 12.8),
                   "BR": (-14.2, -51.9), "NL": (52.1, 5.3), "JP": (36.2, 138.3)}
_APP_UA = "SpideoPlayer/5.12.0"
# (os name, os versions, manufacturer, models, library name, library version, screen,
#  userAgent template): every field of a device agrees with the others.
_PLATFORMS: dict[str, list[tuple[Any, ...]]] = {
    "tv": [
        ("tvOS", ["17.4", "18.1"], "Apple", ["AppleTV6,2", "AppleTV14,1"],
         "analytics-ios", "4.1.8", (1920, 1080, 1), _APP_UA + " (AppleTV; tvOS {version})"),
        ("Android TV", ["12", "13"], "Sony", ["BRAVIA 4K GB", "BRAVIA XR"],
         "analytics-android", "4.11.3", (1920, 1080, 1),
         "Dalvik/2.1.0 (Linux; U; Android {version}; {model} Build/TP1A)"),
        ("Tizen", ["7.0"], "Samsung", ["QE55Q80C", "UE50CU7100"],
         "analytics.js", "next-1.53.0", (1920, 1080, 1),
         "Mozilla/5.0 (SMART-TV; LINUX; Tizen {version}) AppleWebKit/537.36 (KHTML, like "
         "Gecko) 94.0.4606.31/{version} TV Safari/537.36"),
    ],
    "mobile": [
        ("iOS", ["17.5", "18.2"], "Apple", ["iPhone15,2", "iPhone16,1"],
         "analytics-ios", "4.1.8", (393, 852, 3),
         _APP_UA + " (iPhone; iOS {version}; Scale/3.00)"),
        ("Android", ["13", "14"], "samsung", ["SM-S918B", "Pixel 8"],
         "analytics-android", "4.11.3", (412, 915, 2.625),
         "Dalvik/2.1.0 (Linux; U; Android {version}; {model} Build/UP1A)"),
    ],
    "tablet": [
        ("iPadOS", ["17.5"], "Apple", ["iPad13,18"], "analytics-ios", "4.1.8",
         (820, 1180, 2), _APP_UA + " (iPad; iPadOS {version}; Scale/2.00)"),
        ("Android", ["13"], "samsung", ["SM-X710"], "analytics-android", "4.11.3",
         (1280, 800, 1.5), "Dalvik/2.1.0 (Linux; U; Android {version}; {model} Build/TP1A)"),
    ],
    "web": [
        ("Mac OS X", ["14.4"], "Apple", ["Macintosh"], "analytics.js", "next-1.53.0",
         (1512, 982, 2),
         "Mozilla/5.0 (Macintosh; Intel Mac OS X {underscored}) AppleWebKit/605.1.15 "
         "(KHTML, like Gecko) Version/17.4 Safari/605.1.15"),
        ("Windows", ["10", "11"], "Microsoft", ["PC"], "analytics.js", "next-1.53.0",
         (1920, 1080, 1),
         "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0.0.0 Safari/537.36"),
    ],
}
DEVICE_KINDS = tuple(_PLATFORMS)
"""The device kinds a profile's device_mix may weigh (each with its platforms above)."""
_APP = {"name": "Spideo Player", "version": "5.12.0", "build": "5120"}


@dataclass(frozen=True, slots=True)
class Device:
    """One device of a persona, with its anonymousId and its ready-made context."""

    type: str
    anonymous_id: str
    context: dict[str, Any]
    utc_offset_hours: int
    clock_skew_ms: int
    is_web: bool


@dataclass(frozen=True)
class Persona:
    """A viewer: identity, traits, devices and a taste profile that drives behaviour."""

    index: int
    user_id: str
    traits: dict[str, Any]
    devices: tuple[Device, ...]
    tastes: dict[str, float]  # genre -> affinity weight
    identified: bool  # whether this viewer ever logs in
    extra: dict[str, Any] = field(default_factory=dict)


def _uuid4(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _device(kind: str, rng: random.Random, fake: Faker, locale: str, profile: Profile) -> Device:
    (os_name, versions, maker, models, library, lib_version, screen,
     agent) = rng.choice(_PLATFORMS[kind])
    timezone = rng.choice(_TIMEZONES.get(locale, ["Europe/London"]))
    anonymous_id = _uuid4(rng)
    model = rng.choice(models)
    os_version = rng.choice(versions)
    lat, lng = _COUNTRY_LATLNG.get(locale[-2:], (0.0, 0.0))
    context: dict[str, Any] = {
        "active": True,
        "app": dict(_APP),
        "device": {"id": _uuid4(rng), "advertisingId": _uuid4(rng), "manufacturer": maker,
                   "model": model, "name": f"{fake.first_name()}'s {model}", "type": kind},
        "ip": fake.ipv4_public(),
        "library": {"name": library, "version": lib_version},
        "locale": locale.replace("_", "-"),
        "location": {"city": rng.choice(_CITIES.get(locale[-2:], ["Paris"])),
                     "country": locale[-2:],
                     "latitude": round(lat + rng.uniform(-2, 2), 4),
                     "longitude": round(lng + rng.uniform(-2, 2), 4)},
        "network": {"wifi": rng.random() < 0.8, "cellular": kind == "mobile",
                    "carrier": fake.company() if kind == "mobile" else None},
        "os": {"name": os_name, "version": os_version},
        "screen": {"width": screen[0], "height": screen[1], "density": screen[2]},
        "timezone": timezone,
        "traits": {},
        "userAgent": agent.format(version=os_version, model=model,
                                  underscored=os_version.replace(".", "_")),
    }
    if kind == "web":
        context["page"] = {"path": "/", "referrer": "", "search": "", "title": "Spideo Player",
                           "url": "https://player.example.com/"}
    quality = profile.quality
    skew = 0
    if rng.random() < quality.clock_skew:
        low, high = quality.clock_skew_seconds.min, quality.clock_skew_seconds.max
        skew = int(rng.uniform(low, high) * 1000)
    return Device(kind, anonymous_id, context, _UTC_OFFSET_HOURS.get(timezone, 0), skew,
                  kind == "web")


def build_personas(profile: Profile, seed: int) -> list[Persona]:
    """Generate the viewers once: faker runs here, never per event."""
    population = profile.population
    rng = random.Random(f"personas:{seed}")
    locales = population.locales
    fakers = {locale: seeded_faker(locale, seed * 1000 + number)
              for number, locale in enumerate(locales)}
    kinds, weights = zip(*population.device_mix.items(), strict=True)
    genres = population.genres
    personas = []
    for index in range(population.users):
        locale = rng.choice(locales)
        fake = fakers[locale]
        first, last = fake.first_name(), fake.last_name()
        count = rng.randint(population.devices_per_user.min, population.devices_per_user.max)
        devices = tuple(_device(rng.choices(kinds, weights)[0], rng, fake, locale, profile)
                        for _ in range(count))
        favourite = rng.sample(genres, k=min(3, len(genres)))
        tastes = {g: (4.0 if g == favourite[0] else 2.0 if g in favourite else 0.5)
                  for g in genres}
        traits = {
            "firstName": first, "lastName": last, "name": f"{first} {last}",
            "email": fake.email(), "phone": fake.phone_number(),
            # fixed ranges, not relative to today: the same seed gives the same bytes
            "birthday": fake.date_between(date(1945, 1, 1), date(2008, 12, 31)).isoformat(),
            "createdAt": fake.date_time_between(datetime(2020, 1, 1), datetime(2024, 12, 31)
                                                ).isoformat() + "Z",
            "plan": rng.choice(["basic", "standard", "premium"]),
            "favorite_genre": favourite[0],
            "language": locale[:2],
        }
        personas.append(Persona(
            index=index, user_id=f"usr_{index:06d}_{rng.getrandbits(32):08x}", traits=traits,
            devices=devices, tastes=tastes,
            identified=rng.random() < population.identified_share))
    return personas
