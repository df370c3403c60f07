"""The installed llama.cpp runs on any host of the machine kind: it is compiled for a portable target (x86-64 up to
AVX2/FMA, the ARM baseline), never for the build host, and every install path builds it that way.

A library built natively on a host that advertises AMX or AVX-512 dies with SIGILL on a host whose virtual machine
does not allow them, although both are the same machine kind."""
from __future__ import annotations

import platform
import re

import llama_cpp

from tests.conftest import REPO_ROOT

# Instruction-set features llama.cpp reports, beyond the portable x86-64 target or the ARM baseline.
BEYOND_PORTABLE = re.compile(r"^(AVX512.*|AVX_VNNI|AMX.*|SVE.*|SME.*|MATMUL_INT8|DOTPROD|FP16_VA)$")
PORTABLE_X86 = {"SSE3", "SSSE3", "AVX", "AVX2", "F16C", "FMA", "BMI2"}
SCRIPT = REPO_ROOT / "scripts" / "llama_cpp_wheel.sh"


def compiled_features() -> dict[str, str]:
    """`CPU : SSE3 = 1 | AVX2 = 1 | ... |` as {feature: value}: what the library was compiled to use."""
    info = llama_cpp.llama_print_system_info().decode()
    return dict(re.findall(r"([A-Z0-9_]+) = (\d+)", info))


def test_the_installed_library_uses_no_instruction_set_beyond_the_portable_target() -> None:
    features = compiled_features()
    assert features, llama_cpp.llama_print_system_info()
    beyond = sorted(name for name, value in features.items() if value != "0" and BEYOND_PORTABLE.match(name))
    assert not beyond, f"llama.cpp was built with {beyond}: rebuild it with `make rebuild-llama`"
    if platform.machine() in ("x86_64", "AMD64"):
        # The portable target still uses what every x86-64-v3 host has: without it answers would be several
        # times slower (benchmarks/embedded_llm_portability.py).
        assert PORTABLE_X86 <= {name for name, value in features.items() if value == "1"}


def test_the_build_script_pins_a_portable_target_and_bypasses_pips_wheel_cache() -> None:
    script = SCRIPT.read_text()
    for arch in ("x86_64", "aarch64"):
        # The case branch `portable:<arch>...)` up to its `;;`: the flags every install path builds with.
        branch = re.search(rf"\n\s*portable:{arch}[^)]*\)(.*?);;", script, re.DOTALL)
        assert branch, f"no portable build for {arch}"
        flags = branch.group(1)
        assert "-DGGML_NATIVE=OFF" in flags and "march=native" not in flags and "=ON -DGGML_AVX512" not in flags
    x86 = re.search(r"\n\s*portable:x86_64[^)]*\)(.*?);;", script, re.DOTALL).group(1)
    for off in ("GGML_AVX512", "GGML_AVX_VNNI", "GGML_AMX_TILE", "GGML_AMX_INT8", "GGML_AMX_BF16"):
        assert f"-D{off}=OFF" in x86
    assert "--no-cache-dir" in script and "--no-binary llama-cpp-python" in script
    assert 'variant="${3:-portable}"' in script  # what the Makefile and the Dockerfile get without asking


def test_every_install_path_installs_llama_cpp_from_the_portable_wheel() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text()
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert "scripts/llama_cpp_wheel.sh" in makefile and "scripts/llama_cpp_wheel.sh" in dockerfile
    # The Docker image installs the rest of the lock without llama-cpp-python, which would compile natively.
    assert re.search(r"grep -v[^\n]*llama", dockerfile)
    assert "make test" in (REPO_ROOT / ".ci" / "run").read_text()  # CI installs through the Makefile
