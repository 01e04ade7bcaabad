"""Step load with Locust as a library, headless: rising users, one measurement per step.

For each step: start (or add) users over `--ramp-seconds`, reset the statistics, measure for
`--step-seconds`, print throughput and p50/p95/p99 per request type with the errors. Stops
after the first step with an error or a p99 over `--break-p99-ms`. Ends with `load_*=`
key=value lines; writes the ids of accepted submissions to `--submitted`.

Run by runner.py in its own process, because importing Locust monkey-patches the standard
library for gevent.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

LOAD_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(LOAD_DIR))

import gevent  # noqa: E402
import locustfile  # noqa: E402
import psutil  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.stats import RequestStats, StatsEntry  # noqa: E402

PERCENTILES = (0.5, 0.95, 0.99)


def _row(name: str, entry: StatsEntry, seconds: float) -> str:
    p50, p95, p99 = (entry.get_response_time_percentile(p) or 0 for p in PERCENTILES)
    return (
        f"  {name:<44} {entry.num_requests / seconds:8.1f} {p50:7.0f} {p95:7.0f} {p99:7.0f}"
        f" {entry.num_failures:7d}"
    )


def measure(stats: RequestStats, users: int, seconds: float, cpu: float) -> dict[str, Any]:
    """Prints one step's table; returns its totals."""
    total = stats.total
    print(
        f"\n== {users} users, {seconds:.0f} s measured, load generator CPU {cpu:.0f} %, "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    columns = ("req/s", "p50 ms", "p95 ms", "p99 ms", "errors")
    print(f"  {'request type':<44} {columns[0]:>8} " + " ".join(f"{c:>7}" for c in columns[1:]))
    for (name, method), entry in sorted(stats.entries.items()):
        if entry.num_requests:
            print(
                _row(f"{name}" if name.startswith(method) else f"{method} {name}", entry, seconds)
            )
    print(_row("all", total, seconds), flush=True)
    for error in list(stats.errors.values())[:5]:
        print(f"  error: {error.method} {error.name}: {error.error} × {error.occurrences}")
    submissions = sum(
        e.num_requests - e.num_failures
        for (n, _), e in stats.entries.items()
        if n == "POST /api/v1/petitions"
    )
    return {
        "users": users,
        "rps": total.num_requests / seconds,
        "p50": total.get_response_time_percentile(0.5) or 0,
        "p95": total.get_response_time_percentile(0.95) or 0,
        "p99": total.get_response_time_percentile(0.99) or 0,
        "errors": total.num_failures,
        "submissions_per_s": submissions / seconds,
    }


def preflight(env: Environment) -> int:
    """One user runs every task of the mix once (a submission first, so the status poll has a
    petition), so a broken route fails here, named, before any load; returns the failures."""
    user = locustfile.PortalVisitor(env)
    user.on_start()
    tasks = list(dict.fromkeys(locustfile.PortalVisitor.tasks))  # weights repeat each task
    tasks.sort(key=lambda t: t.__name__ != "submit")
    for run_task in tasks:
        run_task(user)
    names = sorted(name for name, _ in env.stats.entries)
    failures = env.stats.total.num_failures
    print(f"preflight: every task once, {len(names)} request types, {failures} failures")
    for error in env.stats.errors.values():
        print(f"  error: {error.method} {error.name}: {error.error}")
    print(f"load_preflight_types={len(names)}")
    print(f"load_preflight_failures={failures}", flush=True)
    env.stats.reset_all()
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--submitted", required=True)
    parser.add_argument("--steps", default="25,50,100,200,400")
    parser.add_argument("--step-seconds", type=float, default=30)
    parser.add_argument("--ramp-seconds", type=float, default=5)
    parser.add_argument("--break-p99-ms", type=float, default=1000)
    parser.add_argument("--target-p99-ms", type=float, default=500)
    args = parser.parse_args()
    os.environ["PORTAL_LOAD_FIXTURES"] = args.fixtures

    locustfile.PortalVisitor.host = args.host
    env = Environment(user_classes=[locustfile.PortalVisitor], host=args.host)
    runner = env.create_local_runner()
    if preflight(env):
        sys.exit("preflight failed: a request type of the mix does not work")
    me = psutil.Process()
    results: list[dict[str, Any]] = []
    broke: tuple[int, str] | None = None
    for users in [int(n) for n in args.steps.split(",") if n]:
        runner.start(users, spawn_rate=max(users / max(args.ramp_seconds, 0.1), 1.0))
        gevent.sleep(args.ramp_seconds)
        env.stats.reset_all()
        me.cpu_percent()
        started = time.monotonic()
        gevent.sleep(args.step_seconds)
        step = measure(env.stats, users, time.monotonic() - started, me.cpu_percent())
        results.append(step)
        if step["errors"]:
            broke = (users, "errors")
        elif step["p99"] > args.break_p99_ms:
            broke = (users, "p99")
        if broke:
            print(f"\n== stopped at {users} users: {broke[1]}", flush=True)
            break
    runner.quit()
    Path(args.submitted).write_text("".join(f"{p}\n" for p in locustfile.SUBMITTED))

    good = [r for r in results if not r["errors"] and r["p99"] < args.target_p99_ms]
    best = max(good, key=lambda r: r["rps"], default=None)
    print()
    print(f"load_steps_run={len(results)}")
    print(
        f"load_max_rps_p99_under_{args.target_p99_ms:.0f}ms={best['rps']:.0f}"
        if best
        else f"load_max_rps_p99_under_{args.target_p99_ms:.0f}ms=0"
    )
    if best:
        print(f"load_users_at_max={best['users']}")
        print(f"load_p50_ms_at_max={best['p50']:.0f}")
        print(f"load_p99_ms_at_max={best['p99']:.0f}")
        print(f"load_submissions_per_s_at_max={best['submissions_per_s']:.1f}")
    print(f"load_break_users={broke[0] if broke else 'none'}")
    print(f"load_break_reason={broke[1] if broke else 'none'}")
    print(f"load_errors_total={sum(r['errors'] for r in results)}")
    print(f"load_peak_rps={max((r['rps'] for r in results), default=0):.0f}")
    met = best is not None and best["rps"] >= 300
    print(f"load_target_met={'yes' if met else 'no'}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
