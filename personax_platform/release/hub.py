"""Publishing a release folder to the Hugging Face hub, and finding a published one again (offline cache honoured)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def publish_release(folder: Path, repo_id: str, token_env: str, commit_message: str, *, private: bool = True,
                    api: Any = None) -> str:
    """Create the dataset repo if missing and upload the folder as one commit; returns the commit URL.

    The token is read from the variable named `token_env` at call time and never logged or stored.
    """
    from huggingface_hub import HfApi

    token = os.environ.get(token_env)
    if not token:
        raise ValueError(f"publishing to {repo_id} needs a Hugging Face token in the environment variable "
                         f"{token_env}")
    api = api or HfApi(token=token)
    api.create_repo(repo_id=repo_id, repo_type="dataset", private=private, exist_ok=True)
    commit = api.upload_folder(folder_path=str(folder), repo_id=repo_id, repo_type="dataset",
                               commit_message=commit_message)
    return str(getattr(commit, "commit_url", commit))


def locate_release(source: str) -> Path:
    """A local release folder, or a hub dataset repo id fetched with huggingface_hub (HF_HUB_OFFLINE=1, the
    platform's default, reads only the local cache)."""
    path = Path(source)
    if path.exists():
        return path
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(repo_id=source, repo_type="dataset"))
