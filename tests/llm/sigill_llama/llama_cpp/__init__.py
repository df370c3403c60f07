"""A stand-in `llama_cpp` for the demo's preflight test, put first on PYTHONPATH: importing it executes an
instruction the CPU refuses, so the model's process dies with SIGILL as a natively built library did on a host whose
virtual machine forbids AMX."""
import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parents[2] / "illegal_instruction.py"))
