"""A nation's names: the one shown, and every name the search knows it by, all from maintained data.

- English: country_converter's short name, pycountry's ISO name and common name, CLDR's English
  name (through babel); official names (coco, pycountry) and old ones (ISO 3166-3 via pycountry,
  countryinfo's name) rank after them.
- Other languages and scripts: CLDR's name in each official language of any country (babel).
- country_converter's regular expression, which knows common and old names ("burma", "ivory coast").
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import pycountry
from babel import Locale, UnknownLocaleError, languages, localedata

from subgraphs.nations.search import Kind, encode

# ISO 3166-3 codes end in HH (split between several successors) or XX (no successor to speak of).
_NO_SUCCESSOR = {"HH", "XX"}


def display_name(country: Any, row: dict[str, str]) -> str:
    """The common English short name: coco's, unless abbreviated the World Bank's way ("St. Lucia",
    "Micronesia, Fed. Sts."); then pycountry's ISO name unless inverted ("Micronesia, Federated
    States of"); then CLDR's English name ("Micronesia")."""
    short = row["name_short"]
    if "." not in short:
        return short
    if "," not in country.name:
        return str(country.name)
    return str(Locale("en").territories[country.alpha_2])


@cache
def _locales() -> tuple[str, ...]:
    """Every official (also de facto) language of any ISO 3166-1 country that CLDR has names in."""
    available = set(localedata.locale_identifiers())
    wanted = {
        lang
        for country in pycountry.countries
        for lang in languages.get_official_languages(country.alpha_2, de_facto=True)
    }
    return tuple(sorted(wanted & available))


@cache
def _cldr_names() -> dict[str, set[str]]:
    """alpha-2 -> the names CLDR gives it in the locales above, English excluded."""
    names: dict[str, set[str]] = {}
    for locale in _locales():
        if locale == "en":
            continue
        try:
            territories = Locale.parse(locale).territories
        except UnknownLocaleError:  # listed but not loadable in this babel: skip, do not guess
            continue
        for code, name in territories.items():
            names.setdefault(code, set()).add(name)
    return names


@cache
def _former_names(current: frozenset[str]) -> dict[str, set[str]]:
    """alpha-2 -> names of former countries (ISO 3166-3) it succeeded: "Burma" for MM."""
    out: dict[str, set[str]] = {}
    for old in pycountry.historic_countries:
        code4 = old.alpha_4
        successor = code4[2:] if code4[2:] in current else code4[:2]
        if code4[2:] in _NO_SUCCESSOR or successor not in current:
            continue
        out.setdefault(successor, set()).add(old.name)
    return out


def search_names(country: Any, row: dict[str, str], info: Mapping[str, Any], codes: set[str]) -> str:
    """The stored search names of one nation (see `search.encode`)."""
    english = Locale("en").territories.get(country.alpha_2)
    iso_codes = {country.alpha_2, country.alpha_3}
    spellings = {s for s in info.get("altSpellings", []) if s and s not in iso_codes}
    return encode(
        {
            Kind.NAME: {
                display_name(country, row),
                row["name_short"],
                country.name,
                getattr(country, "common_name", ""),
                english or "",
            },
            Kind.ALIAS: {
                row["name_official"],
                getattr(country, "official_name", ""),
                info.get("name", ""),
                *_former_names(frozenset(codes)).get(country.alpha_2, ()),
            },
            # countryinfo's spellings mix English and native forms ("Republiken Finland"): they
            # match like other languages do, by whole name or word, never inside a word.
            Kind.FOREIGN: _cldr_names().get(country.alpha_2, set()) | spellings,
            Kind.PATTERN: {row["regex"].strip()},
        }
    )
