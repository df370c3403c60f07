"""The numpy safetensors reader, on files laid out by hand as the format specifies."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from personax_platform.text_embeddings.safetensors_reader import read_safetensors


def write_safetensors(path: Path, header: dict, buffer: bytes) -> Path:
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + buffer)
    return path


def test_reads_each_tensor_with_its_dtype_and_shape_and_skips_metadata(tmp_path: Path) -> None:
    weights = np.arange(6, dtype="<f4").reshape(2, 3)
    ids = np.array([7, -1], dtype="<i8")
    half = np.array([0.5, 2.0], dtype="<f2")
    buffer = weights.tobytes() + ids.tobytes() + half.tobytes()
    header = {"__metadata__": {"format": "pt"},
              "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
              "ids": {"dtype": "I64", "shape": [2], "data_offsets": [24, 40]},
              "half": {"dtype": "F16", "shape": [2], "data_offsets": [40, 44]}}
    tensors = read_safetensors(write_safetensors(tmp_path / "t.safetensors", header, buffer))
    assert sorted(tensors) == ["half", "ids", "w"]
    np.testing.assert_array_equal(tensors["w"], weights)
    np.testing.assert_array_equal(tensors["ids"], ids)
    np.testing.assert_array_equal(tensors["half"], half)
    assert tensors["w"].dtype == np.float32 and tensors["ids"].dtype == np.int64


def test_rejects_offsets_that_do_not_match_the_shape(tmp_path: Path) -> None:
    header = {"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}}
    with pytest.raises(ValueError, match="do not match shape"):
        read_safetensors(write_safetensors(tmp_path / "t.safetensors", header, bytes(24)))


def test_rejects_a_dtype_numpy_cannot_read(tmp_path: Path) -> None:
    header = {"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}
    with pytest.raises(ValueError, match="BF16"):
        read_safetensors(write_safetensors(tmp_path / "t.safetensors", header, bytes(4)))


def test_rejects_a_header_longer_than_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.safetensors"
    path.write_bytes(struct.pack("<Q", 1000) + b"{}")
    with pytest.raises(ValueError, match="runs past the end"):
        read_safetensors(path)
