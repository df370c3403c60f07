"""The stored contract of `embeddings.face_embeddings`: one row per person, the embedding or why there is none."""
import pyarrow as pa

_UTC = pa.timestamp("us", tz="UTC")

FACE_EMBEDDINGS = pa.schema([
    ("person_id", pa.string()), ("dataset", pa.string()), ("league", pa.string()), ("image_ref", pa.string()),
    ("backend", pa.string()), ("model_id", pa.string()), ("space", pa.string()), ("dimension", pa.int32()),
    ("status", pa.string()), ("reason", pa.string()), ("detection_score", pa.float64()),
    ("face_width_px", pa.int32()), ("face_height_px", pa.int32()), ("faces_found", pa.int32()),
    ("embedding", pa.list_(pa.float32())), ("embedded_at", _UTC),
])
