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
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from marketbooks.outputs import FAILURE_REASON, failed_run, outputs_dir, replace_dir, scenario_output
from marketbooks.scenarios import WORKBOOKS, ParameterError, list_scenarios, load_scenario, project_root
from marketbooks.tags import INTERACTIVE_TAG

if TYPE_CHECKING:
    import nbformat

# nbformat is imported where a notebook is read or written: importing it builds
# jsonschema's format checkers (a second on this machine), which a cached run never needs.
VOLATILE_METADATA = ("papermill", "execution", "widgets")
STDERR_LOG = "runner-stderr.log"  # under outputs/: kernels' and workers' stderr, last batch only
KERNEL_NAME = "python3"


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
    cached: bool = False
    run: str = ""  # the output's name when it is not the scenario's: one with overrides

    @property
    def name(self) -> str:
        """The run's name as outputs/ and the summary show it."""
        return self.run or self.scenario


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


class BatchKernel:
    """The kernel a batch worker runs its scenarios in, one after another.

    Starting a kernel costs a scenario more than running it (Python, pandas, plotly and the
    workbooks imported again, about 1.5 s of CPU). A worker starts one, and before each
    scenario clears it to what a new one holds: the notebook extension unloaded, the
    namespace and the prompt count reset, the working directory the scenario's folder.
    Modules stay imported; the library keeps no state but caches of pure functions. papermill
    runs the notebook in it (nbclient's ``km``: a kernel it does not own, so it leaves it
    running). A scenario that fails may have left anything behind: its kernel is shut down
    and the next scenario gets a new one. What a scenario leaves is the same either way
    (tests/unit/test_runner.py compares the two).
    """

    # run in the kernel before each scenario (a cell that counts no prompt)
    RESET = "__import__('marketbooks.explore.notebook', fromlist=['start_afresh']).start_afresh({cwd!r})"

    def __init__(self) -> None:
        self.km: Any = None

    def ready(self, cwd: Path) -> Any:
        """The kernel manager, its kernel started or cleared and working in ``cwd``."""
        from jupyter_core.utils import run_sync

        return run_sync(self._ready)(cwd)

    async def _ready(self, cwd: Path) -> Any:
        from jupyter_client.manager import AsyncKernelManager

        if self.km is None or not await self.km.is_alive():
            self.km = AsyncKernelManager(kernel_name=KERNEL_NAME)
            await self.km.start_kernel(cwd=str(cwd), env={**os.environ, **KERNEL_ENV})
        client = self.km.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            reply = await client.execute_interactive(
                self.RESET.format(cwd=str(cwd)), store_history=False, timeout=60, output_hook=lambda msg: None
            )
        finally:
            client.stop_channels()
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"the batch kernel could not be cleared: {reply['content'].get('evalue', '')}")
        return self.km

    def discard(self) -> None:
        """Shut the kernel down (after a failure); the next scenario starts a new one."""
        from jupyter_core.utils import run_sync

        if self.km is not None:
            km, self.km = self.km, None
            try:
                run_sync(km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001 - a kernel already gone
                pass


# The worker's kernel when this process is a batch worker (set by _init_worker)
_batch_kernel: BatchKernel | None = None


def execute(
    notebook: Path, target: Path, parameters: dict[str, Any], cwd: Path, batch: bool = False
) -> nbformat.NotebookNode:
    """Run ``notebook`` with papermill into ``target``; return the executed notebook
    without volatile metadata (:func:`strip_volatile`), which ``target`` then holds too.
    ``batch`` leaves the cells tagged :data:`INTERACTIVE_TAG` unexecuted (the golden copies
    execute them: nbval checks that the widgets build). In a batch worker the notebook runs
    in the worker's :class:`BatchKernel`; elsewhere in a new kernel."""
    import papermill as pm

    os.environ.update(KERNEL_ENV)
    extra: dict[str, Any] = {"skip_cells_with_tag": INTERACTIVE_TAG} if batch else {}
    kernel = _batch_kernel if batch else None
    if kernel is not None:
        extra["km"] = kernel.ready(cwd)
    try:
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
    except BaseException:
        if kernel is not None:
            kernel.discard()
        raise
    nb = strip_volatile(nb)
    import nbformat

    nbformat.write(nb, str(target))
    return nb


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(outputs: Path) -> list[str]:
    """Put back what a crashed run left: a good output stranded as ``.<scenario>.old-<pid>``
    (the run died between its two renames) goes back in place, and the folders of runs no
    longer running (``.<scenario>.partial-<pid>``, a replaced ``.old-<pid>``) go. Returns
    what it did, one line each."""
    done = []
    for workbook in sorted(p for p in outputs.glob("*") if p.is_dir() and not p.name.startswith((".", "_"))):
        for left in sorted(workbook.glob(".*")):
            name, _, rest = left.name[1:].rpartition(".")
            kind, _, pid = rest.partition("-")
            if kind not in ("old", "partial") or not pid.isdigit() or _alive(int(pid)):
                continue
            final = workbook / name
            if kind == "old" and not final.exists():
                left.rename(final)
                done.append(f"recovered {workbook.name}/{name} from an interrupted run")
            else:
                shutil.rmtree(left, ignore_errors=True)
                done.append(f"removed an interrupted run's {left.name} in {workbook.name}/")
    return done


class OutputsBusy(RuntimeError):
    """Another run is writing the same outputs/ folder."""


@contextmanager
def outputs_lock(outputs: Path) -> Iterator[None]:
    """Hold ``outputs/.lock`` for a batch: a second run on the same outputs at once stops
    with :class:`OutputsBusy` instead of interleaving its renames with this one's."""
    import fcntl

    outputs.mkdir(parents=True, exist_ok=True)
    with open(outputs / ".lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            raise OutputsBusy(
                f"another run is writing {outputs.name}/ (process {holder}); wait for it to finish, or stop it"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        try:
            yield
        finally:
            lock.seek(0)
            lock.truncate()


def run_scenario(
    workbook: str,
    scenario: str,
    outputs: Path | None = None,
    notebook: Path | None = None,
    overrides: dict[str, Any] | None = None,
    force: bool = False,
) -> RunResult:
    """Validate, execute and publish one scenario (with ``overrides``, under its run name
    :func:`~marketbooks.scenarios.overrides.run_name`); never raises, the result says what
    happened. A scenario whose inputs are those of its last good run is not run again
    (:mod:`marketbooks.run.cache`) unless ``force``."""
    from marketbooks.run.cache import is_current, record_inputs
    from marketbooks.scenarios.overrides import run_name

    start = time.perf_counter()
    root = project_root()
    outputs = outputs or outputs_dir()
    name = run_name(scenario, overrides)
    final = scenario_output(outputs, workbook, name)
    notebook = notebook or root / "notebooks" / WORKBOOKS[workbook].notebook
    run = name if overrides else ""

    def done(cached: bool) -> RunResult:
        """The scenario's output in place: cached, or just written."""
        seconds = time.perf_counter() - start
        shown, headline = _shown(final, root), _headline(final)
        return RunResult(workbook, scenario, True, seconds, output=shown, headline=headline, cached=cached, run=run)

    if not force and is_current(final, notebook, root, overrides):
        return done(cached=True)
    try:
        load_scenario(workbook, scenario, overrides)
    except ParameterError as exc:
        return RunResult(
            workbook,
            scenario,
            False,
            time.perf_counter() - start,
            error=f"invalid parameters: {exc}",
            run=run,
        )
    from marketbooks.run.html import html_report, shared_plotly_js

    shared_plotly_js(outputs)
    tmp = final.with_name(f".{name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    target = tmp / f"{workbook}_{name}.ipynb"
    parameters: dict[str, Any] = {"scenario": scenario, "output_dir": ".", "interactive": False}
    if overrides:
        parameters["overrides"] = overrides
    try:
        # The kernel works in the scenario's own folder and writes its files to ".": the
        # executed notebook then names no temporary folder and no machine path, and re-run
        # where it is saved it writes beside itself.
        nb = execute(notebook, target, parameters, tmp, batch=True)
        html_report(nb, tmp / "report.html")
        record_inputs(tmp, notebook, root, overrides)
    except Exception as exc:  # a failing scenario must not stop the batch
        failed = _failed(outputs, workbook, name, tmp, failure_reason(exc), start, root)
        failed.scenario, failed.run = scenario, run
        return failed
    replace_dir(tmp, final)
    shutil.rmtree(failed_run(outputs, workbook, name), ignore_errors=True)
    return done(cached=False)


def _headline(output: Path) -> str:
    try:
        return str(json.loads((output / "results.json").read_text(encoding="utf-8")).get("headline", ""))
    except (OSError, ValueError, AttributeError):
        return ""


def _failed(outputs: Path, workbook: str, scenario: str, tmp: Path, reason: str, start: float, root: Path) -> RunResult:
    """Keep a failed run in ``<scenario>.failed/`` with its reason; when even that cannot be
    written (a full disk) the reason still reaches the summary."""
    failed = failed_run(outputs, workbook, scenario)
    try:
        shutil.rmtree(failed, ignore_errors=True)
        tmp.rename(failed)
        (failed / FAILURE_REASON).write_text(reason + "\n", encoding="utf-8")
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        return RunResult(
            workbook,
            scenario,
            False,
            time.perf_counter() - start,
            error=f"{reason} (its files could not be kept either: {exc.strerror or exc})",
        )
    return RunResult(workbook, scenario, False, time.perf_counter() - start, output=_shown(failed, root), error=reason)


def _shown(path: Path, root: Path) -> str:
    """``path`` as a summary shows it: relative to the project when inside it."""
    return str(path.relative_to(root) if path.is_relative_to(root) else path)


def failure_reason(exc: Exception) -> str:
    """A failure in one line: the notebook's exception (papermill's ``ename: evalue``) or ours."""
    reason = f"{getattr(exc, 'ename', type(exc).__name__)}: {getattr(exc, 'evalue', exc)}"
    return reason.strip().splitlines()[0][:300]


def _run_pair(args: tuple) -> RunResult:
    return run_scenario(*args)


def _init_worker(log: str) -> None:
    """Send kernels' stderr chatter (transport warnings, shutdown notices) to a log file:
    what matters about a failure is in its RunResult, and the terminal keeps the progress
    bar and the summary readable. A worker ends when the batch's process does (killed, it
    leaves no workers behind; their kernels end with them, ipykernel watching its parent)."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)
    parent = os.getppid()

    def follow_parent() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=follow_parent, daemon=True, name="follow-parent").start()
    global _batch_kernel
    _batch_kernel = BatchKernel()


def run_batch(
    pairs: list[tuple[str, str]],
    jobs: int | None = None,
    outputs: Path | None = None,
    progress: bool = True,
    notebook: Path | None = None,
    overrides: dict[str, Any] | None = None,
    force: bool = False,
) -> list[RunResult]:
    """Run every pair, up to ``jobs`` at once; results come back in the order given. The
    batch holds ``outputs/.lock`` (:class:`OutputsBusy` if another run does) and first puts
    back what an interrupted run left (:func:`recover`). Scenarios whose inputs are those of
    their last good run are reported as cached without starting a worker (``force`` runs
    them anyway)."""
    from marketbooks.run.cache import is_current
    from marketbooks.scenarios.overrides import run_name

    outputs = outputs or outputs_dir()
    root = project_root()
    with outputs_lock(outputs):
        recover(outputs)
        done: dict[tuple[str, str], RunResult] = {}
        if not force:
            for wb, sc in pairs:
                final = scenario_output(outputs, wb, run_name(sc, overrides))
                start = time.perf_counter()
                nb = notebook or root / "notebooks" / WORKBOOKS[wb].notebook
                if is_current(final, nb, root, overrides):
                    done[(wb, sc)] = RunResult(
                        wb,
                        sc,
                        True,
                        time.perf_counter() - start,
                        output=_shown(final, root),
                        headline=_headline(final),
                        cached=True,
                        run=final.name if overrides else "",
                    )
        stale = [pair for pair in pairs if pair not in done]
        ran = in_pool(_run_pair, stale, (outputs, notebook, overrides, True), jobs, outputs, progress, "scenarios")
        done.update(zip(stale, ran, strict=True))
        return [done[pair] for pair in pairs]


def in_pool(
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
    with tqdm(total=len(pairs), desc=desc, unit="run", disable=not progress) as bar:

        def done(res: RunResult) -> None:
            results[(res.workbook, res.scenario)] = res
            bar.set_postfix_str(f"{res.workbook}/{res.scenario} {'ok' if res.ok else 'FAILED'}")
            bar.update()

        pending = _pool_pass(task, pairs, extra, jobs, log, done)
        # A worker that died (out of memory, killed) broke the pool: the pairs it left run
        # again one worker each, so the one that kills its worker is found and named.
        for pair in pending:
            if _pool_pass(task, [pair], extra, 1, log, done):
                done(
                    RunResult(
                        *pair, False, 0.0, error="the process running it ended unexpectedly (out of memory, or killed)"
                    )
                )
    return [results[p] for p in pairs]


def _pool_pass(
    task: Any, pairs: list[tuple[str, str]], extra: tuple, jobs: int, log: Path, done: Any
) -> list[tuple[str, str]]:
    """Run ``pairs`` in one pool, handing each result to ``done``; returns the pairs left
    without a result when a worker died."""
    left = list(pairs)
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(str(log),)) as pool:
        futures = {pool.submit(task, (wb, sc, *extra)): (wb, sc) for wb, sc in pairs}
        try:
            for fut in as_completed(futures):
                done(fut.result())
                left.remove(futures[fut])
        except BrokenProcessPool:
            return left
    return []


def summary_table(results: list[RunResult]) -> str:
    """The batch's summary: one line per scenario with its status, time and output or reason."""
    rows = [("workbook", "scenario", "status", "seconds", "output / reason")]
    for r in results:
        rows.append(
            (
                r.workbook,
                r.name,
                ("cached" if r.cached else "ok") if r.ok else "FAILED",
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
    import nbformat

    atomic_write(target, lambda path: nbformat.write(stabilize(nb), str(path)))
    return target


def _golden_pair(args: tuple) -> RunResult:
    workbook, scenario, target_dir = args
    start = time.perf_counter()
    try:
        target = write_golden(workbook, scenario, target_dir)
    except Exception as exc:  # every golden copy is tried; the summary names each failure
        return RunResult(workbook, scenario, False, time.perf_counter() - start, error=failure_reason(exc))
    return RunResult(workbook, scenario, True, time.perf_counter() - start, output=_shown(target, project_root()))


def write_goldens(
    pairs: list[tuple[str, str]], target_dir: Path, jobs: int | None = None, progress: bool = True
) -> list[RunResult]:
    """:func:`write_golden` for every pair, up to ``jobs`` (default: cores) at once, with a
    progress bar; results in the order given. A failure is reported, not raised."""
    target_dir.mkdir(parents=True, exist_ok=True)
    return in_pool(_golden_pair, pairs, (target_dir,), jobs, outputs_dir(), progress, "golden copies")
