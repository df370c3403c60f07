import io

import numpy as np
import pandas as pd
import torch

from personax_platform.crl import HELDOUT, TRAIN, Measurements, loss_curves_png, train_crl
from personax_platform.crl.model import LOSS_TERMS, CRLModel


def test_result_has_one_latent_row_per_person_named_latents_and_a_loadable_state(tiny_data, tiny_config):
    result = train_crl(tiny_data.measurements, tiny_config)
    names = ["s1", "s2", *(f"img{i}" for i in range(1, 6)), *(f"txt{i}" for i in range(1, 6))]
    assert list(result.latents.columns) == ["person_id", "split", *names]
    assert len(result.latents) == 300 and result.latents["person_id"].is_unique
    assert (result.latents["split"] == HELDOUT).sum() == 30  # 90/10
    assert np.isfinite(result.latent_matrix()).all()
    assert result.adjacency.shape == (12, 12)
    assert len(result.history) == 2 * tiny_config.epochs
    assert set(result.history["split"]) == {TRAIN, HELDOUT} and set(LOSS_TERMS) <= set(result.history.columns)
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
    assert lines[-1].endswith(f"; loss train {last[TRAIN]:.4g}, held-out {last[HELDOUT]:.4g}")


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
