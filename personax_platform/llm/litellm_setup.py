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
    # Prompts (people's bios) never reach any logging callback. It costs ~0.17 ms of the ~3.4 ms litellm spends per
    # call (a deep copy of the response for the redacted log payload), kept for that guarantee. The rest of the
    # per-call bookkeeping (cost lookup, zero-cost diagnostics, the standard logging payload) has no switch in
    # litellm 1.110: client_workers.py spreads it over the cores instead.
    litellm.turn_off_message_logging = True
    # litellm's import leaves ~370,000 long-lived objects (its model cost map among them) that every full
    # garbage collection rescans: 0.2 s pauses every few seconds at 150 requests/s. Freezing moves everything
    # alive now out of the collector's view (it is never freed, which module-level data never is anyway).
    gc.collect()
    gc.freeze()
    return litellm
