"""A minimal reader of the safetensors format, so that loading model weights needs numpy alone (no torch, no
`safetensors` package).

The format: an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to its dtype, shape and
[begin, end) byte offsets into the raw little-endian buffer that follows (an optional "__metadata__" entry aside).
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?",
}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor in the file as a read-only numpy array (views over the file's bytes, read once)."""
    data = Path(path).read_bytes()
    if len(data) < 8:
        raise ValueError(f"{path}: too short to be a safetensors file")
    (header_len,) = struct.unpack("<Q", data[:8])
    start = 8 + header_len
    if start > len(data):
        raise ValueError(f"{path}: header length {header_len} runs past the end of the file")
    header = json.loads(data[8:start])
    header.pop("__metadata__", None)
    buffer = memoryview(data)[start:]
    tensors = {}
    for name, spec in header.items():
        if spec["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name!r} has dtype {spec['dtype']}, which numpy cannot read")
        dtype = np.dtype(_DTYPES[spec["dtype"]])
        begin, end = spec["data_offsets"]
        shape = tuple(spec["shape"])
        if end > len(buffer) or end - begin != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
            raise ValueError(f"{path}: tensor {name!r} offsets {begin}..{end} do not match shape {shape}")
        tensors[name] = np.frombuffer(buffer[begin:end], dtype=dtype).reshape(shape)
    return tensors
