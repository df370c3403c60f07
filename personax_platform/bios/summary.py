"""Per-league profile of a dataset's canonical bios: counts, quarantine, and completeness of each field."""
import polars as pl

PROFILED_FIELDS = ("birth_date", "nationality", "height_cm", "weight_kg", "gender", "image_ref")


def cohort_summary(dataset: str, people: pl.DataFrame, rejected: pl.DataFrame) -> pl.DataFrame:
    """One row per league with people or rejections; a league without people has NaN completeness."""
    leagues = pl.concat([people.select("league"), rejected.select("league")]).unique()
    profiles = people.group_by("league").agg(
        people=pl.len().cast(pl.Int64),
        **{f"{field}_complete": pl.col(field).is_not_null().mean() for field in PROFILED_FIELDS},
    )
    quarantine = rejected.group_by("league").agg(
        rejected_rows=pl.struct("source_file", "source_line").n_unique().cast(pl.Int64),
        duplicates=(pl.col("field") == "person_id").sum().cast(pl.Int64),
    )
    complete = [f"{field}_complete" for field in PROFILED_FIELDS]
    return (leagues.join(profiles, on="league", how="left").join(quarantine, on="league", how="left")
            .with_columns(pl.col("people", "rejected_rows", "duplicates").fill_null(0),
                          pl.col(complete).fill_null(float("nan")))
            .select(pl.lit(dataset).alias("dataset"), "league", "people", "rejected_rows", "duplicates", *complete)
            .sort("league"))
