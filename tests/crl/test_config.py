import subprocess
import sys

import pytest

from personax_platform.crl import ATHLETES, CELEBRITIES, CRLConfig, preset


def test_presets_have_the_papers_latent_sizes():
    assert (ATHLETES.shared_dim, dict(ATHLETES.modalities)) == (2, {"image": 5, "text": 5})
    assert (CELEBRITIES.shared_dim, dict(CELEBRITIES.modalities)) == (3, {"image": 10, "text": 5})
    assert preset("celebpersona", seed=7).seed == 7 and preset("celebpersona").latent_dim == 18
    assert ATHLETES.hidden == (512, 256, 128) and ATHLETES.lr == 3e-4 and ATHLETES.train_fraction == 0.9
    with pytest.raises(KeyError, match="no CRL preset"):
        preset("nba")


def test_config_hash_is_stable_across_processes_and_changes_with_any_field():
    code = "from personax_platform.crl import ATHLETES; print(ATHLETES.hash)"
    other_process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other_process.stdout.strip() == ATHLETES.hash
    assert CRLConfig(modalities=[["image", 5], ["text", 5]], hidden=[512, 256, 128]).hash == ATHLETES.hash
    assert len({ATHLETES.hash, ATHLETES.with_(seed=1).hash, ATHLETES.with_(kl_weight=0.1).hash,
                CELEBRITIES.hash}) == 4


def test_invalid_configs_are_rejected():
    with pytest.raises(ValueError, match="unique"):
        CRLConfig(modalities=(("image", 5), ("image", 5)))
    with pytest.raises(ValueError, match="train_fraction"):
        CRLConfig(train_fraction=1.0)
    with pytest.raises(ValueError, match="positive"):
        CRLConfig(shared_dim=0)
    with pytest.raises(ValueError, match="mechanism_knots"):
        CRLConfig(mechanism="nonlinear", mechanism_knots=0)


def test_architecture_choices_are_validated_by_name():
    for field, bad in (("shared_from", "faces"), ("edges", "anywhere"), ("noise_prior", "gaussian"),
                       ("sparsity_scope", "all"), ("refine_penalty", "l0"), ("mechanism", "quadratic")):
        with pytest.raises(ValueError, match=f"{field} must be one of"):
            CRLConfig(**{field: bad})
    with pytest.raises(ValueError, match="validation_fraction"):
        CRLConfig(validation_fraction=1.0)
    with pytest.raises(ValueError, match="refine_steps"):
        CRLConfig(refine_steps=-1)
    with pytest.raises(ValueError, match="refine_starts"):
        CRLConfig(refine_starts=0)
    with pytest.raises(ValueError, match="refine_log_scale"):
        CRLConfig(refine_log_scale=0.0)


def test_the_official_replica_is_the_papers_architecture_with_its_defects():
    replica = ATHLETES.official_replica()
    assert (replica.shared_from, replica.decoders_see_shared, replica.edges) == ("all", True, "causal_order")
    assert (replica.noise_prior, replica.flow_permutations, replica.sparsity_scope) == ("realnvp", False,
                                                                                       "official_misaligned")
    assert replica.decorrelation_weight == 0.0 and not replica.block_unmixing
    assert replica.refine_penalty == "l1" and ATHLETES.refine_penalty == "log"  # the replica keeps the official L1
    assert ATHLETES.with_(mechanism="nonlinear").official_replica().mechanism == "linear"  # the official linear SEM
    assert (replica.shared_dim, replica.modalities, replica.seed) == (ATHLETES.shared_dim, ATHLETES.modalities,
                                                                      ATHLETES.seed)
