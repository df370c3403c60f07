"""Stands in for a llama.cpp library built for instructions the host CPU does not allow: it executes one such
instruction (x86-64 `ud2`, AArch64 `udf #0`), and the kernel ends the process with SIGILL, as it ended the demo's run
on a host that advertises AMX its virtual machine does not allow. Before that it writes a line to stderr, as native
code does."""
import ctypes
import mmap
import platform
import sys

OPCODES = {"x86_64": b"\x0f\x0b", "AMD64": b"\x0f\x0b", "aarch64": b"\x00\x00\x00\x00", "arm64": b"\x00\x00\x00\x00"}

print("ggml: about to run a matrix product", file=sys.stderr, flush=True)
page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
page.write(OPCODES[platform.machine()])
ctypes.CFUNCTYPE(None)(ctypes.addressof(ctypes.c_char.from_buffer(page)))()
