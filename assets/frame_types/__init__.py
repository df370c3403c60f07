"""dagster-pandas types of the frames the analysis assets hand to pandas code (statistics, causal-learn, scikit-learn,
torch, the release writer): a wrong frame fails when the input is loaded, with a message naming the column, and the
UI shows each type's columns.

One source of truth for the columns: every type lists the columns of the table's registered Arrow schema
(personax_platform/warehouse/tables.py), each held to a pandas dtype of its stored type (`int32` → an integer dtype,
`float64` → any numeric dtype, `string` → a string dtype) whenever the column is present. Only the columns the
hand-off code reads are *required*; the rest of the schema is checked when present, so the frames that tests and the
known-truth checks build in code (a subset of the columns) still pass. The constraints beyond the dtype are declared
explicitly per type, below.

Great Expectations stays the warehouse's validation (expectations/suites/): it validates each league partition as
stored, right after it is written. These types guard what flows between steps. Where a rule is also in a GX suite,
the reason for repeating it is written next to it; the one reason they share is that a blocking GX check stops the
downstream steps of *its own run* only, while the dataset-level analyses run later (eager automation, a backfill, a
re-run from the UI) and read every league partition of the dataset whatever its checks said. The messages quote only
person ids (pseudonymous) and the offending column's values, never whole rows: a bios row holds names and
descriptions, which must stay out of run logs.

An input annotated with one of these types loads as pandas (resources/warehouse.py): their typing_type is
pandas.DataFrame.
"""
from __future__ import annotations

import dagster as dg

from assets.frame_types.constraints import EmbeddingVectors, HalfSteps, InRange, NotNull, Unique, UniqueRows
from assets.frame_types.factory import frame_type
from personax_platform.traits.aggregate import MAX_SCORE
from personax_platform.traits.constants import TRAITS

# GX (bios.bios) also checks person_id non-null and unique. Repeated: the hand-offs key every join on it
# (`set_index("person_id").join(...)` in Level I and both graphs, the release's pseudonyms), where a duplicate
# silently doubles a person's rows and a missing id silently drops them; and a dataset-level run reads partitions
# whatever their GX check said (module docstring).
BIOS_FRAME = frame_type(
    "BiosFrame", "bios.bios",
    "Canonical biographies of one dataset (every league): one row per person.",
    required=["person_id"],
    rules={"person_id": [NotNull(), Unique()]},
)

_PER_MODEL_SCALE = ("0 = insufficient information, 1..3 the 3-level scale the analyses read: trait_variable, "
                    "aggregate_scores")
# GX (traits.trait_scores) allows 0..5, the stored table being on the prompt's own scale (3 or 5 levels). Not a
# repeat: Level I and the known-truth comparison read per-model scores as 0..3 with 0 missing, and a 5-level
# answer would pass as a high score on the wrong scale.
# GX's uniqueness is person × model × prompt version per league; the pivot here (Level I's per-model columns)
# needs person × model over the whole dataset, else it stops with pandas' "Index contains duplicate entries".
TRAIT_SCORES_FRAME = frame_type(
    "TraitScoresFrame", "traits.trait_scores",
    "Parsed per-model Big Five scores of the active prompt: one row per person × model.",
    required=["person_id", "model", "status", *TRAITS],
    rules={"person_id": [NotNull()], "model": [NotNull()],
           **{trait: [InRange(0, MAX_SCORE, _PER_MODEL_SCALE)] for trait in TRAITS}},
    frame_rules=[UniqueRows(["person_id", "model"], "the per-model score columns are a pivot on it")],
)

# GX (traits.aggregated_traits) allows 1..5 and is unique per person × trait within a league partition.
# The score rule is not a repeat: the analyses read the median of 1..3 scores, in half steps, as a discrete
# variable (trait_variable); a 4 or a 2.37 (a mean, a rescaled score) would be tested as if it were a level.
# Uniqueness is repeated: observed_frame and Level I pivot on person × trait, which fails obscurely otherwise,
# and the frame holds every league of the dataset.
AGGREGATED_TRAITS_FRAME = frame_type(
    "AggregatedTraitsFrame", "traits.aggregated_traits",
    "Per person × trait: the median of the non-zero model scores (missing when every model said 0).",
    required=["person_id", "trait", "score"],
    rules={"person_id": [NotNull()],
           "score": [InRange(1, MAX_SCORE, "the median of 1..3 model scores"),
                     HalfSteps("a median of whole scores; Level I treats it as discrete")]},
    frame_rules=[UniqueRows(["person_id", "trait"], "observed_frame and Level I pivot on it")],
)

# GX (embeddings.*) checks length = dimension and finiteness on each stored league partition (through
# expectations/views.py). Repeated here because a wrong vector fails late and obscurely past the hand-off: a length
# other than its space's stops CRL's input matrix with a numpy broadcast error (crl/from_embeddings.py) and the
# release's np.stack with a shape error; a NaN component reaches torch as a NaN loss.
# GX's unit-norm rule is deliberately not repeated: no hand-off code assumes it (CRL standardises every input
# feature with training statistics, the release's rotation keeps any norm), so it stays the stored table's contract.
_VECTORS = {"embedding": [EmbeddingVectors()]}
FACE_EMBEDDINGS_FRAME = frame_type(
    "FaceEmbeddingsFrame", "embeddings.face_embeddings",
    "Face embeddings of one dataset: one row per person, the vector or the status saying why there is none.",
    required=["person_id", "space", "status", "embedding"],
    # GX repeats: one row per person (the table's grain; CRL raises on a repeat, the release would publish both).
    rules={"person_id": [NotNull(), Unique()], **_VECTORS},
)
TEXT_EMBEDDINGS_FRAME = frame_type(
    "TextEmbeddingsFrame", "embeddings.text_embeddings",
    "Description embeddings of one dataset: one row per person × LLM, the vector or no_description.",
    required=["person_id", "model", "space", "status", "embedding"],
    # model non-null is not a GX rule: CRL groups the measurements by model, and groupby drops a null model's
    # rows without a word.
    rules={"person_id": [NotNull()], "model": [NotNull()], **_VECTORS},
    frame_rules=[UniqueRows(["person_id", "model"], "one text measurement per person and model; GX checks it "
                                                     "per league partition")],
)

# No GX suite covers the Level II tables: these rules are the only check of crl_latents. Training stores latents
# of complete people only, so a missing value is a defect, and PC's complete-row filter would drop the person
# without a word.
CRL_LATENTS_FRAME = frame_type(
    "CRLLatentsFrame", "analysis.crl_latents",
    "Level II latents of one dataset: one row per person × latent (empty when the model was not trained).",
    required=["person_id", "block", "latent", "value"],
    rules={"person_id": [NotNull()], "block": [NotNull()], "latent": [NotNull()], "value": [NotNull()]},
    frame_rules=[UniqueRows(["person_id", "latent"], "the latent graph pivots on it")],
)

HAND_OFF_TYPES: tuple[dg.DagsterType, ...] = (
    BIOS_FRAME, TRAIT_SCORES_FRAME, AGGREGATED_TRAITS_FRAME, FACE_EMBEDDINGS_FRAME, TEXT_EMBEDDINGS_FRAME,
    CRL_LATENTS_FRAME,
)
