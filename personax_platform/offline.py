"""Environment switches that keep third-party libraries off the network.

Applied explicitly by every entry point (the Dagster definitions, the demo, the CLIs, the benchmarks, the tests), never
by importing the library: litellm would otherwise fetch a price map on import, huggingface_hub retries missing files
for ~23 s each, and GX sends usage analytics. `setdefault` keeps an operator's explicit choice (e.g. a real provider
run with HF_HUB_OFFLINE=0). A notebook calls `offline.apply(os.environ)` before importing litellm.
"""
from collections.abc import MutableMapping

OFFLINE_DEFAULTS: dict[str, str] = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_OFFLINE_MODE": "true",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GX_ANALYTICS_ENABLED": "False",
    "DAGSTER_DISABLE_TELEMETRY": "1",
}


def apply(environ: MutableMapping[str, str]) -> None:
    for name, value in OFFLINE_DEFAULTS.items():
        environ.setdefault(name, value)
