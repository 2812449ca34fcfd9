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
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import nbformat

from marketbooks import KERNEL_ENV
from marketbooks.params import (FAILURE_REASON, WORKBOOKS, ParameterError, failed_run, list_scenarios, load_scenario,
                                project_root)

VOLATILE_METADATA = ("papermill", "execution", "widgets")
STDERR_LOG = "runner-stderr.log"  # under outputs/: kernels' and workers' stderr, last batch only


@dataclass
class RunResult:
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


@lru_cache(maxsize=1)
def _engine() -> str:
    """papermill's nbclient engine, handing back the executed notebook without volatile
    metadata: papermill's own final write is then the runner's only one (a notebook with
    charts takes ~10 ms to serialize)."""
    from papermill.engines import NBClientEngine, papermill_engines

    class StableEngine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, *args, **kwargs):
            return strip_volatile(super().execute_notebook(*args, **kwargs))

    papermill_engines.register("marketbooks", StableEngine)
    return "marketbooks"


def _kernel_env() -> None:
    os.environ.update(KERNEL_ENV)


# A batch kernel keeps no input history: IPython would otherwise write every executed cell
# to the user's history database (~1.7 ms of kernel CPU per cell, and runner cells mixed
# into the user's own history). Its stdout and stderr skip flushes that have nothing to send.
KERNEL_OPTIONS = ["--HistoryManager.enabled=False",
                  "--IPKernelApp.outstream_class=marketbooks.kernel_io.BatchOutStream"]


# The cells only someone looking can use (a workbook's Explore section): a batch run skips
# them, since a saved report cannot run widgets. The section's text says so.
INTERACTIVE_TAG = "explore"


def execute(notebook: Path, target: Path, parameters: dict, cwd: Path, warm: bool = False,
            batch: bool = False) -> nbformat.NotebookNode:
    """Run ``notebook`` with papermill into ``target``, which gets the executed notebook
    without volatile metadata; ``warm`` forks the kernel from a preloaded zygote
    (:mod:`marketbooks.warm_kernels`) instead of starting a fresh Python. Either kernel gets
    :data:`KERNEL_OPTIONS`. ``batch`` leaves the cells tagged :data:`INTERACTIVE_TAG`
    unexecuted (the golden copies execute them: nbval checks that the widgets build)."""
    import papermill as pm

    _kernel_env()
    from marketbooks.warm_kernels import RunnerKernelManager, WarmKernelManager

    extra = {"kernel_manager_class": WarmKernelManager if warm else RunnerKernelManager,
             "extra_arguments": KERNEL_OPTIONS}
    if batch:
        extra["skip_cells_with_tag"] = INTERACTIVE_TAG
    return pm.execute_notebook(str(notebook), str(target), parameters=parameters, kernel_name="python3",
                               cwd=str(cwd), progress_bar=False, log_output=False, engine_name=_engine(),
                               request_save_on_cell_execute=False, **extra)


PLOTLY_JS = "plotly.min.js"


def shared_plotly_js(outputs: Path) -> Path:
    """One copy of plotly.js under ``outputs/_static`` that every report loads (offline)."""
    import plotly

    target = outputs / "_static" / PLOTLY_JS
    source = Path(plotly.__file__).parent / "package_data" / PLOTLY_JS
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{PLOTLY_JS}.{os.getpid()}")
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    return target


# nbconvert's HTML preprocessors that do something by default; the others are disabled
# but would each still cost a full notebook validation.
_REPORT_PREPROCESSORS = [f"nbconvert.preprocessors.{name}" for name in (
    "TagRemovePreprocessor", "RegexRemovePreprocessor", "HighlightMagicsPreprocessor", "CSSHTMLHeaderPreprocessor")]


@lru_cache(maxsize=1)
def _html_exporter():
    """One exporter per process: it keeps its templates, compiled or loaded from the cache, and
    its rendered markdown."""
    from jinja2 import pass_context
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        """HTMLExporter without its closing BeautifulSoup pass, which re-parses the whole
        page to add tabindex to input cells and alt text to images: a report has neither,
        and the pass is about half of an export. Markdown is rendered once per text: a
        worker exports every scenario of a workbook, and their markdown cells are the same."""

        _markdown_html: dict = {}

        def _create_environment(self):
            # Jinja compiles each template file on its first use in a process (about 0.1 s of
            # a trivial notebook's first report, 0.2 s of a workbook's), and every batch
            # worker is a new process. Its bytecode cache keeps the compiled templates between
            # processes (in the temporary directory, per user; a changed template is compiled
            # again).
            from jinja2 import FileSystemBytecodeCache

            environment = super()._create_environment()
            environment.bytecode_cache = FileSystemBytecodeCache()
            return environment

        def from_notebook_node(self, nb, resources=None, **kw):
            lang = nb.metadata.get("language_info", {})
            self.register_filter("highlight_code", Highlight2HTML(
                pygments_lexer=lang.get("pygments_lexer", lang.get("name")), parent=self))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

        @pass_context
        def markdown2html(self, context, source):
            # The rendering depends on the text, the cell's attachments (embedded images)
            # and the notebook's folder; only text without attachments is kept.
            if context.get("cell", {}).get("attachments"):
                return super().markdown2html(context, source)
            key = (source, context.get("resources", {}).get("metadata", {}).get("path", ""))
            html = self._markdown_html.get(key)
            if html is None:
                if len(self._markdown_html) > 512:  # outputs' markdown differs per scenario
                    self._markdown_html.clear()
                html = self._markdown_html[key] = super().markdown2html(context, source)
            return html

    # optimistic_validation: validate the notebook once after the preprocessors, not after
    # each of them (the same check, a quarter of the work)
    return ReportExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                          default_preprocessors=_REPORT_PREPROCESSORS, optimistic_validation=True)


_SHOWN_TABLE = re.compile(r'<table id="T_([A-Za-z0-9_-]+)"')
DATA_CELL_ID = "data-files"


def link_data_files(nb: nbformat.NotebookNode, folder: Path) -> None:
    """Give a report's reader the files behind it: each shown table (a house table's id is
    ``T_<name>``) gets a link to ``tables/<name>.csv``, and a closing "Data" section links
    the XLSX and every CSV, the tables not shown included. Links are relative to ``folder``,
    where the report is written, and name only files that are there."""
    from marketbooks.charts import data_paragraph
    from marketbooks.report import table_file_link

    tables = folder / "tables"
    csvs = sorted(p.name for p in tables.glob("*.csv")) if tables.is_dir() else []
    workbooks = sorted(p.name for p in folder.glob("*.xlsx"))
    if not csvs and not workbooks:
        return
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            page = data.get("text/html")
            page = "".join(page) if isinstance(page, list) else page
            shown = _SHOWN_TABLE.search(page) if page else None
            if shown and f"{shown[1]}.csv" in csvs:
                data["text/html"] = page + data_paragraph(f"Data: {table_file_link(shown[1])}")
    lines = ["## Data", ""]
    if workbooks:
        lines.append("Every table of this report in one workbook, a sheet per table: "
                     + ", ".join(f"[{name}]({quote(name)})" for name in workbooks) + ".")
    if csvs:
        lines.append("As CSV: " + ", ".join(f"[{name}](tables/{quote(name)})" for name in csvs) + ".")
    cell = nbformat.v4.new_markdown_cell("\n\n".join(lines))
    cell.id = DATA_CELL_ID  # a random id would name the report's element differently in each run
    nb.cells.append(cell)


def html_report(nb: nbformat.NotebookNode, target: Path, plotly_js: str = f"../../_static/{PLOTLY_JS}") -> None:
    """A code-free HTML report; plotly figures become HTML divs that load ``plotly_js``
    (a path relative to the report: ``outputs/<workbook>/<scenario>/report.html``); tables
    link to their files in the report's folder (:func:`link_data_files`)."""
    import plotly.io as pio

    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    link_data_files(nb, target.parent)
    n = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "application/vnd.plotly.v1+json" in data:
                fig = data["application/vnd.plotly.v1+json"]
                data["text/html"] = pio.to_html(fig, include_plotlyjs=plotly_js if n == 0 else False,
                                                full_html=False, div_id=f"figure-{n}", validate=False)
                del data["application/vnd.plotly.v1+json"]
                n += 1
            data.pop("application/vnd.jupyter.widget-view+json", None)
    body, _ = _html_exporter().from_notebook_node(nb)
    target.write_text(body, encoding="utf-8")


def _swap_in(tmp: Path, final: Path) -> None:
    """Replace ``final`` by ``tmp`` with renames, so a good output is never half-replaced."""
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def run_scenario(workbook: str, scenario: str, outputs: Path | None = None,
                 notebook: Path | None = None, warm: bool = False) -> RunResult:
    """Validate, execute and publish one scenario; never raises, the result says what happened.

    ``warm`` forks the kernel from this process's zygote; it pays off from the second
    scenario on, so :func:`run_batch` uses it and a single run does not by default."""
    start = time.perf_counter()
    root = project_root()
    outputs = outputs or root / "outputs"
    final = outputs / workbook / scenario
    try:
        load_scenario(workbook, scenario)
    except ParameterError as exc:
        return RunResult(workbook, scenario, False, time.perf_counter() - start,
                         error=f"invalid parameters: {exc}")
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
        nb = execute(notebook, target, {"scenario": scenario, "output_dir": ".", "interactive": False},
                     tmp, warm, batch=True)
        html_report(nb, tmp / "report.html")
        results = json.loads((tmp / "results.json").read_text()) if (tmp / "results.json").exists() else {}
        headline = results.get("headline", "")
    except Exception as exc:  # a failing scenario must not stop the batch
        failed, reason = failed_run(outputs, workbook, scenario), _reason(exc)
        shutil.rmtree(failed, ignore_errors=True)
        tmp.rename(failed)
        (failed / FAILURE_REASON).write_text(reason + "\n", encoding="utf-8")
        return RunResult(workbook, scenario, False, time.perf_counter() - start, output=_shown(failed, root),
                         error=reason)
    _swap_in(tmp, final)
    shutil.rmtree(failed_run(outputs, workbook, scenario), ignore_errors=True)
    return RunResult(workbook, scenario, True, time.perf_counter() - start, output=_shown(final, root),
                     headline=str(headline))


def _shown(path: Path, root: Path) -> str:
    """``path`` as a summary shows it: relative to the project when inside it."""
    return str(path.relative_to(root) if path.is_relative_to(root) else path)


def _reason(exc: Exception) -> str:
    """A failure in one line: the notebook's exception (papermill's ``ename: evalue``) or ours."""
    reason = f"{getattr(exc, 'ename', type(exc).__name__)}: {getattr(exc, 'evalue', exc)}"
    return reason.strip().splitlines()[0][:300]


def _run_pair(args: tuple) -> RunResult:
    return run_scenario(*args)


def _init_worker(log: str, warm: bool) -> None:
    """Send kernels' stderr chatter (transport warnings, shutdown notices) to a log file;
    start the worker's kernel zygote, load papermill and the report exporter while it
    preloads, and wait for it, so a scenario's time in the summary is its own.

    What matters about a failure is in its RunResult; the terminal keeps the progress bar
    and the summary readable.
    """
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)
    # Nothing here may raise: an initializer that raises breaks the whole pool, and the batch
    # must report each scenario. A load error is met again, and reported, by each scenario.
    if warm:
        from marketbooks.warm_kernels import Zygote, ZygoteError

        _kernel_env()
        try:
            Zygote.start()
        except OSError as exc:
            Zygote.disable(f"zygote did not start: {exc}")
    try:
        import papermill  # noqa: F401

        _html_exporter()
    except Exception:  # noqa: BLE001
        pass
    if warm and hasattr(os, "fork"):
        try:
            Zygote.get().wait_ready()
        except ZygoteError as exc:  # the worker's kernels start fresh instead
            Zygote.disable(str(exc))


def run_batch(pairs: list[tuple[str, str]], jobs: int | None = None, outputs: Path | None = None,
              progress: bool = True, notebook: Path | None = None, warm: bool = True) -> list[RunResult]:
    """Run every pair, up to ``jobs`` at once; results come back in the order given.

    ``warm`` (the default) forks each kernel from a preloaded zygote per worker; ``False``
    starts a fresh Python per kernel (the benchmark compares the two)."""
    return _in_pool(_run_pair, pairs, (outputs, notebook, warm), jobs, outputs or project_root() / "outputs",
                    warm, progress, "scenarios")


def _in_pool(task, pairs: list[tuple[str, str]], extra: tuple, jobs: int | None, outputs: Path, warm: bool,
             progress: bool, desc: str) -> list[RunResult]:
    """``task((workbook, scenario, *extra))`` for every pair in up to ``jobs`` (default: cores)
    worker processes, with a progress bar; results in the order given. The workers' and
    kernels' stderr goes to ``outputs/`` :data:`STDERR_LOG`."""
    from tqdm import tqdm

    jobs = max(1, min(jobs or os.cpu_count() or 1, len(pairs) or 1))
    log = outputs / STDERR_LOG
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")  # this batch's kernel chatter only; earlier batches' would pile up
    results: dict[tuple[str, str], RunResult] = {}
    with tqdm(total=len(pairs), desc=desc, unit="run", disable=not progress) as bar, \
            ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(str(log), warm)) as pool:
        futures = {pool.submit(task, (wb, sc, *extra)): (wb, sc) for wb, sc in pairs}
        for fut in as_completed(futures):
            res = results[futures[fut]] = fut.result()
            bar.set_postfix_str(f"{res.workbook}/{res.scenario} {'ok' if res.ok else 'FAILED'}")
            bar.update()
    return [results[p] for p in pairs]


def summary_table(results: list[RunResult]) -> str:
    rows = [("workbook", "scenario", "status", "seconds", "output / reason")]
    for r in results:
        rows.append((r.workbook, r.scenario, "ok" if r.ok else "FAILED", f"{r.seconds:.1f}",
                     (r.headline + "  " if r.headline else "") + r.output if r.ok
                     else f"{r.error}" + (f"  (partial run kept in {r.output})" if r.output else "")))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 15)
    return "\n".join(lines)


def selected_pairs(workbook: str | None = None, scenario: str | None = None) -> list[tuple[str, str]]:
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

    An object's default plain-text form (a pandas Styler's, say) holds its memory address,
    and ipywidgets draws a random model id per widget. nbval masks these at comparison
    (``tests/sanitize.cfg``); fixed values here keep them out of the golden's diff. The
    replacements still match the masks' patterns. (The injected-parameters cell's random id
    is already fixed by :func:`strip_volatile`, as in every executed notebook.)
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


def write_golden(workbook: str, scenario: str, target_dir: Path) -> Path:
    """Execute a scenario without an output folder into ``tests/golden`` (the nbval baseline),
    with a fresh kernel, as nbval's. A run that fails leaves the golden copy as it was."""
    import tempfile

    from marketbooks.report import atomic_write

    root = project_root()
    notebook = root / "notebooks" / WORKBOOKS[workbook].notebook
    target = target_dir / f"{workbook}__{scenario}.ipynb"
    with tempfile.TemporaryDirectory(dir=target_dir, prefix=".golden-") as tmp:
        nb = execute(notebook, Path(tmp) / target.name, {"scenario": scenario, "output_dir": None}, notebook.parent)
    atomic_write(target, lambda path: nbformat.write(stabilize(nb), path))
    return target


def _golden_pair(args: tuple) -> RunResult:
    workbook, scenario, target_dir = args
    start = time.perf_counter()
    try:
        target = write_golden(workbook, scenario, target_dir)
    except Exception as exc:  # every golden copy is tried; the summary names each failure
        return RunResult(workbook, scenario, False, time.perf_counter() - start, error=_reason(exc))
    return RunResult(workbook, scenario, True, time.perf_counter() - start, output=_shown(target, project_root()))


def write_goldens(pairs: list[tuple[str, str]], target_dir: Path, jobs: int | None = None,
                  progress: bool = True) -> list[RunResult]:
    """:func:`write_golden` for every pair, up to ``jobs`` (default: cores) at once, with a
    progress bar; results in the order given. A failure is reported, not raised. The kernels'
    stderr goes to ``outputs/`` :data:`STDERR_LOG`, as in :func:`run_batch`."""
    target_dir.mkdir(parents=True, exist_ok=True)
    return _in_pool(_golden_pair, pairs, (target_dir,), jobs, project_root() / "outputs", False, progress,
                    "golden copies")
