"""The sweep report: ``notebooks/sweep_report.ipynb`` executed by papermill into the sweep's
folder, as a notebook and a code-free HTML page."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from marketbooks.scenarios.loader import project_root
from marketbooks.studies.sweep import sweep_dir

if TYPE_CHECKING:
    from marketbooks.run.runner import RunResult

REPORT_NOTEBOOK = "sweep_report.ipynb"


def write_sweep_report(name: str, outputs: Path, progress: bool = False) -> RunResult:
    """Run the report notebook for sweep ``name`` in a worker process (its kernel's
    messages go to the runner's log, as a batch's do); the previous report stays until
    the new one is complete."""
    from marketbooks.run.runner import in_pool

    return in_pool(_report_task, [("sweeps", name)], (outputs,), 1, outputs, progress, "report")[0]


def _report_task(args: tuple) -> RunResult:
    import time

    from marketbooks.run.runner import RunResult, failure_reason

    _, name, outputs = args
    start = time.perf_counter()
    try:
        path = report_in_place(name, outputs)
    except Exception as exc:
        return RunResult("sweeps", name, False, time.perf_counter() - start, error=failure_reason(exc))
    return RunResult("sweeps", name, True, time.perf_counter() - start, output=str(path))


def report_in_place(name: str, outputs: Path) -> Path:
    """Run the report notebook for sweep ``name`` in this process; the HTML report's path."""
    import os

    from marketbooks.run.html import html_report, shared_plotly_js
    from marketbooks.run.runner import execute

    folder = sweep_dir(outputs, name)
    shared_plotly_js(outputs)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".report-") as tmp:
        work = Path(tmp)
        nb = execute(
            project_root() / "notebooks" / REPORT_NOTEBOOK,
            work / "report.ipynb",
            {"sweep": name, "outputs": os.path.relpath(outputs, work), "interactive": False},
            work,
            batch=True,
        )
        html_report(nb, work / "report.html")
        for item in ("report.ipynb", "report.html"):
            os.replace(work / item, folder / item)
    return folder / "report.html"
