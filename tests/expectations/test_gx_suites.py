"""The Great Expectations suites in expectations/suites, run for real (no mocks) through GX and Dagster."""
from __future__ import annotations

import json
import subprocess

import dagster as dg
import pandas as pd
import pytest

from expectations.asset_checks import (
    CHECK_NAME,
    gx_asset_check,
    gx_check_result,
    suite_path_for,
)
from expectations.gx_validation import (
    SUITES_DIR,
    load_suite_definition,
    suite_parameter_names,
    validate_dataframe,
)
from personax_platform.traits.schema import TRAIT_TEXTS
from tests.conftest import PYTHON, REPO_ROOT

RAW_KEY = dg.AssetKey(["bios", "raw_bios"])
BIOS_KEY = dg.AssetKey(["bios", "bios"])
PARAMS = {
    "datasets": ["athlepersona", "celebpersona"],
    "leagues": {"nba", "celeba"},  # sets are accepted
    "iso2_codes": ("US", "GB", "FR", "RS", "CA", "DE"),
}
FACE = ["Arched_Eyebrows", "Big_Nose", "Pointy_Nose", "Bushy_Eyebrows", "Big_Lips", "Oval_Face", "Double_Chin",
        "Receding_Hairline", "Narrow_Eyes", "High_Cheekbones"]
BIOS_COLUMNS = (
    "person_id dataset league source_id name gender birth_date birth_year birth_month birth_day day_of_year day_sin "
    "day_cos nationality latitude longitude height_cm weight_kg position occupation description".split()
    + FACE + "face_attribute_ties n_images image_ref source_file source_line loaded_at".split()
)
RAW_COLUMNS = ["dataset", "league", "source_file", "source_line", "source_id", "record", "read_error", "encoding",
               "loaded_at"]


def valid_bios() -> pd.DataFrame:
    """Two athletes (no face attributes, one with unknown nationality) and a celebrity, typed as the lakehouse reads."""
    loaded = pd.Timestamp("2024-05-01T12:00:00Z")
    rows = {
        "person_id": ["px-0123456789abcdef", "px-1111111111111111", "px-2222222222222222"],
        "dataset": ["athlepersona", "athlepersona", "celebpersona"],
        "league": ["nba", "nba", "celeba"],
        "source_id": ["2544", "201939", "celeb-17"],
        "name": ["LeBron James", "Nikola Jokić", "Some Celebrity"],
        "gender": ["male", "male", None],
        "birth_date": pd.to_datetime(["1984-12-30", "1995-02-19", "1970-07-01"]).date,
        "birth_year": pd.array([1984, 1995, 1970], dtype="Int64"),
        "birth_month": pd.array([12, 2, 7], dtype="Int64"),
        "birth_day": pd.array([30, 19, 1], dtype="Int64"),
        "day_of_year": pd.array([365, 50, 182], dtype="Int64"),
        "day_sin": [-0.0344, 0.7093, 0.0086],
        "day_cos": [0.9994, 0.7049, -0.9999],
        "nationality": ["US", None, "GB"],
        "latitude": [39.76, None, 54.0],
        "longitude": [-98.5, None, -2.0],
        "height_cm": [206.0, 211.0, None],
        "weight_kg": [113.4, 129.3, None],
        "position": ["F", "C", None],
        "occupation": [None, None, "actor"],
        "description": [None, None, "An actor."],
        "face_attribute_ties": [None, None, "Big_Nose"],
        "n_images": pd.array([1, 1, 3], dtype="Int64"),
        "image_ref": ["athlepersona/nba/2544.png", None, "celebpersona/img/17.jpg"],
        "source_file": ["athlepersona/nba/players.csv", "athlepersona/nba/players.csv", "celeba/identities.jsonl"],
        "source_line": pd.array([2, 3, 17], dtype="Int64"),
        "loaded_at": [loaded, loaded, loaded],
    }
    for i, attr in enumerate(FACE):
        rows[attr] = pd.array([None, None, 1 if i % 2 else -1], dtype="Int8")
    df = pd.DataFrame(rows)[BIOS_COLUMNS]
    for col in ("person_id", "dataset", "league", "source_id", "name", "gender", "nationality", "position",
                "occupation", "description", "face_attribute_ties", "image_ref", "source_file"):
        df[col] = df[col].astype("string")
    return df


def valid_raw() -> pd.DataFrame:
    loaded = pd.Timestamp("2024-05-01T12:00:00Z")
    return pd.DataFrame({
        "dataset": ["athlepersona"] * 3,
        "league": ["nba"] * 3,
        "source_file": ["athlepersona/nba/players.csv"] * 3,
        "source_line": [2, 3, 4],
        "source_id": ["2544", "201939", "203999"],
        "record": ['{"PERSON_ID": "2544"}', '{"PERSON_ID": "201939"}', '{"PERSON_ID": "203999"}'],
        "read_error": [None, None, None],
        "encoding": ["utf-8"] * 3,
        "loaded_at": [loaded] * 3,
    })[RAW_COLUMNS]


def failed_by_column(outcome):
    return {(f.column, f.expectation_type): f for f in outcome.failed}


# ------------------------------------------------------------------------------------------------------ bios suite


def test_valid_bios_passes():
    outcome = validate_dataframe(valid_bios(), suite_path_for(BIOS_KEY), PARAMS)
    assert outcome.success, outcome.describe()
    assert outcome.suite_name == "bios.bios"
    assert outcome.failed == []
    assert outcome.evaluated == len(load_suite_definition(suite_path_for(BIOS_KEY))["expectations"])
    assert outcome.row_count == 3


def test_heights_outside_the_typical_range_fail_only_beyond_the_mostly_share():
    """Two non-null heights: one outside [140, 235] is 50% of them, above the 10% the suite tolerates (single
    implausible rows are the normaliser's business; this check looks for systematic problems)."""
    df = valid_bios()
    df.loc[1, "height_cm"] = 300.0
    outcome = validate_dataframe(df, suite_path_for(BIOS_KEY), PARAMS)
    assert not outcome.success
    assert [f.column for f in outcome.failed] == ["height_cm"]
    failure = outcome.failed[0]
    assert failure.expectation_type == "expect_column_values_to_be_between"
    assert failure.examples == [300.0]
    assert failure.unexpected_count == 1
    assert failure.unexpected_percent == pytest.approx(50.0)  # of the two non-null heights
    assert "min_value=140.0" in failure.kwargs and "max_value=235.0" in failure.kwargs
    assert "mostly=0.9" in failure.kwargs
    assert "cm" in failure.note and "systematic" in failure.note
    assert "height_cm" in outcome.describe() and "300.0" in outcome.describe()


def test_one_atypical_height_among_many_passes():
    df = pd.concat([valid_bios()] * 10, ignore_index=True)
    df["person_id"] = [f"px-{i:016x}" for i in range(len(df))]
    df["height_cm"] = 190.0
    df.loc[0, "height_cm"] = 251.0  # a real extreme: one person in a league, not a unit error
    assert validate_dataframe(df, suite_path_for(BIOS_KEY), PARAMS).success


def test_duplicate_person_id_fails():
    df = valid_bios()
    df.loc[2, "person_id"] = df.loc[0, "person_id"]
    outcome = validate_dataframe(df, suite_path_for(BIOS_KEY), PARAMS)
    assert not outcome.success
    failure = failed_by_column(outcome)[("person_id", "expect_column_values_to_be_unique")]
    assert failure.examples == ["px-0123456789abcdef"]  # distinct values, not one per row
    assert failure.unexpected_count == 2


def test_face_attribute_zero_fails():
    df = valid_bios()
    df.loc[2, "Big_Lips"] = 0
    outcome = validate_dataframe(df, suite_path_for(BIOS_KEY), PARAMS)
    assert not outcome.success
    assert [(f.column, f.examples) for f in outcome.failed] == [("Big_Lips", [0])]


def test_values_outside_configured_sets_fail():
    df = valid_bios()
    df.loc[0, "league"] = "mlb"
    df.loc[2, "nationality"] = "XX"
    outcome = validate_dataframe(df, suite_path_for(BIOS_KEY), PARAMS)
    failed = failed_by_column(outcome)
    assert failed[("league", "expect_column_values_to_be_in_set")].examples == ["mlb"]
    assert failed[("league", "expect_column_values_to_be_in_set")].kwargs == "value_set=$leagues"
    assert failed[("nationality", "expect_column_values_to_be_in_set")].examples == ["XX"]


def test_wrong_column_set_fails():
    df = valid_bios().drop(columns=["loaded_at"]).assign(extra_column=1)
    outcome = validate_dataframe(df, suite_path_for(BIOS_KEY), PARAMS)
    assert not outcome.success
    failure = failed_by_column(outcome)[(None, "expect_table_columns_to_match_set")]
    assert failure.examples == ["missing loaded_at", "unexpected extra_column"]


def test_missing_column_is_reported_not_raised():
    df = valid_bios().drop(columns=["height_cm"])
    outcome = validate_dataframe(df, suite_path_for(BIOS_KEY), PARAMS)
    failed = failed_by_column(outcome)
    assert (None, "expect_table_columns_to_match_set") in failed
    assert "height_cm" in failed[("height_cm", "expect_column_values_to_be_between")].error


def test_empty_frames_validate():
    empty = valid_bios().iloc[0:0]
    assert validate_dataframe(empty, suite_path_for(BIOS_KEY), PARAMS).success
    no_columns = validate_dataframe(pd.DataFrame(), suite_path_for(BIOS_KEY), PARAMS)
    assert not no_columns.success
    assert no_columns.row_count == 0
    assert len(no_columns.failed) == no_columns.evaluated


def test_missing_suite_parameter_is_an_error():
    with pytest.raises(ValueError, match="iso2_codes"):
        validate_dataframe(valid_bios(), suite_path_for(BIOS_KEY), {"datasets": [], "leagues": []})


# ------------------------------------------------------------------------------------------------------- raw suite


def test_valid_raw_passes():
    outcome = validate_dataframe(valid_raw(), suite_path_for(RAW_KEY), PARAMS)
    assert outcome.success, outcome.describe()
    assert outcome.suite_name == "bios.raw_bios"


def test_raw_tolerates_a_few_missing_source_ids_only():
    many = pd.concat([valid_raw()] * 10, ignore_index=True)
    many["source_line"] = range(2, 32)
    many.loc[0, "source_id"] = None  # 1 of 30 < 5%
    assert validate_dataframe(many, suite_path_for(RAW_KEY), PARAMS).success
    many.loc[1:3, "source_id"] = None  # 4 of 30 > 5%
    outcome = validate_dataframe(many, suite_path_for(RAW_KEY), PARAMS)
    assert [(f.column, f.unexpected_count) for f in outcome.failed] == [("source_id", 4)]
    assert outcome.failed[0].examples == []  # nulls are not example values


# ------------------------------------------------------------------------------------------------------ suite files


@pytest.mark.parametrize("path", sorted(SUITES_DIR.glob("*.json")), ids=lambda p: p.name)
def test_suite_files_round_trip_through_gx(path):
    import great_expectations as gx

    on_disk = json.loads(path.read_text(encoding="utf-8"))
    suite = gx.ExpectationSuite(**on_disk)
    assert len(suite.expectations) == len(on_disk["expectations"])
    assert suite.to_json_dict() == on_disk
    assert gx.ExpectationSuite(**suite.to_json_dict()) == suite
    assert path.name == f"{suite.name}.json"
    for expectation in on_disk["expectations"]:
        note = expectation["meta"]["notes"]
        assert isinstance(note, str) and note.endswith("."), expectation


def test_suite_parameters_are_the_configured_ones():
    assert suite_parameter_names(load_suite_definition(suite_path_for(RAW_KEY))) == {"datasets", "leagues"}
    assert suite_parameter_names(load_suite_definition(suite_path_for(BIOS_KEY))) == {
        "datasets", "leagues", "iso2_codes"}


def test_bios_suite_expects_exactly_the_canonical_columns():
    definition = load_suite_definition(suite_path_for(BIOS_KEY))
    (columns,) = [e["kwargs"]["column_set"] for e in definition["expectations"]
                  if e["type"] == "expect_table_columns_to_match_set"]
    assert columns == BIOS_COLUMNS
    face = {e["kwargs"]["column"]: e["kwargs"]["value_set"] for e in definition["expectations"]
            if e["kwargs"].get("column") in FACE}
    assert face == {attr: [-1, 1] for attr in FACE}


def test_trait_texts_suite_expects_exactly_the_registered_columns():
    definition = load_suite_definition(suite_path_for(dg.AssetKey(["traits", "trait_texts"])))
    (columns,) = [e["kwargs"]["column_set"] for e in definition["expectations"]
                  if e["type"] == "expect_table_columns_to_match_set"]
    assert columns == TRAIT_TEXTS.names


# ---------------------------------------------------------------------------------------------------------- dagster


def test_check_definition_and_passing_result():
    check = gx_asset_check(BIOS_KEY, blocking=True, parameters=lambda _resources: PARAMS)
    (spec,) = check.check_specs
    assert spec.name == CHECK_NAME and spec.blocking and "bios.bios" in spec.description
    assert not next(iter(gx_asset_check(RAW_KEY, blocking=False, parameters=dict).check_specs)).blocking
    with pytest.raises(FileNotFoundError):
        gx_asset_check(dg.AssetKey(["bios", "no_such_asset"]), blocking=False, parameters=dict)

    result = gx_check_result(RAW_KEY, valid_raw(), PARAMS, blocking=False)
    assert result.passed
    assert result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["failed_expectations"].value == 0


def test_failing_result_metadata():
    df = valid_bios()
    df.loc[0, "height_cm"] = 300.0
    result = gx_check_result(BIOS_KEY, df, PARAMS, blocking=True)
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.ERROR
    assert result.check_name == CHECK_NAME and result.asset_key == BIOS_KEY
    assert result.metadata["failed_expectations"].value == 1
    assert result.metadata["evaluated_expectations"].value > 20
    table = result.metadata["failures"].value
    assert "| height_cm | expect_column_values_to_be_between |" in table and "300.0" in table
    assert result.metadata["suite_path"].value.endswith("bios.bios.json")
    assert "height_cm" in result.description and "300.0" in result.description


def test_blocking_check_stops_downstream_assets():
    leagues = dg.StaticPartitionsDefinition(["nba"])

    @dg.asset(key=BIOS_KEY, partitions_def=leagues)
    def bios() -> pd.DataFrame:
        df = valid_bios()
        df.loc[0, "height_cm"] = 300.0  # a source whose unit is misconfigured
        return df

    @dg.asset(key=["bios", "bios_summary"], partitions_def=leagues, deps=[bios])
    def bios_summary() -> int:
        return 1

    check = gx_asset_check(BIOS_KEY, blocking=True, parameters=lambda _resources: PARAMS, partitions_def=leagues)
    result = dg.materialize(
        [bios, bios_summary, check],
        partition_key="nba",
        resources={"io_manager": dg.mem_io_manager},
        raise_on_error=False,
    )
    assert not result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.asset_key == BIOS_KEY and evaluation.check_name == CHECK_NAME
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    materialized = {m.asset_key for m in result.get_asset_materialization_events()}
    assert dg.AssetKey(["bios", "bios_summary"]) not in materialized
    # Dagster semantics: the checked asset was stored (the check validates what is stored); the failed blocking
    # check is what keeps downstream assets from running.
    assert BIOS_KEY in materialized


def test_non_blocking_check_only_warns():
    @dg.asset(key=RAW_KEY)
    def raw_bios() -> pd.DataFrame:
        return valid_raw().assign(source_id=None)

    @dg.asset(key=["bios", "after_raw"], deps=[raw_bios])
    def after_raw() -> None:
        return None

    check = gx_asset_check(RAW_KEY, blocking=False, parameters=lambda _resources: PARAMS)
    result = dg.materialize([raw_bios, after_raw, check], resources={"io_manager": dg.mem_io_manager},
                            raise_on_error=False)
    assert result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert dg.AssetKey(["bios", "after_raw"]) in {m.asset_key for m in result.get_asset_materialization_events()}


def test_gx_is_imported_lazily():
    code = ("import sys; import expectations.asset_checks, expectations.gx_validation; "
            "print('great_expectations' in sys.modules)")
    out = subprocess.run([PYTHON, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
