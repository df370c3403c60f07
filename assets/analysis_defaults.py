"""What every dataset-level analysis asset (Level I and II) shares: its group, dataset partitions, owner, the
heavy-analysis pool, and eager automation (it re-runs when its inputs change)."""
import dagster as dg

from assets.partitions import dataset_partitions
from assets.pools import ANALYSIS_POOL

ANALYSIS_GROUP = "analysis"
ANALYSIS_OWNERS = ["team:ml-research"]
DATASET_ANALYSIS = {
    "group_name": ANALYSIS_GROUP,
    "partitions_def": dataset_partitions,
    "owners": ANALYSIS_OWNERS,
    "pool": ANALYSIS_POOL,
    "automation_condition": dg.AutomationCondition.eager(),
}
