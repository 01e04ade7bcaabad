"""`make bench`'s driver and the certificate benchmark it runs (a one-run smoke test)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench_run", REPO_ROOT / "bench" / "run.py")
assert _spec is not None and _spec.loader is not None
bench_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_run)


def fake_bench(directory: Path, name: str, body: str) -> None:
    (directory / f"bench_{name}.py").write_text(f"import sys\n{body}\n", encoding="utf-8")


def test_figures_of_every_benchmark_come_last_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_bench(tmp_path, "certificates", 'print("noise")\nprint("certificate_p50_ms=31.5")')
    fake_bench(tmp_path, "verify", 'print("verify_rps=2500")\nprint("not a=figure line")')
    fake_bench(tmp_path, "queue", 'print("petitions=1000000")\nprint("after")')
    monkeypatch.setattr(bench_run, "BENCH_DIR", tmp_path)

    assert bench_run.main([]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[-3:] == ["certificate_p50_ms=31.5", "verify_rps=2500", "petitions=1000000"]
    assert "noise" in lines and "after" in lines  # the benchmarks' own output is shown


def test_a_failing_benchmark_is_reported_and_the_others_still_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_bench(tmp_path, "certificates", 'print("certificate_p50_ms=30")')
    fake_bench(tmp_path, "verify", "sys.exit(3)")
    fake_bench(tmp_path, "queue", 'print("petitions=5")')
    monkeypatch.setattr(bench_run, "BENCH_DIR", tmp_path)

    assert bench_run.main([]) == 1

    lines = capsys.readouterr().out.splitlines()
    assert lines[-3:] == ["certificate_p50_ms=30", "verify_failed=1", "petitions=5"]


def test_unknown_benchmark_is_refused() -> None:
    with pytest.raises(SystemExit):
        bench_run.main(["--only", "certificates,nope"])


def test_certificate_benchmark_runs_and_ends_with_its_figures() -> None:
    """One run per path: the benchmark works and prints the figures `make bench` reports."""
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "bench_certificates.py"), "--runs", "1"]
        + ["--warmup", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    tail = result.stdout.splitlines()[-8:]
    keys = [line.split("=", 1)[0] for line in tail]
    for key in ("certificate_p50_ms", "certificate_p90_ms", "naive_p50_ms", "certificate_speedup"):
        assert key in keys
    assert all(re.fullmatch(r"[a-z0-9_]+=\d+(\.\d+)?", line) for line in tail)
