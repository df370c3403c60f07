"""litellm as the platform uses it: imported on first use (its import costs seconds), with what costs per call or
could print request content switched off. The client and the run preview both go through here."""
from __future__ import annotations

import functools
import gc
from types import ModuleType


@functools.cache  # once per process: the settings and the gc.freeze below
def configured_litellm() -> ModuleType:
    import litellm

    litellm.suppress_debug_info = True  # no "Give Feedback / Get Help" banners on stdout per failed call
    litellm.telemetry = False
    litellm.turn_off_message_logging = True  # prompts (people's bios) never reach any logging callback
    # litellm's import leaves ~370,000 long-lived objects (its model cost map among them) that every full
    # garbage collection rescans: 0.2 s pauses every few seconds at 150 requests/s. Freezing moves everything
    # alive now out of the collector's view (it is never freed, which module-level data never is anyway).
    gc.collect()
    gc.freeze()
    return litellm
