"""Suite wall time against the runner's floor (not collected by `make test`).

Runs every scenario with the batch runner, then the same number of trivial notebooks (a
parameters cell and `1 + 1`) through the same runner, and prints both times and their
ratio. Each is measured ``--repeat`` times, suite and floor alternating so that both see the
machine's same fast and slow spells; the best run of each counts (the least disturbed).

``--breakdown`` also runs both sets one notebook at a time in this process with warm
kernels and splits each notebook's time into the runner's phases, to show where the floor
and the workbooks' extra time go.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import defaultdict
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


def cpu_description() -> str:
    """The processor as Linux names it, so that a printed ratio says which machine it is
    from: the ratio moves with the CPU, because the floor is mostly fixed waits and the
    workbooks' extra time is mostly computation."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown"
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    name = fields.get("model name", "unknown")
    if "cpu family" in fields:
        name += f" (family {fields['cpu family']}, model {fields.get('model', '?')})"
    return name


def timed(pairs, jobs, notebook=None, warm=True) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        results = run_batch(pairs, jobs=jobs, outputs=Path(out), progress=False, notebook=notebook, warm=warm)
        elapsed = time.perf_counter() - start
    failed = [r for r in results if not r.ok]
    if failed:
        sys.exit(f"benchmark run failed: {failed[0].workbook}/{failed[0].scenario}: {failed[0].error}")
    return elapsed


PHASES = (
    ("start_new_kernel", "kernel start (fork from the zygote)"),
    ("start_new_kernel_client", "kernel-ready handshake (jupyter_client)"),
    ("execute_cell", "cells (round trips and the cells' work)"),
    ("_cleanup_kernel", "kernel shutdown"),
    ("html_report", "HTML report"),
)


def breakdown(pairs, notebook=None) -> dict[str, float]:
    """Seconds per notebook in each phase, one notebook at a time with a warm kernel.

    Wraps nbclient's phase methods and the runner's report export with timers; what is not
    in a phase (papermill's parameterizing, files, the swap into place) is "rest".
    """
    import nbclient.client as nbc

    from marketbooks import runner
    from marketbooks.warm_kernels import Zygote

    spent: dict[str, float] = defaultdict(float)

    def timed(owner, name: str, phase: str):
        original = getattr(owner, name)
        if asyncio.iscoroutinefunction(original):
            async def wrapper(*args, **kwargs):
                start = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    spent[phase] += time.perf_counter() - start
        else:
            def wrapper(*args, **kwargs):
                start = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    spent[phase] += time.perf_counter() - start
        setattr(owner, name, wrapper)
        return original

    # nbclient's sync names are run_sync() wrappers made at class creation: wrap the async
    # coroutine functions and rebuild the sync names from them.
    saved = {}
    for phase, coro in (("start_new_kernel", "async_start_new_kernel"),
                        ("start_new_kernel_client", "async_start_new_kernel_client"),
                        ("execute_cell", "async_execute_cell"), ("_cleanup_kernel", "_async_cleanup_kernel")):
        saved[coro] = timed(nbc.NotebookClient, coro, phase)
        saved[phase] = getattr(nbc.NotebookClient, phase)
        setattr(nbc.NotebookClient, phase, nbc.run_sync(getattr(nbc.NotebookClient, coro)))
    saved_html = timed(runner, "html_report", "html_report")
    runner._kernel_env()
    Zygote.start()
    try:
        with tempfile.TemporaryDirectory() as out:
            runner.run_scenario(*pairs[0], outputs=Path(out), warm=True, notebook=notebook)  # zygote ready
            spent.clear()
            start = time.perf_counter()
            for wb, sc in pairs:
                result = runner.run_scenario(wb, sc, outputs=Path(out), warm=True, notebook=notebook)
                if not result.ok:
                    sys.exit(f"benchmark run failed: {wb}/{sc}: {result.error}")
            total = time.perf_counter() - start
    finally:
        for name, original in saved.items():
            setattr(nbc.NotebookClient, name, original)
        runner.html_report = saved_html
    per = {name: spent[name] / len(pairs) for name, _ in PHASES}
    per["rest"] = total / len(pairs) - sum(per.values())
    per["total"] = total / len(pairs)
    return per


def print_breakdown(pairs, trivial: Path) -> None:
    floor, suite = breakdown(pairs, trivial), breakdown(pairs)
    print("per notebook, one at a time (s)               trivial   workbook   difference")
    for name, label in (*PHASES, ("rest", "rest (papermill, files, swap into place)"), ("total", "total")):
        print(f"  {label:<44} {floor[name]:6.3f}    {suite[name]:6.3f}     {suite[name] - floor[name]:+6.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--fresh-kernels", action="store_true",
                    help="also measure with a fresh Python per kernel (the runner before warm kernels)")
    ap.add_argument("--breakdown", action="store_true",
                    help="also split one notebook's time into the runner's phases (trivial vs workbook)")
    args = ap.parse_args()
    pairs = list_scenarios()
    modes = [("warm kernels (make run)", True)] + ([("fresh kernels", False)] if args.fresh_kernels else [])
    print(f"scenarios: {len(pairs)}   jobs: {args.jobs}   cores: {os.cpu_count()}   best of {args.repeat}")
    print(f"cpu: {cpu_description()}")
    with tempfile.TemporaryDirectory() as tmp:
        trivial = trivial_notebook(Path(tmp) / "trivial.ipynb")
        for label, warm in modes:
            runs = [(timed(pairs, args.jobs, warm=warm), timed(pairs, args.jobs, trivial, warm=warm))
                    for _ in range(args.repeat)]
            suite, floor = min(r[0] for r in runs), min(r[1] for r in runs)
            print(f"{label}:")
            print(f"  suite (all scenarios)          {suite:6.2f} s")
            print(f"  floor (same runner, trivial)   {floor:6.2f} s")
            print(f"  ratio                          {suite / floor:6.2f} x   (target <= 1.30)")
        if args.breakdown:
            print_breakdown(pairs, trivial)


if __name__ == "__main__":
    main()
