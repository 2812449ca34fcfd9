"""The dashboard server serves only what is meant (issue 26): started on a free port per module."""

import http.client
import json
import os
import shutil
import time
import urllib.error
import urllib.request

import pytest
from conftest import ROOT
from voila_server import voila

from marketbooks.run.waiting import can_raise_priority_to

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A project copy with one scenario run, served as `make serve` serves it."""
    from marketbooks.run.runner import run_scenario

    root = tmp_path_factory.mktemp("served")
    for folder in ("notebooks", "params", "config", "tests"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    os.environ["MARKETBOOKS_ROOT"] = str(root)
    try:
        assert run_scenario("acps", "2017_decision").ok
    finally:
        os.environ.pop("MARKETBOOKS_ROOT")
    (root / ".venv").mkdir()
    (root / ".venv" / "secret.json").write_text("{}")
    with voila(root, ROOT / "outputs" / "voila-server-test.log") as base:
        yield base, root


def status(url: str, host: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        return urllib.request.urlopen(request, timeout=120).status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_only_the_notebooks_folder_is_rendered_and_a_saved_run_is_never_executed_again(served):
    base, root = served
    results = root / "outputs/acps/2017_decision/results.json"
    before = (results.stat().st_mtime_ns, results.read_bytes())
    for path in (
        "outputs/acps/2017_decision/acps_2017_decision.ipynb",
        "notebooks/../outputs/acps/2017_decision/acps_2017_decision.ipynb",
        "tests/notebooks/golden/acps__2017_decision.ipynb",
        "notebooks/%2e%2e/tests/notebooks/golden/acps__2017_decision.ipynb",
        "workspace/acps.ipynb",
    ):
        assert status(f"{base}/voila/render/{path}") in (403, 404), path
    time.sleep(1)
    assert (results.stat().st_mtime_ns, results.read_bytes()) == before
    assert status(f"{base}/voila/render/notebooks/acps.ipynb") == 200


def test_a_page_that_is_not_there_says_so_in_plain_words(served):
    base, _ = served
    # a notebook that is not there or not a dashboard, and addresses no handler serves
    for path in (
        "voila/render/notebooks/no_such.ipynb",
        "voila/render/outputs/acps/2017_decision/x.ipynb",
        "voila/",
        "voila/render/",
        "no/such/page",
    ):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{base}/{path}", timeout=60)
        page = caught.value.read().decode()
        assert caught.value.code in (403, 404), path
        heading = "There is no such page here" if caught.value.code == 404 else "This page is not available"
        assert heading in page and "Market Workbooks" in page, path
        if caught.value.code == 404:
            assert '<a href="/voila/render/notebooks/index.ipynb">landing page</a>' in page, path
        assert "Traceback" not in page and "tornado" not in page.lower() and "jupyter" not in page.lower(), path


@pytest.mark.parametrize(
    "path, served_ok",
    [
        ("outputs/acps/2017_decision/report.html", True),
        ("outputs/acps/2017_decision/results.json", True),
        ("outputs/acps/2017_decision/acps_2017_decision.xlsx", True),
        ("outputs/acps/2017_decision/tables/inputs.csv", True),
        ("outputs/_static/plotly-marketbooks.min.js", True),
        ("outputs/acps/2017_decision/acps_2017_decision.ipynb", False),
        ("outputs/runner-stderr.log", False),
        ("notebooks/acps.ipynb", False),
        ("config/voila.py", False),
        (".venv/secret.json", False),
        ("params/acps/2017_decision.yaml", False),
        ("tests/notebooks/golden/acps__2017_decision.ipynb", False),
        ("outputs/../config/voila.py", False),
        ("README.md", False),
    ],
)
def test_only_the_runs_reports_tables_and_key_figures_are_served_as_files(served, path, served_ok):
    base, _ = served
    assert (status(f"{base}/voila/files/{path}") == 200) == served_ok


def test_a_request_naming_another_host_is_refused(served):
    """DNS rebinding: a page of another site whose name resolves to 127.0.0.1."""
    base, _ = served
    assert status(f"{base}/voila/render/notebooks/index.ipynb", host="evil.example.com") == 403
    assert status(f"{base}/voila/render/notebooks/index.ipynb", host="localhost") == 200
    port = int(base.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "GET",
        "/api/kernels/00000000-0000-0000-0000-000000000000/channels",
        headers={
            "Host": "evil.example.com",
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
        },
    )
    assert connection.getresponse().status == 403


def test_the_scenario_address_cannot_name_a_file(served):
    base, _ = served
    for query in ("../ds3/2017_decision", "2017_decision.yaml", "%00", "<script>"):
        body = (
            urllib.request.urlopen(
                f"{base}/voila/render/notebooks/acps.ipynb?scenario={urllib.parse.quote(query)}", timeout=120
            )
            .read()
            .decode()
        )
        assert "mb-parameter-error" in body and "519,227,150" not in body.split("mb-parameter-error")[1][:2000]
    assert json.loads((served[1] / "outputs/acps/2017_decision/results.json").read_text())["acps_eur"] == 519227150


def connection_folder(log) -> str:
    """The folder a Voilà server keeps its kernels' connection files in, as its log names it."""
    import re

    return re.search(r"Storing connection files in (\S+)\.", log.read_text())[1]


def kernels_of(log) -> set[int]:
    """The pids of the kernels a Voilà server started (their connection files are in the
    folder its log names)."""
    from pathlib import Path

    folder = connection_folder(log)
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if folder in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    pids.add(int(entry.name))
            except OSError:
                continue
    return pids


def test_a_visit_beyond_the_kernel_limit_gets_a_busy_page_and_idle_kernels_go(tmp_path, monkeypatch):
    """A limit of one kernel per dashboard and one more, every dashboard's kernel waiting: the
    first visit takes acps' waiting kernel (its replacement makes the count at most the
    limit) and keeps it, nobody closes the page. Three visits at once then: the last of
    them to count finds at least the six other waiting kernels, the first visit's and the
    three, one over the limit at the least, and is turned away politely; its kernel ends.
    Kernels nobody is connected to go once idle (here after 20 s)."""
    from concurrent.futures import ThreadPoolExecutor

    dashboards = len(list((ROOT / "notebooks").glob("*.ipynb")))
    monkeypatch.setenv("MARKETBOOKS_MAX_KERNELS", str(dashboards + 1))
    log = tmp_path / "voila.log"
    # Voilà spares pooled kernels from culling once they are ready ("this logic assumes the
    # init time is shorter than the cull time"): 20 s leaves room for seven to preheat on 2 cores
    options = ("--MappingKernelManager.cull_idle_timeout=20", "--MappingKernelManager.cull_interval=2")
    with voila(ROOT, log, options=options) as base:
        deadline = time.monotonic() + 90
        while log.read_text().count("is filled with") < dashboards and time.monotonic() < deadline:
            time.sleep(1)
        assert len(kernels_of(log)) == dashboards
        url = f"{base}/voila/render/notebooks/acps.ipynb"
        first = urllib.request.urlopen(url, timeout=120).read().decode()
        assert "519,227,150" in first and "The dashboards are busy" not in first
        with ThreadPoolExecutor(3) as pool:
            pages = list(pool.map(lambda _: urllib.request.urlopen(url, timeout=180).read().decode(), range(3)))
        busy = [page for page in pages if "The dashboards are busy right now" in page]
        assert busy, "no visit was turned away"
        for page in busy:
            assert "519,227,150" not in page and "could not be shown" not in page  # the busy page alone
        deadline = time.monotonic() + 90
        while len(kernels_of(log)) > dashboards and time.monotonic() < deadline:  # the visits' kernels go
            time.sleep(1)
        assert len(kernels_of(log)) <= dashboards


def test_the_servers_settings_bound_kernels_and_cull_them_within_two_minutes():
    import psutil
    from traitlets.config.loader import PyFileConfigLoader

    from marketbooks.run.serve import HEAVIEST_VISIT_MB, MAX_KERNELS_ENV, max_kernels, voila_env

    config = PyFileConfigLoader("voila.py", path=str(ROOT / "config")).load_config()
    limit = int(voila_env()[MAX_KERNELS_ENV])
    assert limit == max_kernels() and limit * HEAVIEST_VISIT_MB * 2**20 <= max(
        psutil.virtual_memory().total / 2, 8 * HEAVIEST_VISIT_MB * 2**20
    )
    assert config.MappingKernelManager.cull_idle_timeout + config.MappingKernelManager.cull_interval <= 120
    assert config.MappingKernelManager.cull_connected is False and config.KernelRestarter.restart_limit == 0
    assert config.Voila.tornado_settings["allow_remote_access"] is False
    assert config.KernelManager.transport == "ipc"  # no TCP port a kernel could lose before binding it


def test_the_server_reaches_its_kernels_over_unix_sockets(served):
    """No TCP port is picked for a kernel and let go before the kernel binds it, so no other
    connection can take it in between (the kernel would die before drawing its page)."""
    from pathlib import Path

    files = list(Path(connection_folder(ROOT / "outputs" / "voila-server-test.log")).glob("kernel-*.json"))
    assert files and {json.loads(f.read_text())["transport"] for f in files} == {"ipc"}


@pytest.mark.skipif(
    not can_raise_priority_to(os.getpriority(os.PRIO_PROCESS, 0)), reason="no privilege to raise a priority"
)
def test_waiting_kernels_run_behind_the_visits_and_a_visit_takes_the_servers_priority(served):
    import re

    base, _ = served
    page = urllib.request.urlopen(f"{base}/voila/render/notebooks/ds3_revenue.ipynb", timeout=120).read().decode()
    found = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', page)
    assert found, f"the page names no kernel; it ends: {page[-400:]!r} (see outputs/voila-server-test.log)"
    visited = found[1]
    kernels = {}
    for pid in kernels_of(ROOT / "outputs" / "voila-server-test.log"):
        threads = os.listdir(f"/proc/{pid}/task")
        command = open(f"/proc/{pid}/cmdline", "rb").read().decode()
        kernels[visited in command] = kernels.get(visited in command, []) + [
            {os.getpriority(os.PRIO_PROCESS, int(t)) for t in threads}
        ]
    server = os.getpriority(os.PRIO_PROCESS, 0)
    assert kernels[True] == [{server}]  # every thread of the visit's kernel
    # the other dashboards' waiting kernels (and any kernel of an earlier visit, at the server's)
    assert {19} in kernels[False] and all(n in ({19}, {server}) for n in kernels[False])
