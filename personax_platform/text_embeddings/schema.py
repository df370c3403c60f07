"""The stored contract of `embeddings.text_embeddings`: one row per person × LLM, its description's embedding."""
import pyarrow as pa

_UTC = pa.timestamp("us", tz="UTC")

TEXT_EMBEDDINGS = pa.schema([
    ("person_id", pa.string()), ("dataset", pa.string()), ("league", pa.string()), ("model", pa.string()),
    ("prompt_sha", pa.string()), ("encoder_id", pa.string()), ("space", pa.string()), ("dimension", pa.int32()),
    ("status", pa.string()), ("embedding", pa.list_(pa.float32())), ("embedded_at", _UTC),
])
