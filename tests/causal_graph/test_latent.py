"""The Level II latent graph's nodes and background knowledge: shared latents get no parents among modality ones."""
import numpy as np
import pandas as pd

from personax_platform.causal_graph import PCSettings, prepare, run_pc
from personax_platform.causal_graph.latent import latent_nodes, latent_rules

BLOCKS = {"shared": ["s1"], "image": ["img1", "img2"], "text": ["txt1"]}


def test_latents_are_grouped_by_block_and_no_modality_latent_may_cause_a_shared_one():
    nodes = latent_nodes(BLOCKS)
    assert [(n.name, n.group) for n in nodes] == [("s1", "shared"), ("img1", "image"), ("img2", "image"),
                                                  ("txt1", "text")]
    forbidden = latent_rules(BLOCKS).forbidden_edges(nodes)
    assert forbidden == {("img1", "s1"), ("img2", "s1"), ("txt1", "s1")}


def test_pc_on_latents_orients_edges_out_of_the_shared_block():
    """s1 -> img1 and s1 -> txt1 form no collider, so only the knowledge can orient them."""
    rng = np.random.default_rng(0)
    s1 = rng.normal(size=1500)
    frame = pd.DataFrame({"s1": s1, "img1": s1 + rng.normal(size=1500), "img2": rng.normal(size=1500),
                          "txt1": s1 + rng.normal(size=1500)})
    estimate = run_pc(prepare(frame, latent_nodes(BLOCKS)), latent_rules(BLOCKS), PCSettings(), 0)
    assert {str(e) for e in estimate.edges} == {"s1 -> img1", "s1 -> txt1"}
