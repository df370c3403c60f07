"""The warehouse IO manager hands each asset the frame its input annotation asks for: polars for the domain
library's tabular work, pandas at the hand-offs to causal-learn, scikit-learn and torch code."""
from __future__ import annotations

import dagster as dg
import pandas as pd
import polars as pl
import pytest

from resources.warehouse import WarehouseIOManager, WarehouseResource


def _materialize(assets: list, dirs) -> dg.ExecuteInProcessResult:
    warehouse = WarehouseResource(lake_dir=str(dirs["lake_dir"]), catalog_path=str(dirs["catalog_path"]))
    return dg.materialize(assets, resources={"io_manager": WarehouseIOManager(warehouse=warehouse)})


def test_inputs_are_loaded_as_polars_or_pandas_as_annotated(warehouse_dirs):
    seen: dict[str, type] = {}

    @dg.asset(key=["demo", "people"])
    def people() -> pl.DataFrame:
        return pl.DataFrame({"person_id": ["p1", "p2"], "height_cm": [201.0, None]})

    @dg.asset(key=["demo", "as_polars"], ins={"frame": dg.AssetIn(["demo", "people"])})
    def as_polars(frame: pl.DataFrame) -> pl.DataFrame:
        seen["polars"] = type(frame)
        return frame

    @dg.asset(key=["demo", "as_pandas"], ins={"frame": dg.AssetIn(["demo", "people"])})
    def as_pandas(frame: pd.DataFrame) -> pd.DataFrame:
        seen["pandas"] = type(frame)
        return frame

    @dg.asset(key=["demo", "unannotated"], ins={"frame": dg.AssetIn(["demo", "people"])})
    def unannotated(frame) -> pd.DataFrame:
        seen["unannotated"] = type(frame)
        return frame

    assert _materialize([people, as_polars, as_pandas, unannotated], warehouse_dirs).success
    assert seen == {"polars": pl.DataFrame, "pandas": pd.DataFrame, "unannotated": pd.DataFrame}


def test_an_output_that_is_not_a_frame_fails_naming_the_asset(warehouse_dirs):
    @dg.asset(key=["demo", "not_a_frame"])
    def not_a_frame() -> dict:
        return {"person_id": ["p1"]}

    with pytest.raises(TypeError, match="demo/not_a_frame: expected a polars or pandas DataFrame"):
        _materialize([not_a_frame], warehouse_dirs)
