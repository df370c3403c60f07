"""The prompt-design consistency study (PAPER.md §2): how prompt format affects the stability of LLM trait scores."""
