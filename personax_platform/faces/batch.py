"""Embed many images in parallel, one result per reference, in the order given.

Worker processes, not threads: dlib's Python bindings hold the GIL while they detect and describe (two threads
measured no faster than one), and a process per core also keeps onnxruntime from oversubscribing the cores (each
worker runs its sessions single-threaded). Workers are spawned, not forked: the caller may hold threads (Dagster,
onnxruntime) that a fork would copy in an arbitrary state. A spawned worker needs about 0.9 s to import and load the
models, so the calling process is a worker too: it loads its models while the others start, then takes images from
the end of the list until it meets those the others have begun. Only references go to the workers and only results
come back: images are read where they lie and never copied.
"""
from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from personax_platform.faces import FaceEmbedderConfig, create_embedder
from personax_platform.faces.embedder import FaceEmbedder, FaceEmbedding
from personax_platform.progress import Progress, Report

_worker: tuple[FaceEmbedder, Path | None] | None = None


def embed_images(config: FaceEmbedderConfig, refs: Iterable[str | None], landing_dir: Path | None = None,
                 workers: int | None = None, progress: Report | None = None) -> list[FaceEmbedding]:
    """The most confident face of each referenced image (or its failure status), in the order of `refs`.

    `workers` (this process included) defaults to the CPUs this process may use; with one, no process is started.
    `progress` gets lines on the images done (minutes on big cohorts).
    """
    refs = list(refs)
    images = Progress(len(refs), "face embeddings", progress)
    # Only images keep a worker busy: a league without photos (a generated cohort) starts no process at all.
    with_image = sum(1 for ref in refs if ref and ref.strip())
    workers = min(workers or len(os.sched_getaffinity(0)), with_image)
    if workers <= 1:
        embedder = create_embedder(config)
        results = []
        for ref in refs:
            results.append(embedder.embed(ref, landing_dir))
            images.advance()
    else:
        results = _embed_in_parallel(config, refs, landing_dir, workers, images)
    images.finish()  # the pool has shut down: its thread has counted every worker's image by now
    return results


def _embed_in_parallel(config: FaceEmbedderConfig, refs: list[str | None], landing_dir: Path | None, workers: int,
                       images: Progress) -> list[FaceEmbedding]:
    pool = ProcessPoolExecutor(workers - 1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(config, landing_dir))
    try:
        futures = [pool.submit(_embed, ref) for ref in refs]
        for future in futures:  # called on the pool's thread as a worker finishes; a cancelled one is ours
            future.add_done_callback(lambda done: None if done.cancelled() else images.advance())
        embedder = create_embedder(config, intra_op_threads=1)
        mine = {}
        for index in reversed(range(len(refs))):
            if not futures[index].cancel():  # a worker has it already: everything before it is theirs
                break
            mine[index] = embedder.embed(refs[index], landing_dir)
            images.advance()
        return [mine[index] if index in mine else futures[index].result() for index in range(len(refs))]
    finally:
        pool.shutdown(cancel_futures=True)


def _start_worker(config: FaceEmbedderConfig, landing_dir: Path | None) -> None:
    global _worker
    _worker = (create_embedder(config, intra_op_threads=1), landing_dir)


def _embed(ref: str | None) -> FaceEmbedding:
    embedder, landing_dir = _worker
    return embedder.embed(ref, landing_dir)
