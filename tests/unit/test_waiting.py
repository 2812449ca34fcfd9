"""Waiting kernels run behind the visitors' kernels (marketbooks.run.waiting)."""

import os
import resource
import subprocess
import sys
import textwrap

import pytest

from marketbooks.run import waiting

NO_CAPS = "CapEff:\t0000000000000000\n"
SYS_NICE = f"CapEff:\t{1 << waiting.CAP_SYS_NICE:016x}\n"


@pytest.mark.parametrize(
    "status, limit, niceness, expected",
    [
        (SYS_NICE, 0, 0, True),  # CAP_SYS_NICE: any niceness
        (NO_CAPS, 0, 0, False),  # the usual RLIMIT_NICE of 0: never lower again
        (NO_CAPS, 20, 0, True),  # 20 - 0
        (NO_CAPS, 19, 0, False),
        (NO_CAPS, 15, 5, True),  # 20 - 5: back to 5 only
        (NO_CAPS, 14, 5, False),
        (NO_CAPS, resource.RLIM_INFINITY, 0, True),
        ("", 0, 0, False),  # no capabilities to read
    ],
)
def test_a_kernel_is_lowered_only_if_it_can_be_raised_again(monkeypatch, status, limit, niceness, expected):
    monkeypatch.setattr(waiting.resource, "getrlimit", lambda _: (limit, limit))
    assert waiting.can_raise_priority_to(niceness, status) is expected


def test_only_voilas_pool_kernels_wait_at_the_lowest_priority(monkeypatch):
    cmd = ["python", "-m", "ipykernel_launcher", "-f", "k.json"]
    monkeypatch.setattr(waiting, "can_raise_priority_to", lambda niceness: True)
    monkeypatch.setattr(waiting.os, "getpriority", lambda *_: 3)
    pooled, env = waiting.waiting_command(cmd, {"VOILA_PREHEAT": "True", "PATH": "/bin"})
    # nice adds to the server's niceness: 3 + 16 = 19, and the kernel learns it goes back to 3
    assert pooled == ["nice", "-n", "16", *cmd]
    assert env == {
        "VOILA_PREHEAT": "True",
        "PATH": "/bin",
        waiting.VISIT_NICENESS: "3",
        "GLIBC_TUNABLES": waiting.KEEP_FREED_MEMORY,
    }
    for other in ({}, {"VOILA_PREHEAT": "False"}):  # a visit's own kernel, JupyterLab's, the runner's
        assert waiting.waiting_command(cmd, other) == (cmd, other)
    # a server that tunes glibc itself keeps its tuning
    _, env = waiting.waiting_command(cmd, {"VOILA_PREHEAT": "True", "GLIBC_TUNABLES": "glibc.malloc.arena_max=2"})
    assert env["GLIBC_TUNABLES"] == "glibc.malloc.arena_max=2"


def test_a_kernel_that_could_not_be_raised_again_starts_at_the_servers_priority(monkeypatch):
    cmd = ["python", "-m", "ipykernel_launcher"]
    pool = {"VOILA_PREHEAT": "True"}
    keeping = {**pool, "GLIBC_TUNABLES": waiting.KEEP_FREED_MEMORY}
    monkeypatch.setattr(waiting, "can_raise_priority_to", lambda niceness: False)
    assert waiting.waiting_command(cmd, pool) == (cmd, keeping)
    # a server already at the lowest priority: nothing lower to start at
    monkeypatch.setattr(waiting, "can_raise_priority_to", lambda niceness: True)
    monkeypatch.setattr(waiting.os, "getpriority", lambda *_: 19)
    assert waiting.waiting_command(cmd, pool) == (cmd, keeping)


FREED = textwrap.dedent(
    """
    import numpy as np

    def resident_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096 / 2**20

    before = resident_mb()
    arrays = [np.ones(1_500_000) for _ in range(20)]  # 20 × 12 MB, as a market-scale month's columns
    del arrays
    print(round(resident_mb() - before))
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc and /proc")
def test_a_waiting_kernel_keeps_the_memory_it_frees():
    """glibc reads the tunables by name and ignores a name it does not know: a process
    started with them keeps the 240 MB it freed, one started without them hands it back."""
    kept = [
        int(subprocess.run([sys.executable, "-c", FREED], env=env, capture_output=True, text=True, check=True).stdout)
        for env in ({**os.environ, "GLIBC_TUNABLES": waiting.KEEP_FREED_MEMORY}, os.environ)
    ]
    assert kept[0] >= 200 and kept[1] < 50


SETTLED = textwrap.dedent(
    """
    import gc, weakref
    from marketbooks.run import waiting

    class Node:
        pass

    kept = [Node() for _ in range(1000)]  # what the rehearsal keeps for the visit
    left = Node()
    left.me = left  # what it left: garbage only a collection finds
    left_gone = weakref.ref(left)
    del left
    waiting.settle()
    late = Node()
    late.me = late  # the visit's own garbage
    late_gone = weakref.ref(late)
    del late
    gc.collect()
    seen = {id(o) for o in gc.get_objects()}
    print(left_gone() is None, late_gone() is None, sum(id(k) in seen for k in kept), gc.get_freeze_count() >= 1000)
    """
)


def test_a_waiting_kernel_keeps_its_rehearsal_out_of_the_visits_full_collections():
    """What the rehearsal left is collected before the wait; what it keeps is not traversed
    again by the visit's collections (no longer among the collector's objects); the visit's
    own garbage is still collected."""
    done = subprocess.run([sys.executable, "-c", SETTLED], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True", "0", "True"]


WOKEN = textwrap.dedent(
    """
    import os, threading, time
    from marketbooks.run import waiting

    done = threading.Event()
    workers = [threading.Thread(target=done.wait) for _ in range(3)]
    for t in workers:
        t.start()
    waiting.wake()
    late = threading.Thread(target=done.wait)  # started after the visit
    late.start()
    print(sorted({os.getpriority(os.PRIO_PROCESS, int(t)) for t in os.listdir("/proc/self/task")}))
    print(os.environ.get(waiting.VISIT_NICENESS))
    done.set()
    """
)


def test_the_visit_gives_every_thread_of_its_kernel_the_servers_priority():
    # raising a niceness needs no privilege: woken to 7, every thread (those started before
    # and after) runs at 7, and the kernel forgets the variable (a second wake does nothing)
    env = {**os.environ, waiting.VISIT_NICENESS: "7"}
    out = subprocess.run([sys.executable, "-c", WOKEN], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[7]", "None"]
    env.pop(waiting.VISIT_NICENESS)
    out = subprocess.run([sys.executable, "-c", WOKEN], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[0] == f"[{os.getpriority(os.PRIO_PROCESS, 0)}]"


@pytest.mark.skipif(
    not waiting.can_raise_priority_to(os.getpriority(os.PRIO_PROCESS, 0)), reason="no privilege to raise a priority"
)
def test_a_pool_kernel_starts_at_the_lowest_priority_and_its_visit_raises_it(monkeypatch):
    """A real kernel started by jupyter_client with the provisioner config/voila.py names
    (found by its entry point)."""
    import psutil
    from jupyter_client import KernelManager
    from jupyter_client.provisioning import KernelProvisionerFactory

    monkeypatch.setattr(KernelProvisionerFactory.instance(), "default_provisioner_name", "marketbooks-waiting")
    km = KernelManager(kernel_name="python3")
    km.start_kernel(env={**os.environ, "VOILA_PREHEAT": "True"})
    try:
        assert isinstance(km.provisioner, waiting.WaitingKernelProvisioner)
        kernel = psutil.Process(km.provisioner.pid)
        client = km.blocking_client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        assert {os.getpriority(os.PRIO_PROCESS, t.id) for t in kernel.threads()} == {19}
        reply = client.execute_interactive("from marketbooks.run import waiting; waiting.wake()", timeout=60)
        assert reply["content"]["status"] == "ok"
        assert {os.getpriority(os.PRIO_PROCESS, t.id) for t in kernel.threads()} == {os.getpriority(os.PRIO_PROCESS, 0)}
        client.stop_channels()
    finally:
        km.shutdown_kernel(now=True)


def test_a_visit_whose_priority_cannot_be_raised_still_runs(monkeypatch):
    def refused(*_):
        raise PermissionError("setpriority")

    monkeypatch.setenv(waiting.VISIT_NICENESS, "0")
    monkeypatch.setattr(waiting.os, "setpriority", refused)
    waiting.wake()  # no exception: the page is shown, its kernel at the waiting priority
    assert waiting.VISIT_NICENESS not in os.environ
