"""Provider prompt caching reuses the longest prefix that requests share, so every shipped prompt must render its
fixed part first and the person's data last: identical up to the data's fence, nothing person-specific after it."""
from __future__ import annotations

import datetime as dt

import pytest

from personax_platform.prompts import FENCE_CLOSE, FENCE_OPEN, list_prompts, load_prompt, render_messages

PEOPLE = {
    "athletes": (
        {"person_id": "a-1", "dataset": "athlepersona", "league": "nba", "name": "Ana Ñúñez",
         "birth_date": dt.date(1995, 2, 19), "nationality": "RS", "height_cm": 211.0, "weight_kg": 129.3,
         "position": "C"},
        {"person_id": "a-2", "dataset": "athlepersona", "league": "pga", "name": "Bo Lind",
         "birth_date": dt.date(1988, 7, 1), "nationality": "SE", "height_cm": 180.0, "position": "G"},
    ),
    "celebrities": (
        {"person_id": "c-1", "name": "Jo Example", "occupation": "actor",
         "description": "Stage and screen actor known for charity work."},
        {"person_id": "c-2", "name": "Max Muster", "occupation": "singer", "description": "Pop singer."},
    ),
}


def _split_at_data(messages: list[dict[str, str]]) -> tuple[list[dict[str, str]], str, str, str]:
    """(every message before the last, the last message's text up to the fence, the fenced data, what follows it)."""
    *before, last = messages
    content = last["content"]
    start = content.index(FENCE_OPEN)
    end = content.index(FENCE_CLOSE) + len(FENCE_CLOSE)
    return before, f"{last['role']}:{content[:start]}", content[start:end], content[end:]


@pytest.mark.parametrize("prompt_id", list_prompts())
@pytest.mark.parametrize("kind", sorted(PEOPLE))
def test_the_fixed_part_comes_first_and_the_persons_data_ends_the_last_message(prompt_id: str, kind: str) -> None:
    prompt = load_prompt(prompt_id)
    first, second = (_split_at_data(render_messages(prompt, person, kind)) for person in PEOPLE[kind])

    assert first[0] == second[0]  # every earlier message (the system message) is shared
    assert first[1] == second[1]  # the last message is shared up to the fence
    assert first[2] != second[2]  # the people do differ, and only inside the fence
    # Only the template's trailing whitespace may follow the data: a fixed sentence there would be cacheable text
    # placed after the one part that differs per person.
    assert first[3] == second[3] and not first[3].strip()
