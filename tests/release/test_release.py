"""The privacy-first release: pseudonymous ids, coded features, rotated embeddings, a card, a folder that reads back,
publishing at the HfApi boundary, and loading from the hub cache offline. Built from the shipped sample."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
import yaml

from personax_platform.arrow_pandas import to_pandas
from personax_platform.bios.countries import CountryResolver
from personax_platform.bios.landing import read_raw_bios
from personax_platform.bios.normalize import normalize_bios
from personax_platform.config.datasets import load_config
from personax_platform.release.folder import read_release_folder, write_release_folder
from personax_platform.release.hub import locate_release, publish_release
from personax_platform.release.obfuscate import obfuscate, recover
from personax_platform.release.privacy import find_private_text
from personax_platform.release.pseudonyms import pseudonym
from personax_platform.release.secret import SECRET_ENV, release_secret
from personax_platform.release.tables import CATEGORICAL, build_release
from personax_platform.traits.constants import TRAITS
from tests.conftest import SAMPLE_LANDING

SECRET = b"a-test-secret-of-enough-length"


@pytest.fixture(scope="module")
def bios() -> pd.DataFrame:
    config = load_config()
    source = config.source("celebrities")
    raw = read_raw_bios(SAMPLE_LANDING, source, "celebpersona", "celebrities")
    return to_pandas(normalize_bios(raw, source, CountryResolver(config.country_aliases)).bios.to_arrow())


def _inputs(bios: pd.DataFrame) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(0)
    people = bios["person_id"].tolist()
    scores = pd.DataFrame([{"person_id": p, "dataset": "celebpersona", "league": "celebrities", "model": m,
                            "prompt_id": "number-l3-inc", "prompt_sha": "abc123", "status": "ok", "reason": None,
                            **{t: int(rng.integers(0, 4)) for t in TRAITS}} for p in people for m in ("m1", "m2")])
    aggregated = pd.DataFrame([{"person_id": p, "trait": t, "score": 2.0, "n_models": 2} for p in people
                               for t in TRAITS])
    faces = pd.DataFrame({"person_id": people, "space": "dlib/resnet-128", "status": "ok",
                          "embedding": list(rng.standard_normal((len(people), 128)).astype(np.float32))})
    texts = pd.DataFrame({"person_id": people * 2, "model": ["m1"] * len(people) + ["m2"] * len(people),
                          "space": "minilm-384", "embedding": list(rng.standard_normal((2 * len(people), 384))
                                                                   .astype(np.float32))})
    return {"trait_scores": scores, "aggregated": aggregated, "face_embeddings": faces, "text_embeddings": texts}


def _release(bios: pd.DataFrame, inputs: dict | None = None):
    return build_release("celebpersona", bios, secret=SECRET, **(inputs or _inputs(bios)))


def test_release_tables_carry_pseudonyms_codes_and_scores_but_no_person_ids(bios):
    release = _release(bios)
    people = release.tables["people"]
    assert len(people) == len(bios) and people["pid"].str.match(r"^pxr-[0-9a-f]{20}$").all()
    assert "person_id" not in people and "name" not in people and "description" not in people
    assert {f"{c}_idx" for c in CATEGORICAL} <= set(people.columns)
    decoded = release.people_decoded().set_index("pid")
    original = bios.assign(pid=[pseudonym(SECRET, p) for p in bios["person_id"]]).set_index("pid")
    for column in ("occupation", "nationality", "league"):
        pd.testing.assert_series_equal(decoded[column], original.loc[decoded.index, column], check_names=False,
                                       check_dtype=False)
    assert len(release.tables["model_scores"]) == len(bios) * 2 * len(TRAITS)


def test_pseudonyms_are_stable_under_one_secret_and_unlinkable_across_secrets():
    assert pseudonym(SECRET, "px-1") == pseudonym(SECRET, "px-1") != pseudonym(b"another-secret-xxxxxx", "px-1")
    assert "px-1" not in pseudonym(SECRET, "px-1")


def test_the_rotation_keeps_distances_and_only_the_secret_undoes_it():
    vectors = np.random.default_rng(1).standard_normal((20, 64)).astype(np.float32)
    released = obfuscate(vectors, SECRET, "dlib/resnet-128")
    dist = lambda m: np.linalg.norm(m[:, None] - m[None], axis=-1)  # noqa: E731
    assert np.allclose(dist(released), dist(vectors), atol=1e-4)
    assert not np.allclose(released, vectors, atol=0.1)
    assert np.allclose(recover(released, SECRET, "dlib/resnet-128"), vectors, atol=1e-5)
    assert not np.allclose(recover(released, b"wrong-secret-wrong-secret", "dlib/resnet-128"), vectors, atol=0.1)
    assert not np.allclose(obfuscate(vectors, SECRET, "other-space"), released, atol=0.1)


def test_no_name_description_or_raw_answer_of_the_sample_appears_in_the_release(bios, tmp_path):
    folder = write_release_folder(_release(bios), tmp_path / "release", built_at="2026-11-26T00:00:00Z")
    raw_answers = [json.dumps({"description": d, "scores": {}}) for d in bios["description"].dropna()]
    private = [*bios["name"], *bios["description"].dropna(), *raw_answers, *bios["source_id"].dropna(),
               *bios["image_ref"].dropna()]
    assert find_private_text(folder, private) == []


def test_the_privacy_scan_finds_a_name_hidden_in_compressed_parquet(bios, tmp_path):
    inputs = _inputs(bios)
    leaky = bios.assign(occupation=bios["name"])  # a mapping mistake that would leak names as "occupations"
    folder = write_release_folder(build_release("celebpersona", leaky, secret=SECRET, **inputs), tmp_path / "r",
                                  built_at="now")
    leaks = find_private_text(folder, bios["name"])
    assert leaks and all(leak.startswith("data/categories.parquet") for leak in leaks)


def test_a_release_folder_reads_back_to_the_same_tables_and_card(bios, tmp_path):
    release = _release(bios)
    back = read_release_folder(write_release_folder(release, tmp_path / "release", built_at="now"))
    assert back.dataset == "celebpersona" and back.provenance["prompt_sha"] == "abc123"
    for name in ("people", "categories", "model_scores", "aggregated"):
        pd.testing.assert_frame_equal(back.tables[name].reset_index(drop=True),
                                      release.tables[name].reset_index(drop=True), check_dtype=False)
    assert np.allclose(np.stack(back.tables["face_embeddings"]["embedding"]),
                       np.stack(release.tables["face_embeddings"]["embedding"]))
    card = (tmp_path / "release" / "README.md").read_text()
    front = yaml.safe_load(card.split("---")[1])
    assert front["license"] == "cc-by-nc-4.0" and {c["config_name"] for c in front["configs"]} >= {"people"}
    assert "Non-commercial research only" in card and "abc123" in card


def test_a_folder_that_is_not_a_release_is_named_in_the_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing data/people.parquet"):
        read_release_folder(tmp_path)


class RecordingHfApi:
    """The HfApi boundary: what would be sent to the hub."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def create_repo(self, **kwargs):
        self.calls.append(("create_repo", kwargs))

    def upload_folder(self, **kwargs):
        self.calls.append(("upload_folder", kwargs))
        return type("Commit", (), {"commit_url": "https://huggingface.co/datasets/x/y/commit/1"})()


def test_publishing_creates_the_dataset_repo_if_missing_and_uploads_one_commit(bios, tmp_path, monkeypatch):
    folder = write_release_folder(_release(bios), tmp_path / "release", built_at="now")
    api = RecordingHfApi()
    monkeypatch.setenv("HF_TOKEN_TEST", "hf_not_a_real_token")
    url = publish_release(folder, "lab/personax-celeb", "HF_TOKEN_TEST", "PersonaX release (prompt abc123)", api=api)
    (create, create_args), (upload, upload_args) = api.calls
    assert create == "create_repo" and create_args == {"repo_id": "lab/personax-celeb", "repo_type": "dataset",
                                                       "private": True, "exist_ok": True}
    assert upload == "upload_folder" and upload_args["commit_message"] == "PersonaX release (prompt abc123)"
    assert upload_args["folder_path"] == str(folder) and url.endswith("/commit/1")


def test_publishing_without_a_token_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_TOKEN_TEST", raising=False)
    with pytest.raises(ValueError, match="HF_TOKEN_TEST"):
        publish_release(tmp_path, "lab/x", "HF_TOKEN_TEST", "m", api=RecordingHfApi())


def test_a_published_release_loads_from_the_hub_cache_offline(bios, tmp_path, monkeypatch):
    # The layout huggingface_hub keeps after a download: datasets--<owner>--<name>/{refs/main, snapshots/<commit>}.
    commit = hashlib.sha1(b"release").hexdigest()
    repo = tmp_path / "hub" / "datasets--lab--personax-celeb"
    write_release_folder(_release(bios), repo / "snapshots" / commit, built_at="now")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import huggingface_hub.constants as constants
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    located = locate_release("lab/personax-celeb")
    assert located == repo / "snapshots" / commit
    assert len(read_release_folder(located).tables["people"]) == len(bios)


def test_the_release_secret_comes_from_the_environment_or_a_private_file(tmp_path, monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    path = tmp_path / "secret"
    first = release_secret(path)
    assert release_secret(path) == first and oct(path.stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv(SECRET_ENV, "an-explicit-secret-value")
    assert release_secret(path) == b"an-explicit-secret-value"
    monkeypatch.setenv(SECRET_ENV, "short")
    with pytest.raises(ValueError, match=SECRET_ENV):
        release_secret(path)
