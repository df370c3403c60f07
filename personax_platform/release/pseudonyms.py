"""Pseudonymous release ids: an HMAC of the person id under the release secret (not reversible without it)."""
from __future__ import annotations

import hashlib
import hmac

import pandas as pd


def pseudonym(secret: bytes, person_id: str) -> str:
    return "pxr-" + hmac.new(secret, person_id.encode("utf-8"), hashlib.sha256).hexdigest()[:20]


def pseudonymize(frame: pd.DataFrame, secret: bytes) -> pd.DataFrame:
    """`frame` with `person_id` replaced by `pid`, the release id."""
    out = frame.copy()
    out.insert(0, "pid", [pseudonym(secret, p) for p in out["person_id"]])
    return out.drop(columns="person_id")
