"""What a Level II run may claim (assumption.py): the identifying assumption is met only by a config that uses it and
data that can carry it."""
from personax_platform.crl.assumption import MEASURED_PEOPLE, check_assumption, edge_identifiability
from personax_platform.crl.config import ATHLETES, CELEBRITIES

USING_IT = dict(shared_from="structured", decoders_see_shared=False, edges="cross_block")


def test_athlete_sized_blocks_with_the_structured_shared_measurement_meet_the_assumption():
    check = check_assumption(ATHLETES.with_(**USING_IT), people=MEASURED_PEOPLE)
    assert check.met and check.failures == [] and check.caveats == []
    assert check.describe() == "met"


def test_fewer_people_than_measured_is_a_caveat_not_a_failure():
    check = check_assumption(ATHLETES.with_(**USING_IT), people=600)
    assert check.met and "600 people, fewer than the 10,000" in check.describe()


def test_a_missing_modality_the_papers_shared_encoder_and_within_block_edges_each_fail_with_the_reason():
    text_only = check_assumption(ATHLETES.with_(**USING_IT).restricted_to(["text"]), people=MEASURED_PEOPLE)
    assert not text_only.met and any("only 1 modality (text)" in f for f in text_only.failures)
    papers = check_assumption(ATHLETES, people=MEASURED_PEOPLE)  # shared latents read from every input
    assert not papers.met and any("identified only as a block" in f for f in papers.failures)
    within = check_assumption(ATHLETES.with_(**{**USING_IT, "edges": "causal_order"}), people=MEASURED_PEOPLE)
    assert any("inside blocks" in f for f in within.failures)


def test_celebrity_sized_image_block_cannot_leave_a_full_rank_footprint():
    check = check_assumption(CELEBRITIES.with_(**USING_IT), people=MEASURED_PEOPLE)
    assert check.failures == ["block image has 10 latents but the other blocks only 8: its footprint on them "
                              "cannot have full rank"]


def test_edges_inside_a_block_are_marked_not_identified():
    assert edge_identifiability("image", "image").startswith("not identified")
    assert edge_identifiability("image", "text").startswith("identified")
