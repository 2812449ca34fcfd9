"""Batch execution of (notebook, scenario) pairs with papermill.

Each scenario runs into a private temporary folder beside its final place
``outputs/<workbook>/<scenario>/``; only a run that finished (notebook executed, HTML
report written) replaces the previous output, by rename. A failed run leaves the
previous good output untouched and its partial notebook in ``<scenario>.failed/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from marketbooks.outputs import FAILURE_REASON, failed_run, outputs_dir, scenario_output
from marketbooks.scenarios import WORKBOOKS, ParameterError, list_scenarios, load_scenario, project_root

VOLATILE_METADATA = ("papermill", "execution", "widgets")
STDERR_LOG = "runner-stderr.log"  # under outputs/: kernels' and workers' stderr, last batch only
KERNEL_NAME = "python3"

# The cells only someone looking can use (a workbook's Explore section): a batch run skips
# them, since a saved report cannot run widgets. The section's text says so.
INTERACTIVE_TAG = "explore"

# What every kernel that runs a workbook sees, whatever the user's shell sets: ipykernel's
# debugger does not warn about frozen modules on stderr.
KERNEL_ENV = {"PYDEVD_DISABLE_FILE_VALIDATION": "1"}


@dataclass
class RunResult:
    """What happened to one scenario of a batch."""

    workbook: str
    scenario: str
    ok: bool
    seconds: float
    output: str = ""
    error: str = ""
    headline: str = ""


def strip_volatile(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop papermill's timings, execution timestamps and widget state (random model ids),
    and give papermill's injected-parameters cell a fixed id instead of its random one (the
    HTML report names each cell's element after its id).

    A cell papermill marked as failed keeps the mark (``{"papermill": {"exception": true}}``):
    when papermill looks for the failed cell, a failure that left no error output is found
    only by it.
    """
    for key in VOLATILE_METADATA:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
        failed = cell.metadata.get("papermill", {}).get("exception") is True
        for key in VOLATILE_METADATA:
            cell.metadata.pop(key, None)
        if failed:
            cell.metadata["papermill"] = {"exception": True}
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                out.get("metadata", {}).pop("papermill", None)
    return nb


def execute(
    notebook: Path, target: Path, parameters: dict[str, Any], cwd: Path, batch: bool = False
) -> nbformat.NotebookNode:
    """Run ``notebook`` with papermill into ``target``; return the executed notebook
    without volatile metadata (:func:`strip_volatile`), which ``target`` then holds too.
    ``batch`` leaves the cells tagged :data:`INTERACTIVE_TAG` unexecuted (the golden copies
    execute them: nbval checks that the widgets build)."""
    import papermill as pm

    os.environ.update(KERNEL_ENV)
    extra = {"skip_cells_with_tag": INTERACTIVE_TAG} if batch else {}
    nb = pm.execute_notebook(
        str(notebook),
        str(target),
        parameters=parameters,
        kernel_name=KERNEL_NAME,
        cwd=str(cwd),
        progress_bar=False,
        log_output=False,
        **extra,
    )
    nb = strip_volatile(nb)
    nbformat.write(nb, str(target))
    return nb


def _swap_in(tmp: Path, final: Path) -> None:
    """Replace ``final`` by ``tmp`` with renames, so a good output is never half-replaced."""
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def run_scenario(workbook: str, scenario: str, outputs: Path | None = None, notebook: Path | None = None) -> RunResult:
    """Validate, execute and publish one scenario; never raises, the result says what happened."""
    from marketbooks.run.html import html_report, shared_plotly_js

    start = time.perf_counter()
    root = project_root()
    outputs = outputs or outputs_dir()
    final = scenario_output(outputs, workbook, scenario)
    try:
        load_scenario(workbook, scenario)
    except ParameterError as exc:
        return RunResult(workbook, scenario, False, time.perf_counter() - start, error=f"invalid parameters: {exc}")
    notebook = notebook or root / "notebooks" / WORKBOOKS[workbook].notebook
    shared_plotly_js(outputs)
    tmp = final.with_name(f".{scenario}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    target = tmp / f"{workbook}_{scenario}.ipynb"
    try:
        # The kernel works in the scenario's own folder and writes its files to ".": the
        # executed notebook then names no temporary folder and no machine path, and re-run
        # where it is saved it writes beside itself.
        nb = execute(notebook, target, {"scenario": scenario, "output_dir": ".", "interactive": False}, tmp, batch=True)
        html_report(nb, tmp / "report.html")
        results = json.loads((tmp / "results.json").read_text()) if (tmp / "results.json").exists() else {}
        headline = results.get("headline", "")
    except Exception as exc:  # a failing scenario must not stop the batch
        failed, reason = failed_run(outputs, workbook, scenario), _reason(exc)
        shutil.rmtree(failed, ignore_errors=True)
        tmp.rename(failed)
        (failed / FAILURE_REASON).write_text(reason + "\n", encoding="utf-8")
        return RunResult(
            workbook, scenario, False, time.perf_counter() - start, output=_shown(failed, root), error=reason
        )
    _swap_in(tmp, final)
    shutil.rmtree(failed_run(outputs, workbook, scenario), ignore_errors=True)
    return RunResult(
        workbook, scenario, True, time.perf_counter() - start, output=_shown(final, root), headline=str(headline)
    )


def _shown(path: Path, root: Path) -> str:
    """``path`` as a summary shows it: relative to the project when inside it."""
    return str(path.relative_to(root) if path.is_relative_to(root) else path)


def _reason(exc: Exception) -> str:
    """A failure in one line: the notebook's exception (papermill's ``ename: evalue``) or ours."""
    reason = f"{getattr(exc, 'ename', type(exc).__name__)}: {getattr(exc, 'evalue', exc)}"
    return reason.strip().splitlines()[0][:300]


def _run_pair(args: tuple) -> RunResult:
    return run_scenario(*args)


def _init_worker(log: str) -> None:
    """Send kernels' stderr chatter (transport warnings, shutdown notices) to a log file:
    what matters about a failure is in its RunResult, and the terminal keeps the progress
    bar and the summary readable."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


def run_batch(
    pairs: list[tuple[str, str]],
    jobs: int | None = None,
    outputs: Path | None = None,
    progress: bool = True,
    notebook: Path | None = None,
) -> list[RunResult]:
    """Run every pair, up to ``jobs`` at once; results come back in the order given."""
    return _in_pool(_run_pair, pairs, (outputs, notebook), jobs, outputs or outputs_dir(), progress, "scenarios")


def _in_pool(
    task: Any, pairs: list[tuple[str, str]], extra: tuple, jobs: int | None, outputs: Path, progress: bool, desc: str
) -> list[RunResult]:
    """``task((workbook, scenario, *extra))`` for every pair in up to ``jobs`` (default: cores)
    worker processes, with a progress bar; results in the order given. The workers' and
    kernels' stderr goes to ``outputs/`` :data:`STDERR_LOG`."""
    from tqdm import tqdm

    jobs = max(1, min(jobs or os.cpu_count() or 1, len(pairs) or 1))
    log = outputs / STDERR_LOG
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")  # this batch's kernel chatter only; earlier batches' would pile up
    results: dict[tuple[str, str], RunResult] = {}
    with (
        tqdm(total=len(pairs), desc=desc, unit="run", disable=not progress) as bar,
        ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(str(log),)) as pool,
    ):
        futures = {pool.submit(task, (wb, sc, *extra)): (wb, sc) for wb, sc in pairs}
        for fut in as_completed(futures):
            res = results[futures[fut]] = fut.result()
            bar.set_postfix_str(f"{res.workbook}/{res.scenario} {'ok' if res.ok else 'FAILED'}")
            bar.update()
    return [results[p] for p in pairs]


def summary_table(results: list[RunResult]) -> str:
    """The batch's summary: one line per scenario with its status, time and output or reason."""
    rows = [("workbook", "scenario", "status", "seconds", "output / reason")]
    for r in results:
        rows.append(
            (
                r.workbook,
                r.scenario,
                "ok" if r.ok else "FAILED",
                f"{r.seconds:.1f}",
                (r.headline + "  " if r.headline else "") + r.output
                if r.ok
                else f"{r.error}" + (f"  (partial run kept in {r.output})" if r.output else ""),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 15)
    return "\n".join(lines)


def selected_pairs(workbook: str | None = None, scenario: str | None = None) -> list[tuple[str, str]]:
    """The (workbook, scenario) pairs ``--workbook`` and ``--scenario`` select; KeyError names
    what is unknown."""
    pairs = list_scenarios(workbook)
    if scenario:
        pairs = [p for p in pairs if p[1] == scenario]
        if not pairs:
            raise KeyError(f"no scenario '{scenario}'" + (f" in workbook '{workbook}'" if workbook else ""))
    return pairs


_OBJECT_ADDRESS = re.compile(r"at 0x[0-9a-fA-F]+")


def stabilize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Replace what differs between two executions of the same notebook by fixed values, so
    a regenerated golden differs from the old one only where a shown result changed.

    An object's default plain-text form holds its memory address, and ipywidgets draws a
    random model id per widget. nbval masks these at comparison (``tests/notebooks/sanitize.cfg``);
    fixed values here keep them out of the golden's diff.
    """
    widgets = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if isinstance(data.get("text/plain"), str):
                data["text/plain"] = _OBJECT_ADDRESS.sub("at 0x0", data["text/plain"])
            view = data.get("application/vnd.jupyter.widget-view+json")
            if view and "model_id" in view:
                view["model_id"] = f"{widgets:032x}"
                widgets += 1
    return nb


def golden_dir() -> Path:
    """``tests/notebooks/golden``: one executed copy per scenario, the nbval baseline."""
    return project_root() / "tests" / "notebooks" / "golden"


def write_golden(workbook: str, scenario: str, target_dir: Path) -> Path:
    """Execute a scenario without an output folder into ``target_dir`` (the nbval baseline).
    A run that fails leaves the golden copy as it was."""
    from marketbooks.run.report import atomic_write

    notebook = project_root() / "notebooks" / WORKBOOKS[workbook].notebook
    target = target_dir / f"{workbook}__{scenario}.ipynb"
    with tempfile.TemporaryDirectory(dir=target_dir, prefix=".golden-") as tmp:
        nb = execute(notebook, Path(tmp) / target.name, {"scenario": scenario, "output_dir": None}, notebook.parent)
    atomic_write(target, lambda path: nbformat.write(stabilize(nb), str(path)))
    return target


def _golden_pair(args: tuple) -> RunResult:
    workbook, scenario, target_dir = args
    start = time.perf_counter()
    try:
        target = write_golden(workbook, scenario, target_dir)
    except Exception as exc:  # every golden copy is tried; the summary names each failure
        return RunResult(workbook, scenario, False, time.perf_counter() - start, error=_reason(exc))
    return RunResult(workbook, scenario, True, time.perf_counter() - start, output=_shown(target, project_root()))


def write_goldens(
    pairs: list[tuple[str, str]], target_dir: Path, jobs: int | None = None, progress: bool = True
) -> list[RunResult]:
    """:func:`write_golden` for every pair, up to ``jobs`` (default: cores) at once, with a
    progress bar; results in the order given. A failure is reported, not raised."""
    target_dir.mkdir(parents=True, exist_ok=True)
    return _in_pool(_golden_pair, pairs, (target_dir,), jobs, outputs_dir(), progress, "golden copies")
