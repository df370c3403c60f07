"""The stored contracts of the Level II tables, typed even when a dataset had too few people to train on."""
import pyarrow as pa

from personax_platform.crl.model import LOSS_TERMS

CRL_LATENTS = pa.schema([
    ("dataset", pa.string()), ("person_id", pa.string()), ("split", pa.string()), ("block", pa.string()),
    ("latent", pa.string()), ("value", pa.float64()), ("config_hash", pa.string()),
])
CRL_ADJACENCY = pa.schema([
    ("dataset", pa.string()), ("parent", pa.string()), ("child", pa.string()), ("parent_block", pa.string()),
    ("child_block", pa.string()), ("weight", pa.float64()), ("config_hash", pa.string()),
])
CRL_TRAINING_HISTORY = pa.schema([
    ("dataset", pa.string()), ("epoch", pa.int64()), ("split", pa.string()),
    *((term, pa.float64()) for term in LOSS_TERMS), ("config_hash", pa.string()),
])
CRL_MODEL = pa.schema([
    ("dataset", pa.string()), ("config_hash", pa.string()), ("config", pa.string()), ("input_dims", pa.string()),
    ("people_train", pa.int64()), ("people_validation", pa.int64()), ("people_heldout", pa.int64()),
    ("people_dropped", pa.int64()),
    ("state", pa.binary()), ("trained_at", pa.timestamp("us", tz="UTC")),
])
