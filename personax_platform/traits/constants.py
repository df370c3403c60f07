"""The Big Five traits every LLM is asked to score, in the order prompts and tables list them (docs/paper.md §2)."""

TRAITS: tuple[str, ...] = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
