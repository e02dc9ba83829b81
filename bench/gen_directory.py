"""Synthetic directory entries for the benchmark (and for trying a big directory by hand).

    python bench/gen_directory.py 100000 > /tmp/directory-100k.csv
    hotline directory import /tmp/directory-100k.csv

Entries are scattered around the gazetteer's places (most in Korea, then the US Korean
communities, then the route through China, Russia and South-East Asia), plus towns only
the entries know. Names say SYNTHETIC; phone numbers are fictional (555-01xx, 0000).
"""

from __future__ import annotations

import csv
import random
import sys
from collections.abc import Iterator

from hotline.directory.gazetteer import Place, builtin
from hotline.directory.importer import CSV_HEADER
from hotline.engine.directory_node import CATEGORIES

HOURS = ("mon-fri 09:00-18:00", "mon-fri 09:00-18:00; sat 10:00-14:00", "24/7",
         "tue 14:00-17:00; thu 14:00-17:00", "mon-sat 11:00-14:00", "fri 22:00-06:00", "")
LANGUAGES = ("ko", "ko;en", "ko;zh", "ko;ru", "en", "ko;en;zh")
PHONES = {"KR": "02-0000-{n:04d}", "US": "+1 213-555-01{n2:02d}", "CN": "+86 24 0000 {n:04d}",
          "RU": "+7 423 000-{n3:02d}-{n2:02d}"}
WEIGHTS = {"KR": 60, "US": 25, "CN": 6, "RU": 4}  # the rest share what is left
_SPREAD_KM = {"district": 2.0, "city": 6.0, "county": 10.0, "prefecture": 15.0}


def _phone(country: str, rng: random.Random) -> str:
    n = rng.randrange(10000)
    template = PHONES.get(country, "+66 2 000 {n:04d}")
    return template.format(n=n, n2=n % 100, n3=n // 100 % 100)


def _places(rng: random.Random) -> list[tuple[Place, float]]:
    gaz = builtin()
    out = []
    for place in gaz.places.values():
        if place.kind not in _SPREAD_KM or place.lat is None:
            continue
        weight = WEIGHTS.get(place.country, 1) / 10
        out.append((place, weight * (3 if place.kind == "district" else 1)))
    return out


def generate(n: int, seed: int = 42) -> Iterator[dict[str, str]]:
    """Yield n synthetic rows with the CSV header's fields."""
    rng = random.Random(seed)
    places = _places(rng)
    weights = [w for _, w in places]
    gaz = builtin()
    for i in range(n):
        place, _ = rng.choices(places, weights)[0]
        assert place.lat is not None and place.lon is not None
        spread = _SPREAD_KM[place.kind] / 111.0
        lat, lon = rng.gauss(place.lat, spread), rng.gauss(place.lon, spread)
        parent = gaz.places.get(place.parent)
        city, district = place.name("ko" if place.country == "KR" else "en"), ""
        if place.kind == "district" and parent is not None:
            city, district = parent.name("ko" if place.country == "KR" else "en"), city
        if rng.random() < 0.1:  # a town only the entries know, near the place
            city, district = f"Synthtown {i % 700}", ""
            lat, lon = place.lat + (i % 700) % 7 * 0.05, place.lon + (i % 700) // 7 % 7 * 0.05
        yield {
            "name": f"SYNTHETIC {rng.choice(CATEGORIES)} {i}",
            "category": rng.choice(CATEGORIES),
            "phone": _phone(place.country, rng),
            "address": f"{district} {rng.randrange(1, 300)}".strip(),
            "city": city, "region": "", "country": place.country, "postal_code": "",
            "latitude": f"{lat:.5f}", "longitude": f"{lon:.5f}",
            "languages": rng.choice(LANGUAGES), "hours": rng.choice(HOURS),
            "cost": rng.choice(("free", "free", "free", "low")),
            "description": "synthetic entry for benchmarks",
        }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    writer = csv.DictWriter(sys.stdout, fieldnames=CSV_HEADER)
    writer.writeheader()
    writer.writerows(generate(n))


if __name__ == "__main__":
    main()
