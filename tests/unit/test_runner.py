"""The batch runner: real papermill runs into a throw-away project copy."""

import copy
import json
import os
from pathlib import Path

import nbformat
import pytest
import yaml

from marketbooks.run import cli, runner
from marketbooks.run.html import DATA_CELL_ID, html_report, link_data_files
from marketbooks.run.runner import INTERACTIVE_TAG, execute, run_batch, run_scenario, stabilize, strip_volatile


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    import os
    import shutil

    from conftest import ROOT

    root = tmp_path_factory.mktemp("proj")
    for folder in ("notebooks", "params"):
        shutil.copytree(ROOT / folder, root / folder)
    bad = yaml.safe_load((root / "params/acps/2017_decision.yaml").read_text())
    bad["monthly_cpps"]["Jan"] = 900_000_000  # passes validation, fails while running
    (root / "params/acps/runtime_fail.yaml").write_text(yaml.safe_dump(bad))
    (root / "params/acps/invalid.yaml").write_text("label: x\n")
    old = os.environ.get("MARKETBOOKS_ROOT")
    os.environ["MARKETBOOKS_ROOT"] = str(root)
    try:
        results = run_batch(
            [("acps", "2017_decision"), ("acps", "runtime_fail"), ("acps", "invalid")], jobs=2, progress=False
        )
    finally:
        if old is None:
            os.environ.pop("MARKETBOOKS_ROOT")
        else:
            os.environ["MARKETBOOKS_ROOT"] = old
    return root, {r.scenario: r for r in results}


def test_successful_run_writes_every_artefact(ran):
    root, results = ran
    assert results["2017_decision"].ok, results["2017_decision"].error
    out = root / "outputs/acps/2017_decision"
    data = json.loads((out / "results.json").read_text())
    assert data["acps_eur"] == 519227150
    assert data["reconstructed_inputs"] == ["ecpp", "fcpp"]
    assert {p.name for p in (out / "tables").iterdir()} >= {"published_vs_computed.csv", "monthly_cpps.csv"}
    assert (out / "acps_2017_decision.xlsx").stat().st_size > 0
    html = (out / "report.html").read_text()
    assert "519,227,150" in html and "load_scenario" not in html  # results shown, code stripped
    assert ".partial-" not in html  # the runner's temporary folder is not part of the report
    assert "open the dashboard to use them" in html  # the Explore section's text
    nb = nbformat.read(out / "acps_2017_decision.ipynb", as_version=4)
    explore = [c for c in nb.cells if INTERACTIVE_TAG in c.metadata.get("tags", [])]
    assert len(explore) == 1 and explore[0].outputs == [] and explore[0].execution_count is None  # not run
    assert "papermill" not in nb.metadata


def test_the_report_links_each_table_to_its_files(ran):
    """A report's reader gets the data: each shown table links its CSV, a closing section
    links the XLSX and every CSV, and every file link resolves beside the report."""
    import re

    root, _ = ran
    out = root / "outputs/acps/2017_decision"
    html = (out / "report.html").read_text()
    csvs = sorted(p.name for p in (out / "tables").glob("*.csv"))
    shown = re.findall(r'<table id="T_([A-Za-z0-9_-]+)"', html)
    assert len(shown) >= 5
    for name in shown:
        after = html[html.index(f'<table id="T_{name}"') :]
        assert re.search(rf'</table>\s*(</div>\s*)*<p class="mb-data">Data: <a href="tables/{name}.csv">', after), name
    links = re.findall(r'href="([^"#][^"]*)"', html)
    files = [h for h in links if not h.startswith(("http", "../../_static/"))]
    assert sorted({h for h in files if h.startswith("tables/")}) == [f"tables/{n}" for n in csvs]
    assert "acps_2017_decision.xlsx" in files
    assert all((out / h).is_file() for h in files), [h for h in files if not (out / h).is_file()]


def test_a_report_without_files_gets_no_data_section(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1")]
    nb.cells[0].outputs = [nbformat.v4.new_output("display_data", {"text/html": '<table id="T_x"></table>'})]
    link_data_files(nb, tmp_path)
    assert len(nb.cells) == 1 and "mb-data" not in nb.cells[0].outputs[0].data["text/html"]
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "y.csv").write_text("a\n1\n")
    link_data_files(nb, tmp_path)  # x has no CSV: no link under it; y is listed at the end
    assert "mb-data" not in nb.cells[0].outputs[0].data["text/html"]
    assert nb.cells[-1].id == DATA_CELL_ID and "[y.csv](tables/y.csv)" in nb.cells[-1].source


def test_a_rerun_writes_the_same_bytes(ran, monkeypatch):
    """Outputs are deterministic: running a scenario again gives byte-identical files, so a
    changed file means a changed result; the executed notebook included, since its
    parameters name the scenario's own folder (".") rather than the run's temporary one."""
    root, _ = ran
    monkeypatch.setenv("MARKETBOOKS_ROOT", str(root))
    again = run_scenario("acps", "2017_decision", outputs=root / "outputs-again")
    assert again.ok, again.error
    first, second = root / "outputs/acps/2017_decision", root / "outputs-again/acps/2017_decision"
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert any(f.suffix == ".xlsx" for f in files) and any(f.suffix == ".csv" for f in files)
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    nb = nbformat.read(first / "acps_2017_decision.ipynb", as_version=4)
    (injected,) = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert 'output_dir = "."' in injected.source and str(root) not in nbformat.writes(nb)


def test_scenarios_sharing_a_batch_kernel_leave_what_each_leaves_in_a_new_kernel(ran, monkeypatch):
    """A batch worker runs its scenarios one after another in one kernel, cleared between
    them (BatchKernel), and after a failure in a new one: every file a scenario leaves is
    byte for byte what it leaves when it runs alone in a kernel of its own."""
    root, _ = ran
    monkeypatch.setenv("MARKETBOOKS_ROOT", str(root))
    pairs = [("acps", "2017_decision"), ("acps", "runtime_fail"), ("ds3", "2017_decision"), ("acps", "2016_decision")]
    batch = run_batch(pairs, jobs=1, outputs=root / "outputs-shared", progress=False)
    assert [r.ok for r in batch] == [True, False, True, True]
    for workbook, scenario in [pairs[0], *pairs[2:]]:
        alone = run_scenario(workbook, scenario, outputs=root / "outputs-alone")
        assert alone.ok, alone.error
        shared, own = root / "outputs-shared" / workbook / scenario, root / "outputs-alone" / workbook / scenario
        files = sorted(p.relative_to(own) for p in own.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(shared) for p in shared.rglob("*") if p.is_file())
        for name in files:
            assert (shared / name).read_bytes() == (own / name).read_bytes(), f"{workbook}/{scenario}/{name}"


def test_failures_are_reported_and_nothing_half_written(ran):
    root, results = ran
    assert not results["runtime_fail"].ok
    assert "ValueError" in results["runtime_fail"].error
    assert not (root / "outputs/acps/runtime_fail").exists()
    partial = nbformat.read(root / "outputs/acps/runtime_fail.failed/acps_runtime_fail.ipynb", as_version=4)
    assert [o.ename for c in partial.cells for o in c.get("outputs", []) if o.output_type == "error"] == ["ValueError"]
    reason = (root / "outputs/acps/runtime_fail.failed/reason.txt").read_text()
    assert reason == results["runtime_fail"].error + "\n"  # what the landing page says of it
    assert not results["invalid"].ok and "invalid parameters" in results["invalid"].error
    assert "field 'trading_year'" in results["invalid"].error
    assert not (root / "outputs/acps/invalid.failed").exists()  # nothing executed
    assert not list((root / "outputs/acps").glob(".*partial*"))


def test_failed_rerun_keeps_the_good_output(ran, monkeypatch):
    root, _ = ran
    monkeypatch.setenv("MARKETBOOKS_ROOT", str(root))
    good = root / "outputs/acps/2017_decision/results.json"
    before = good.read_text()
    broken = root / "notebooks/broken.ipynb"
    nb = nbformat.read(root / "notebooks/acps.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('boom')"))
    nbformat.write(nb, broken)
    r = run_scenario("acps", "2017_decision", notebook=broken)
    assert not r.ok and "boom" in r.error
    assert good.read_text() == before


def test_cli_run_exits_non_zero_and_names_the_failure(ran, monkeypatch, capsys):
    root, _ = ran
    monkeypatch.setenv("MARKETBOOKS_ROOT", str(root))
    assert cli.main(["run", "--scenario", "invalid", "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "acps/invalid" in captured.err and "FAILED" in captured.out
    assert "runner-stderr.log" in captured.err  # where the kernels' own messages went
    assert cli.main(["run", "--scenario", "nope", "--quiet"]) == 2


def test_the_stderr_log_holds_the_last_batch_only(ran, monkeypatch):
    root, _ = ran
    monkeypatch.setenv("MARKETBOOKS_ROOT", str(root))
    log = root / "outputs/runner-stderr.log"
    log.write_text("chatter of an earlier batch\n")
    run_batch([("acps", "invalid")], jobs=1, progress=False)
    assert log.exists() and "earlier batch" not in log.read_text()


def test_strip_volatile_removes_timings():
    nb = nbformat.v4.new_notebook(metadata={"papermill": {"duration": 1.0}})
    cell = nbformat.v4.new_code_cell("1", metadata={"papermill": {"start_time": "x"}, "execution": {}})
    nb.cells.append(cell)
    out = strip_volatile(nb)
    assert "papermill" not in out.metadata and out.cells[0].metadata == {}


def test_strip_volatile_gives_the_injected_parameters_cell_a_fixed_id():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("x"),
    ]
    nb.cells[0].id, nb.cells[1].id = "5f7a6a89", "own-id"
    out = strip_volatile(nb)
    assert [c.id for c in out.cells] == ["injected-parameters", "own-id"]
    nbformat.validate(out)


def test_strip_volatile_keeps_papermills_failure_mark():
    """papermill finds a cell that failed without an error output only by this mark."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("1", metadata={"papermill": {"exception": True, "duration": 2.0}}))
    assert strip_volatile(nb).cells[0].metadata == {"papermill": {"exception": True}}


def test_the_executed_notebook_is_written_without_volatile_metadata(tmp_path):
    source = tmp_path / "n.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, source)
    returned = execute(source, tmp_path / "out.ipynb", {}, tmp_path)
    written = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert written == returned and written.cells[0].outputs[0]["data"]["text/plain"] == "2"
    assert not set(runner.VOLATILE_METADATA) & (set(written.metadata) | set(written.cells[0].metadata))


def _executed_like_golden(address: str, model_id: str, cell_id: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("scenario = 'x'", metadata={"tags": ["injected-parameters"]})
    params.id = cell_id
    table = nbformat.v4.new_code_cell(
        "t",
        outputs=[
            nbformat.v4.new_output(
                "execute_result",
                {"text/plain": f"<pandas.io.formats.style.Styler at {address}>", "text/html": "<table/>"},
                execution_count=1,
            )
        ],
    )
    widget = nbformat.v4.new_code_cell(
        "w",
        outputs=[
            nbformat.v4.new_output(
                "display_data",
                {
                    "text/plain": "VBox()",
                    "application/vnd.jupyter.widget-view+json": {"model_id": model_id, "version_major": 2},
                },
            )
        ],
    )
    table.id, widget.id = "table", "widget"  # the notebook's own cells keep their ids
    nb.cells = [params, table, widget]
    return nb


def _nbval_masked(nb: nbformat.NotebookNode) -> str:
    """The cells' outputs with tests/notebooks/sanitize.cfg's masks applied: what nbval compares."""
    import configparser
    import re

    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(Path(__file__).parents[1] / "notebooks" / "sanitize.cfg")
    text = json.dumps([cell.outputs for cell in nb.cells], sort_keys=True)
    for section in cfg.sections():
        text = re.sub(cfg[section]["regex"], cfg[section]["replace"], text)
    return text


def test_stabilize_makes_two_executions_identical_and_keeps_nbvals_view():
    first = _executed_like_golden("0x7f5dd1dcb450", "9122600941f247ab99ab6f77ce89d192", "f5e83063")
    second = _executed_like_golden("0x7f5833384490", "47d96264e29b4665af7b8847f5f791c4", "da1117fb")
    assert first != second
    # as write_golden gets them: execute() has already stripped the volatile metadata
    assert stabilize(strip_volatile(copy.deepcopy(first))) == stabilize(strip_volatile(copy.deepcopy(second)))
    stable = stabilize(strip_volatile(copy.deepcopy(first)))
    nbformat.validate(stable)
    assert stable.cells[0].id == "injected-parameters"
    assert stable.cells[1].outputs[0].data["text/html"] == "<table/>"  # only the volatile parts change
    # nbval masks the golden and a fresh execution alike: both must still look the same to it
    assert _nbval_masked(stable) == _nbval_masked(second)


def test_report_markdown_is_rendered_and_follows_edits(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("## Rule one\n\nIMR < 50 % *derived*"),
        nbformat.v4.new_code_cell(
            "1",
            outputs=[
                nbformat.v4.new_output(
                    "display_data", data={"text/markdown": "**kzpo** 0.95", "text/plain": "<Markdown>"}
                )
            ],
        ),
    ]
    first, again = tmp_path / "a.html", tmp_path / "b.html"
    html_report(nb, first)
    html_report(nb, again)
    assert first.read_text() == again.read_text()
    html = first.read_text()
    assert "<h2" in html and "<em>derived</em>" in html and "<strong>kzpo</strong>" in html
    edited = copy.deepcopy(nb)
    edited.cells[0].source = "## Rule two"
    edited.cells[1].outputs[0].data["text/markdown"] = "**kzpo** 1.00"
    html_report(edited, again)
    assert "Rule two" in again.read_text() and "Rule one" not in again.read_text()
    assert "<strong>kzpo</strong> 1.00" in again.read_text() and "<strong>kzpo</strong> 0.95" not in again.read_text()


def test_report_markdown_shows_its_attachments(tmp_path):
    red = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
    blue = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPj/HwADBwIAMCbHYQAAAABJRU5ErkJggg=="
    for png in (red, blue):  # the same text, another image
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_markdown_cell("![dot](attachment:dot.png)", attachments={"dot.png": {"image/png": png}})
        ]
        html_report(nb, tmp_path / "r.html")
        assert png in (tmp_path / "r.html").read_text()


def test_golden_copies_regenerate_in_parallel_and_a_failure_keeps_the_old_copy(project_copy, capsys):
    from conftest import ROOT

    bad = yaml.safe_load((project_copy / "params/acps/2017_decision.yaml").read_text())
    bad["monthly_cpps"]["Jan"] = 900_000_000  # passes validation, fails while running
    (project_copy / "params/acps/runtime_fail.yaml").write_text(yaml.safe_dump(bad))
    target = project_copy / "tests" / "notebooks" / "golden"
    target.mkdir(parents=True)
    (target / "acps__runtime_fail.ipynb").write_text("the copy before")

    good, failed = runner.write_goldens(
        [("acps", "2017_decision"), ("acps", "runtime_fail")], target, jobs=2, progress=False
    )
    assert good.ok and good.output == "tests/notebooks/golden/acps__2017_decision.ipynb"
    assert (target / "acps__2017_decision.ipynb").read_bytes() == (ROOT / good.output).read_bytes()
    assert not failed.ok
    assert failed.error.startswith("ValueError: the known monthly sums (1,311,277,376) already exceed")
    assert (target / "acps__runtime_fail.ipynb").read_text() == "the copy before"
    assert sorted(p.name for p in target.iterdir()) == ["acps__2017_decision.ipynb", "acps__runtime_fail.ipynb"]

    assert cli.main(["golden", "--scenario", "runtime_fail", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "1 golden copy not regenerated (kept as they were): acps/runtime_fail" in err
    assert (target / "acps__runtime_fail.ipynb").read_text() == "the copy before"


# --- the batch runner under faults (issue 26) ------------------------------------------------


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_good_output_stranded_between_the_two_renames_is_put_back(tmp_path):
    from marketbooks.run.runner import recover

    acps = tmp_path / "acps"
    stranded = acps / f".2017_decision.old-{_dead_pid()}"
    stranded.mkdir(parents=True)
    (stranded / "results.json").write_text('{"acps_eur": 519227150}')
    leftover = acps / f".2016_decision.partial-{_dead_pid()}"
    leftover.mkdir()
    replaced = acps / f".2016_decision.old-{_dead_pid()}"
    (acps / "2016_decision").mkdir()
    replaced.mkdir()
    running = acps / f".2017_consultation.partial-{os.getpid()}"  # a run still going: left alone
    running.mkdir()
    done = recover(tmp_path)
    assert (acps / "2017_decision/results.json").read_text() == '{"acps_eur": 519227150}'
    assert not stranded.exists() and not leftover.exists() and not replaced.exists() and running.exists()
    assert "recovered acps/2017_decision from an interrupted run" in done


def test_two_runs_on_the_same_outputs_do_not_interleave(tmp_path, capsys, monkeypatch):
    from marketbooks.run.runner import OutputsBusy, outputs_lock

    with outputs_lock(tmp_path):
        with pytest.raises(OutputsBusy, match=rf"another run is writing {tmp_path.name}/ \(process {os.getpid()}\)"):
            with outputs_lock(tmp_path):
                pass
        monkeypatch.setattr(runner, "outputs_dir", lambda: tmp_path)
        assert cli.main(["run", "-w", "acps", "-s", "2017_decision", "-q"]) == 2
        assert "another run is writing" in capsys.readouterr().err
    with outputs_lock(tmp_path):  # free again once the first has finished
        pass


def _dies_on_b(args: tuple) -> "runner.RunResult":
    workbook, scenario = args[:2]
    if scenario == "b":
        os._exit(3)
    return runner.RunResult(workbook, scenario, True, 0.0)


def test_a_worker_that_dies_is_named_and_the_batch_goes_on(tmp_path):
    results = runner.in_pool(
        _dies_on_b, [("w", "a"), ("w", "b"), ("w", "c"), ("w", "d")], (), 2, tmp_path, False, "test"
    )
    assert [(r.scenario, r.ok) for r in results] == [("a", True), ("b", False), ("c", True), ("d", True)]
    assert "ended unexpectedly" in results[1].error


def test_a_full_disk_still_gives_a_summary_with_the_reason(ran, monkeypatch, tmp_path):
    import errno

    root, _ = ran
    monkeypatch.setenv("MARKETBOOKS_ROOT", str(root))
    from marketbooks.run import html

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(html, "html_report", full)
    (result,) = run_batch([("acps", "2017_decision")], jobs=1, outputs=tmp_path / "out", progress=False)
    assert not result.ok and "No space left on device" in result.error


def test_killing_a_run_leaves_no_workers_or_kernels_behind(project_copy):
    import signal
    import subprocess
    import sys
    import time

    import psutil

    run = subprocess.Popen(
        [sys.executable, "-m", "marketbooks.run.cli", "run", "-q", "-j", "2"],
        cwd=project_copy,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    main = psutil.Process(run.pid)
    deadline = time.monotonic() + 60
    while not [p for p in main.children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]:
        assert time.monotonic() < deadline, "no kernel started"
        time.sleep(0.2)
    left = main.children(recursive=True)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    gone, alive = psutil.wait_procs(left, timeout=20)
    assert alive == [], [" ".join(p.cmdline())[:80] for p in alive]
