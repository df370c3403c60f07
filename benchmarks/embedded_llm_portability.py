"""What portability costs the embedded LLM: time per trait answer of the portable llama.cpp build (x86-64 up to
AVX2/FMA, what `make install` builds) against a native build (-march=native) on the same machine, in the same run.

Every variant answers the same real trait requests (the active prompt, the first sample people of a league) in the
supervised worker process the platform uses. Besides the two builds it measures what the worker does about speed:
whole-batch prompt-prefix reuse against evaluating every prompt in full (the pre-worker behaviour), and 2 threads
against 1. On a host whose CPU advertises instructions its virtual machine forbids (AMX), the native build dies
with SIGILL: the benchmark records that as the native build's result instead of a time.

    .venv/bin/python -m benchmarks.embedded_llm_portability [--people 8] [--league nba]

The native and host wheels are built once into .wheels/<build>-*/ (scripts/llama_cpp_wheel.sh, a few minutes each)
and run from a scratch folder on the worker's PYTHONPATH; the virtual environment keeps the portable build. "host" is
x86-64 with AVX-512 and VNNI but no AMX: the fastest build such a host allows, so its ratio to the portable build is
the cost of portability there.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.support import REPO_ROOT, write_result
from personax_platform.bios.countries import CountryResolver
from personax_platform.bios.landing import read_raw_bios
from personax_platform.bios.normalize import normalize_bios
from personax_platform.llm.embedded import N_CTX, gguf_path, llama_response_format
from personax_platform.llm.embedded_process import ModelProcess, ModelProcessError, worker_command
from personax_platform.llm.models import ModelConfig
from personax_platform.settings import Settings
from personax_platform.traits.inference import build_requests


@dataclass
class Variant:
    name: str
    build: str = "portable"  # portable (the installed one), host or native (scripts/llama_cpp_wheel.sh)
    threads: int = 1
    batch: int | None = None
    prefix_reuse: bool = True


VARIANTS = [
    Variant("portable, 1 thread, prefix reuse (the default)"),
    Variant("portable, 1 thread, every prompt in full", prefix_reuse=False),
    Variant("portable, 1 thread, in full, batch 512 (before the worker)", batch=512, prefix_reuse=False),
    Variant("portable, 1 thread, prefix reuse, batch 256", batch=256),
    Variant("portable, 2 threads, prefix reuse", threads=2),
    Variant("host: AVX-512 + VNNI, no AMX, 1 thread, prefix reuse", build="host"),
    Variant("native (-march=native), 1 thread, prefix reuse", build="native"),
]


def payloads(settings: Settings, league: str, people: int) -> list[dict]:
    config = settings.datasets
    source = config.source(league)
    raw = read_raw_bios(REPO_ROOT / "sample_data" / "landing", source, config.league_to_dataset[league], league)
    bios = normalize_bios(raw, source, CountryResolver(config.country_aliases)).bios.head(people)
    prompt = settings.prompt
    model = ModelConfig(name="smollm2", model="personax-embedded/smollm2-135m-instruct", temperature=0, seed=0)
    fmt = llama_response_format({"type": "json_schema", "json_schema": {"schema": prompt.response_schema}})
    return [{"messages": r.messages, "response_format": fmt, "temperature": 0, "max_tokens": model.max_tokens,
             "seed": 0} for r in build_requests(bios, prompt, [model], config.kind(config.league_to_dataset[league]))]


def build_site(build: str, scratch: Path) -> Path:
    """A folder holding llama_cpp built for `build`, to put first on the worker's PYTHONPATH."""
    wheel = subprocess.run(["bash", str(REPO_ROOT / "scripts" / "llama_cpp_wheel.sh"), sys.executable,
                            str(REPO_ROOT / ".wheels"), build], check=True, capture_output=True, text=True)
    target = scratch / f"{build}-site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    wheel.stdout.strip()], check=True)
    return target


def measure(variant: Variant, requests: list[dict], sites: dict[str, Path]) -> dict:
    command = worker_command(str(gguf_path()), variant.threads, N_CTX, variant.batch, variant.prefix_reuse)
    env = {**os.environ, "PYTHONPATH": str(sites[variant.build])} if variant.build in sites else None
    process = ModelProcess(command, env=env)
    try:
        info = process.start()
        times, answers = [], []
        for payload in requests:
            start = time.perf_counter()
            reply = process.request(payload, timeout_s=600)
            times.append(time.perf_counter() - start)
            answers.append(reply.get("content"))
    except ModelProcessError as error:
        return {"variant": variant.name, "failed": error.reason}
    finally:
        process.close()
    return {"variant": variant.name, "system_info": info.system_info.strip(), "first_s": round(times[0], 3),
            "mean_s": round(statistics.mean(times), 3), "median_rest_s": round(statistics.median(times[1:]), 3),
            "answers": answers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=8)
    parser.add_argument("--league", default="nba")
    args = parser.parse_args()
    settings = Settings.from_environ(os.environ)
    requests = payloads(settings, args.league, args.people)
    with tempfile.TemporaryDirectory() as scratch:
        builds = {v.build for v in VARIANTS if v.build != "portable"}
        if platform.machine() not in ("x86_64", "AMD64"):
            builds.discard("host")
        sites = {build: build_site(build, Path(scratch)) for build in sorted(builds)}
        results = [measure(variant, requests, sites) for variant in VARIANTS if variant.build in sites
                   or variant.build == "portable"]

    default = results[0]
    print(f"embedded SmolLM2, {len(requests)} trait answers ({args.league} sample people, "
          f"prompt {settings.prompt_id}), each variant in its own worker process")
    print(f"{'variant':<60}{'first s':>9}{'mean s':>9}{'rest p50':>9}{'× default':>10}  same answers")
    for result in results:
        if "failed" in result:
            print(f"{result['variant']:<60}  FAILED: {result['failed']}")
            continue
        same = "yes" if result["answers"] == default["answers"] else "no"
        print(f"{result['variant']:<60}{result['first_s']:>9.2f}{result['mean_s']:>9.2f}"
              f"{result['median_rest_s']:>9.2f}{result['mean_s'] / default['mean_s']:>10.2f}  {same}")
    for result in results:
        if "system_info" in result:
            print(f"  {result['variant']}: {result['system_info']}")
    summary = [{k: v for k, v in r.items() if k != "answers"} | ({"same_answers_as_default":
                                                                  r["answers"] == default["answers"]}
                                                                 if "answers" in r else {}) for r in results]
    path = write_result("embedded_llm_portability", {"default": summary[0], "requests": len(requests)},
                        {"variants": summary[1:]})
    print(f"written: {path.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
