"""Sweeps on Dask: a real scheduler and two workers, started here on 127.0.0.1 as separate
processes (the ``dask scheduler`` and ``dask worker`` commands), and a ``LocalCluster``."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from marketbooks.run.cli import main
from marketbooks.studies.grid import grid_points
from marketbooks.studies.sweep import plan, run_sweep

DASK = Path(sys.executable).with_name("dask")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def scheduler():
    """``tcp://127.0.0.1:<port>`` of a scheduler with two single-threaded workers; all three
    stop when the module's tests are done."""
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [
        subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", "127.0.0.1:0"],
            **quiet,
        )
    ]
    try:
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        DASK,
                        "worker",
                        address,
                        "--host",
                        "127.0.0.1",
                        "--nthreads",
                        "1",
                        "--dashboard-address",
                        "127.0.0.1:0",
                    ],
                    **quiet,
                )
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout="2s") as client:
                    if len(client.scheduler_info()["workers"]) == 2:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the Dask scheduler and workers did not start within a minute"
            time.sleep(0.5)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_a_sweep_on_an_existing_cluster_equals_the_local_one(scheduler, project_copy, capsys):
    grid = ["--grid", "auction.volume_kw=6000:14000:2000", "--grid", "auction.max_price=15,17,22"]
    assert main(["sweep", "auction", *grid, "--name", "local", "--no-report", "-q"]) == 0
    args = ["sweep", "auction", *grid, "--name", "remote", "--no-report", "-q", "--scheduler", scheduler]
    assert main([*args, "--chunk-size", "2"]) == 0
    assert "evaluated on dask" in capsys.readouterr().out
    import pandas as pd

    folder = project_copy / "outputs" / "sweeps"
    local = pd.read_parquet(folder / "local" / "points.parquet")
    remote = pd.read_parquet(folder / "remote" / "points.parquet")
    assert len(local) == 15 and (local["status"] == "ok").all()
    pd.testing.assert_frame_equal(local, remote)


def test_validation_errors_come_back_from_the_workers_by_row(scheduler, project_copy):
    from marketbooks.studies.sweep import SweepInvalid

    points = [{"auction.volume_kw": 8000}, {"auction.volume_kw": -5}]
    with pytest.raises(SweepInvalid) as caught:
        run_sweep(plan("auction", "example_05", points, "bad"), project_copy / "outputs", scheduler=scheduler)
    assert [field for field, _ in caught.value.problems] == ["grid point 2, auction.volume_kw"]


def test_a_local_cluster_when_no_scheduler_is_given(project_copy):
    sweep = plan("ds3", "2017_decision", grid_points(["availability=0.8:0.95:0.05"]), "lc")
    on_dask = run_sweep(sweep, project_copy / "outputs", kind="dask", progress=False)
    local = run_sweep(sweep, project_copy / "outputs", progress=False, force=True)
    assert on_dask.executor == "dask" and on_dask.frame.equals(local.frame)


def test_no_scheduler_at_the_address_is_a_clear_error(project_copy, capsys):
    port = _free_port()  # nothing listens there
    args = ["sweep", "ds3", "--grid", "availability=0.8,0.9", "-q", "--scheduler", f"tcp://127.0.0.1:{port}"]
    assert main(args) == 2
    assert f"no Dask scheduler answers at tcp://127.0.0.1:{port}" in capsys.readouterr().err
