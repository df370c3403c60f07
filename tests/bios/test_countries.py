import math

import pandas as pd
import pytest

from personax_platform.bios.countries import Country, CountryResolver, valid_iso2_codes
from personax_platform.bios.errors import FieldError

# As in config/datasets.yaml.
CONFIG_ALIASES = {
    "England": "GB", "Scotland": "GB", "Wales": "GB", "Northern Ireland": "GB",
    "English": "GB", "Scottish": "GB", "Welsh": "GB", "Northern Irish": "GB",
}


@pytest.fixture(scope="module")
def resolver() -> CountryResolver:
    return CountryResolver(CONFIG_ALIASES)


@pytest.mark.parametrize(
    ("value", "iso2"),
    [
        ("Germany", "DE"),
        ("Brazil", "BR"),
        ("Canada", "CA"),
        ("Sweden", "SE"),
        ("United States", "US"),
        ("United States of America", "US"),
        ("France", "FR"),
        ("Serbia", "RS"),
        ("Nigeria", "NG"),
        ("South Korea", "KR"),
        ("Korea, Republic of", "KR"),
        ("Czech Republic", "CZ"),
        ("Czechia", "CZ"),
        ("Russia", "RU"),
        ("Russian Federation", "RU"),
        ("North Macedonia", "MK"),
        ("Bosnia and Herzegovina", "BA"),
        ("Cape Verde", "CV"),
        ("Ivory Coast", "CI"),
        ("Myanmar", "MM"),
        ("Burma", "MM"),
        ("Turkey", "TR"),
        ("Dominican Republic", "DO"),
        ("Puerto Rico", "PR"),
    ],
)
def test_country_names_resolve(resolver, value, iso2):
    assert resolver.resolve(value).iso2 == iso2


@pytest.mark.parametrize(
    ("value", "iso2"),
    [
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("U.S.", "US"),
        ("UK", "GB"),
        ("Great Britain", "GB"),
        ("Holland", "NL"),
        ("The Netherlands", "NL"),
        ("Netherlands", "NL"),
        ("People's Republic of China", "CN"),
        ("Deutschland", "DE"),
        ("Bundesrepublik Deutschland", "DE"),
        ("Schweiz", "CH"),
        ("Suisse", "CH"),
        ("Türkiye", "TR"),
        ("Turkiye", "TR"),
        ("Côte d'Ivoire", "CI"),
        ("cote d'ivoire", "CI"),
        ("Cote d’Ivoire", "CI"),
        ("COTE D IVOIRE", "CI"),
        ("Guinea Bissau", "GW"),
        ("guinea-bissau", "GW"),
        ("the Bahamas", "BS"),
        ("Elfenbeinküste", "CI"),  # German translation, as on Bundesliga pages
        ("Österreich", "AT"),
        ("Brasil", "BR"),
        ("España", "ES"),
        ("Россия", "RU"),
    ],
)
def test_alternative_spellings_and_native_names_resolve_case_and_accent_insensitively(resolver, value, iso2):
    assert resolver.resolve(value).iso2 == iso2


@pytest.mark.parametrize(
    ("value", "iso2"),
    [
        ("German", "DE"),
        ("Brazilian", "BR"),
        ("American", "US"),
        ("South African", "ZA"),
        ("Swiss", "CH"),
        ("Canadian", "CA"),
        ("Swedish", "SE"),
        ("French", "FR"),
        ("Chinese", "CN"),
        ("Indian", "IN"),
        ("Norwegian", "NO"),
        ("Dutch", "NL"),
        ("British", "GB"),
        ("Ivorian", "CI"),
        ("Serbian", "RS"),
        ("Argentine", "AR"),
        ("new zealander", "NZ"),
        ("Dominican", "DO"),  # Dominica is 146 times smaller
    ],
)
def test_demonyms_resolve(resolver, value, iso2):
    assert resolver.resolve(value).iso2 == iso2


@pytest.mark.parametrize(
    ("value", "iso2"),
    [
        ("DE", "DE"),
        ("de", "DE"),
        ("US", "US"),
        ("GB", "GB"),
        ("CI", "CI"),
        ("DEU", "DE"),
        ("CAN", "CA"),
        ("SWE", "SE"),
        ("USA", "US"),
        ("GBR", "GB"),
        ("BRA", "BR"),
        ("civ", "CI"),
        (" FIN ", "FI"),
    ],
)
def test_iso_alpha2_and_alpha3_codes_resolve(resolver, value, iso2):
    assert resolver.resolve(value).iso2 == iso2


@pytest.mark.parametrize(
    "value", ["England", "SCOTLAND", "Wales", "Northern Ireland", "English", "scottish", "Welsh", "Northern Irish"]
)
def test_configured_aliases_resolve_to_the_sovereign_state(resolver, value):
    assert resolver.resolve(value).iso2 == "GB"


def test_aliases_override_the_registry():
    assert CountryResolver({"Congolese": "CD", "Georgia": "US"}).resolve("georgia").iso2 == "US"


def test_alias_to_unknown_code_is_a_configuration_error():
    with pytest.raises(ValueError, match="XX"):
        CountryResolver({"Atlantis": "XX"})


def test_resolved_country_carries_the_registry_reference_point(resolver):
    assert resolver.resolve("Germany") == Country(iso2="DE", name="Germany", latitude=51.0, longitude=9.0)
    assert resolver.resolve("USA") == Country(iso2="US", name="United States", latitude=38.0, longitude=-97.0)


@pytest.mark.parametrize("value", ["Palestine", "Curaçao"])
def test_country_without_centre_falls_back_to_a_coordinate_from_the_registry(resolver, value):
    country = resolver.resolve(value)
    assert math.isfinite(country.latitude) and math.isfinite(country.longitude)


@pytest.mark.parametrize("value", ["Congolese", "congolese"])
def test_token_shared_by_comparable_countries_is_rejected_as_ambiguous(resolver, value):
    with pytest.raises(FieldError, match="ambiguous") as err:
        resolver.resolve(value)
    assert value in err.value.reason
    assert "CD" in err.value.reason and "CG" in err.value.reason


@pytest.mark.parametrize(
    "value", ["Atlantis", "Soviet Union", "Czechoslovakia", "Germany / Turkey", "Europe", "XX", "XYZ", "Kosovo", 276]
)
def test_unknown_country_is_rejected_quoting_the_value(resolver, value):
    with pytest.raises(FieldError, match="unknown country") as err:
        resolver.resolve(value)
    assert str(value) in err.value.reason


def test_registry_entry_without_any_coordinates_is_rejected(resolver):
    with pytest.raises(FieldError, match="no reference coordinates") as err:
        resolver.resolve("Antarctica")
    assert "Antarctica" in err.value.reason


@pytest.mark.parametrize("value", [None, math.nan, pd.NA, "", "  ", "n/a", "NA", "-", "--", "null", "None"])
def test_missing_country_is_none(resolver, value):
    assert resolver.resolve(value) is None


def test_valid_iso2_codes_are_the_resolvable_codes(resolver):
    codes = valid_iso2_codes()
    assert {"DE", "US", "GB", "CI", "BR", "CA", "SE", "ZA", "CH", "TR"} <= codes
    assert all(len(code) == 2 and code.isupper() for code in codes)
    assert "AQ" not in codes  # no reference point
    assert {resolver.resolve(code).iso2 for code in codes - {"NA"}} == codes - {"NA"}


def test_namibia_code_na_reads_as_missing_so_alpha3_is_needed(resolver):
    assert resolver.resolve("NA") is None
    assert resolver.resolve("NAM").iso2 == "NA"
    assert resolver.resolve("Namibia").iso2 == "NA"
