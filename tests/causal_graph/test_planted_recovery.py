"""On the generated cohorts PC recovers the planted graph: structural Hamming distance against what PC would return
with a perfect CI test on the planted DAG (sample/planted_graph.py) and the default background knowledge.

Measured on seeds 1-3 (2 CPUs, 2026-11-26): athletes (300 per league) SHD 3-5 of 11 planted edges from the 1-3
scores, 1-4 from the latent traits; celebrities (3,000) 14-17 of 38 from the scores, 12-16 from the latents. The
five edges always missed on celebrities are weak or nonlinear (BMI = weight / height^2 feeds neuroticism and
Double_Chin; gender's small shift of extraversion).
"""
import pytest

from personax_platform.causal_graph import PCSettings, oracle_edges, prepare, run_pc, structural_hamming_distance
from personax_platform.causal_graph.observed import OBSERVED_NODES, default_rules
from personax_platform.sample.generator import generate_cohort
from personax_platform.sample.planted_graph import PLANTED_DAG
from personax_platform.traits.constants import TRAITS

CASES = {"athlepersona": ({"per_league": 300}, 6), "celebpersona": ({"n": 3000}, 20)}
KIND = {"athlepersona": "athletes", "celebpersona": "celebrities"}


@pytest.mark.parametrize("dataset", sorted(CASES))
def test_pc_on_the_generated_scores_recovers_the_planted_graph(dataset):
    size, bound = CASES[dataset]
    people, _ = generate_cohort(dataset, **size)
    people[list(TRAITS)] = people[[f"{trait}_score" for trait in TRAITS]].to_numpy()  # what the LLMs would give
    nodes, rules = list(OBSERVED_NODES[KIND[dataset]]), default_rules(KIND[dataset])
    truth = oracle_edges(list(PLANTED_DAG[dataset]), nodes, rules)
    estimate = run_pc(prepare(people, nodes), rules, PCSettings(), seed=0)
    distance = structural_hamming_distance(estimate.edges, truth)
    print(f"\n{dataset}: {len(truth)} planted edges, {len(estimate.edges)} found, SHD {distance.total} "
          f"(missing {distance.missing}, extra {distance.extra}, misoriented {distance.misoriented})")
    assert distance.total <= bound
    assert distance.missing <= 0.15 * len(truth)  # the skeleton is nearly complete
    assert distance.total < len(truth) / 2  # far from the empty graph's SHD (= every planted edge)
