"""all-MiniLM-L6-v2 three ways, side by side: the numpy encoder, the onnxruntime encoder (the platform default) and
sentence-transformers on torch, on the same trait descriptions and the same CPUs. Two more onnxruntime rows show why
the encoder runs a batch per CPU, each on one thread: one batch at a time on onnxruntime's own thread pool, whose
threads spin between operators (onnxruntime's default) or sleep.

Every variant encodes the same seeded descriptions (3-6 sentences about fictional people) in batches of 32, after its
weights are loaded (load time is printed apart), in interleaved rounds (best and median of the rounds are printed,
so that load from other work hits every variant alike). The process is pinned to the first `--threads` CPUs, and each
variant uses that many threads: numpy's BLAS, the encoder's batches in flight, onnxruntime's pool, torch's (one
"numpy" row keeps the numpy encoder's default of one BLAS thread). sentence-transformers runs in a
process of its own, from `--st-python` (an interpreter that has it; it is not a platform dependency), loading the
model from the installed package's folder, never from the hub. Its row is NaN, with the reason, where it cannot run.
The matrix-product ceiling (numpy float32 GEMM at the layers' shapes) bounds what any float32 encoder can reach here.

    .venv/bin/python -m benchmarks.text_encoders [--texts 300] [--rounds 3] [--threads 2] [--st-python PATH]

Writes benchmarks/results/text_encoders.json.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

SHE = {"P": "She", "s": "she", "p": "her", "o": "her"}
HE = {"P": "He", "s": "he", "p": "his", "o": "him"}
PEOPLE = [("Mara Ellwood", SHE), ("Tobias Renn", HE), ("Ines Castellano", SHE), ("Kofi Mensah-Hart", HE),
          ("Yuki Arai", SHE), ("Dario Vesco", HE), ("Lena Brandt", SHE), ("Samir Haddad", HE),
          ("Colette Dufresne", SHE), ("Ruairi Quinlan", HE), ("Ana Beatriz Lobo", SHE), ("Jonas Ekholm", HE)]
ROLES = ["left-back at a mid-table club", "veteran point guard", "character actor", "touring singer-songwriter",
         "second-year goalkeeper", "golfer on the European tour", "talk-show host", "defensive tackle",
         "doubles specialist", "film director", "centre who captains the side", "stand-up comedian"]
TRAIT_SENTENCES = [
    # openness
    "{P} reads widely between matches and talks about architecture and poetry in interviews.",
    "{P} changed {p} style twice in three seasons and says routine bores {o} quickly.",
    "Colleagues describe {o} as curious, always asking how other people prepare.",
    "{P} prefers the familiar: the same warm-up, the same restaurant, the same seat on the bus.",
    # conscientiousness
    "{P} keeps a notebook of every session and arrives an hour before anyone else.",
    "Coaches praise {p} discipline, though some say {s} over-plans and struggles when things change late.",
    "{P} admits to missing deadlines and losing track of appointments when the schedule gets busy.",
    "Every detail of {p} preparation is written down, from sleep to the weight of {p} boots.",
    # extraversion
    "{P} is loud and warm in the dressing room, the first to start a song after a win.",
    "In public {s} is reserved, answering questions briefly and leaving events early.",
    "{P} seems to draw energy from crowds and hosts a weekly live stream with fans.",
    "Friends say {s} recharges alone, walking for hours before big nights.",
    # agreeableness
    "{P} mentors younger teammates and quietly pays for their travel when money is short.",
    "{P} argues with referees and once walked out of a press conference over a question.",
    "Rivals call {o} generous, the first to congratulate them after a defeat.",
    "{P} can be blunt to the point of rudeness, but apologises the next morning.",
    # neuroticism
    "{P} speaks openly about nerves before finals and the sleepless nights that come with them.",
    "Criticism seems to slide off {o}; {s} rarely looks rattled, even after a bad mistake.",
    "After losses {s} goes quiet for days and replays every error.",
    "{P} stays calm under pressure and is known for steady, unhurried decisions late in games.",
]
# Offline, plain torch: recent transformers reach for kernels from the hub by default (USE_HUB_KERNELS).
ST_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "USE_HUB_KERNELS": "NO",
          "TOKENIZERS_PARALLELISM": "false"}


def descriptions(count: int, seed: int = 16) -> list[str]:
    """Seeded trait descriptions of fictional people: an introduction and 2-5 trait sentences."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        name, pronoun = rng.choice(PEOPLE)
        intro = f"{name}, a {rng.choice(ROLES)}, is described by those who know {pronoun['o']} well."
        body = [sentence.format(**pronoun) for sentence in rng.sample(TRAIT_SENTENCES, rng.randint(2, 5))]
        texts.append(" ".join([intro, *body]))
    return texts


def gflop_per_text(token_counts: Sequence[int], hidden: int = 384, inner: int = 1536, layers: int = 6) -> float:
    """Mean GFLOP of one forward pass: the dense layers (2 FLOP per weight per token) plus attention's two products."""
    dense = 2 * (4 * hidden * hidden + 2 * hidden * inner) * layers
    return float(np.mean([n * dense + 4 * n * n * hidden * layers for n in token_counts])) / 1e9


def gemm_ceiling_gflops(tokens: int, threads: int, hidden: int = 384, inner: int = 1536) -> float:
    """float32 GEMM GFLOP/s at the feed-forward's shapes (a batch of 32 texts): the ceiling of any encoder here."""
    from threadpoolctl import threadpool_limits

    a = np.random.default_rng(0).random((32 * tokens, hidden), dtype=np.float32)
    b = np.random.default_rng(1).random((hidden, inner), dtype=np.float32)
    with threadpool_limits(threads, user_api="blas"):
        a @ b
        start = time.perf_counter()
        for _ in range(20):
            a @ b
        seconds = (time.perf_counter() - start) / 20
    return 2 * a.shape[0] * hidden * inner / seconds / 1e9


class SentenceTransformersProcess:
    """sentence-transformers in a process of its own: one timed pass over the texts per call, vectors to a file."""

    def __init__(self, python: str, model_dir: Path, texts: list[str], threads: int, batch_size: int,
                 workdir: Path) -> None:
        (workdir / "texts.json").write_text(json.dumps(texts))
        self.vectors_path = workdir / "vectors.npy"
        self.proc = subprocess.Popen(
            [python, __file__, "--worker", str(model_dir), str(workdir / "texts.json"), str(self.vectors_path),
             str(threads), str(batch_size)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **ST_ENV})
        self.load_s = self._answer()["load_s"]

    def encode_all(self) -> np.ndarray:
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        self.seconds = self._answer()["seconds"]
        return np.load(self.vectors_path)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(30)

    def _answer(self) -> dict[str, float]:
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(30)
            reason = (self.proc.stderr.read().strip().splitlines() or ["exited without output"])[-1]
            raise RuntimeError(reason)
        return json.loads(line)


def _worker(model_dir: str, texts_path: str, vectors_path: str, threads: str, batch_size: str) -> None:
    """The sentence-transformers side: needs only numpy, torch and sentence-transformers."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(int(threads))
    texts = json.loads(Path(texts_path).read_text())
    start = time.perf_counter()
    model = SentenceTransformer(model_dir, device="cpu", local_files_only=True)
    model.encode(texts[:1])
    print(json.dumps({"load_s": time.perf_counter() - start}), flush=True)
    for _ in sys.stdin:
        start = time.perf_counter()
        vectors = model.encode(texts, batch_size=int(batch_size), normalize_embeddings=True,
                               show_progress_bar=False)
        seconds = time.perf_counter() - start
        np.save(vectors_path, vectors.astype(np.float32))
        print(json.dumps({"seconds": seconds}), flush=True)


def pool_encoder(model_dir: Path, threads: int, spinning: bool, batch_size: int) -> Callable[[list[str]], np.ndarray]:
    """The alternative to the encoder's batch per CPU: one batch at a time on onnxruntime's own thread pool."""
    import onnxruntime as ort

    from personax_platform.text_embeddings.minilm import (
        length_sorted_batches,
        load_tokenizer,
    )
    from personax_platform.text_embeddings.onnx_minilm import build_graph

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    session = ort.InferenceSession(build_graph(model_dir).SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    tokenizer = load_tokenizer(model_dir)

    def encode(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for rows, ids, mask in length_sorted_batches(tokenizer, texts, batch_size):
            out[rows] = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out

    return encode


def _timed_load(encode: Callable[[list[str]], np.ndarray], texts: list[str]) -> float:
    start = time.perf_counter()
    encode(texts[:1])
    return time.perf_counter() - start


def main() -> None:
    from benchmarks.support import write_result
    from personax_platform.text_embeddings import MiniLMEncoder
    from personax_platform.text_embeddings.minilm import (
        MODEL_ID,
        load_tokenizer,
        locate_model_dir,
    )
    from personax_platform.text_embeddings.onnx_minilm import OnnxMiniLMEncoder

    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--st-python", default=sys.executable,
                        help="an interpreter with sentence-transformers and torch (default: this one)")
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))[:args.threads]
    os.sched_setaffinity(0, cpus)  # onnxruntime sizes its pool from the affinity; the torch process inherits it
    threads = len(cpus)
    texts = descriptions(args.texts)
    model_dir = locate_model_dir()
    tokens = [len(e.ids) for e in load_tokenizer(model_dir).encode_batch(texts)]
    gflop = gflop_per_text(tokens)
    ceiling = gemm_ceiling_gflops(int(np.mean(tokens)), threads)

    baseline = f"numpy, {threads} BLAS threads"
    numpy_threaded, numpy_default, onnx = MiniLMEncoder(blas_threads=threads), MiniLMEncoder(), OnnxMiniLMEncoder()
    encoders: dict[str, Callable[[list[str]], np.ndarray]] = {
        baseline: lambda t: numpy_threaded.encode(t, batch_size=args.batch_size),
        "numpy, 1 BLAS thread (its default)": lambda t: numpy_default.encode(t, batch_size=args.batch_size),
        "onnxruntime, a batch per CPU (the default)": lambda t: onnx.encode(t, batch_size=args.batch_size),
        f"onnxruntime, {threads}-thread pool, spinning": pool_encoder(model_dir, threads, True, args.batch_size),
        f"onnxruntime, {threads}-thread pool, sleeping": pool_encoder(model_dir, threads, False, args.batch_size),
    }
    load_s = {name: _timed_load(encode, texts) for name, encode in encoders.items()}
    st_name, unavailable = f"sentence-transformers (torch), {threads} threads", {}
    with tempfile.TemporaryDirectory() as workdir:
        try:
            st = SentenceTransformersProcess(args.st_python, model_dir, texts, threads, args.batch_size, Path(workdir))
            load_s[st_name] = st.load_s
            encoders[st_name] = lambda _: st.encode_all()
        except RuntimeError as error:
            unavailable[st_name] = f"sentence-transformers did not start under {args.st_python}: {error}"
        seconds: dict[str, list[float]] = {name: [] for name in encoders}
        vectors: dict[str, np.ndarray] = {}
        for _ in range(args.rounds):
            for name, encode in encoders.items():
                time.sleep(1)  # the previous variant's spinning threads go idle first
                start = time.perf_counter()
                vectors[name] = encode(texts)
                seconds[name].append(st.seconds if name == st_name else time.perf_counter() - start)
        if st_name in encoders:
            st.close()

    best = {name: len(texts) / min(times) for name, times in seconds.items()}
    print(f"text encoders ({MODEL_ID}): {len(texts)} descriptions, {np.mean([len(t.split()) for t in texts]):.0f} "
          f"words / {np.mean(tokens):.0f} tokens on average, batches of {args.batch_size}, {threads} CPUs "
          f"{cpus}, {args.rounds} interleaved rounds, load average {os.getloadavg()[0]:.1f}")
    print(f"ceiling: {gflop:.2f} GFLOP per text; float32 GEMM reaches {ceiling:.0f} GFLOP/s on {threads} threads, "
          f"so at most {ceiling / gflop:.0f} texts/s")
    print(f"{'variant':<46}{'load s':>8}{'texts/s':>9}{'median':>8}{'× numpy':>9}{'max |diff|':>12}")
    rows = {}
    for name in [*encoders, *unavailable]:
        if name in unavailable:
            print(f"{name:<46}{'NaN':>8}{'NaN':>9}{'NaN':>8}{'NaN':>9}{'NaN':>12}   {unavailable[name]}")
            rows[name] = {"texts_per_s": None, "unavailable": unavailable[name]}
            continue
        median = len(texts) / statistics.median(seconds[name])
        diff = float(np.abs(vectors[name] - vectors[baseline]).max())
        print(f"{name:<46}{load_s[name]:>8.1f}{best[name]:>9.1f}{median:>8.1f}{best[name] / best[baseline]:>9.2f}"
              f"{diff:>12.1e}")
        rows[name] = {"texts_per_s": round(best[name], 1), "texts_per_s_median": round(median, 1),
                      "ratio_vs_numpy": round(best[name] / best[baseline], 2), "load_s": round(load_s[name], 2),
                      "seconds": [round(s, 3) for s in seconds[name]], "max_abs_diff_vs_numpy": diff}
    path = write_result("text_encoders", {
        "texts": len(texts), "mean_words": float(np.mean([len(t.split()) for t in texts])),
        "mean_tokens": float(np.mean(tokens)), "batch_size": args.batch_size, "threads": threads,
        "rounds": args.rounds, "gflop_per_text": round(gflop, 3), "gemm_gflops": round(ceiling, 1),
        "variants": rows}, {"numpy": baseline})
    print(f"written: {path}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(*sys.argv[2:])
    else:
        main()
