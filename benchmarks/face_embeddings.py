"""How fast faces are embedded in batch (worker processes) against a plain one-image-at-a-time loop.

Both run the configured backend (dlib by default) on the same references in the same run, from configuration to
results: the loop loads the models once and embeds each image in turn; the batch starts its workers (each loads the
models) and embeds in parallel. The references cycle through the real photos that registry packages ship (the ones
the sample data points at, plus insightface's masked faces and a cat). The two must return identical results.

    .venv/bin/python -m benchmarks.face_embeddings [--images 48] [--workers N]

Imports stay light on purpose: spawned workers re-import this module.
"""
from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

from personax_platform.faces import FaceEmbedderConfig, create_embedder
from personax_platform.faces.batch import embed_images

PHOTOS = [
    "package://insightface/data/images/t1.jpg",
    "package://insightface/data/images/Tom_Hanks_54745.png",
    "package://skimage/data/astronaut.png",
    "package://insightface/data/images/mask_white.jpg",
    "package://insightface/data/images/mask_blue.jpg",
    "package://skimage/data/chelsea.png",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=96)
    parser.add_argument("--workers", type=int, default=None, help="default: the CPUs this process may use")
    args = parser.parse_args()
    refs = [PHOTOS[i % len(PHOTOS)] for i in range(args.images)]
    config = FaceEmbedderConfig()
    cpus = len(os.sched_getaffinity(0))

    start, cpu = time.perf_counter(), time.process_time()
    embedder = create_embedder(config)
    load_s = time.perf_counter() - start
    loop = [embedder.embed(ref) for ref in refs]
    loop_s, loop_cpu = time.perf_counter() - start, time.process_time() - cpu

    start, cpu = time.perf_counter(), _cpu_with_children()
    batch = embed_images(config, refs, workers=args.workers)
    batch_s, batch_cpu = time.perf_counter() - start, _cpu_with_children() - cpu

    identical = all(a.status == b.status and (a.embedding is None or np.array_equal(a.embedding, b.embedding))
                    for a, b in zip(loop, batch, strict=True))
    ok = sum(r.status == "ok" for r in loop)
    print(f"face embeddings: {len(refs)} images ({ok} with a face), backend {config.backend}, {cpus} CPUs, "
          f"{args.workers or cpus} workers")
    print(f"{'variant':<32}{'seconds':>9}{'CPU s':>8}{'images/s':>10}{'× loop':>8}")
    for name, seconds, cpu_s in ((f"loop (model load {load_s:.1f} s incl.)", loop_s, loop_cpu),
                                 ("batch (worker start incl.)", batch_s, batch_cpu)):
        print(f"{name:<32}{seconds:>9.1f}{cpu_s:>8.1f}{len(refs) / seconds:>10.2f}{loop_s / seconds:>8.2f}")
    print(f"results identical: {identical}")


def _cpu_with_children() -> float:
    """CPU seconds of this process and of its finished child processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
