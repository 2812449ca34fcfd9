"""Suite wall time against the runner's floor (not collected by `make test`).

Runs every scenario with the batch runner, then the same number of trivial notebooks (a
parameters cell and `1 + 1`) through the same runner, and prints both times and their
ratio. Each is measured ``--repeat`` times; the best run counts (the least disturbed).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from marketbooks.params import list_scenarios
from marketbooks.runner import run_batch


def trivial_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('scenario = "x"\noutput_dir = None\ninteractive = True')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("1 + 1")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def timed(pairs, jobs, notebook=None, warm=True) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        results = run_batch(pairs, jobs=jobs, outputs=Path(out), progress=False, notebook=notebook, warm=warm)
        elapsed = time.perf_counter() - start
    failed = [r for r in results if not r.ok]
    if failed:
        sys.exit(f"benchmark run failed: {failed[0].workbook}/{failed[0].scenario}: {failed[0].error}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--fresh-kernels", action="store_true",
                    help="also measure with a fresh Python per kernel (the runner before warm kernels)")
    args = ap.parse_args()
    pairs = list_scenarios()
    modes = [("warm kernels (make run)", True)] + ([("fresh kernels", False)] if args.fresh_kernels else [])
    print(f"scenarios: {len(pairs)}   jobs: {args.jobs}   cores: {os.cpu_count()}   best of {args.repeat}")
    with tempfile.TemporaryDirectory() as tmp:
        trivial = trivial_notebook(Path(tmp) / "trivial.ipynb")
        for label, warm in modes:
            suite = min(timed(pairs, args.jobs, warm=warm) for _ in range(args.repeat))
            floor = min(timed(pairs, args.jobs, trivial, warm=warm) for _ in range(args.repeat))
            print(f"{label}:")
            print(f"  suite (all scenarios)          {suite:6.2f} s")
            print(f"  floor (same runner, trivial)   {floor:6.2f} s")
            print(f"  ratio                          {suite / floor:6.2f} x   (target <= 1.30)")


if __name__ == "__main__":
    main()
