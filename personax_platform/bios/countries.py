"""Nationality resolution against the `countryinfo` registry: names, spellings, demonyms and ISO codes to ISO2.

Sources write a nationality every which way ("Germany", "DEU", "German", "Côte d'Ivoire", "U.S.A.");
matching works on a normalised token (accents, case, punctuation, spaces and a leading "the" removed), so a
spelling the registry knows matches however it was typed.
"""
import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import countryinfo

from personax_platform.bios.errors import FieldError
from personax_platform.bios.missing import is_missing

# A token several registry entries claim goes to the most populous one only when it is at least this many times
# as populous as each other claimant. That settles a state versus its own territories, whose people hold its
# nationality ("American": USA vs Northern Mariana Islands, "French": France vs Réunion, ratio 78), and leaves
# tokens shared by comparable countries unresolved ("Congolese": DR Congo vs Republic of the Congo, ratio 15).
# It also gives "Dominican" to the Dominican Republic over Dominica (ratio 146), the usual reading in sports data.
_DOMINANCE = 50


@dataclass(frozen=True)
class Country:
    """A resolved nationality; latitude/longitude are countryinfo's reference point (centre, else capital)."""

    iso2: str
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class _Registry:
    countries: dict[str, Country]  # iso2 -> country, only those with a reference point
    tokens: dict[str, str]  # normalised token -> iso2
    ambiguous: dict[str, tuple[str, ...]]  # normalised token -> the iso2 codes it could mean


class CountryResolver:
    """Resolves a nationality value to a Country; `aliases` (name -> ISO2) add names the registry lacks."""

    def __init__(self, aliases: Mapping[str, str]) -> None:
        self._registry = _registry()
        unknown = {name: iso2 for name, iso2 in aliases.items() if iso2 not in self._registry.countries}
        if unknown:
            raise ValueError(f"country aliases point at unknown ISO2 codes: {unknown}")
        self._aliases = {_normalise(name): iso2 for name, iso2 in aliases.items()}

    def resolve(self, value: object) -> Country | None:
        """The country a name, spelling, demonym or ISO alpha-2/alpha-3 code denotes; aliases take precedence."""
        if is_missing(value):
            return None
        token = _normalise(str(value))
        iso2 = self._aliases.get(token) or self._registry.tokens.get(token)
        if iso2 is None:
            if token in self._registry.ambiguous:
                raise FieldError(f"country '{value}' is ambiguous: {', '.join(self._registry.ambiguous[token])}")
            raise FieldError(f"unknown country '{value}': not a country name, demonym or ISO code in countryinfo")
        if iso2 not in self._registry.countries:
            raise FieldError(f"country '{value}' ({iso2}) has no reference coordinates in countryinfo")
        return self._registry.countries[iso2]


def valid_iso2_codes() -> frozenset[str]:
    """The ISO2 codes a resolved nationality can take."""
    return frozenset(_registry().countries)


@functools.lru_cache(maxsize=1)
def _registry() -> _Registry:
    """Index countryinfo once per process; it lists some codes twice (Myanmar and Burma, UK and Wales)."""
    records: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in countryinfo.all_countries():
        info = entry.info()
        iso2 = (info.get("ISO") or {}).get("alpha2")
        if iso2:  # Scotland has none; config aliases cover such sporting nations
            records[iso2].append(info)

    countries: dict[str, Country] = {}
    population: dict[str, int] = {}
    claims: dict[str, set[str]] = defaultdict(set)
    for iso2, infos in records.items():
        # The entry countryinfo itself returns for the code names the country and is asked first for coordinates.
        main = countryinfo.CountryInfo(iso2).info()
        infos.sort(key=lambda info: info["name"] != main["name"])
        point = _reference_point(infos)
        if point:
            countries[iso2] = Country(iso2, main["name"], *point)
        population[iso2] = max(info.get("population") or 0 for info in infos)
        for info in infos:
            for token in _tokens(info):
                claims[token].add(iso2)

    tokens: dict[str, str] = {}
    ambiguous: dict[str, tuple[str, ...]] = {}
    for token, codes in claims.items():
        owner = _dominant(codes, population)
        if owner:
            tokens[token] = owner
        else:
            ambiguous[token] = tuple(sorted(codes))
    return _Registry(countries, tokens, ambiguous)


def _dominant(codes: set[str], population: Mapping[str, int]) -> str | None:
    """The only claimant, or the one _DOMINANCE times as populous as every other; None when there is none."""
    first, *others = sorted(codes, key=lambda code: population[code], reverse=True)
    if not others or population[first] > 0 and population[first] >= _DOMINANCE * population[others[0]]:
        return first
    return None


def _tokens(info: Mapping[str, Any]) -> set[str]:
    iso = info.get("ISO") or {}
    names = [info.get("name"), info.get("nativeName"), info.get("demonym"), iso.get("alpha2"), iso.get("alpha3")]
    names += info.get("altSpellings") or []
    names += (info.get("translations") or {}).values()
    return {_normalise(name) for name in names if name} - {""}


def _reference_point(infos: list[dict[str, Any]]) -> tuple[float, float] | None:
    """The country's centre (`latlng`) from any of its entries, else its capital's coordinates."""
    for key in ("latlng", "capital_latlng"):
        for info in infos:
            point = info.get(key)
            if point and len(point) == 2 and all(isinstance(x, (int, float)) for x in point):
                return float(point[0]), float(point[1])
    return None


def _normalise(text: str) -> str:
    """Letters and digits only, so "U.S.A.", "Côte d'Ivoire", "COTE D IVOIRE" match "usa" and "cotedivoire"."""
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()
    return re.sub(r"[\W_]+", "", folded.removeprefix("the "))
