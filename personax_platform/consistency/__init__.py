"""The prompt-design consistency study (docs/paper.md §2): how prompt format affects the stability of LLM
trait scores."""
