"""Per-league profile of a dataset's canonical bios: counts, quarantine, and completeness of each field."""
import pandas as pd

PROFILED_FIELDS = ("birth_date", "nationality", "height_cm", "weight_kg", "gender", "image_ref")


def cohort_summary(dataset: str, people: pd.DataFrame, rejected: pd.DataFrame) -> pd.DataFrame:
    leagues = sorted(set(people["league"]) | set(rejected["league"]))
    rows = []
    for league in leagues:
        mine = people[people["league"] == league]
        quarantined = rejected[rejected["league"] == league]
        row = {
            "dataset": dataset,
            "league": league,
            "people": len(mine),
            "rejected_rows": len(quarantined[["source_file", "source_line"]].drop_duplicates()),
            "duplicates": int((quarantined["field"] == "person_id").sum()),
        }
        for field in PROFILED_FIELDS:
            row[f"{field}_complete"] = float(mine[field].notna().mean()) if len(mine) else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)
