"""Environment switches that keep third-party libraries off the network.

Set by the project itself so that nobody has to export them by hand: litellm would otherwise fetch a
price map on import, huggingface_hub retries missing files for ~23 s each, and GX sends usage analytics.
`setdefault` keeps an operator's explicit choice (e.g. a real provider run with HF_HUB_OFFLINE=0).
"""
import os

OFFLINE_DEFAULTS: dict[str, str] = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_OFFLINE_MODE": "true",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GX_ANALYTICS_ENABLED": "False",
    "DAGSTER_DISABLE_TELEMETRY": "1",
}


def apply() -> None:
    for name, value in OFFLINE_DEFAULTS.items():
        os.environ.setdefault(name, value)
