"""The latent/feature model: fictional people, their bio features and the planted SEM (see generator.py's docstring).

Everything is a pure function of (seed, league): each league draws from its own seed sequence
`SeedSequence([seed, crc32(league)])`, split into independent streams for features, names, ids, extras, traits and
images, so adding a league or changing how names are drawn never shifts another league or another component.
Features are quantised to the source's native precision (whole inches, whole pounds, whole centimetres...) *before*
the traits are computed, so the canonical values a correct pipeline recovers from the landing files are exactly the
values the SEM saw.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from personax_platform.sample.names import (
    COUNTRIES, HOME_NATION_WEIGHTS, draw_name, pick_culture,
)

ATHLETE_LEAGUES = ("nba", "nfl", "nhl", "atp", "pga", "epl", "bundesliga")
DATASET_LEAGUES = {"athlepersona": ATHLETE_LEAGUES, "celebpersona": ("celebrities",)}
FULL_SIZE = {"athlepersona": 4181, "celebpersona": 9444}
# Full-size AthlePersona split (sums to 4,181): roster sizes of the seven leagues' all-time player pages.
FULL_SPLIT = {"nba": 520, "nfl": 1380, "nhl": 760, "atp": 330, "pga": 260, "epl": 520, "bundesliga": 411}

TRAITS = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
FACE_ATTRIBUTES = (
    "Arched_Eyebrows", "Big_Nose", "Pointy_Nose", "Bushy_Eyebrows", "Big_Lips",
    "Oval_Face", "Double_Chin", "Receding_Hairline", "Narrow_Eyes", "High_Cheekbones",
)
PACKAGE_IMAGES = (
    "package://insightface/data/images/t1.jpg",
    "package://insightface/data/images/Tom_Hanks_54745.png",
    "package://skimage/data/astronaut.png",
)
LB_KG = 0.45359237
IN_CM = 2.54

# --------------------------------------------------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AthleteLeague:
    countries: dict[str, float]
    positions: tuple[tuple[str, float, float, float], ...]  # (position, probability, height mean cm, BMI mean)
    height_sd: float
    bmi_sd: float
    birth_year: tuple[float, float]  # mean, sd (truncated to ATHLETE_BIRTH_YEARS)
    units: str  # "imperial": whole inches / pounds; "metric": whole cm / kg; "metric_dec": whole cm / 0.1 kg


ATHLETE_BIRTH_YEARS = (1970, 2005)
# Plausibility bounds (bios' blocking check allows 140-230 cm and 40-200 kg): drawn values are clipped to these.
ATHLETE_HEIGHT_RANGE = (158.0, 226.0)
CELEB_HEIGHT_RANGE = (145.0, 212.0)
WEIGHT_RANGE = (42.0, 190.0)
CELEB_BIRTH_YEARS = (1920, 2000)

ATHLETE_SPECS: dict[str, AthleteLeague] = {
    "nba": AthleteLeague(
        countries={"US": 74, "CA": 4, "FR": 3, "AU": 2.5, "RS": 2, "DE": 2, "ES": 1.5, "NG": 1.5, "GR": 1, "SI": 1,
                   "LT": 1, "HR": 1, "TR": 1, "CM": 1, "GB": 0.5, "JP": 0.5, "LV": 0.5, "BR": 0.5, "CZ": 0.5},
        positions=(("G", .35, 191, 24.6), ("F", .30, 203, 24.9), ("C", .12, 211, 25.4), ("G-F", .12, 198, 24.6),
                   ("F-C", .11, 207, 25.2)),
        height_sd=4.5, bmi_sd=1.5, birth_year=(1993, 8), units="imperial"),
    "nfl": AthleteLeague(
        countries={"US": 96, "CA": 1, "NG": 0.8, "DE": 0.8, "AU": 0.8, "GB": 0.6},
        positions=(("QB", .06, 191, 28.5), ("RB", .08, 180, 30.5), ("WR", .12, 185, 26.5), ("TE", .06, 195, 31.0),
                   ("OT", .08, 198, 39.0), ("G", .07, 193, 39.5), ("C", .04, 191, 38.5), ("DE", .08, 193, 34.0),
                   ("DT", .07, 191, 38.5), ("LB", .10, 188, 31.5), ("CB", .10, 181, 26.5), ("S", .07, 184, 27.5),
                   ("K", .025, 184, 26.0), ("P", .025, 188, 26.5), ("LS", .02, 189, 31.0)),
        height_sd=4.0, bmi_sd=1.8, birth_year=(1994, 7), units="imperial"),
    "nhl": AthleteLeague(
        countries={"CA": 42, "US": 28, "SE": 9, "FI": 6, "RU": 6, "CZ": 4, "SK": 1.5, "CH": 1.5, "DE": 1.5, "LV": 1,
                   "DK": 1, "AT": 0.5, "NO": 0.5},
        positions=(("C", .30, 185, 26.2), ("L", .17, 185, 26.3), ("R", .17, 185, 26.2), ("D", .30, 188, 26.4),
                   ("G", .06, 190, 25.4)),
        height_sd=5.0, bmi_sd=1.3, birth_year=(1992, 8), units="imperial"),
    "atp": AthleteLeague(
        countries={"US": 10, "FR": 9, "ES": 8, "IT": 8, "AR": 6, "DE": 5, "RU": 5, "AU": 5, "GB": 4, "RS": 3, "CA": 3,
                   "NL": 3, "JP": 3, "CZ": 3, "HR": 3, "CH": 2, "BE": 2, "PL": 2, "CL": 2, "KZ": 2, "BR": 2, "PT": 2,
                   "GR": 1, "NO": 1, "DK": 1, "HU": 1, "CO": 1, "AT": 1, "FI": 1, "SE": 1},
        positions=(("Right-Handed, Two-Handed Backhand", .70, 186, 23.3),
                   ("Right-Handed, One-Handed Backhand", .15, 186, 23.3),
                   ("Left-Handed, Two-Handed Backhand", .12, 186, 23.3),
                   ("Left-Handed, One-Handed Backhand", .03, 186, 23.3)),
        height_sd=7.0, bmi_sd=1.3, birth_year=(1991, 9), units="metric"),
    "pga": AthleteLeague(
        countries={"US": 68, "GB": 9, "ZA": 5, "AU": 5, "KR": 4, "JP": 3, "SE": 2, "ES": 2, "CA": 2, "IE": 1, "DE": 1,
                   "NO": 1, "DK": 1, "AR": 1, "CO": 1, "MX": 1, "NZ": 1, "FR": 1},
        positions=(("golfer", 1.0, 181, 25.5),),
        height_sd=6.5, bmi_sd=2.5, birth_year=(1986, 9), units="metric_dec"),
    "epl": AthleteLeague(
        countries={"GB": 40, "FR": 6, "BR": 5, "ES": 5, "PT": 4, "NL": 4, "BE": 3, "DE": 3, "IE": 3, "AR": 3, "CI": 2,
                   "SN": 2, "NG": 2, "GH": 2, "US": 2, "NO": 2, "DK": 2, "IT": 2, "SE": 1, "HR": 1, "RS": 1, "JP": 1,
                   "KR": 1, "CM": 1, "MA": 1, "DZ": 1, "UY": 1, "CO": 1, "JM": 1, "CH": 1, "PL": 1},
        positions=(("Goalkeeper", .10, 191, 23.4), ("Defender", .33, 184, 23.3), ("Midfielder", .35, 178, 23.0),
                   ("Forward", .22, 180, 23.2)),
        height_sd=5.5, bmi_sd=1.2, birth_year=(1994, 7), units="metric"),
    "bundesliga": AthleteLeague(
        countries={"DE": 55, "AT": 7, "CH": 4, "FR": 4, "NL": 3, "JP": 3, "DK": 2, "PL": 2, "HR": 2, "US": 2, "BR": 2,
                   "CZ": 2, "TR": 2, "SE": 1, "NO": 1, "HU": 1, "BE": 1, "ES": 1, "CI": 1, "GH": 1, "KR": 1, "SI": 1},
        positions=(("Torwart", .10, 191.5, 23.4), ("Abwehr", .33, 184.5, 23.3), ("Mittelfeld", .35, 178.5, 23.0),
                   ("Sturm", .22, 180.5, 23.2)),
        height_sd=5.5, bmi_sd=1.2, birth_year=(1994, 7), units="metric"),
}

CELEB_COUNTRIES = {
    "US": 46, "GB": 12, "CA": 5, "AU": 4, "FR": 4, "DE": 3, "IT": 3, "ES": 2, "IE": 2, "SE": 2, "IN": 2, "MX": 2,
    "BR": 2, "JP": 1, "NZ": 1, "ZA": 1, "NL": 1, "DK": 1, "NO": 1, "KR": 1, "AR": 1, "RU": 1, "PL": 1, "IL": 1,
    "BE": 0.5, "CH": 0.5, "AT": 0.5, "GR": 0.5, "TR": 0.5, "CN": 0.5, "PT": 0.5, "FI": 0.5, "CZ": 0.5, "HU": 0.5,
    "NG": 0.5, "CO": 0.5, "CL": 0.5,
}
OCCUPATIONS = ("actor", "singer", "politician", "athlete", "writer", "model", "television presenter", "comedian",
               "film director", "musician")
OCCUPATION_P = {  # P(occupation | gender)
    "male": (.32, .14, .13, .12, .07, .03, .06, .06, .04, .03),
    "female": (.38, .20, .06, .07, .07, .12, .06, .02, .01, .01),
}
CELEB_P_FEMALE = 0.48
CELEB_HEIGHT = {"male": (179.0, 7.0), "female": (166.0, 6.5)}
CELEB_BMI = {"male": (25.0, 3.0), "female": (22.0, 2.8)}
OCCUPATION_HEIGHT_SHIFT = {"model": 6.0, "athlete": 4.0}
OCCUPATION_BMI_SHIFT = {"model": -2.5, "athlete": 0.5}

# --------------------------------------------------------------------------------------------------------------------
# The planted SEM (documented in generator.py and shipped in truth.json as PLANTED_STRUCTURE)
# --------------------------------------------------------------------------------------------------------------------

NOISE_SD = 0.6
ATHLETE_Z = {"birth_year": (1992.0, 8.0), "latitude": (40.0, 15.0), "height_cm": (190.0, 10.0),
             "weight_kg": (100.0, 18.0)}
ATHLETE_LEAGUE_C = {"nba": -0.5, "nfl": 0.0, "nhl": 0.3, "atp": 0.6, "pga": 0.9, "epl": -0.3, "bundesliga": 0.4}
ATHLETE_EQUATIONS = {
    "openness": "-0.6*z_birth_year + 0.35*z_latitude + 0.6*e",
    "conscientiousness": "league_effect[league] + 0.6*e",
    "extraversion": "1.1*tanh(1.3*z_height) + 0.6*e",
    "agreeableness": "1.0*e",
    "neuroticism": "0.55*z_weight + 0.25*z_weight*|z_weight| + 0.6*e",
}

CELEB_Z = {"birth_year": (1965.0, 15.0), "latitude": (35.0, 20.0), "height_cm_within_gender": (None, 7.0),
           "bmi_within_gender": (None, 3.0)}
# occupation -> (O, C, E, A, N) intercepts
OCCUPATION_EFFECTS = {
    "actor": (0.5, -0.1, 0.5, 0.0, 0.2),
    "singer": (0.6, -0.3, 0.6, 0.1, 0.3),
    "politician": (-0.3, 0.6, 0.6, -0.4, -0.3),
    "athlete": (-0.4, 0.7, 0.2, 0.0, -0.4),
    "writer": (0.9, 0.1, -0.6, 0.2, 0.4),
    "model": (0.0, 0.0, 0.4, -0.1, 0.1),
    "television presenter": (0.1, 0.2, 0.9, 0.3, -0.1),
    "comedian": (0.6, -0.4, 0.7, 0.1, 0.4),
    "film director": (0.8, 0.4, -0.1, -0.3, 0.1),
    "musician": (0.7, -0.4, 0.0, 0.1, 0.3),
}
CELEB_EQUATIONS = {
    "openness": "occ[occupation].O + 0.4*z_birth_year + 0.3*z_latitude + 0.6*e",
    "conscientiousness": "occ[occupation].C + 0.3*female - 0.35*z_birth_year + 0.6*e",
    "extraversion": "occ[occupation].E + 0.2*female + 0.5*tanh(1.5*z_height) + 0.6*e",
    "agreeableness": "occ[occupation].A + 0.5*female + 0.6*e",
    "neuroticism": "occ[occupation].N + 0.45*female + 0.35*z_bmi + 0.15*z_bmi^2 + 0.6*e",
}
# Identity-level CelebA attribute: +1 with probability sigmoid(logit), else -1.
FACE_LOGITS: dict[str, dict[str, float]] = {
    "Arched_Eyebrows": {"const": -2.2, "female": 2.6, "extraversion": 0.6},
    "Big_Nose": {"const": -0.6, "female": -1.8, "neuroticism": 0.7},
    "Pointy_Nose": {"const": -1.6, "female": 1.2, "openness": 0.6},
    "Bushy_Eyebrows": {"const": -0.9, "female": -1.8},
    "Big_Lips": {"const": -1.1},
    "Oval_Face": {"const": -1.0, "agreeableness": 0.9},
    "Double_Chin": {"const": -2.4, "z_bmi": 1.6, "z_birth_year": -0.5},
    "Receding_Hairline": {"const": -1.2, "female": -1.8, "z_birth_year": -0.9},
    "Narrow_Eyes": {"const": -2.0},
    "High_Cheekbones": {"const": -0.8, "female": 1.2, "extraversion": 0.8},
}
IMAGE_COUNT_P = (0.3, 0.3, 0.2, 0.2)  # 1, 2, 3, 4 images per identity
IMAGE_FLIP_P = 0.2  # odd/4-image identities: per attribute, one image disagrees with this probability
TIE_P = 0.35  # even-image identities: one attribute whose identity value is -1 gets a 50/50 split (tie -> -1)
PACKAGE_IMAGE_P = {"athlete": 0.12, "celebrity_image": 0.08}


def planted_structure() -> dict:
    """The documented structure, as data (truth.json carries it verbatim)."""
    return {
        "noise": f"e ~ Normal(0, 1) independently per person and trait; every equation's noise term is {NOISE_SD}*e "
                 "(agreeableness of athletes is 1.0*e)",
        "athlepersona": {
            "standardisation": {f"z_{k}": f"({k} - {m}) / {s}" for k, (m, s) in ATHLETE_Z.items()},
            "equations": ATHLETE_EQUATIONS,
            "league_effect": ATHLETE_LEAGUE_C,
            "independent_of_all_features": ["agreeableness"],
            "features_independent_of_all_traits": ["birth_month", "birth_day", "day_of_year"],
            "feature_model": {
                "height_cm": "Normal(position mean, league sd), quantised to the source unit",
                "weight_kg": "BMI ~ Normal(position BMI, league sd) times height^2, quantised to the source unit",
                "birth_year": f"truncated Normal(league mean, sd) on {list(ATHLETE_BIRTH_YEARS)}",
                "birth_date": "uniform day within the birth year",
                "nationality": "league-specific country mix",
                "position": "league-specific; shifts height and BMI (so it reaches extraversion and neuroticism "
                            "only through them)",
            },
        },
        "celebpersona": {
            "standardisation": {
                "z_birth_year": "(birth_year - 1965) / 15",
                "z_latitude": "(latitude - 35) / 20",
                "z_height": "(height_cm - (166 if female else 179)) / 7",
                "z_bmi": "(weight_kg / (height_cm/100)^2 - (22 if female else 25)) / 3",
                "female": "1 if gender == 'female' else 0",
            },
            "equations": CELEB_EQUATIONS,
            "occupation_effects_OCEAN": {k: list(v) for k, v in OCCUPATION_EFFECTS.items()},
            "face_attribute_logits": FACE_LOGITS,
            "face_attributes_independent_of_everything": ["Big_Lips", "Narrow_Eyes"],
            "features_independent_of_all_traits": ["birth_month", "birth_day", "day_of_year"],
            "images": {
                "count_probabilities_1_to_4": list(IMAGE_COUNT_P),
                "per_image_attributes": "copies of the identity attribute; with 3 or 4 images one image disagrees "
                                        f"per attribute with probability {IMAGE_FLIP_P}, so the strict majority is "
                                        "the identity value",
                "ties": f"with probability {TIE_P} an even-image identity has one attribute split 50/50; ties are "
                        "only planted where the identity value is -1, so the tie rule (tie -> -1) recovers it",
            },
            "feature_model": {
                "gender": f"female with probability {CELEB_P_FEMALE}",
                "occupation": "categorical given gender",
                "height_cm": "Normal by gender (+6 model, +4 athlete), whole cm",
                "weight_kg": "BMI Normal by gender (-2.5 model, +0.5 athlete) times height^2, whole kg",
                "birth_year": f"truncated Normal(1965, 15) on {list(CELEB_BIRTH_YEARS)}",
                "birth_date": "uniform day within the birth year",
            },
        },
        "reference_scores": "per dataset and trait, 1/2/3 = lower/middle/upper tertile of the latent trait "
                            "(stable rank order, ties broken by row order)",
    }


# --------------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------------


def league_streams(seed: int, league: str, salt: int = 0) -> dict[str, np.random.Generator]:
    ss = np.random.SeedSequence([int(seed), zlib.crc32(league.encode()), salt])
    names = ("features", "names", "ids", "extras", "traits", "images")
    return {n: np.random.default_rng(s) for n, s in zip(names, ss.spawn(len(names)))}


def _choice(rng: np.random.Generator, options: dict[str, float], n: int) -> np.ndarray:
    keys = list(options)
    p = np.array([options[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def _truncnorm(rng: np.random.Generator, mean: float, sd: float, lo: float, hi: float, n: int) -> np.ndarray:
    out = rng.normal(mean, sd, n)
    bad = (out < lo) | (out > hi)
    while bad.any():
        out[bad] = rng.normal(mean, sd, int(bad.sum()))
        bad = (out < lo) | (out > hi)
    return out


def _birth_dates(rng: np.random.Generator, years: np.ndarray) -> np.ndarray:
    starts = np.array([f"{y:04d}-01-01" for y in years], dtype="datetime64[D]")
    leap = ((years % 4 == 0) & (years % 100 != 0)) | (years % 400 == 0)
    offsets = np.floor(rng.random(len(years)) * np.where(leap, 366, 365)).astype(int)
    return starts + offsets.astype("timedelta64[D]")


def allocate(n: int, weights: dict[str, float]) -> dict[str, int]:
    """Split n over keys proportionally to weights (largest remainder, ties by key order)."""
    total = sum(weights.values())
    raw = {k: n * w / total for k, w in weights.items()}
    out = {k: int(np.floor(v)) for k, v in raw.items()}
    rest = n - sum(out.values())
    for k in sorted(raw, key=lambda k: -(raw[k] - out[k]))[:rest]:
        out[k] += 1
    return out


_ID_STYLES = {
    "nba": lambda r: str(int(r.integers(1_700_000, 1_800_000))),
    "nfl": lambda r: f"00-009{int(r.integers(0, 10_000)):04d}",
    "nhl": lambda r: str(int(r.integers(8_490_000, 8_500_000))),
    "atp": lambda r: "QXZ"[r.integers(3)] + "".join(_ALNUM[i] for i in r.integers(0, 36, 3)),
    "pga": lambda r: str(int(r.integers(60_000, 70_000))),
    "epl": lambda r: str(int(r.integers(500_000, 600_000))),
    "bundesliga": lambda r: "DFL-OBJ-J" + "".join(_ALNUM[i] for i in r.integers(0, 36, 5)),
    "celebrities": lambda r: f"Q9{int(r.integers(0, 1_000_000)):06d}",
}
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def draw_ids(league: str, n: int, rng: np.random.Generator, taken: set[str]) -> list[str]:
    """n source-style ids, unique against `taken` (which is updated)."""
    out = []
    style = _ID_STYLES[league]
    while len(out) < n:
        candidate = style(rng)
        if candidate not in taken:
            taken.add(candidate)
            out.append(candidate)
    return out


def _names(countries: np.ndarray, female: np.ndarray, rng: np.random.Generator, taken: set[str]):
    given, family, cultures = [], [], []
    for country, is_female in zip(countries, female):
        culture = pick_culture(country, rng)
        g, f = draw_name(culture, bool(is_female), rng, taken)
        given.append(g)
        family.append(f)
        cultures.append(culture)
    return given, family, cultures


def _home_nations(countries: np.ndarray, rng: np.random.Generator) -> list:
    picks = _choice(rng, HOME_NATION_WEIGHTS, len(countries))
    return [h if c == "GB" else None for c, h in zip(countries, picks)]


def _geo(countries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lat = np.array([float(COUNTRIES[c][3]) for c in countries])
    lng = np.array([float(COUNTRIES[c][4]) for c in countries])
    return lat, lng


def _package_images(rng: np.random.Generator, n: int, p: float) -> list:
    use = rng.random(n) < p
    which = rng.integers(0, len(PACKAGE_IMAGES), n)
    return [PACKAGE_IMAGES[w] if u else None for u, w in zip(use, which)]


def _base_frame(dataset, league, ids, given, family, cultures, countries, home, dates, gender) -> pd.DataFrame:
    dates_pd = pd.to_datetime(dates)
    lat, lng = _geo(countries)
    return pd.DataFrame({
        "dataset": dataset, "league": league, "source_id": ids,
        "name": [f"{g} {f}" for g, f in zip(given, family)], "given_name": given, "family_name": family,
        "name_culture": cultures, "gender": gender,
        "birth_date": dates_pd.date, "birth_year": dates_pd.year.astype(int), "birth_month": dates_pd.month.astype(int),
        "birth_day": dates_pd.day.astype(int), "day_of_year": dates_pd.dayofyear.astype(int),
        "nationality": countries.astype(str), "home_nation": home, "latitude": lat, "longitude": lng,
    })


# --------------------------------------------------------------------------------------------------------------------
# Leagues
# --------------------------------------------------------------------------------------------------------------------


def generate_athletes(league: str, n: int, seed: int, taken_names: set[str], taken_ids: set[str],
                      salt: int = 0) -> pd.DataFrame:
    """n fictional athletes of one league: features (quantised to the source's units) and native extras."""
    spec = ATHLETE_SPECS[league]
    s = league_streams(seed, league, salt)
    f = s["features"]
    countries = _choice(f, spec.countries, n)
    pos_idx = f.choice(len(spec.positions), size=n, p=np.array([p[1] for p in spec.positions]) / sum(
        p[1] for p in spec.positions))
    h_mean = np.array([spec.positions[i][2] for i in pos_idx])
    bmi_mean = np.array([spec.positions[i][3] for i in pos_idx])
    height = np.clip(f.normal(h_mean, spec.height_sd), *ATHLETE_HEIGHT_RANGE)
    bmi = np.maximum(f.normal(bmi_mean, spec.bmi_sd), 18.0)
    weight = np.clip(bmi * (height / 100) ** 2, *WEIGHT_RANGE)
    lo, hi = ATHLETE_BIRTH_YEARS
    years = np.round(_truncnorm(f, *spec.birth_year, lo - 0.49, hi + 0.49, n)).astype(int)
    dates = _birth_dates(f, years)
    home = _home_nations(countries, f)

    if spec.units == "imperial":
        h_native = np.round(height / IN_CM).astype(int)
        w_native = np.round(weight / LB_KG).astype(int)
        height_cm, weight_kg = h_native * IN_CM, w_native * LB_KG
    else:
        h_native = np.round(height).astype(int)
        w_native = np.round(weight, 1 if spec.units == "metric_dec" else 0)
        if spec.units == "metric":
            w_native = w_native.astype(int)
        height_cm, weight_kg = h_native.astype(float), w_native.astype(float)

    given, family, cultures = _names(countries, np.zeros(n, bool), s["names"], taken_names)
    ids = draw_ids(league, n, s["ids"], taken_ids)
    df = _base_frame("athlepersona", league, ids, given, family, cultures, countries, home, dates, "male")
    df["height_cm"] = height_cm
    df["weight_kg"] = weight_kg
    df["height_native"] = h_native
    df["weight_native"] = w_native
    df["position"] = [spec.positions[i][0] for i in pos_idx]
    df["occupation"] = None
    df["description"] = None
    df["image_ref"] = _package_images(s["images"], n, PACKAGE_IMAGE_P["athlete"])
    e = s["extras"]
    df["jersey"] = e.integers(0, 100, n)
    df["team"] = np.array(_TEAMS[league], dtype=object)[e.integers(0, len(_TEAMS[league]), n)]
    df["turned_pro"] = df["birth_year"].to_numpy() + e.integers(17, 22, n)
    df["shoots"] = np.where(e.random(n) < 0.62, "L", "R")
    return df


_TEAMS = {
    "nba": ("HBR", "MTR", "CYP", "SLV", "QNT", "BRX", "OKV", "LNX", "FEN", "KSR", "WDR", "PIX"),
    "nfl": ("HBR", "MTR", "CYP", "SLV", "QNT", "BRX", "OKV", "LNX", "FEN", "KSR", "WDR", "PIX"),
    "nhl": ("HBR", "MTR", "CYP", "SLV", "QNT", "BRX", "OKV", "LNX", "FEN", "KSR", "WDR", "PIX"),
    "atp": ("",), "pga": ("",),
    "epl": ("Harrowgate Rovers", "Kestrel Town", "Millbrook Athletic", "Westmere United", "Ashcombe City",
            "Fenwick Albion", "Larkhill Wanderers", "Oakmere Forest"),
    "bundesliga": ("SV Lindenau 09", "FC Wendelstein", "TSV Grünhagen", "VfB Ostermoor", "SC Felsbach",
                   "1. FC Tannberg", "Borussia Kesselbrück", "SpVgg Mühlhofen"),
}

_TITLE_A = ("Glass", "River", "Harbor", "Lantern", "Copper", "Winter", "Quiet", "Paper", "Salt", "Northern", "Velvet",
            "Orchard", "Hollow", "Amber", "Distant", "Silver", "Crooked", "Midnight")
_TITLE_B = ("Lights", "Crossing", "Hours", "Garden", "Letters", "Tide", "Parade", "Frontier", "Season", "Echoes",
            "Kingdom", "Avenue", "Signals", "Weather", "Harvest", "Mirrors")
_WORKS = {
    "actor": ("drama series", "film", "stage play"), "singer": ("album", "single"),
    "politician": ("reform campaign", "coalition programme"), "athlete": ("record-setting season", "comeback tour"),
    "writer": ("novel", "essay collection"), "model": ("campaign", "runway collection"),
    "television presenter": ("talk show", "travel series"), "comedian": ("stand-up special", "sketch show"),
    "film director": ("film", "documentary"), "musician": ("album", "concert series"),
}


def _descriptions(rng, countries, occupations, years, home) -> list[str]:
    out = []
    for c, occ, y, h in zip(countries, occupations, years, home):
        demonym = COUNTRIES[c][2] if h is None else {"ENG": "English", "SCO": "Scottish", "WAL": "Welsh",
                                                     "NIR": "Northern Irish"}[h]
        work = _WORKS[occ][rng.integers(len(_WORKS[occ]))]
        title = f"{_TITLE_A[rng.integers(len(_TITLE_A))]} {_TITLE_B[rng.integers(len(_TITLE_B))]}"
        out.append(f"{demonym} {occ} born in {y}, known for the {work} '{title}'.")
    return out


def generate_celebrities(n: int, seed: int, taken_names: set[str], taken_ids: set[str], salt: int = 0) -> pd.DataFrame:
    """n fictional celebrities: features, occupation, description (face attributes come with the traits)."""
    league = "celebrities"
    s = league_streams(seed, league, salt)
    f = s["features"]
    female = f.random(n) < CELEB_P_FEMALE
    gender = np.where(female, "female", "male")
    occ = np.empty(n, dtype=object)
    for g in ("male", "female"):
        mask = gender == g
        occ[mask] = np.array(OCCUPATIONS, dtype=object)[f.choice(len(OCCUPATIONS), int(mask.sum()),
                                                                  p=np.array(OCCUPATION_P[g]) / sum(OCCUPATION_P[g]))]
    countries = _choice(f, CELEB_COUNTRIES, n)
    h_mean = np.array([CELEB_HEIGHT[g][0] + OCCUPATION_HEIGHT_SHIFT.get(o, 0.0) for g, o in zip(gender, occ)])
    h_sd = np.array([CELEB_HEIGHT[g][1] for g in gender])
    b_mean = np.array([CELEB_BMI[g][0] + OCCUPATION_BMI_SHIFT.get(o, 0.0) for g, o in zip(gender, occ)])
    b_sd = np.array([CELEB_BMI[g][1] for g in gender])
    height = np.clip(f.normal(h_mean, h_sd), *CELEB_HEIGHT_RANGE)
    bmi = np.maximum(f.normal(b_mean, b_sd), 16.0)
    weight = np.clip(bmi * (height / 100) ** 2, *WEIGHT_RANGE)
    lo, hi = CELEB_BIRTH_YEARS
    years = np.round(_truncnorm(f, 1965, 15, lo - 0.49, hi + 0.49, n)).astype(int)
    dates = _birth_dates(f, years)
    home = _home_nations(countries, f)
    h_native = np.round(height).astype(int)
    w_native = np.round(weight).astype(int)

    given, family, cultures = _names(countries, female, s["names"], taken_names)
    ids = draw_ids(league, n, s["ids"], taken_ids)
    df = _base_frame("celebpersona", league, ids, given, family, cultures, countries, home, dates, gender)
    df["height_cm"] = h_native.astype(float)
    df["weight_kg"] = w_native.astype(float)
    df["height_native"] = h_native
    df["weight_native"] = w_native
    df["position"] = None
    df["occupation"] = occ
    df["description"] = _descriptions(s["extras"], countries, occ, df["birth_year"].to_numpy(), home)
    e = s["extras"]
    df["wikidata_date_style"] = e.random(n) < 0.4  # "+1975-06-21T00:00:00Z" instead of "1975-06-21"
    df["citizenship_style"] = np.where(e.random(n) < 0.3, "demonym", "name")
    return df


# --------------------------------------------------------------------------------------------------------------------
# Traits, face attributes, reference scores
# --------------------------------------------------------------------------------------------------------------------


def _z(x, mean, sd):
    return (np.asarray(x, dtype=float) - mean) / sd


def add_athlete_traits(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Apply the athletes' SEM in place, league by league with each league's own traits stream."""
    for league, idx in df.groupby("league", sort=False).groups.items():
        sub = df.loc[idx]
        e = league_streams(seed, league)["traits"].normal(size=(len(sub), len(TRAITS)))
        z_by = _z(sub["birth_year"], *ATHLETE_Z["birth_year"])
        z_lat = _z(sub["latitude"], *ATHLETE_Z["latitude"])
        z_h = _z(sub["height_cm"], *ATHLETE_Z["height_cm"])
        z_w = _z(sub["weight_kg"], *ATHLETE_Z["weight_kg"])
        df.loc[idx, "openness"] = -0.6 * z_by + 0.35 * z_lat + NOISE_SD * e[:, 0]
        df.loc[idx, "conscientiousness"] = ATHLETE_LEAGUE_C[league] + NOISE_SD * e[:, 1]
        df.loc[idx, "extraversion"] = 1.1 * np.tanh(1.3 * z_h) + NOISE_SD * e[:, 2]
        df.loc[idx, "agreeableness"] = 1.0 * e[:, 3]
        df.loc[idx, "neuroticism"] = 0.55 * z_w + 0.25 * z_w * np.abs(z_w) + NOISE_SD * e[:, 4]
    return df


def celeb_design(df: pd.DataFrame) -> dict[str, np.ndarray]:
    female = (df["gender"].to_numpy() == "female").astype(float)
    h_mean = np.where(female == 1, CELEB_HEIGHT["female"][0], CELEB_HEIGHT["male"][0])
    b_mean = np.where(female == 1, CELEB_BMI["female"][0], CELEB_BMI["male"][0])
    bmi = df["weight_kg"].to_numpy(float) / (df["height_cm"].to_numpy(float) / 100) ** 2
    return {
        "female": female,
        "z_birth_year": _z(df["birth_year"], *CELEB_Z["birth_year"]),
        "z_latitude": _z(df["latitude"], *CELEB_Z["latitude"]),
        "z_height": (df["height_cm"].to_numpy(float) - h_mean) / CELEB_Z["height_cm_within_gender"][1],
        "z_bmi": (bmi - b_mean) / CELEB_Z["bmi_within_gender"][1],
    }


def add_celebrity_traits(df: pd.DataFrame, seed: int, salt: int = 0) -> pd.DataFrame:
    """Apply the celebrities' SEM, draw identity face attributes and the per-image lists."""
    s = league_streams(seed, "celebrities", salt)
    e = s["traits"].normal(size=(len(df), len(TRAITS)))
    d = celeb_design(df)
    occ = np.array([OCCUPATION_EFFECTS[o] for o in df["occupation"]])
    fem, z_by, z_lat, z_h, z_bmi = d["female"], d["z_birth_year"], d["z_latitude"], d["z_height"], d["z_bmi"]
    df["openness"] = occ[:, 0] + 0.4 * z_by + 0.3 * z_lat + NOISE_SD * e[:, 0]
    df["conscientiousness"] = occ[:, 1] + 0.3 * fem - 0.35 * z_by + NOISE_SD * e[:, 1]
    df["extraversion"] = occ[:, 2] + 0.2 * fem + 0.5 * np.tanh(1.5 * z_h) + NOISE_SD * e[:, 2]
    df["agreeableness"] = occ[:, 3] + 0.5 * fem + NOISE_SD * e[:, 3]
    df["neuroticism"] = occ[:, 4] + 0.45 * fem + 0.35 * z_bmi + 0.15 * z_bmi ** 2 + NOISE_SD * e[:, 4]

    terms = dict(d, **{t: df[t].to_numpy(float) for t in TRAITS})
    u = s["traits"].random(size=(len(df), len(FACE_ATTRIBUTES)))
    for j, attr in enumerate(FACE_ATTRIBUTES):
        logit = np.full(len(df), FACE_LOGITS[attr]["const"])
        for term, coef in FACE_LOGITS[attr].items():
            if term != "const":
                logit = logit + coef * terms[term]
        df[attr] = np.where(u[:, j] < 1 / (1 + np.exp(-logit)), 1, -1).astype("int8")
    _add_images(df, s["images"], first_file=900_000 if salt else 0)
    return df


def _add_images(df: pd.DataFrame, rng: np.random.Generator, first_file: int = 0) -> None:
    """Per-identity image lists whose per-image attributes are noisy copies of the identity's attributes."""
    n = len(df)
    counts = rng.choice(np.arange(1, 5), size=n, p=IMAGE_COUNT_P)
    attrs = df[list(FACE_ATTRIBUTES)].to_numpy()
    images, ties, next_file = [], [], first_file
    for i in range(n):
        k = int(counts[i])
        per_image = np.tile(attrs[i], (k, 1))
        tie_attr = None
        if k % 2 == 0 and rng.random() < TIE_P:
            absent = np.flatnonzero(attrs[i] == -1)
            if len(absent):
                j = int(absent[rng.integers(len(absent))])
                tie_attr = FACE_ATTRIBUTES[j]
                flip = rng.permutation(k)[: k // 2]
                per_image[flip, j] = 1
        if k >= 3:
            flips = rng.random(len(FACE_ATTRIBUTES)) < IMAGE_FLIP_P
            for j in np.flatnonzero(flips):
                if FACE_ATTRIBUTES[j] != tie_attr:
                    img = int(rng.integers(k))
                    per_image[img, j] = -per_image[img, j]
        pkg = _package_images(rng, k, PACKAGE_IMAGE_P["celebrity_image"])
        items = []
        for m in range(k):
            next_file += 1
            file = pkg[m] or f"img/{next_file:06d}.jpg"
            items.append({"file": file, "attributes": {a: int(v) for a, v in zip(FACE_ATTRIBUTES, per_image[m])}})
        images.append(items)
        ties.append(tie_attr)
    df["images"] = images
    df["face_attribute_ties"] = ties
    df["n_images"] = counts.astype(int)
    df["image_ref"] = [items[0]["file"] for items in images]


def add_reference_scores(df: pd.DataFrame) -> pd.DataFrame:
    """1/2/3 = lower/middle/upper tertile of each latent trait within the frame (one dataset)."""
    n = len(df)
    for t in TRAITS:
        order = np.argsort(df[t].to_numpy(float), kind="stable")
        rank = np.empty(n, dtype=int)
        rank[order] = np.arange(n)
        df[f"{t}_score"] = (1 + (3 * rank) // max(n, 1)).astype("int8")
    return df
