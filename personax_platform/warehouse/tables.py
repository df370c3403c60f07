"""Registry of the warehouse tables whose column types are fixed by contract (the DDL of the lake)."""
import pyarrow as pa

from personax_platform.bios import schema as bios_schema
from personax_platform.causal_graph.schema import CAUSAL_GRAPH_EDGES, LATENT_CAUSAL_GRAPH_EDGES
from personax_platform.crl import schema as crl_schema
from personax_platform.faces import schema as faces_schema
from personax_platform.text_embeddings import schema as text_schema
from personax_platform.traits import schema as traits_schema

_SCHEMAS: dict[str, pa.Schema] = {
    "bios.raw_bios": bios_schema.RAW_BIOS,
    "bios.bios": bios_schema.BIOS,
    "bios.rejected_bios": bios_schema.REJECTED_BIOS,
    "traits.trait_texts": traits_schema.TRAIT_TEXTS,
    "traits.trait_scores": traits_schema.TRAIT_SCORES,
    "traits.aggregated_traits": traits_schema.AGGREGATED_TRAITS,
    "traits.trait_agreement": traits_schema.TRAIT_AGREEMENT,
    "embeddings.face_embeddings": faces_schema.FACE_EMBEDDINGS,
    "embeddings.text_embeddings": text_schema.TEXT_EMBEDDINGS,
    "analysis.observed_causal_graph": CAUSAL_GRAPH_EDGES,
    "analysis.latent_causal_graph": LATENT_CAUSAL_GRAPH_EDGES,
    "analysis.crl_latents": crl_schema.CRL_LATENTS,
    "analysis.crl_adjacency": crl_schema.CRL_ADJACENCY,
    "analysis.crl_training_history": crl_schema.CRL_TRAINING_HISTORY,
    "analysis.crl_model": crl_schema.CRL_MODEL,
}


def arrow_schema_for(table: str) -> pa.Schema | None:
    """The registered schema of `schema.table`, or None for tables typed by their data."""
    return _SCHEMAS.get(table)
