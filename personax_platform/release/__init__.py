"""The privacy-first PersonaX-format release: pseudonymous ids, coded features, scores and obfuscated embeddings, as a
Hugging Face dataset folder that can be published to the hub and loaded back. Never names, text or image paths."""
