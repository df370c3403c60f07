#!/usr/bin/env bash
# Build llama-cpp-python (an sdist: it compiles llama.cpp) into a wheel for a CPU target that every host of a machine
# kind can run, and print the wheel's path. Every install path uses it: the Makefile, the Dockerfile and so CI.
#
#   scripts/llama_cpp_wheel.sh PYTHON WHEELHOUSE [portable|host|native]
#
# Why: by default llama.cpp compiles for the build host (-march=native). Hosts of one machine kind differ, and one
# advertised AMX that its virtual machine does not allow: the first matrix product died with SIGILL (docs/llm.md).
# - portable (the default): x86-64 up to AVX2/FMA/F16C/BMI2 (x86-64-v3), no AVX-512, AVX-VNNI or AMX; on ARM the
#   armv8-a baseline. tests/llm/test_portable_build.py reads the installed library and fails on anything beyond.
# - host, native: only for benchmarks/embedded_llm_portability.py. native is the build host's own target
#   (-march=native); host is x86-64 with AVX-512 and VNNI but no AMX, the most a host that forbids AMX allows.
# The wheel lands in WHEELHOUSE/<variant>-<hash of version and flags>/: pip's own cache keys a built wheel by the sdist,
# not by CMAKE_ARGS, so it is bypassed (--no-cache-dir) and a wheel built with other flags is never picked up.
set -euo pipefail
python="${1:?usage: $0 PYTHON WHEELHOUSE [portable|host|native]}"
wheelhouse="${2:?usage: $0 PYTHON WHEELHOUSE [portable|host|native]}"
variant="${3:-portable}"
here="$(cd "$(dirname "$0")" && pwd)"
version="$(sed -n 's/^llama[-_]cpp[-_]python==//Ip' "$here/../requirements.lock")"
[ -n "$version" ] || { echo "llama-cpp-python is not pinned in requirements.lock" >&2; exit 1; }

case "$variant:$(uname -m)" in
  portable:x86_64|portable:amd64)
    flags="-DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
    flags+=" -DGGML_AVX_VNNI=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF"
    flags+=" -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" ;;
  portable:aarch64|portable:arm64) flags="-DGGML_NATIVE=OFF -DGGML_CPU_ARM_ARCH=armv8-a" ;;
  portable:*) flags="-DGGML_NATIVE=OFF" ;;
  host:x86_64|host:amd64)
    flags="-DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
    flags+=" -DGGML_AVX_VNNI=ON -DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON"
    flags+=" -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" ;;
  native:*) flags="-DGGML_NATIVE=ON" ;;
  *) echo "unknown variant '$variant' (portable, host on x86-64, or native)" >&2; exit 1 ;;
esac

key="$(printf '%s %s %s' "$version" "$(uname -m)" "$flags" | sha256sum | cut -c1-12)"
out="$wheelhouse/$variant-$key"
wheel="$(ls "$out"/llama_cpp_python-"$version"-*.whl 2>/dev/null | head -n1 || true)"
if [ -z "$wheel" ]; then
  echo "building llama-cpp-python $version for the $variant target ($flags); takes a few minutes" >&2
  rm -rf "$out.tmp" && mkdir -p "$out.tmp"
  # SOURCE_DATE_EPOCH unset: llama.cpp reads its presence as "cross-compiling" and changes the defaults.
  env -u SOURCE_DATE_EPOCH CMAKE_ARGS="$flags" FORCE_CMAKE=1 \
    "$python" -m pip wheel --quiet --no-deps --no-cache-dir --no-binary llama-cpp-python \
    -w "$out.tmp" "llama-cpp-python==$version" >&2
  rm -rf "$out" && mv "$out.tmp" "$out"
  wheel="$(ls "$out"/llama_cpp_python-"$version"-*.whl | head -n1)"
fi
echo "$wheel"
