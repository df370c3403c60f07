"""The package's names resolve, and importing it loads none of the heavy libraries the comparisons need."""
import importlib
import subprocess
import sys

from personax_platform import known_truth


def test_every_exported_name_resolves_to_its_module():
    assert sorted(known_truth.__all__) == sorted(known_truth._MODULE_OF)
    for name in known_truth.__all__:
        module = importlib.import_module(f"personax_platform.known_truth.{known_truth._MODULE_OF[name]}")
        assert getattr(known_truth, name) is getattr(module, name)


def test_importing_the_package_loads_no_torch_or_causal_learn():
    code = ("import sys, personax_platform.known_truth; "
            "print(sorted(m for m in ('torch', 'causallearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
