"""Versioned trait-inference prompts (config/prompts/<id>.yaml): loading, hashing and rendering to chat messages."""
from personax_platform.prompts.render import FENCE_CLOSE, FENCE_OPEN, render_messages
from personax_platform.prompts.templates import (
    DEFAULT_PROMPT_ID,
    PROMPTS_DIR,
    TRAITS,
    PromptError,
    PromptTemplate,
    list_prompts,
    load_prompt,
)

__all__ = [
    "DEFAULT_PROMPT_ID", "FENCE_CLOSE", "FENCE_OPEN", "PROMPTS_DIR", "TRAITS", "PromptError", "PromptTemplate",
    "list_prompts", "load_prompt", "render_messages",
]
