"""Face and text embeddings, and the dataset release, materialized for real on the shipped sample: statuses instead of
silent drops, unit vectors validated by GX, and a release with no private text that publishes at the HfApi boundary."""
from __future__ import annotations

from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from assets import embeddings
from assets.release import persona_release
from assets.release_import import release_import
from personax_platform.release.folder import read_release_folder
from personax_platform.release.privacy import find_private_text
from personax_platform.warehouse import Lakehouse
from resources.embeddings import FaceEmbeddingResource, TextEncoderResource
from resources.release import ReleaseResource
from resources.warehouse import table_ref
from tests.pipeline.traits_support import (
    BIOS_ASSETS,
    MODELS,
    TRAIT_ASSETS,
    llm_resources,
    materialize_traits,
    read_table,
)

EMBEDDING_ASSETS = [embeddings.face_embeddings, embeddings.text_embeddings, embeddings.face_embeddings_check,
                    embeddings.text_embeddings_check]


@pytest.fixture
def resources(warehouse_dirs, llm_setup, tmp_path, monkeypatch):
    monkeypatch.setenv("PERSONAX_RELEASE_SECRET", "a-test-release-secret-0123456789")
    return {**llm_resources(warehouse_dirs, *llm_setup),
            "faces": FaceEmbeddingResource(workers=1), "encoder": TextEncoderResource(),
            "release": ReleaseResource(release_dir=str(tmp_path / "release"), secret_file=str(tmp_path / "s"))}


def _embed(resources: dict, league: str) -> dg.ExecuteInProcessResult:
    assert materialize_traits(resources, league=league, max_people=4).success
    return dg.materialize(BIOS_ASSETS + TRAIT_ASSETS + EMBEDDING_ASSETS, partition_key=league, resources=resources,
                          selection=EMBEDDING_ASSETS)


def test_every_person_gets_a_face_row_with_an_embedding_or_a_status(resources, warehouse_dirs):
    result = _embed(resources, "celebrities")
    assert all(e.passed for e in result.get_asset_check_evaluations())
    faces = read_table(warehouse_dirs, "face_embeddings", "embeddings")
    bios = read_table(warehouse_dirs, "bios", "bios")
    assert sorted(faces["person_id"]) == sorted(bios["person_id"])  # nobody dropped
    assert set(faces["status"]) <= {"ok", "no_image", "unreadable_image", "no_face_found"}
    ok = faces[faces["status"] == "ok"]
    assert len(ok) > 0 and (ok["dimension"] == 128).all() and (ok["space"] == ok["space"].iloc[0]).all()
    vectors = np.stack(ok["embedding"].to_numpy())
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    failed = faces[faces["status"] != "ok"]
    assert failed["embedding"].isna().all() and failed["reason"].notna().all()
    # the same photo gives the same vector whoever it is attached to
    same = ok.groupby("image_ref")["embedding"].apply(lambda v: np.ptp(np.stack(v.to_numpy()), axis=0).max())
    assert (same < 1e-6).all()


def test_each_models_description_gets_a_unit_text_embedding(resources, warehouse_dirs):
    _embed(resources, "pga")
    texts = read_table(warehouse_dirs, "text_embeddings", "embeddings")
    assert len(texts) == 4 * len(MODELS) and set(texts["status"]) == {"ok"}
    assert set(texts["encoder_id"]) == {TextEncoderResource().load().model_id} and (texts["dimension"] == 384).all()
    assert np.allclose(np.linalg.norm(np.stack(texts["embedding"].to_numpy()), axis=1), 1.0, atol=1e-5)


def test_the_release_holds_no_private_text_and_publishes_one_commit(resources, warehouse_dirs, tmp_path,
                                                                     monkeypatch):
    _embed(resources, "celebrities")
    commits = []

    class RecordingHfApi:  # the hub boundary: no network here
        def __init__(self, token: str) -> None:
            assert token == "hf_test_token"

        def create_repo(self, **kwargs):
            commits.append(("create_repo", kwargs["repo_id"]))

        def upload_folder(self, **kwargs):
            commits.append(("upload_folder", kwargs["commit_message"]))
            return "https://huggingface.co/datasets/lab/personax-celebpersona/commit/1"

    import huggingface_hub
    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingHfApi)
    monkeypatch.setenv("HF_TOKEN", "hf_test_token")
    release = ReleaseResource(release_dir=str(tmp_path / "release"), secret_file=str(tmp_path / "s"),
                              hub_repo_template="lab/personax-{dataset}")
    result = dg.materialize(BIOS_ASSETS + TRAIT_ASSETS + EMBEDDING_ASSETS + [persona_release],
                            partition_key="celebpersona", selection=[persona_release],
                            resources={**resources, "release": release})
    assert result.success
    folder = tmp_path / "release" / "celebpersona"
    bios = read_table(warehouse_dirs, "bios", "bios")
    texts = read_table(warehouse_dirs, "trait_texts")
    private = [*bios["name"], *bios["description"].dropna(), *texts["description"].dropna(),
               *texts["raw_response"].dropna(), *bios["image_ref"].dropna()]
    assert find_private_text(folder, private) == []
    back = read_release_folder(folder)
    assert len(back.tables["people"]) == len(bios) and len(back.tables["text_embeddings"]) == 4 * len(MODELS)
    assert commits[0] == ("create_repo", "lab/personax-celebpersona")
    assert commits[1][0] == "upload_folder" and "prompt" in commits[1][1]
    manifest = read_table(warehouse_dirs, "persona_release", "release")
    assert "README.md" in set(manifest["file"]) and manifest["sha256"].str.len().eq(64).all()


def test_a_release_loads_back_into_the_warehouse_as_the_same_tables(resources, warehouse_dirs, tmp_path):
    _embed(resources, "celebrities")
    assert dg.materialize(BIOS_ASSETS + TRAIT_ASSETS + EMBEDDING_ASSETS + [persona_release],
                          partition_key="celebpersona", selection=[persona_release], resources=resources).success
    folder = tmp_path / "release" / "celebpersona"
    imported = dg.materialize([release_import], resources=resources,
                              run_config={"ops": {"release_import": {"config": {"source": str(folder)}}}})
    assert imported.success
    release = read_release_folder(folder)
    people = read_table(warehouse_dirs, "people", "release_import")
    bios = read_table(warehouse_dirs, "bios", "bios")
    assert len(people) == len(bios) and sorted(people["occupation"]) == sorted(bios["occupation"])
    scores = read_table(warehouse_dirs, "model_scores", "release_import")
    pd.testing.assert_frame_equal(scores.drop(columns="dataset").sort_values(["pid", "model", "trait"])
                                  .reset_index(drop=True),
                                  release.tables["model_scores"].sort_values(["pid", "model", "trait"])
                                  .reset_index(drop=True), check_dtype=False)
    faces = read_table(warehouse_dirs, "face_embeddings", "release_import")
    assert np.allclose(np.stack(faces["embedding"].to_numpy()),
                       np.stack(release.tables["face_embeddings"]["embedding"].to_numpy()))


def test_text_embeddings_with_no_description_of_the_active_prompt_store_an_empty_partition(resources, tmp_path):
    """After a prompt edit and before trait_texts re-runs, no stored text matches the active prompt."""
    texts = pd.DataFrame(columns=["person_id", "dataset", "league", "model", "prompt_sha", "description"])
    output = embeddings.text_embeddings(dg.build_asset_context(), encoder=resources["encoder"], llm=resources["llm"],
                                        texts=texts)
    assert output.value.empty
    lake = Lakehouse(tmp_path / "lake", tmp_path / "catalog.duckdb")
    url = lake.write_partition(table_ref(embeddings.TEXT_EMBEDDINGS), "pga", output.value)
    assert lake.read_partitions(table_ref(embeddings.TEXT_EMBEDDINGS), ["pga"]).empty and Path(url).is_file()
