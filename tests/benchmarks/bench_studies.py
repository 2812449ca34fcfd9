"""The analyst's waits, side by side in one run: each workbook's ``evaluate``, a sweep of
about 100,000 ACPS points, a Dask LocalCluster against the local executor, and a cached
re-run of the suite against a cold one.

    .venv/bin/python tests/benchmarks/bench_studies.py [--skip-suite]

Sweeps and runs go through the ``marketbooks`` command, as an analyst runs them, into a
throw-away copy of the project (MARKETBOOKS_ROOT), so outputs/ is left alone.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ACPS_GRID = [
    "rpi=0.0:0.04:0.001",
    "bid_price=50:150:5",
    "fcpp=0.1:0.55:0.05",
    "capacity_requirement_mw=7000:7600:50",
]  # 41 × 21 × 10 × 13 = 111,930 points
AUCTION_GRID = ["auction.volume_kw=5000:20000:500", "auction.max_price=14:30:0.5"]  # 1,023 order books


def evaluate_throughput() -> list[tuple[str, str, float, float]]:
    from marketbooks.scenarios import WORKBOOKS, load_scenario
    from marketbooks.studies.evaluation import evaluate

    rows = []
    cases = [(wb, book.default) for wb, book in WORKBOOKS.items()] + [("imbalance", "market_scale")]
    for workbook, scenario in cases:
        p = load_scenario(workbook, scenario)
        evaluate(workbook, p)  # first call: imports, caches
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < 2.0:
            evaluate(workbook, p)
            n += 1
        seconds = (time.perf_counter() - start) / n
        rows.append((workbook, scenario, 1 / seconds, seconds * 1e3))
    return rows


def timed(args: list[str], env: dict) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([str(BIN / "marketbooks"), *args], env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def project_copy(tmp: Path) -> dict:
    for folder in ("notebooks", "params", "config"):
        shutil.copytree(ROOT / folder, tmp / folder)
    return {**os.environ, "MARKETBOOKS_ROOT": str(tmp)}


def dask_against_local(repeats: int) -> list[tuple[float, float, float, bool]]:
    from distributed import LocalCluster

    from marketbooks.studies.grid import grid_points
    from marketbooks.studies.sweep import plan, run_sweep

    sweep = plan("auction", "example_05", grid_points(AUCTION_GRID), "bench")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for _ in range(repeats):
            start = time.perf_counter()
            local = run_sweep(sweep, out, progress=False, force=True)
            local_s = time.perf_counter() - start
            start = time.perf_counter()
            with LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
                silence_logs=logging.ERROR,
            ) as cluster:
                startup = time.perf_counter() - start
                start = time.perf_counter()
                remote = run_sweep(sweep, out, progress=False, force=True, scheduler=cluster.scheduler_address)
                dask_s = time.perf_counter() - start
            rows.append((local_s, startup, dask_s, local.frame.equals(remote.frame)))
    return rows


def suite(env: dict, tmp: Path) -> list[tuple[str, float, str]]:
    def statuses(out: str) -> str:
        found = re.findall(r"^\S+\s+\S+\s+(ok|cached|FAILED)\s", out, flags=re.MULTILINE)
        return ", ".join(f"{found.count(s)} {s}" for s in ("ok", "cached", "FAILED") if found.count(s))

    rows = []
    cold, out = timed(["run", "--force", "-q"], env)
    rows.append(("cold (--force)", cold, statuses(out)))
    warm, out = timed(["run", "-q"], env)
    rows.append(("unchanged (cached)", warm, statuses(out)))
    path = tmp / "params" / "rtp" / "high_cost_sensitivity.yaml"
    path.write_text(path.read_text() + "\n# changed\n")
    one, out = timed(["run", "-q"], env)
    rows.append(("one parameter file changed", one, statuses(out)))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--skip-suite", action="store_true", help="skip the cold/cached suite runs (a minute)")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    machine = platform.processor() or platform.machine()
    print(f"Machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("\n| workbook | scenario | evaluations/s | ms each |\n|---|---|---|---|")
    for workbook, scenario, rate, ms in evaluate_throughput():
        print(f"| {workbook} | {scenario} | {rate:,.0f} | {ms:.2f} |")
    with tempfile.TemporaryDirectory() as tmp:
        env = project_copy(Path(tmp))
        grid = [a for g in ACPS_GRID for a in ("--grid", g)]
        seconds, out = timed(["sweep", "acps", *grid, "--name", "bench", "--no-report", "-q", "--force"], env)
        points = re.search(r"([\d,]+) points:", out).group(1)
        print(f"\nACPS sweep, local executor, `marketbooks sweep` end to end: {points} points in {seconds:.1f} s")
        print("\n| run | local, s | LocalCluster start, s | Dask (2 workers), s | speed-up | same results |")
        print("|---|---|---|---|---|---|")
        for i, (local_s, startup, dask_s, same) in enumerate(dask_against_local(args.repeats), 1):
            print(
                f"| {i} | {local_s:.2f} | {startup:.2f} | {dask_s:.2f} | {local_s / dask_s:.2f}× "
                f"({local_s / (dask_s + startup):.2f}× with start-up) | {same} |"
            )
        if not args.skip_suite:
            print("\n| `marketbooks run`, whole suite | seconds | scenarios |\n|---|---|---|")
            rows = suite(env, Path(tmp))
            for name, seconds, what in rows:
                print(f"| {name} | {seconds:.1f} | {what} |")
            print(f"\ncached / cold: {rows[1][1] / rows[0][1]:.3f}")


if __name__ == "__main__":
    main()
