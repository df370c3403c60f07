"""all-MiniLM-L6-v2 on onnxruntime: the numpy encoder's forward pass (minilm.py) as an ONNX graph, built in memory
from the same shipped weights, tokenizer and truncation, so both encoders give the same vectors to float rounding.

The graph is plain ONNX (opset 20), no export from torch and no download: embeddings + LayerNorm, post-norm BERT
layers of masked multi-head self-attention and an erf-GELU feed-forward, mean pooling over the attention mask and L2
normalisation. onnxruntime's graph optimiser fuses what it can (bias + GELU, transposes into matrix products).
"""
from __future__ import annotations

import functools
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer

from personax_platform.progress import Progress, Report
from personax_platform.text_embeddings.minilm import (
    MODEL_ID,
    check_inputs,
    length_sorted_batches,
    load_tokenizer,
    locate_model_dir,
    read_config,
)
from personax_platform.text_embeddings.safetensors_reader import read_safetensors

OPSET = 20  # the first with an erf Gelu operator
IR_VERSION = 10  # opset 20's; onnx's newest IR may be ahead of what the installed onnxruntime reads


class _GraphBuilder:
    """Collects nodes and weights; every intermediate value gets a fresh name."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []

    def const(self, array: np.ndarray | np.generic) -> str:
        name = f"c{len(self.initializers)}"
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def ints(self, *values: int) -> str:
        """An int64 vector constant: shapes, axes, slice bounds."""
        return self.const(np.array(values, dtype=np.int64))

    def op(self, op_type: str, *inputs: str, outputs: int = 1, **attributes: Any) -> Any:
        """The output name (a list of them when outputs > 1) of a new node."""
        names = [f"{op_type.lower()}{len(self.nodes)}_{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), names, **attributes))
        return names[0] if outputs == 1 else names


def build_graph(model_dir: Path) -> onnx.ModelProto:
    """The sentence-embedding graph: int64 `input_ids` and 0/1 `attention_mask` (batch, tokens), right-padded ->
    float32 `embedding` (batch, hidden), unit rows."""
    config = read_config(model_dir)
    w = read_safetensors(model_dir / "model.safetensors")
    hidden, heads, eps = config["hidden_size"], config["num_attention_heads"], config["layer_norm_eps"]
    head_size = hidden // heads
    g = _GraphBuilder()

    # Embeddings: word + position (the first `tokens` rows) + token type 0 (every token is segment A), LayerNorm.
    tokens = g.op("Slice", g.op("Shape", "input_ids"), g.ints(1), g.ints(2))
    positions = g.op("Slice", g.const(w["embeddings.position_embeddings.weight"]), g.ints(0), tokens)
    x = g.op("Add", g.op("Gather", g.const(w["embeddings.word_embeddings.weight"]), "input_ids"), positions)
    x = g.op("Add", x, g.const(w["embeddings.token_type_embeddings.weight"][0]))
    x = g.op("LayerNormalization", x, g.const(w["embeddings.LayerNorm.weight"]),
             g.const(w["embeddings.LayerNorm.bias"]), axis=-1, epsilon=eps)

    # Padding keys get the most negative float: softmax gives them a weight of exactly 0 (as in minilm.py).
    is_token = g.op("Cast", "attention_mask", to=TensorProto.BOOL)
    key_bias = g.op("Where", is_token, g.const(np.float32(0)), g.const(np.finfo(np.float32).min))
    key_bias = g.op("Unsqueeze", key_bias, g.ints(1, 2))  # (batch, 1, 1, tokens): broadcast over heads and queries
    split_heads, merge_heads = g.ints(0, 0, 3 * heads, head_size), g.ints(0, 0, hidden)
    # Query weights pre-scaled by 1/sqrt(head size) (a power of two here, so exact): no extra pass over the scores.
    scale = np.float32(1 / np.sqrt(head_size))

    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        q, k, v = (p + f"attention.self.{name}." for name in ("query", "key", "value"))
        # One matrix product for query, key and value: (batch, tokens, 3 hidden) -> 3 x (batch, heads, tokens, head).
        qkv_w = np.concatenate([w[q + "weight"] * scale, w[k + "weight"], w[v + "weight"]]).T
        qkv_b = np.concatenate([w[q + "bias"] * scale, w[k + "bias"], w[v + "bias"]])
        qkv = g.op("Add", g.op("MatMul", x, g.const(qkv_w)), g.const(qkv_b))
        qkv = g.op("Transpose", g.op("Reshape", qkv, split_heads), perm=[0, 2, 1, 3])
        query, key, value = g.op("Split", qkv, axis=1, num_outputs=3, outputs=3)
        scores = g.op("MatMul", query, g.op("Transpose", key, perm=[0, 1, 3, 2]))
        attention = g.op("Softmax", g.op("Add", scores, key_bias), axis=-1)
        context = g.op("Reshape", g.op("Transpose", g.op("MatMul", attention, value), perm=[0, 2, 1, 3]),
                       merge_heads)
        x = _dense_residual_norm(g, w, p + "attention.output.", context, x, eps)
        inner = g.op("Gelu", _dense(g, w, p + "intermediate.dense.", x))  # erf form: approximate="none"
        x = _dense_residual_norm(g, w, p + "output.", inner, x, eps)

    # Mean over real tokens as a (batch, 1, tokens) @ (batch, tokens, hidden) product, then unit length.
    mask = g.op("Cast", "attention_mask", to=TensorProto.FLOAT)
    summed = g.op("Squeeze", g.op("MatMul", g.op("Unsqueeze", mask, g.ints(1)), x), g.ints(1))
    counts = g.op("Max", g.op("ReduceSum", mask, g.ints(1), keepdims=1), g.const(np.float32(1e-9)))
    pooled = g.op("Div", summed, counts)
    norms = g.op("Max", g.op("ReduceL2", pooled, g.ints(1), keepdims=1), g.const(np.float32(1e-12)))
    g.nodes.append(helper.make_node("Div", [pooled, norms], ["embedding"]))

    graph = helper.make_graph(
        g.nodes, "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "tokens"])
         for name in ("input_ids", "attention_mask")],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden])],
        initializer=g.initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION)


def _dense(g: _GraphBuilder, w: dict[str, np.ndarray], prefix: str, x: str) -> str:
    return g.op("Add", g.op("MatMul", x, g.const(w[prefix + "weight"].T)), g.const(w[prefix + "bias"]))


def _dense_residual_norm(g: _GraphBuilder, w: dict[str, np.ndarray], prefix: str, x: str, residual: str,
                         eps: float) -> str:
    """BERT's post-norm sublayer output: LayerNorm(dense(x) + residual)."""
    out = g.op("Add", _dense(g, w, prefix + "dense.", x), residual)
    return g.op("LayerNormalization", out, g.const(w[prefix + "LayerNorm.weight"]),
                g.const(w[prefix + "LayerNorm.bias"]), axis=-1, epsilon=eps)


_LOAD_LOCK = threading.Lock()


@functools.cache
def _load(model_dir: Path) -> tuple[Tokenizer, ort.InferenceSession]:
    """Built once per process and model folder: the graph goes to onnxruntime as bytes and is then dropped, so the
    weights are held once, by the session (which runs batches from several threads at once)."""
    options = ort.SessionOptions()
    # One thread per run: the encoder runs one batch per CPU instead (see OnnxMiniLMEncoder), which needs no
    # hand-over between threads at each of the graph's ~170 operators.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(build_graph(model_dir).SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    return load_tokenizer(model_dir), session


class OnnxMiniLMEncoder:
    """all-MiniLM-L6-v2 on onnxruntime as a TextEncoder, in the numpy encoder's vector space (same `model_id`: the
    two give equal vectors to 1e-5 and are interchangeable). The session is built on the first non-empty encode and
    shared by every encoder of the process.

    Batches run in parallel, one per CPU this process may use, each on one thread. On 2 cores that beat one batch at
    a time on onnxruntime's 2-thread pool by 15-20% on a quiet machine and by 60% while other work held the CPUs
    (benchmarks/README.md): its threads either spin between operators, which starves other processes, or sleep and
    are woken ~170 times per batch.
    """

    model_id = MODEL_ID
    dimension = 384

    def __init__(self, model_dir: Path | None = None) -> None:
        self._model_dir = model_dir

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: Report | None = None) -> np.ndarray:
        """(len(texts), 384) float32 unit rows in input order, encoded in length-sorted batches of at most
        `batch_size`: fewer texts than that are split so that every CPU gets a batch."""
        check_inputs(texts, batch_size)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        tokenizer, session = self._session()
        workers = len(os.sched_getaffinity(0))

        def embed(batch: tuple[list[int], np.ndarray, np.ndarray]) -> tuple[list[int], np.ndarray]:
            rows, ids, mask = batch
            return rows, session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

        batches = length_sorted_batches(tokenizer, texts, min(batch_size, -(-len(texts) // workers)))
        embedded = Progress(len(texts), "text embeddings", progress)
        with ThreadPoolExecutor(workers) as pool:
            for rows, vectors in pool.map(embed, batches):
                out[rows] = vectors
                embedded.advance(len(rows))
        embedded.finish()
        return out

    def _session(self) -> tuple[Tokenizer, ort.InferenceSession]:
        model_dir = (self._model_dir or locate_model_dir()).resolve()
        with _LOAD_LOCK:
            tokenizer, session = _load(model_dir)
        dimension = session.get_outputs()[0].shape[1]
        if dimension != self.dimension:
            raise ValueError(f"model has {dimension} dimensions, expected {self.dimension}")
        return tokenizer, session
