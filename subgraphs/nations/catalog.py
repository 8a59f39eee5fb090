"""The 195 nations as records for the database, assembled from maintained packages.

- `country_converter` (coco): which countries are UN members (with their admission year), UN M49
  region and sub-region, short and official names, and its regular expressions for country names.
  Read from its bundled TSV, without importing the package (which would import pandas for nothing).
- `pycountry`: ISO 3166-1 codes and names, and ISO 3166-3 names of former countries.
- `babel`: CLDR's name of every nation in each official language of any nation (the search).
- `countryinfo`: capital, and a few alternative spellings.
- `data/population.csv` and `data/gdp.csv` (in this repo, source and year named inside): population
  and GDP, both for 2022, which no package carries for one year.
The two UN observer states are the Holy See (VA) and the State of Palestine (PS).
"""

from __future__ import annotations

import csv
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pycountry
from countryinfo import CountryInfo

from subgraphs.nations.names import display_name, search_names

DATA = Path(__file__).with_name("data")
OBSERVERS = {"VAT", "PSE"}
# coco's M49 continent names -> UN region names as the UN spells them
UN_REGION = {"America": "Americas"}


@dataclass(frozen=True)
class NationRecord:
    code: str
    alpha3: str
    numeric: str
    name: str
    official_name: str
    un_region: str
    un_subregion: str
    group_name: str
    un_status: str
    capital: str | None
    population: int | None
    gdp_usd: int | None
    gdp_source: str
    search_names: str

    def as_row(self) -> dict[str, object]:
        return self.__dict__.copy()


def group_of(un_region: str, un_subregion: str) -> str:
    """EMEA: Europe, Africa and the Middle East (Western Asia); APAC: the rest of Asia and Oceania."""
    if un_region == "Americas":
        return "Americas"
    if un_region in ("Europe", "Africa") or un_subregion == "Western Asia":
        return "EMEA"
    return "APAC"


def read_data(name: str) -> list[dict[str, str]]:
    """A data file of this package: CSV whose `#` lines name the source and year."""
    with (DATA / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def _coco_rows() -> list[dict[str, str]]:
    spec = importlib.util.find_spec("country_converter")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("country_converter is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "country_data.tsv"
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def member_rows() -> list[dict[str, str]]:
    """coco's rows for the 193 UN members and the 2 observer states."""
    return [r for r in _coco_rows() if r["UNmember"].strip() or r["ISO3"].strip() in OBSERVERS]


@cache
def load_catalog() -> list[NationRecord]:
    gdp = {r["iso3"]: r for r in read_data("gdp.csv")}
    population = {r["iso3"]: int(r["population"]) for r in read_data("population.csv")}
    rows = member_rows()
    codes = {pycountry.countries.get(alpha_3=r["ISO3"].strip()).alpha_2 for r in rows}  # type: ignore[union-attr]  # every member is in ISO 3166 (the catalog test loads them all)
    records = []
    for row in rows:
        iso3 = row["ISO3"].strip()
        country = pycountry.countries.get(alpha_3=iso3)
        if country is None:
            raise RuntimeError(f"pycountry does not know {iso3}")
        info = CountryInfo(country.alpha_2).info()
        un_region = UN_REGION.get(row["continent"], row["continent"])
        un_subregion = row["UNregion"]
        money = gdp.get(iso3)
        if money is None:
            raise RuntimeError(f"gdp.csv has no row for {iso3}")
        gdp_musd = int(money["gdp_musd"])
        records.append(
            NationRecord(
                code=country.alpha_2,
                alpha3=iso3,
                numeric=country.numeric,
                name=display_name(country, row),
                official_name=_official(country, row),
                un_region=un_region,
                un_subregion=un_subregion,
                group_name=group_of(un_region, un_subregion),
                un_status="member" if row["UNmember"].strip() else "observer",
                capital=info.get("capital") or None,
                population=population.get(iso3),
                gdp_usd=gdp_musd * 1_000_000 if gdp_musd > 0 else None,
                gdp_source=money["source"],
                search_names=search_names(country, row, info, codes),
            )
        )
    return sorted(records, key=lambda r: r.code)


def _official(country: object, row: dict[str, str]) -> str:
    name = getattr(country, "official_name", None) or row["name_official"]
    # pycountry writes some as running text ("the State of Palestine").
    return name[4:] if name.startswith("the ") else name
