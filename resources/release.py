"""The release resource: where release folders go, the secret that keys them, and the hub repo they publish to."""
from pathlib import Path
from typing import Any

import dagster as dg

from personax_platform.release.hub import publish_release
from personax_platform.release.secret import release_secret


class ReleaseResource(dg.ConfigurableResource):
    release_dir: str
    secret_file: str
    hub_repo_template: str = ""  # e.g. "my-lab/personax-{dataset}"; empty: write the folder, publish nothing
    token_env: str = "HF_TOKEN"  # the NAME of the variable that holds the hub token
    private: bool = True

    def folder(self, dataset: str) -> Path:
        return Path(self.release_dir) / dataset

    def secret(self) -> bytes:
        return release_secret(Path(self.secret_file))

    def repo_id(self, dataset: str) -> str | None:
        return self.hub_repo_template.format(dataset=dataset) if self.hub_repo_template else None

    def publish(self, folder: Path, dataset: str, commit_message: str, api: Any = None) -> str | None:
        """Upload to the configured repo; None when no repo is configured."""
        repo_id = self.repo_id(dataset)
        if repo_id is None:
            return None
        return publish_release(folder, repo_id, self.token_env, commit_message, private=self.private, api=api)
