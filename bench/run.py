"""`make bench`: every benchmark in turn, then every `key=value` figure they printed, last.

Runs bench_certificates.py, bench_verify.py and bench_queue.py one after the other (never at
the same time: they would measure each other), streaming their output as it comes, and ends
with all their `key=value` lines together, so a script can read the figures from the tail of
the output. A benchmark that fails is reported (`<name>_failed=1`) and the others still run;
the exit status is non-zero if any failed. `load` (bench_load.py, 3–15 minutes, needs the
`bench` extra) is optional: only with `--only load`.

    .venv/bin/python bench/run.py [--only certificates,verify,queue,load]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BENCHMARKS = ("certificates", "verify", "queue")
OPTIONAL = ("load",)  # too long for every `make bench`
KEY_VALUE = re.compile(r"^[a-z][a-z0-9_]*=\S+$")


def run_benchmark(name: str) -> tuple[int, list[str]]:
    """Runs bench_<name>.py, echoing its output; returns its exit code and key=value lines."""
    script = BENCH_DIR / f"bench_{name}.py"
    print(f"==> {script.name}", flush=True)
    figures: list[str] = []
    with subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            if KEY_VALUE.match(line.strip()):
                figures.append(line.strip())
    return process.returncode, figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--only", default=",".join(BENCHMARKS), help="comma-separated subset to run"
    )
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n]
    unknown = sorted(set(names) - set(BENCHMARKS) - set(OPTIONAL))
    if unknown:
        parser.error(f"unknown benchmarks: {', '.join(unknown)}")

    all_figures: list[str] = []
    failed = False
    for name in names:
        code, figures = run_benchmark(name)
        all_figures += figures
        if code != 0:
            failed = True
            all_figures.append(f"{name}_failed=1")
            print(f"==> bench_{name}.py exited with {code}", flush=True)
    print("==> figures", flush=True)
    for line in all_figures:
        print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
