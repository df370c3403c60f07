"""How fast the numpy all-MiniLM-L6-v2 encoder embeds trait descriptions in batches against one text at a time.

All variants encode the same seeded, realistic ~60-word descriptions in the same run, after the weights are loaded
(load time is printed apart), and must agree to float rounding. A third variant batches with BLAS threads left as
configured (OpenBLAS: one per CPU) instead of the encoder's default of one, to show why that is the default.

    .venv/bin/python -m benchmarks.text_embeddings [--texts 500] [--batch-size 32]
"""
from __future__ import annotations

import argparse
import os
import random
import time

import numpy as np

from personax_platform.text_embeddings import MiniLMEncoder

OPENERS = ["Composed under pressure", "Outgoing and talkative", "Quietly driven", "Restless and impulsive",
           "Warm with fans", "Guarded in interviews", "Famously meticulous", "Playful on camera"]
TRAITS = ["reads the game two moves ahead", "rarely raises their voice", "thrives on the big stage",
          "sweats every detail of preparation", "jokes with reporters after defeats", "keeps a tight inner circle",
          "takes criticism personally", "volunteers for charity work", "trains alone before dawn",
          "speaks openly about nerves before finals", "argues with referees", "mentors younger teammates"]
CONTEXTS = ["since a difficult first season abroad", "according to former coaches", "in long-form interviews",
            "on social media", "during the championship run", "after a serious knee injury", "in the dressing room"]


def descriptions(count: int, seed: int = 7) -> list[str]:
    """Seeded trait descriptions of about 60 words, varied enough that lengths (and padding) differ."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        target = rng.randint(50, 70)
        words: list[str] = []
        while len(words) < target:
            sentence = f"{rng.choice(OPENERS)}, this {rng.choice(['striker', 'singer', 'actor', 'goalkeeper'])} " \
                       f"{rng.choice(TRAITS)} and {rng.choice(TRAITS)} {rng.choice(CONTEXTS)}."
            words += sentence.split()
        texts.append(" ".join(words[:target]).rstrip(",.") + ".")
    return texts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    texts = descriptions(args.texts)
    encoder = MiniLMEncoder()

    start = time.perf_counter()
    encoder.encode(texts[:1])
    load_s = time.perf_counter() - start

    start = time.perf_counter()
    batched = encoder.encode(texts, batch_size=args.batch_size)
    batch_s = time.perf_counter() - start

    start = time.perf_counter()
    single = np.concatenate([encoder.encode([text]) for text in texts])
    single_s = time.perf_counter() - start

    threaded = MiniLMEncoder(blas_threads=None)
    threaded.encode(texts[:1])
    start = time.perf_counter()
    batched_threaded = threaded.encode(texts, batch_size=args.batch_size)
    threaded_s = time.perf_counter() - start

    words = np.mean([len(t.split()) for t in texts])
    print(f"text embeddings ({encoder.model_id}, numpy): {len(texts)} descriptions of {words:.0f} words on average, "
          f"{len(os.sched_getaffinity(0))} CPUs, weights loaded in {load_s:.1f} s (not counted)")
    print(f"{'variant':<50}{'seconds':>9}{'texts/s':>10}{'× single':>10}")
    for name, seconds in ((f"batches of {args.batch_size} (1 BLAS thread, the default)", batch_s),
                          ("one text at a time (1 BLAS thread)", single_s),
                          (f"batches of {args.batch_size}, BLAS threads as configured", threaded_s)):
        print(f"{name:<50}{seconds:>9.1f}{len(texts) / seconds:>10.1f}{single_s / seconds:>10.2f}")
    print(f"batched / one at a time: {single_s / batch_s:.2f}×; max |difference| between variants: "
          f"{max(np.abs(batched - single).max(), np.abs(batched_threaded - single).max()):.1e}")


if __name__ == "__main__":
    main()
