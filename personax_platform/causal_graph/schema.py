"""The stored contracts of the causal-graph edge tables (`analysis.observed_causal_graph`,
`analysis.latent_causal_graph`): one row per adjacent pair, typed even when a graph could not be estimated."""
import pyarrow as pa

_FREQUENCY = pa.float64()

CAUSAL_GRAPH_EDGES = pa.schema([
    ("dataset", pa.string()), ("from_node", pa.string()), ("to_node", pa.string()), ("type", pa.string()),
    ("in_estimate", pa.bool_()), ("frequency", _FREQUENCY), ("orientation_frequency", _FREQUENCY),
    ("frequency_forward", _FREQUENCY), ("frequency_backward", _FREQUENCY), ("frequency_undirected", _FREQUENCY),
    ("frequency_bidirected", _FREQUENCY), ("ci_test", pa.string()), ("alpha", pa.float64()), ("n", pa.int64()),
    ("resampling", pa.string()), ("resamples", pa.int64()), ("seed", pa.int64()),
])
# The latent graph's edges also say whether Level II's identifying assumption can back them (an edge within a latent
# block cannot be identified: personax_platform/crl/assumption.py).
LATENT_CAUSAL_GRAPH_EDGES = CAUSAL_GRAPH_EDGES.append(pa.field("identifiability", pa.string()))
