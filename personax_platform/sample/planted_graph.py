"""The generator's causal structure as a DAG over observed columns plus the hidden variables behind them.

Read off people.py (its SEM, feature model and face-attribute logits), with trait nodes named by trait: a trait's
score is a monotone function of the latent trait, so the score takes the latent's place. Hidden variables:
`country` (gives latitude and longitude together) and, for athletes, `position` (shifts height and BMI).
Left out as negligible: birth month -> birth day (only days 29-31 depend on the month).
"""
from __future__ import annotations

HIDDEN = ("country", "position")

_ATHLETES: tuple[tuple[str, str], ...] = (
    ("league", "country"), ("country", "latitude"), ("country", "longitude"),
    ("league", "position"), ("position", "height_cm"), ("position", "weight_kg"), ("height_cm", "weight_kg"),
    ("league", "birth_year"),  # league-specific birth-year distribution
    ("birth_year", "openness"), ("latitude", "openness"),
    ("league", "conscientiousness"),
    ("height_cm", "extraversion"),
    ("weight_kg", "neuroticism"),
)

_FACE_PARENTS = {  # FACE_LOGITS in people.py; z_bmi is a function of weight, height and gender
    "Arched_Eyebrows": ("gender", "extraversion"),
    "Big_Nose": ("gender", "neuroticism"),
    "Pointy_Nose": ("gender", "openness"),
    "Bushy_Eyebrows": ("gender",),
    "Oval_Face": ("agreeableness",),
    "Double_Chin": ("weight_kg", "height_cm", "gender", "birth_year"),
    "Receding_Hairline": ("gender", "birth_year"),
    "High_Cheekbones": ("gender", "extraversion"),
}
_CELEBRITIES: tuple[tuple[str, str], ...] = (
    ("gender", "occupation"), ("gender", "height_cm"), ("occupation", "height_cm"),
    ("gender", "weight_kg"), ("occupation", "weight_kg"), ("height_cm", "weight_kg"),
    ("country", "latitude"), ("country", "longitude"),
    *(("occupation", trait) for trait in ("openness", "conscientiousness", "extraversion", "agreeableness",
                                          "neuroticism")),
    ("birth_year", "openness"), ("latitude", "openness"),
    ("gender", "conscientiousness"), ("birth_year", "conscientiousness"),
    ("gender", "extraversion"), ("height_cm", "extraversion"),  # z_height is measured within gender
    ("gender", "agreeableness"),
    ("gender", "neuroticism"), ("weight_kg", "neuroticism"), ("height_cm", "neuroticism"),  # via z_bmi
    *((parent, attribute) for attribute, parents in _FACE_PARENTS.items() for parent in parents),
)

PLANTED_DAG: dict[str, tuple[tuple[str, str], ...]] = {"athlepersona": _ATHLETES, "celebpersona": _CELEBRITIES}
