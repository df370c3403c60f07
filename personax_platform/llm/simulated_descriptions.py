"""The descriptions a simulated rater writes (see simulated.py): one or two sentences per trait, drawn from a phrase
bank of several phrasings per trait × perceived tier, framed by the rater's own opening and closing.

The wording depends only on the perceived tier of each trait (and on the rater's style), never on a bio field, so a
sentence encoder's embedding of a description carries the perceived traits plus phrasing noise, as a real model's
description does. Every phrase describes public behaviour of a fictional person; none speculates about health or
private life.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from personax_platform.traits.constants import TRAITS

Tier = Literal["low", "medium", "high"]
TIERS: tuple[Tier, ...] = ("low", "medium", "high")
# The response schema's description maxLength in every shipped prompt; compose() never exceeds it.
MAX_DESCRIPTION_CHARS = 1500

PHRASES: dict[str, dict[Tier, tuple[str, ...]]] = {
    "openness": {
        "high": (
            "They keep taking on unfamiliar projects and seem drawn to new ideas and ways of working.",
            "Their public record shows wide-ranging interests and a readiness to try unconventional roles.",
            "Curiosity runs through their reported activities: new ventures, side projects, a taste for the untried.",
            "They are known for reinventing their approach and exploring creative directions others avoid.",
            "Reports describe an inventive, exploratory streak and an appetite for novel experiences.",
        ),
        "medium": (
            "They mix familiar routines with the occasional new venture, without a strong pull either way.",
            "Their interests look moderately broad: some experimentation, mostly within a known repertoire.",
            "Openness to new approaches seems middling; they adopt changes once they prove useful.",
            "The record shows a balance between tried methods and selective curiosity about new ones.",
        ),
        "low": (
            "They stick to proven methods and show little appetite for unfamiliar projects.",
            "Their public conduct favours routine and tradition over experimentation.",
            "Reported choices are conventional and consistent, with few excursions into new territory.",
            "They rarely venture beyond their established role and prefer the familiar way of doing things.",
            "Novel ideas seem to hold limited appeal; their repertoire stays narrow and steady.",
        ),
    },
    "conscientiousness": {
        "high": (
            "They are reported to prepare meticulously and to see long commitments through.",
            "Discipline and reliability stand out: obligations are met and schedules kept.",
            "Their career reads as organised and methodical, with consistent, careful preparation.",
            "Accounts from colleagues stress punctuality, thorough planning and dependable follow-through.",
        ),
        "medium": (
            "They seem reasonably dependable, though their preparation is unremarkable either way.",
            "Organisation appears adequate: most commitments are honoured, some only loosely.",
            "Their discipline looks ordinary, steady enough without a reputation for rigour.",
            "Reports suggest a workable level of structure, neither meticulous nor careless.",
        ),
        "low": (
            "Their record shows missed commitments and a loose, improvised approach to preparation.",
            "They appear to work spontaneously, with little visible planning or routine.",
            "Reliability is uneven: deadlines and obligations are reported to slip.",
            "Accounts describe a casual attitude to schedules and a habit of leaving things unfinished.",
        ),
    },
    "extraversion": {
        "high": (
            "They seek the spotlight and come across as talkative and energised in public.",
            "A lively, outgoing presence: frequent interviews, big crowds and leading from the front.",
            "They thrive in social settings and are known for an expansive, sociable manner.",
            "Their public image is gregarious and assertive; they readily take centre stage.",
        ),
        "medium": (
            "They engage publicly when required but do not go looking for attention.",
            "Their social presence is moderate: comfortable with the media, yet no natural showman.",
            "They alternate between visible public moments and quieter stretches out of view.",
            "Sociability seems average, neither reserved nor especially outgoing.",
        ),
        "low": (
            "They keep a reserved, private public profile and give few interviews.",
            "Quiet and low-key in public, they tend to stay out of the spotlight.",
            "Reports depict someone who avoids attention and speaks sparingly in public settings.",
            "Their public presence is understated; they prefer working away from crowds.",
        ),
    },
    "agreeableness": {
        "high": (
            "They are described as cooperative and considerate, often backing team efforts and charity.",
            "A warm, conciliatory manner marks their public dealings with others.",
            "They are reported to share credit readily and to defuse conflicts rather than escalate them.",
            "Their record shows generosity toward colleagues and a consistently courteous tone.",
        ),
        "medium": (
            "They cooperate when it suits the situation but can hold firm in disputes.",
            "Their manner with others appears even-handed: friendly at times, blunt at others.",
            "Warmth and toughness seem roughly in balance in their public dealings.",
            "Reports of their conduct toward others are mixed, with no strong pattern either way.",
        ),
        "low": (
            "They are known for a confrontational style and public quarrels.",
            "Their record includes sharp disputes and little inclination to compromise.",
            "They come across as blunt and combative, rarely conciliatory toward rivals.",
            "Accounts describe a prickly, competitive manner that often sparks friction.",
        ),
    },
    "neuroticism": {
        "high": (
            "They show strain readily, with visible frustration when things go wrong.",
            "Public outbursts and tense reactions under pressure are part of their record.",
            "Setbacks visibly unsettle them, and criticism draws agitated public replies.",
            "Reports note volatile moments and a tendency to look rattled in high-stakes situations.",
        ),
        "medium": (
            "They usually stay composed, though pressure occasionally shows in their reactions.",
            "Their public temperament seems mostly steady, with the odd visible flare-up.",
            "Signs of strain appear now and then but do not dominate their public conduct.",
            "They handle pressure about as well as most, neither unflappable nor volatile.",
        ),
        "low": (
            "They remain calm and even-tempered in public, even under heavy pressure.",
            "Setbacks rarely seem to ruffle them; their public demeanour stays composed.",
            "They are known for a cool head and measured responses to criticism.",
            "Their conduct under pressure is steady and unhurried, with no reported outbursts.",
        ),
    },
}

# How the description names a trait it cannot judge.
TRAIT_NOUNS: dict[str, str] = {
    "openness": "openness to new experiences",
    "conscientiousness": "conscientiousness",
    "extraversion": "extraversion",
    "agreeableness": "agreeableness toward others",
    "neuroticism": "how readily they show strain",
}
INSUFFICIENT: tuple[str, ...] = (
    "The information is insufficient to judge {noun}.",
    "The data shows too little about {noun} to rate it; the information is insufficient.",
    "Information on {noun} is insufficient for a judgement.",
    "There is insufficient information on record to assess {noun}.",
)


@dataclass(frozen=True)
class DescriptionStyle:
    """How one rater frames its descriptions."""

    openings: tuple[str, ...]
    closings: tuple[str, ...]  # "" = no closing sentence
    second_sentence_rate: float  # chance of a second, different sentence for a trait
    trait_labels: bool  # "Openness: ..." before each trait's sentences


def tier(level: int) -> Tier:
    """The tier of a 1..3 perceived level."""
    return TIERS[level - 1]


def compose(style: DescriptionStyle, tiers: Mapping[str, Tier | None], rng: np.random.Generator) -> str:
    """One description: opening, each trait in TRAITS order (None = insufficient information), closing."""
    parts = [_pick(style.openings, rng)]
    for trait in TRAITS:
        perceived = tiers[trait]
        if perceived is None:
            sentences = [_pick(INSUFFICIENT, rng).format(noun=TRAIT_NOUNS[trait])]
        else:
            cell = PHRASES[trait][perceived]
            count = 2 if rng.random() < style.second_sentence_rate else 1
            sentences = [cell[i] for i in rng.choice(len(cell), size=count, replace=False)]
        text = " ".join(sentences)
        parts.append(f"{trait.capitalize()}: {text}" if style.trait_labels else text)
    parts.append(_pick(style.closings, rng))
    return " ".join(part for part in parts if part)


def _pick(options: tuple[str, ...], rng: np.random.Generator) -> str:
    return options[int(rng.integers(len(options)))]
