"""Load benchmark (issue 8): the traffic mix at rising load against the portal as deployed.

`portal serve --workers 2` (handlers on the event loop, as for a peak) + `portal worker` (at a
lower CPU priority) on PostgreSQL, the simulated registries and the bundled digital-ID
provider; 50,000 petitions seeded first (COPY, timed); Locust (headless, as a library) steps
through 25 … 800 users, printing throughput, p50/p95/p99 per request type and the CPU of each
part per step, and stops at the first step with errors or p99 over 1 s; then the submission
backlog is drained and timed. 5–20 minutes on 2 cores depending on where it breaks, so
`make bench` leaves it out:

    .venv/bin/python bench/run.py --only load
    .venv/bin/python bench/bench_load.py [--steps 25,50,100,150,200,250,300,350,400,600,800]
        [--step-seconds 30] [--petitions 50000] [--workers 2] [--job-workers 1]
        [--worker-nice 19] [--database-url postgresql://postgres@127.0.0.1:5432/load_a]

Needs the `bench` extra (Locust): `pip install -e '.[bench]'`. The database named by
`--database-url` (or PORTAL_LOAD_DATABASE_URL) is emptied (schema dropped; created if
missing), so its name must start with `load`. Details: bench/load/runner.py; the last lines
are `load_*=` figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "load"))

from runner import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
