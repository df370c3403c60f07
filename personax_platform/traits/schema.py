"""Column contracts of the traits tables, as Arrow schemas (see personax_platform/bios/schema.py for why)."""
import pyarrow as pa

from personax_platform.traits.constants import TRAITS

_UTC = pa.timestamp("us", tz="UTC")

# One row per person × model × prompt version: what was asked, what came back, what it cost.
TRAIT_TEXTS = pa.schema([
    ("person_id", pa.string()), ("dataset", pa.string()), ("league", pa.string()),
    ("model", pa.string()), ("model_string", pa.string()), ("model_version", pa.string()),
    ("prompt_id", pa.string()), ("prompt_version", pa.int32()), ("prompt_sha", pa.string()),
    ("request_hash", pa.string()), ("status", pa.string()), ("failure_reason", pa.string()),
    ("description", pa.string()), ("raw_response", pa.string()), ("finish_reason", pa.string()),
    ("input_tokens", pa.int64()), ("cached_input_tokens", pa.int64()), ("output_tokens", pa.int64()),
    ("cost_usd", pa.float64()), ("latency_s", pa.float64()), ("attempts", pa.int32()), ("cache_hit", pa.bool_()),
    ("run_id", pa.string()), ("started_at", _UTC), ("finished_at", _UTC),
])

# One row per person × model for the active prompt: the five scores, 0 = insufficient information.
TRAIT_SCORES = pa.schema(
    [
        ("person_id", pa.string()), ("dataset", pa.string()), ("league", pa.string()), ("model", pa.string()),
        ("prompt_id", pa.string()), ("prompt_sha", pa.string()), ("status", pa.string()), ("reason", pa.string()),
    ]
    + [(trait, pa.int8()) for trait in TRAITS]
)

# One row per person × trait: median of the non-zero model scores.
AGGREGATED_TRAITS = pa.schema([
    ("person_id", pa.string()), ("dataset", pa.string()), ("league", pa.string()), ("prompt_sha", pa.string()),
    ("trait", pa.string()), ("score", pa.float64()), ("n_models", pa.int32()), ("n_answered", pa.int32()),
])

# One row per dataset × trait, plus the pooled "all" row: inter-model agreement (traits/aggregate.py `agreement`).
TRAIT_AGREEMENT = pa.schema([
    ("dataset", pa.string()), ("trait", pa.string()), ("n_units", pa.int64()), ("n_persons", pa.int64()),
    ("exact_agreement", pa.float64()), ("mean_spearman", pa.float64()), ("krippendorff_alpha", pa.float64()),
    ("reason", pa.string()), ("models", pa.string()), ("prompt_sha", pa.string()),
])
