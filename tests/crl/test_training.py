import io

import numpy as np
import pandas as pd
import torch

from personax_platform.crl import HELDOUT, TRAIN, VALIDATION, Measurements, loss_curves_png, train_crl
from personax_platform.crl.model import LOSS_TERMS, CRLModel


def test_result_has_one_latent_row_per_person_named_latents_and_a_loadable_state(tiny_data, tiny_config):
    result = train_crl(tiny_data.measurements, tiny_config)
    names = ["s1", "s2", *(f"img{i}" for i in range(1, 6)), *(f"txt{i}" for i in range(1, 6))]
    assert list(result.latents.columns) == ["person_id", "split", *names]
    assert len(result.latents) == 300 and result.latents["person_id"].is_unique
    assert (result.latents["split"] == HELDOUT).sum() == 30  # 90/10
    assert (result.latents["split"] == VALIDATION).sum() == 27  # 10% of the training rows
    assert np.isfinite(result.latent_matrix()).all()
    assert result.adjacency.shape == (12, 12)
    assert len(result.history) == 3 * tiny_config.epochs
    assert set(result.history["split"]) == {TRAIN, VALIDATION, HELDOUT}
    assert set(LOSS_TERMS) <= set(result.history.columns)
    assert result.config_hash == tiny_config.hash
    model = CRLModel(tiny_config, result.input_dims, result.modality_blocks, torch.Generator())
    model.load_state_dict(result.state_dict())  # the bytes hold every weight and buffer
    assert result.dropped.empty


def test_a_structured_block_feeds_the_shared_latents_and_is_reconstructed_from_them(tiny_data, tiny_config):
    features = np.random.default_rng(0).normal(size=(300, 4))
    measurements = Measurements(tiny_data.measurements.modalities, structured=features)
    result = train_crl(measurements, tiny_config.with_(epochs=1))
    assert result.input_dims["structured"] == 4
    state = result.state_dict()
    assert list(result.input_dims)[-1] == "structured"  # the last block: b6
    assert state["decoders.b6.0.weight"].shape[1] == tiny_config.shared_dim
    assert state["shared_encoder.0.weight"].shape[1] == 6 * 16 + 4


def test_training_loss_decreases_on_a_small_synthetic_set(tiny_data, tiny_config):
    history = train_crl(tiny_data.measurements, tiny_config.with_(epochs=40)).history
    for split in (TRAIN, HELDOUT):
        total = history.loc[history["split"] == split, "total"].to_numpy()
        assert total[-1] < 0.6 * total[0], split  # measured: 6.6 → 2.5 (train), 6.9 → 3.0 (held-out)


def test_same_seed_gives_bit_identical_losses_and_latents_and_another_seed_does_not(tiny_data, tiny_config):
    first = train_crl(tiny_data.measurements, tiny_config)
    again = train_crl(tiny_data.measurements, tiny_config)
    pd.testing.assert_frame_equal(first.history, again.history, check_exact=True)
    pd.testing.assert_frame_equal(first.latents, again.latents, check_exact=True)
    assert first.state == again.state
    other = train_crl(tiny_data.measurements, tiny_config.with_(seed=1))
    assert not np.array_equal(other.latent_matrix(), first.latent_matrix())
    assert not other.history["total"].equals(first.history["total"])
    assert not other.latents["split"].equals(first.latents["split"])  # the seed draws the split too


def test_progress_counts_epochs_with_their_losses_and_leaves_training_bit_identical(tiny_data, tiny_config):
    lines: list[str] = []
    reported = train_crl(tiny_data.measurements, tiny_config, progress=lines.append)
    silent = train_crl(tiny_data.measurements, tiny_config)
    pd.testing.assert_frame_equal(reported.history, silent.history, check_exact=True)
    pd.testing.assert_frame_equal(reported.latents, silent.latents, check_exact=True)
    assert reported.state == silent.state
    last = reported.history[reported.history["epoch"] == tiny_config.epochs].set_index("split")["total"]
    assert lines[-1].startswith(f"CRL training epochs: {tiny_config.epochs}/{tiny_config.epochs} done in ")
    assert lines[-1].endswith(f"; loss train {last[TRAIN]:.4g}, validation {last[VALIDATION]:.4g}, "
                              f"heldout {last[HELDOUT]:.4g}; kept epoch {reported.selected_epoch} (lowest "
                              "validation loss)")


def test_training_leaves_the_callers_torch_rng_and_threads_as_they_were(tiny_data, tiny_config):
    torch.manual_seed(123)
    threads = torch.get_num_threads()
    expected = torch.rand(3, generator=torch.Generator().manual_seed(123))
    train_crl(tiny_data.measurements, tiny_config.with_(epochs=1))
    assert torch.equal(torch.rand(3), expected)
    assert torch.get_num_threads() == threads and not torch.are_deterministic_algorithms_enabled()


def test_standardisation_uses_training_statistics_only(tiny_data, tiny_config):
    blocks = {m: dict(v) for m, v in tiny_data.measurements.modalities.items()}
    face = np.array(blocks["image"]["m1"], dtype=np.float32) * 255.0 + 1000.0  # pixel-like scale: no /255 anywhere
    blocks["image"]["m1"] = face
    result = train_crl(Measurements(blocks), tiny_config.with_(epochs=1))
    state = result.state_dict()
    train = (result.latents["split"] == TRAIN).to_numpy()
    assert list(result.input_dims)[0] == "image/m1"  # block 0: its buffers are mean_b0 and std_b0
    np.testing.assert_allclose(state["mean_b0"].numpy(), face[train].mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(state["std_b0"].numpy(), face[train].std(axis=0), rtol=1e-4)
    assert not np.allclose(state["mean_b0"].numpy(), face.mean(axis=0), rtol=1e-6)


def test_loss_curves_png_is_a_png(tiny_data, tiny_config):
    png = loss_curves_png(train_crl(tiny_data.measurements, tiny_config.with_(epochs=2)).history)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    from PIL import Image
    assert Image.open(io.BytesIO(png)).size[0] > 400


def test_the_kept_epoch_is_the_one_with_the_lowest_validation_loss(tiny_data, tiny_config):
    result = train_crl(tiny_data.measurements, tiny_config.with_(epochs=12, refine_steps=0))
    validation = result.history[result.history["split"] == VALIDATION].set_index("epoch")["total"]
    assert result.selected_epoch == validation.idxmin()


def test_the_held_out_rows_never_influence_training_or_model_selection(tiny_data, tiny_config):
    """Replace every held-out person's inputs by noise: the other persons' latents, the graph and the kept epoch
    stay bit-identical (the held-out loss is recorded for the curves only)."""
    config = tiny_config.with_(epochs=6)
    first = train_crl(tiny_data.measurements, config)
    heldout = (first.latents["split"] == HELDOUT).to_numpy()
    noise = np.random.default_rng(5)
    blocks = {modality: {key: np.where(heldout[:, None], noise.normal(size=np.shape(x)), x)
                         for key, x in views.items()}
              for modality, views in tiny_data.measurements.modalities.items()}
    second = train_crl(Measurements(blocks), config)
    pd.testing.assert_frame_equal(first.latents[~heldout], second.latents[~heldout], check_exact=True)
    pd.testing.assert_frame_equal(first.adjacency, second.adjacency, check_exact=True)
    assert first.selected_epoch == second.selected_epoch
    assert not first.latents[heldout].equals(second.latents[heldout])


def test_refinement_moves_only_the_priors_parameters_and_never_worsens_their_validation_objective(tiny_data,
                                                                                                  tiny_config):
    from personax_platform.crl.inputs import prepare_inputs
    from personax_platform.crl.refinement import _objective

    plain = train_crl(tiny_data.measurements, tiny_config.with_(refine_steps=0))
    refined = train_crl(tiny_data.measurements, tiny_config.with_(refine_steps=200))
    prior_side = ("unmixing.", "adjacency_free", "prior.")
    before, after = plain.state_dict(), refined.state_dict()
    assert all(torch.equal(before[key], after[key]) for key in before if not key.startswith(prior_side))
    assert any(not torch.equal(before[key], after[key]) for key in before if key.startswith(prior_side))

    blocks = {key: torch.from_numpy(x) for key, x in prepare_inputs(tiny_data.measurements, tiny_config).blocks.items()}
    validation = torch.from_numpy((refined.latents["split"] == VALIDATION).to_numpy())
    objectives = []
    for result in (plain, refined):
        model = CRLModel(result.config, result.input_dims, result.modality_blocks, torch.Generator())
        model.load_state_dict(result.state_dict())
        with torch.no_grad():
            objectives.append(_objective(model, model.encode(model.standardise(blocks)).mean[validation]).item())
    assert objectives[1] <= objectives[0]


def test_more_refinement_starts_never_end_at_a_worse_validation_objective(tiny_data, tiny_config):
    """Start 0 continues from the trained parameters in every run, so the best of four starts is at most the one
    start's objective; the rotations are seeded, so the result is reproducible."""
    from personax_platform.crl.inputs import prepare_inputs
    from personax_platform.crl.refinement import _objective, refine_prior

    config = tiny_config.with_(refine_steps=0)
    trained = train_crl(tiny_data.measurements, config)
    blocks = {key: torch.from_numpy(x) for key, x in prepare_inputs(tiny_data.measurements, config).blocks.items()}
    split = trained.latents["split"].to_numpy()
    objectives, kept = {}, {}
    for starts in (1, 4, 4):
        model = CRLModel(config.with_(refine_steps=100, refine_starts=starts), trained.input_dims,
                         trained.modality_blocks, torch.Generator())
        model.load_state_dict(trained.state_dict())
        with torch.no_grad():
            codes = model.encode(model.standardise(blocks)).mean
        kept.setdefault(starts, []).append(refine_prior(model, codes[torch.from_numpy(split == TRAIN)],
                                                        codes[torch.from_numpy(split == VALIDATION)]))
        with torch.no_grad():
            objectives.setdefault(starts, []).append(
                _objective(model, codes[torch.from_numpy(split == VALIDATION)]).item())
    assert kept[1] == [0] and objectives[4][0] <= objectives[1][0]
    assert objectives[4][0] == objectives[4][1] and kept[4][0] == kept[4][1]
