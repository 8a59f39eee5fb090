"""540 projects, 90 per region, from a fixed random seed: the same rows on every machine."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from subgraphs.nations.catalog import NationRecord

SEED = 20240917
PER_REGION = 90
AS_OF = dt.date(2026, 11, 1)  # fixed, so progress does not depend on when the seed runs

# Which nations a region's projects are placed in: its group, narrowed to nearby UN regions.
REGION_NATIONS = {
    "ams": lambda n: n.un_region == "Europe" or n.un_subregion in ("Western Asia", "Northern Africa"),
    "jnb": lambda n: n.un_region == "Africa" or n.un_subregion == "Western Asia",
    "iad": lambda n: n.un_region == "Americas" and n.un_subregion != "South America",
    "sfo": lambda n: n.un_region == "Americas",
    "syd": lambda n: n.un_region == "Oceania" or n.un_subregion == "South-eastern Asia",
    "sin": lambda n: n.group_name == "APAC" and n.un_region == "Asia",
}

SECTOR_WORDS = {
    "energy": ["Solar Microgrid", "Wind Corridor", "Grid Modernisation", "Geothermal Plant"],
    "water": ["Clean Water Network", "Desalination Works", "Watershed Restoration", "Irrigation Upgrade"],
    "health": ["Rural Clinics", "Vaccine Cold Chain", "Maternal Health Programme", "Telemedicine Hubs"],
    "education": ["Digital Classrooms", "Teacher Training", "School Rebuild", "Girls in STEM"],
    "agriculture": ["Drought-Resistant Crops", "Farm Cooperatives", "Soil Renewal", "Food Storage"],
    "connectivity": ["Last-Mile Broadband", "Community Networks", "Undersea Cable Landing", "Satellite Access"],
    "transport": ["Electric Buses", "Rail Link", "Port Resilience", "Safe Roads"],
    "climate": ["Mangrove Shield", "Flood Defences", "Reforestation", "Early Warning System"],
}
STATUSES = ["active", "planned", "completed", "paused", "cancelled"]
STATUS_WEIGHTS = [50, 20, 18, 8, 4]


def generate(nations: Sequence[NationRecord], regions: Sequence[str]) -> list[dict[str, object]]:
    rng = random.Random(SEED)
    rows: list[dict[str, object]] = []
    for region in regions:
        pool = sorted((n for n in nations if REGION_NATIONS[region](n)), key=lambda n: n.code)
        for i in range(1, PER_REGION + 1):
            nation = rng.choice(pool)
            sector = rng.choice(sorted(SECTOR_WORDS))
            status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
            start = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 7))
            end = start + dt.timedelta(days=rng.randrange(365, 365 * 6))
            if status == "planned":
                start = max(start, AS_OF + dt.timedelta(days=rng.randrange(30, 400)))
                end = start + dt.timedelta(days=rng.randrange(365, 365 * 5))
            elapsed = (AS_OF - start).days / max(1, (end - start).days)
            progress = {
                "completed": 1.0,
                "planned": 0.0,
            }.get(status, round(min(0.98, max(0.02, elapsed * rng.uniform(0.7, 1.1))), 3))
            budget = round(10 ** rng.uniform(6, 8.7), -3)  # 1M .. 500M USD, log-uniform
            rows.append(
                {
                    "id": f"prj-{region}-{i:03d}",
                    "name": f"{rng.choice(SECTOR_WORDS[sector])} — {nation.name}",
                    "sector": sector,
                    "status": status,
                    "budget_usd": int(budget),
                    "start_date": start,
                    "end_date": end,
                    "progress": progress,
                    "home_region": region,
                    "nation_code": nation.code,
                }
            )
    return rows
