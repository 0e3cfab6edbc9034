"""Garbage-collector settings for the server process.

A whole-DAG answer allocates some 10^5 short-lived objects (rows, records, GraphQL results). With CPython's default
thresholds the cyclic collector then runs thousands of times per request and rescans the long-lived heap (modules,
the schema) again and again: most of the request time (docs/design.md §9). Freezing the heap
that exists once the app is built and raising the first-generation threshold keeps collection cost proportional to
the garbage actually made. Idempotent; process-wide, as the server is its own process.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 50_000
_tuned = False


def tune_gc() -> None:
    global _tuned
    if _tuned:
        return
    _tuned = True
    gc.collect()
    gc.freeze()
    gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(max(gen0, GEN0_THRESHOLD), gen1, gen2)
