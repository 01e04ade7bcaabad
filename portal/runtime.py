"""Process-wide runtime settings that every portal process (web worker, `portal worker`, the
demo) applies once, when `create_app` builds the application."""

from __future__ import annotations

import gc

GC_GEN0_THRESHOLD = 10_000


def tune_garbage_collector() -> None:
    """Runs CPython's cyclic collector less often.

    Rendering and sealing a certificate allocate hundreds of thousands of short-lived
    containers (WeasyPrint's boxes and styles, pyHanko's PDF objects, asn1crypto's values), so
    the default young-generation threshold of 700 starts a collection every few hundred
    microseconds, and each one walks objects that are about to die anyway. At 10,000 a render +
    seal took 37.2 ms of CPU instead of 42.3 ms (median over 80 certificates each, interleaved
    in one process; docs/performance.md). Objects are still freed by reference counting at
    once; only cycles wait a little longer. The older generations keep their thresholds.
    """
    gen0, gen1, gen2 = gc.get_threshold()
    if gen0 < GC_GEN0_THRESHOLD:
        gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)
