"""`make run`'s wall time against the runner's floor (not collected by `make test`).

Runs every scenario with the batch runner, then the same number of trivial notebooks (a
parameters cell and `1 + 1`) through the same runner, and prints both times and their
ratio. Each is measured ``--repeat`` times, suite and floor alternating so that both see the
machine's same fast and slow spells; the best run of each counts (the least disturbed).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import nbformat

from marketbooks.run.runner import run_batch
from marketbooks.scenarios import list_scenarios


def trivial_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('scenario = "x"\noutput_dir = None\ninteractive = True')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("1 + 1")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def cpu_description() -> str:
    """The processor as Linux names it: every figure printed moves with it."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown"
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    return fields.get("model name", "unknown")


def timed(pairs: list[tuple[str, str]], jobs: int | None, notebook: Path | None = None) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        results = run_batch(pairs, jobs=jobs, outputs=Path(out), progress=False, notebook=notebook)
        elapsed = time.perf_counter() - start
    failed = [f"{r.workbook}/{r.scenario}: {r.error}" for r in results if not r.ok]
    if failed:
        raise SystemExit("runs failed:\n" + "\n".join(failed))
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args()
    pairs = list_scenarios()
    suite, floor = [], []
    with tempfile.TemporaryDirectory() as tmp:
        trivial = trivial_notebook(Path(tmp) / "trivial.ipynb")
        for _ in range(args.repeat):
            suite.append(timed(pairs, args.jobs))
            floor.append(timed(pairs, args.jobs, notebook=trivial))
    print(f"CPU: {cpu_description()}")
    print(
        f"{len(pairs)} scenarios, best of {args.repeat}: suite {min(suite):.1f} s, "
        f"floor (trivial notebooks, same runner) {min(floor):.1f} s, ratio {min(suite) / min(floor):.2f}"
    )
    print(
        "all runs, suite: "
        + ", ".join(f"{s:.1f}" for s in suite)
        + " s; floor: "
        + ", ".join(f"{s:.1f}" for s in floor)
        + " s"
    )


if __name__ == "__main__":
    main()
