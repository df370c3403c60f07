"""The release secret: keys the pseudonymous ids and the embedding rotation.

Without it, ids cannot be linked back to people and embeddings cannot be un-rotated; with it (kept by the data
steward), both can. Taken from PERSONAX_RELEASE_SECRET, else from a file created once with a random secret (mode 0600)
so that local runs are consistent without setup. Never written into the release or the warehouse.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_ENV = "PERSONAX_RELEASE_SECRET"
_MIN_BYTES = 16


def release_secret(secret_file: Path) -> bytes:
    """The secret from the environment, else from `secret_file` (created with 32 random bytes if absent)."""
    value = os.environ.get(SECRET_ENV)
    if value is not None:
        secret = value.encode("utf-8")
        if len(secret) < _MIN_BYTES:
            raise ValueError(f"{SECRET_ENV} must be at least {_MIN_BYTES} bytes long")
        return secret
    if not secret_file.exists():
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as fh:
            fh.write(secrets.token_hex(32))
    secret = secret_file.read_text().strip().encode("utf-8")
    if len(secret) < _MIN_BYTES:
        raise ValueError(f"{secret_file}: release secret shorter than {_MIN_BYTES} bytes")
    return secret
