"""Kernels forked from the preloaded zygote: same results as fresh kernels, nothing shared."""

import json
import os
import re
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor

import nbformat
import pandas as pd
import pytest

from conftest import ROOT
from marketbooks import runner, warm_kernels
from marketbooks.runner import execute, run_scenario
from marketbooks.warm_kernels import ForkedKernel, Zygote, ZygoteError


@pytest.fixture(scope="module", autouse=True)
def zygote():
    Zygote.start()
    yield Zygote.get()
    Zygote.get().close()


def notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def run(path, warm=True):
    nb = execute(path, path.with_name(path.stem + "_out.ipynb"), {}, path.parent, warm=warm)
    return [json.loads(o["text"]) for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stdout"]


REPORT = ("import json, os, sys\n"
          "from ipykernel.kernelapp import IPKernelApp\n"
          "print(json.dumps({'cwd': os.getcwd(), 'ppid': os.getppid(), 'var': os.environ.get('MB_PROBE'),"
          " 'pandas_preloaded': 'pandas' in sys.modules, 'transport': IPKernelApp.instance().transport}))")


def test_kernel_is_forked_from_the_zygote_in_the_notebooks_folder_and_environment(tmp_path, monkeypatch, zygote):
    monkeypatch.setenv("MB_PROBE", "set after the zygote started")
    (seen,) = run(notebook(tmp_path / "probe.ipynb", REPORT))
    assert seen["ppid"] == zygote.proc.pid
    assert seen["cwd"] == str(tmp_path)
    assert seen["var"] == "set after the zygote started"
    assert seen["pandas_preloaded"] is True
    assert seen["transport"] == "ipc"  # no TCP ports for parallel workers to race for


def test_kernels_share_no_state(tmp_path):
    run(notebook(tmp_path / "a.ipynb", "import marketbooks\nmarketbooks.leak = 1\nleaked = 2"))
    (seen,) = run(notebook(tmp_path / "b.ipynb",
                           "import json, marketbooks\n"
                           "print(json.dumps([hasattr(marketbooks, 'leak'), 'leaked' in globals()]))"))
    assert seen == [False, False]


def test_a_fresh_kernel_is_started_when_the_zygote_cannot_fork(tmp_path, monkeypatch):
    calls = []

    def broken(*args, **kwargs):
        calls.append(args)
        raise ZygoteError("no answer from the zygote within 30 s")

    monkeypatch.setattr(Zygote, "_instance", None)
    monkeypatch.setattr(Zygote, "_disabled", None)
    monkeypatch.setattr(Zygote, "fork", broken)
    path = notebook(tmp_path / "probe.ipynb", REPORT)
    first, second = run(path)[0], run(path)[0]
    assert first["cwd"] == second["cwd"] == str(tmp_path)
    assert not first["pandas_preloaded"] and not second["pandas_preloaded"]  # fresh Pythons
    assert first["transport"] == "ipc"
    assert len(calls) == 1  # the second kernel did not wait for the broken zygote again


def test_error_in_a_forked_kernel_fails_the_run_and_the_kernel_exits(tmp_path):
    import papermill as pm

    path = notebook(tmp_path / "boom.ipynb", "import os\nprint(os.getpid())", "raise RuntimeError('boom')")
    with pytest.raises(pm.PapermillExecutionError, match="boom"):
        execute(path, tmp_path / "out.ipynb", {}, tmp_path, warm=True)
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    pid = int(out.cells[1].outputs[0]["text"])  # papermill put its error banner first
    deadline = time.monotonic() + 10
    while ForkedKernel(pid).poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ForkedKernel(pid).poll() == 0


def test_forked_kernel_handle_polls_signals_and_waits():
    child = subprocess.Popen(["sleep", "30"])
    handle = ForkedKernel(child.pid)
    assert handle.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        handle.wait(timeout=0.05)
    handle.kill()
    assert handle.wait(timeout=5) == 0  # a zombie counts as gone: its status belongs to its parent
    child.wait()
    handle.kill()  # a second signal to a finished kernel is not an error


def test_preload_reports_what_it_could_not_import(monkeypatch):
    monkeypatch.setattr(warm_kernels, "PRELOAD", ("json", "marketbooks.no_such_module"))
    failed = warm_kernels.preload()
    assert len(failed) == 1 and failed[0].startswith("marketbooks.no_such_module")


DOWNLOAD_LINK = re.compile(r'<p class="mb-data"><a href="data:text/csv;base64,[^"]*" download="[^"]*" '
                           r'style="[^"]*">Download [^<]*</a></p>$')
XLSX_LINK = re.compile(r'^<p class="mb-data">Every table of this page, a sheet each: <a href="data:[^"]*" '
                       r'download="[^"]*" style="[^"]*">Download [^<]*</a></p>$')


def _outputs(nb):
    """Every shown output but the parameters and the Explore section, object addresses
    masked, without the download links a notebook run without an output folder (the
    goldens) shows, under each table and for the XLSX: a run writes the files instead."""
    shown = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []) \
                or "injected-parameters" in cell.metadata.get("tags", []) or "explore(" in cell.source:
            continue
        for out in cell.get("outputs", []):
            if XLSX_LINK.match(out.get("data", {}).get("text/html", "")):
                continue
            data = {k: DOWNLOAD_LINK.sub("", re.sub(r"at 0x[0-9a-f]+", "at 0x", v)) if isinstance(v, str) else v
                    for k, v in out.get("data", {}).items()}
            shown.append((out.get("output_type"), out.get("text"), json.dumps(data, sort_keys=True)))
    return shown


@pytest.mark.parametrize("workbook, scenario", [("acps", "2017_decision"), ("auction", "example_08")])
def test_warm_run_shows_exactly_what_the_fresh_kernel_golden_shows(workbook, scenario, tmp_path):
    result = run_scenario(workbook, scenario, outputs=tmp_path, warm=True)
    assert result.ok, result.error
    ran = nbformat.read(tmp_path / workbook / scenario / f"{workbook}_{scenario}.ipynb", as_version=4)
    golden = nbformat.read(ROOT / "tests/golden" / f"{workbook}__{scenario}.ipynb", as_version=4)
    assert _outputs(ran) == _outputs(golden)
    assert len(_outputs(ran)) > 10
    links = [out for cell in golden.cells for out in cell.get("outputs", [])
             if DOWNLOAD_LINK.search(out.get("data", {}).get("text/html", ""))]
    assert len(links) == sum(out.get("data", {}).get("text/html", "").count("<table id=") for cell in golden.cells
                             if "explore(" not in cell.source for out in cell.get("outputs", []))
    assert sum(bool(XLSX_LINK.match(out.get("data", {}).get("text/html", "")))
               for cell in golden.cells for out in cell.get("outputs", [])) == 1
    assert os.path.exists(tmp_path / workbook / scenario / "report.html")


def _zygote_state():
    instance = Zygote._instance
    return instance is not None and instance.ready is not None, Zygote._disabled


def _zygote_pid():
    return Zygote._instance.proc.pid


def _init_with_a_silent_zygote(log):
    def silent(self, timeout):
        raise ZygoteError(f"no answer from the zygote within {timeout:.0f} s")

    Zygote._reply = silent
    runner._init_worker(log, True)


def test_a_runner_worker_waits_for_its_own_zygote_before_taking_scenarios(tmp_path, zygote):
    with ProcessPoolExecutor(1, initializer=runner._init_worker, initargs=(str(tmp_path / "log"), True)) as pool:
        assert pool.submit(_zygote_state).result() == (True, None)
        assert pool.submit(_zygote_pid).result() != zygote.proc.pid  # not the parent's, inherited by fork


def test_a_worker_whose_zygote_fails_at_start_up_uses_fresh_kernels(tmp_path):
    with ProcessPoolExecutor(1, initializer=_init_with_a_silent_zygote, initargs=(str(tmp_path / "log"),)) as pool:
        ready, disabled = pool.submit(_zygote_state).result()
    assert not ready and "no answer from the zygote" in disabled


def _init_with_a_broken_exporter(log):
    def broken():
        raise RuntimeError("template missing")

    runner._html_exporter = broken
    runner._init_worker(log, False)


def _alive():
    return "alive"


def test_a_load_error_at_worker_start_up_leaves_the_pool_usable(tmp_path):
    with ProcessPoolExecutor(1, initializer=_init_with_a_broken_exporter, initargs=(str(tmp_path / "log"),)) as pool:
        assert pool.submit(_alive).result() == "alive"  # each scenario then meets and reports the error


@pytest.mark.parametrize("warm", [True, False], ids=["forked", "fresh"])
def test_batch_kernels_get_the_runners_options_and_keep_no_history(tmp_path, warm):
    """Forked kernels get the same --Class.trait options as fresh ones: here no input
    history, so batch cells stay out of the user's IPython history database."""
    assert "--HistoryManager.enabled=False" in runner.KERNEL_OPTIONS
    (enabled,) = run(notebook(tmp_path / "h.ipynb", "import json\nprint(json.dumps(get_ipython().history_manager.enabled))"),
                     warm=warm)
    assert enabled is False


FLUSHES = (
    "import json, sys\n"
    "from IPython.display import display\n"
    "from ipykernel.iostream import OutStream\n"
    "sys.stdout.flush(); sys.stderr.flush()\n"
    "flushed, original = [], OutStream.flush\n"
    "OutStream.flush = lambda self: (flushed.append(self.name), original(self))[1]\n"
    "display('nothing written before this display')\n"
    "sys.stderr.write('e')\n"
    "display('stderr written before this one')\n"
    "OutStream.flush = original\n"
    "print(json.dumps({'stream': type(sys.stdout).__name__, 'flushed': flushed}))"
)


@pytest.mark.parametrize("warm", [True, False], ids=["forked", "fresh"])
def test_batch_kernels_skip_flushes_with_nothing_to_send(tmp_path, warm):
    """A display flushes stdout and stderr first; the runner's kernels only pass on the
    flushes of a stream that was written to (here stderr, once)."""
    (seen,) = run(notebook(tmp_path / "f.ipynb", FLUSHES), warm=warm)
    assert seen == {"stream": "BatchOutStream", "flushed": ["stderr"]}


@pytest.mark.parametrize("warm", [True, False], ids=["forked", "fresh"])
def test_batch_kernels_keep_printed_text_in_order_with_displays(tmp_path, warm):
    path = notebook(tmp_path / "o.ipynb",
                    "import sys\nfrom IPython.display import display\n"
                    "print('a'); display('b'); sys.stderr.write('c'); display('d'); print('e')",
                    "display('f')\nprint('g')")
    nb = execute(path, path.with_name("o_out.ipynb"), {}, path.parent, warm=warm)
    shown = [[o.get("text") or o["data"]["text/plain"] for o in c.outputs] for c in nb.cells]
    assert shown == [["a\n", "'b'", "c", "'d'", "e\n"], ["'f'", "g\n"]]


def test_the_source_stamp_names_every_module_with_its_time_and_size():
    stamp = {name: (mtime, size) for name, mtime, size in warm_kernels.source_stamp()}
    package = os.path.dirname(warm_kernels.__file__)
    for name in ("warm_kernels.py", "capacity.py", os.path.join("dashboards", "acps.py")):
        st = os.stat(os.path.join(package, name))
        assert stamp[name] == (st.st_mtime_ns, st.st_size)
    # where pip installs: an upgrade while a dashboard server runs must reach the next kernel
    site = os.path.dirname(os.path.dirname(pd.__file__))
    st = os.stat(site)
    assert stamp[site] == (st.st_mtime_ns, st.st_size)
    assert warm_kernels.source_stamp([site]) == ((site, st.st_mtime_ns, st.st_size),)


def test_an_edited_module_gets_the_next_kernel_a_new_zygote_and_open_kernels_live_on(monkeypatch):
    """A long-running dashboard server must not serve the code it started with: after an
    edit, the next kernel comes from a new zygote. The old one retires: its kernels (open
    dashboards) go on, and it exits after the last of them."""
    import asyncio

    from marketbooks.warm_kernels import WarmKernelManager

    monkeypatch.setattr(Zygote, "_instance", None)
    monkeypatch.setattr(Zygote, "_retired", [])
    first = Zygote.get()
    made = [first]
    km = WarmKernelManager()
    try:
        assert Zygote.get() is first  # nothing changed: the same zygote
        asyncio.run(km.start_kernel())
        kernel = km.provisioner.process
        assert int(open(f"/proc/{kernel.pid}/stat").read().rsplit(")", 1)[1].split()[1]) == first.proc.pid
        edited = warm_kernels.source_stamp() + (("edited.py", 1, 1),)
        monkeypatch.setattr(warm_kernels, "source_stamp", lambda names=None: edited)
        second = Zygote.get()
        made.append(second)
        assert second is not first and second.sources == edited and Zygote._retired == [first]
        time.sleep(2)  # a kernel checks its parent every second
        assert kernel.poll() is None and first.proc.poll() is None  # the open kernel lives on
        kernel.kill()
        assert first.proc.wait(timeout=10) is not None  # retired, and its last kernel is gone
    finally:
        if km.provisioner is not None and km.provisioner.process is not None:
            km.provisioner.process.kill()
        asyncio.run(km.cleanup_resources())
        for zygote in made:
            zygote.proc.kill()
            zygote.proc.wait()


def test_waiting_for_a_preloading_zygote_leaves_the_event_loop_free(monkeypatch):
    """A dashboard server's first visit waits for the zygote to preload (seconds); every
    other open dashboard must go on answering meanwhile."""
    import asyncio

    class Preloading:
        ready = None

        def wait_ready(self):
            time.sleep(0.3)
            self.ready = {"ready": True, "failed": []}
            return self.ready

    slow = Preloading()
    monkeypatch.setattr(Zygote, "get", classmethod(lambda cls: slow))

    async def wait_while_ticking():
        ticks = []

        async def tick():
            while True:
                ticks.append(time.monotonic())
                await asyncio.sleep(0.01)

        ticker = asyncio.ensure_future(tick())
        zygote = await warm_kernels.preloaded_zygote()
        ticker.cancel()
        return zygote, ticks

    zygote, ticks = asyncio.run(wait_while_ticking())
    assert zygote is slow and zygote.ready
    assert len(ticks) >= 10 and max(b - a for a, b in zip(ticks, ticks[1:])) < 0.1


def test_dashboard_kernels_are_forked_over_unix_sockets(monkeypatch):
    from marketbooks.dashboard_kernels import DashboardKernelManager, DashboardKernels

    monkeypatch.setattr(Zygote, "_instance", None)
    kernels = DashboardKernels()
    started = Zygote._instance
    try:
        assert started is not None  # with the server, so that the first visit finds it preloaded
        assert kernels.kernel_manager_class == "marketbooks.dashboard_kernels.DashboardKernelManager"
        km = kernels.kernel_manager_factory(kernel_name="python3")
        assert isinstance(km, DashboardKernelManager) and km.fork_from_zygote and km.transport == "ipc"
    finally:
        if started is not None:
            started.proc.kill()
            started.proc.wait()


def test_voila_gets_the_warm_kernels_and_serve_can_go_back_to_fresh_ones():
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from traitlets.utils.importstring import import_item

    from marketbooks.cli import voila_command
    from marketbooks.dashboard_kernels import DashboardKernels

    config = json.loads((ROOT / "voila.json").read_text())["VoilaConfiguration"]
    assert import_item(config["multi_kernel_manager_class"]) is DashboardKernels
    assert not [arg for arg in voila_command(8866) if "multi_kernel_manager_class" in arg]
    (option,) = [arg for arg in voila_command(8866, fresh_kernels=True) if "multi_kernel_manager_class" in arg]
    assert import_item(option.split("=", 1)[1]) is AsyncMappingKernelManager


def test_a_dashboard_kernels_client_is_ready_without_waiting_for_iopub_to_fall_silent(tmp_path):
    """After the kernel_info reply and one IOPub message (the subscription is connected),
    the client takes what has arrived and stops; nbclient then runs cells as usual."""
    import asyncio

    from nbclient import NotebookClient

    from marketbooks.dashboard_kernels import DashboardKernelManager, QuickReadyClient

    asked = []

    class Spied(QuickReadyClient):
        async def wait_for_ready(self, timeout=None):
            get_msg = self.iopub_channel.get_msg

            async def spy(*args, **kwargs):
                asked.append(kwargs.get("timeout"))
                return await get_msg(*args, **kwargs)

            self.iopub_channel.get_msg = spy
            try:
                return await super().wait_for_ready(timeout)
            finally:
                self.iopub_channel.get_msg = get_msg

    km = DashboardKernelManager(client_factory=Spied)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(nb, km=km, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})

    async def execute():
        try:
            await client.async_execute()
        finally:
            if km.has_kernel:  # nbclient leaves a kernel it was given running
                await km.shutdown_kernel(now=True)

    asyncio.run(execute())
    assert nb.cells[0].outputs[0]["text"] == "42\n"
    assert asked[0] == 0.2 and set(asked[1:]) <= {0}  # connected, then only what had arrived
