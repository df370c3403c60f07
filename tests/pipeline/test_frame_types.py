"""The dagster-pandas types of the analysis hand-offs (assets/frame_types/): a frame as the warehouse loads it
passes; a wrong frame fails with a message naming the column, quoting no private text; the UI gets each type's
schema; and a real hand-off asset stops at its input when the frame it would read is wrong."""
from __future__ import annotations

import dagster as dg
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from assets import (
    crl,
    independence_tests,
    known_truth,
    latent_causal_graph,
    observed_causal_graph,
    prompt_consistency,
    release,
)
from assets.bios import BIOS
from assets.frame_types import (
    AGGREGATED_TRAITS_FRAME,
    BIOS_FRAME,
    CRL_LATENTS_FRAME,
    FACE_EMBEDDINGS_FRAME,
    HAND_OFF_TYPES,
    TEXT_EMBEDDINGS_FRAME,
    TRAIT_SCORES_FRAME,
)
from assets.partitions import league_partitions
from assets.traits import AGGREGATED_TRAITS
from personax_platform.arrow_pandas import to_pandas
from personax_platform.traits.constants import TRAITS
from personax_platform.warehouse.tables import arrow_schema_for
from tests.pipeline.resources import pipeline_resources

TABLE_OF = {BIOS_FRAME: "bios.bios", TRAIT_SCORES_FRAME: "traits.trait_scores",
            AGGREGATED_TRAITS_FRAME: "traits.aggregated_traits", FACE_EMBEDDINGS_FRAME: "embeddings.face_embeddings",
            TEXT_EMBEDDINGS_FRAME: "embeddings.text_embeddings", CRL_LATENTS_FRAME: "analysis.crl_latents"}


def _loaded(table: str, rows: list[dict]) -> pd.DataFrame:
    """`rows` as the warehouse IO manager hands them to a pandas input (registered schema, nullable dtypes)."""
    return to_pandas(pa.Table.from_pylist(rows, schema=arrow_schema_for(table)))


def _unit(dimension: int, seed: int = 0) -> list[float]:
    vector = np.random.default_rng(seed).standard_normal(dimension).astype(np.float32)
    return (vector / np.linalg.norm(vector)).tolist()


def _frames() -> dict[dg.DagsterType, pd.DataFrame]:
    """A valid frame of every type: missing values where the data has them, rows without a vector beside vectors."""
    people = [{"person_id": "px-a", "dataset": "athlepersona", "league": "nba", "name": "Private Name A",
               "description": "private description", "birth_year": 1990, "height_cm": 201.0},
              {"person_id": "px-b", "dataset": "athlepersona", "league": "nba", "name": "Private Name B",
               "birth_year": None, "height_cm": None}]
    scores = [{"person_id": p, "model": m, "status": "ok", **{t: (i + j) % 4 for j, t in enumerate(TRAITS)}}
              for i, (p, m) in enumerate([("px-a", "alpha"), ("px-a", "beta"), ("px-b", "alpha")])]
    scores.append({"person_id": "px-b", "model": "beta", "status": "llm_failed", "reason": "timeout"})
    aggregated = [{"person_id": p, "trait": t, "score": s, "n_models": 1}
                  for p, s in (("px-a", 1.5), ("px-b", None)) for t in TRAITS]
    faces = [{"person_id": p, "space": "dlib/r1", "dimension": 8, "status": "ok", "embedding": _unit(8, seed=i)}
             for i, p in enumerate(["px-a", "px-c", "px-d"])]
    faces.append({"person_id": "px-b", "space": "dlib/r1", "dimension": 8, "status": "no_face_found"})
    texts = [{"person_id": p, "model": m, "space": "minilm", "dimension": 6, "status": "ok",
              "embedding": _unit(6, seed=i)}
             for i, (p, m) in enumerate([("px-a", "alpha"), ("px-b", "alpha"), ("px-b", "beta")])]
    texts.append({"person_id": "px-a", "model": "beta", "space": "minilm", "dimension": 6,
                  "status": "no_description"})
    latents = [{"person_id": p, "split": "train", "block": "shared", "latent": latent, "value": 0.1 * i}
               for i, (p, latent) in enumerate([("px-a", "s0"), ("px-a", "s1"), ("px-b", "s0"), ("px-b", "s1")])]
    return {BIOS_FRAME: _loaded("bios.bios", people), TRAIT_SCORES_FRAME: _loaded("traits.trait_scores", scores),
            AGGREGATED_TRAITS_FRAME: _loaded("traits.aggregated_traits", aggregated),
            FACE_EMBEDDINGS_FRAME: _loaded("embeddings.face_embeddings", faces),
            TEXT_EMBEDDINGS_FRAME: _loaded("embeddings.text_embeddings", texts),
            CRL_LATENTS_FRAME: _loaded("analysis.crl_latents", latents)}


def _failure(dagster_type: dg.DagsterType, frame: pd.DataFrame) -> str:
    check = dg.check_dagster_type(dagster_type, frame)
    assert not check.success, f"{dagster_type.display_name} accepted the frame"
    return check.description


@pytest.mark.parametrize("dagster_type", HAND_OFF_TYPES, ids=lambda t: t.display_name)
def test_a_frame_as_the_warehouse_loads_it_passes(dagster_type):
    assert dg.check_dagster_type(dagster_type, _frames()[dagster_type]).success
    empty = to_pandas(arrow_schema_for(TABLE_OF[dagster_type]).empty_table())  # an untrained model, no rows
    assert dg.check_dagster_type(dagster_type, empty).success


@pytest.mark.parametrize("dagster_type, column", [
    (BIOS_FRAME, "person_id"), (TRAIT_SCORES_FRAME, "openness"), (TRAIT_SCORES_FRAME, "status"),
    (AGGREGATED_TRAITS_FRAME, "score"), (FACE_EMBEDDINGS_FRAME, "embedding"), (TEXT_EMBEDDINGS_FRAME, "model"),
    (CRL_LATENTS_FRAME, "latent"),
], ids=lambda v: getattr(v, "display_name", v))
def test_a_frame_missing_a_required_column_fails_naming_it(dagster_type, column):
    message = _failure(dagster_type, _frames()[dagster_type].drop(columns=column))
    assert f'Required column "{column}" is missing' in message


@pytest.mark.parametrize("dagster_type", HAND_OFF_TYPES, ids=lambda t: t.display_name)
def test_a_missing_person_id_fails_naming_the_column(dagster_type):
    frame = _frames()[dagster_type]
    frame.loc[frame.index[-1], "person_id"] = pd.NA
    message = _failure(dagster_type, frame)
    assert 'for column "person_id"' in message and "no missing values" in message


def test_an_aggregated_score_outside_the_three_level_scale_or_between_half_steps_fails_naming_the_column():
    frame = _frames()[AGGREGATED_TRAITS_FRAME]
    above = frame.assign(score=frame["score"].where(frame["person_id"] != "px-a", 4.0))  # GX's 1..5 allows it
    message = _failure(AGGREGATED_TRAITS_FRAME, above)
    assert 'for column "score"' in message and "values between 1 and 3" in message
    assert "5 of 10 rows: person_id px-a (4.0)" in message
    between = frame.assign(score=frame["score"].where(frame["person_id"] != "px-a", 2.25))  # a mean, not a median
    assert 'for column "score" - whole or half numbers' in _failure(AGGREGATED_TRAITS_FRAME, between)


@pytest.mark.parametrize("score", [-1, 4, 5])
def test_a_per_model_score_outside_zero_to_three_fails_naming_the_trait(score):
    frame = _frames()[TRAIT_SCORES_FRAME]
    frame.loc[frame.index[0], "neuroticism"] = score
    message = _failure(TRAIT_SCORES_FRAME, frame)
    assert 'for column "neuroticism" - values between 0 and 3' in message and f"({score})" in message


@pytest.mark.parametrize("change, problem", [
    ("shorter", "length {short}, dimension {dim}"),
    ("shorter, no dimension column", "length {short}, its space's vectors {dim}"),
    ("NaN", "a NaN or infinite component"),
    ("missing", "no vector"),
])
@pytest.mark.parametrize("dagster_type", [FACE_EMBEDDINGS_FRAME, TEXT_EMBEDDINGS_FRAME],
                         ids=lambda t: t.display_name)
def test_an_embedded_row_without_a_finite_vector_of_its_length_fails_naming_the_column(dagster_type, change,
                                                                                       problem):
    frame = _frames()[dagster_type]
    ok = frame.index[frame["status"] == "ok"][0]
    dim = int(frame.at[ok, "dimension"])
    vector = {"NaN": np.r_[np.nan, _unit(dim)[1:]], "missing": None}.get(change, np.asarray(_unit(dim - 1)))
    frame.at[ok, "embedding"] = vector
    if change.endswith("no dimension column"):
        frame = frame.drop(columns="dimension")  # frames built in code may lack it: the space's length decides
    message = _failure(dagster_type, frame)
    expected = problem.format(short=dim - 1, dim=dim)
    assert 'for column "embedding"' in message and f"person_id {frame.at[ok, 'person_id']} ({expected})" in message


def test_vectors_need_not_be_unit_length_at_the_hand_off():
    """GX holds the stored tables to unit norm; CRL standardises its inputs and the release rotates any norm."""
    frame = _frames()[TEXT_EMBEDDINGS_FRAME]
    frame["embedding"] = [None if v is None else 3 * np.asarray(v) for v in frame["embedding"]]
    assert dg.check_dagster_type(TEXT_EMBEDDINGS_FRAME, frame).success


def test_a_row_without_a_vector_is_not_held_to_the_vector_rules():
    frame = _frames()[FACE_EMBEDDINGS_FRAME]
    assert frame["embedding"].isna().any() and dg.check_dagster_type(FACE_EMBEDDINGS_FRAME, frame).success


@pytest.mark.parametrize("dagster_type, key", [
    (AGGREGATED_TRAITS_FRAME, "['person_id', 'trait']"), (TRAIT_SCORES_FRAME, "['person_id', 'model']"),
    (TEXT_EMBEDDINGS_FRAME, "['person_id', 'model']"), (CRL_LATENTS_FRAME, "['person_id', 'latent']"),
], ids=lambda v: getattr(v, "display_name", v))
def test_a_key_repeated_where_the_code_pivots_on_it_fails_naming_the_columns(dagster_type, key):
    frame = _frames()[dagster_type]
    message = _failure(dagster_type, pd.concat([frame, frame.iloc[[0]]], ignore_index=True))
    assert f"Violated UniqueRows - columns {key}" in message


def test_a_repeated_person_fails_without_quoting_private_text():
    people = _frames()[BIOS_FRAME]
    message = _failure(BIOS_FRAME, pd.concat([people, people.iloc[[0]]], ignore_index=True))
    assert 'for column "person_id" - no value twice' in message and "person_id px-a" in message
    assert "Private Name" not in message and "private description" not in message


def test_a_column_of_the_wrong_dtype_fails_naming_it():
    people = _frames()[BIOS_FRAME]
    message = _failure(BIOS_FRAME, people.assign(height_cm=people["height_cm"].astype(str)))
    assert 'for column "height_cm" - stored as `double`: needs a numeric dtype' in message


def test_frames_built_in_code_pass_when_they_hold_what_the_code_reads():
    """Direct invocations and the known-truth checks hand over numpy dtypes and a subset of the columns."""
    people = pd.DataFrame({"person_id": ["p0", "p1"], "birth_year": [1990, 1991], "league": ["nba", "nhl"]})
    aggregated = pd.DataFrame({"person_id": ["p0", "p1"], "trait": "openness", "score": np.array([1, 3], np.int8)})
    assert dg.check_dagster_type(BIOS_FRAME, people).success
    assert dg.check_dagster_type(AGGREGATED_TRAITS_FRAME, aggregated).success


@pytest.mark.parametrize("dagster_type", HAND_OFF_TYPES, ids=lambda t: t.display_name)
def test_every_type_shows_its_registered_schema_in_the_ui(dagster_type):
    schema = dagster_type.metadata["schema"].schema
    arrow = arrow_schema_for(TABLE_OF[dagster_type])
    assert [(c.name, c.type) for c in schema.columns] == [(f.name, str(f.type)) for f in arrow]
    person_id = next(c for c in schema.columns if c.name == "person_id")
    assert not person_id.constraints.nullable and "required at this hand-off" in person_id.constraints.other
    assert dagster_type.typing_type is pd.DataFrame  # the warehouse IO manager loads these inputs as pandas
    assert "### Columns" in dagster_type.description


@pytest.mark.parametrize("asset, inputs", [
    (independence_tests.independence_tests,
     {"people": BIOS_FRAME, "scores": TRAIT_SCORES_FRAME, "aggregated": AGGREGATED_TRAITS_FRAME}),
    (observed_causal_graph.observed_causal_graph, {"people": BIOS_FRAME, "aggregated": AGGREGATED_TRAITS_FRAME}),
    (crl.crl, {"faces": FACE_EMBEDDINGS_FRAME, "texts": TEXT_EMBEDDINGS_FRAME, "bios": BIOS_FRAME}),
    (latent_causal_graph.latent_causal_graph,
     {"latents": CRL_LATENTS_FRAME, "people": BIOS_FRAME, "aggregated": AGGREGATED_TRAITS_FRAME}),
    (known_truth.known_truth_validation,
     {"scores": TRAIT_SCORES_FRAME, "aggregated": AGGREGATED_TRAITS_FRAME, "latents": CRL_LATENTS_FRAME}),
    (prompt_consistency.prompt_consistency, {"people": BIOS_FRAME}),
    (release.persona_release, {"people": BIOS_FRAME, "scores": TRAIT_SCORES_FRAME,
                               "aggregated": AGGREGATED_TRAITS_FRAME, "faces": FACE_EMBEDDINGS_FRAME,
                               "text_vectors": TEXT_EMBEDDINGS_FRAME}),
], ids=["independence_tests", "observed_causal_graph", "crl", "latent_causal_graph", "known_truth_validation",
        "prompt_consistency", "persona_release"])
def test_the_hand_off_inputs_are_declared_with_the_types(asset, inputs):
    declared = {i.name: i.dagster_type for i in asset.op.input_defs}
    assert {name: declared[name] for name in inputs} == inputs


def _stand_in(key: dg.AssetKey, frame: pd.DataFrame) -> dg.AssetsDefinition:
    """An upstream league asset that writes `frame` through the real warehouse IO manager."""
    @dg.asset(key=key, partitions_def=league_partitions)
    def upstream() -> pd.DataFrame:
        return frame

    return upstream


def test_a_real_hand_off_stops_at_its_input_naming_the_column_of_a_wrong_frame(warehouse_dirs):
    """The observed graph reads bios and aggregated traits of the one league of celebpersona through the real
    warehouse IO manager: with scores on the 1..3 scale it runs; with a score of 4 (which GX's aggregated_traits
    suite allows: 1..5) the run fails loading `aggregated`, naming the column, and writes nothing."""
    resources = pipeline_resources(warehouse_dirs)
    people = _loaded("bios.bios", [{"person_id": f"px-{i:02d}", "dataset": "celebpersona", "league": "celebrities",
                                    "name": f"Person {i}", "birth_year": 1950 + i, "height_cm": 160.0 + i}
                                   for i in range(12)])
    graph = observed_causal_graph.observed_causal_graph

    def run(score_of_first: float) -> None:
        aggregated = _loaded("traits.aggregated_traits", [
            {"person_id": p, "dataset": "celebpersona", "league": "celebrities", "prompt_sha": "sha", "trait": t,
             "score": score_of_first if i == 0 else 1.0 + (i % 5) / 2, "n_models": 3, "n_answered": 3}
            for i, p in enumerate(people["person_id"]) for t in TRAITS])
        upstream = [_stand_in(BIOS, people), _stand_in(AGGREGATED_TRAITS, aggregated)]
        assert dg.materialize(upstream, partition_key="celebrities", resources=resources).success
        config = {"ops": {"analysis__observed_causal_graph": {"config": {"resamples": 0}}}}
        dg.materialize([*upstream, graph], partition_key="celebpersona", selection=[graph], resources=resources,
                       run_config=config)

    stored = warehouse_dirs["lake_dir"] / "analysis" / "observed_causal_graph" / "celebpersona.parquet"
    run(score_of_first=2.5)
    assert stored.exists()
    stored.unlink()
    with pytest.raises(dg.DagsterTypeCheckDidNotPass) as failed:
        run(score_of_first=4.0)
    message = str(failed.value)
    assert 'input "aggregated"' in message and '"AggregatedTraitsFrame"' in message
    assert 'for column "score" - values between 1 and 3' in message and "person_id px-00 (4.0)" in message
    assert not stored.exists()


def test_the_types_are_in_the_definitions_the_ui_loads():
    from definitions import defs

    types = {t for job in defs.get_repository_def().get_all_jobs() for t in job.graph.all_dagster_types()}
    assert set(HAND_OFF_TYPES) <= types
