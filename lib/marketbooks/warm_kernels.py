"""Kernels forked from a preloaded parent, for the batch runner and the dashboards.

A kernel started the usual way is a fresh Python that imports ipykernel (~0.5 s), and each
notebook then imports pandas, plotly, ipywidgets and marketbooks (~1 s) and pays first-use
costs (plotly validators, Jinja templates) before it computes anything: two thirds of a
scenario's run. A *zygote* process pays all of that once per runner worker; each kernel
is an ``os.fork()`` of it that only binds its sockets and runs the notebook. Nothing
scenario-specific is loaded before the fork, so a forked kernel computes exactly what a
fresh one does (the nbval goldens, executed by fresh kernels, check that).

Use :class:`WarmKernelManager` as nbclient's ``kernel_manager_class`` (or
:class:`RunnerKernelManager` for fresh kernels with the same transport); the dashboards' are
in :mod:`marketbooks.dashboard_kernels`. When the zygote cannot be used (it died, or
``os.fork`` is missing) the kernel is launched the usual way.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import os
import select
import signal
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import CaselessStrEnum, HasTraits

PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",  # imports debugpy (~0.1 s): every kernel loads it at start-up
    "IPython.display",
    "numpy",
    "pandas",
    "plotly.graph_objects",
    "plotly.io",
    "ipywidgets",
    "xlsxwriter",
    "orjson",
    "yaml",
    "marketbooks.kernel_io",
    "marketbooks.params",
    "marketbooks.report",
    "marketbooks.charts",
    "marketbooks.capacity",
    "marketbooks.ds3",
    "marketbooks.imbalance",
    "marketbooks.auction",
    "marketbooks.rtp",
    "marketbooks.dashboards.acps",
    "marketbooks.dashboards.ds3",
    "marketbooks.dashboards.imbalance",
    "marketbooks.dashboards.auction",
    "marketbooks.dashboards.rtp",
    "marketbooks.dashboards.index",
)


def preload() -> list[str]:
    """Import :data:`PRELOAD` and pay first-use costs; return what failed to import.

    A module that fails here is left for the notebook to import, so its error shows where
    the reader looks. The warm-up touches code paths only: no scenario is loaded.
    """
    failed = []
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception as exc:  # the notebook will raise it again, in context
            failed.append(f"{name}: {exc}")
    try:
        _warm_up()
    except Exception as exc:
        failed.append(f"warm-up: {exc}")
    return failed


def _warm_up() -> None:
    """First-use costs of the libraries, paid on throwaway data: plotly and pandas import
    and compile parts of themselves on first call (figure serialization, groupby, CSV,
    Excel). Every workbook's charts and tables take these paths."""
    import io
    import tempfile
    from pathlib import Path

    import pandas as pd
    import plotly.graph_objects as go
    import plotly.io as pio

    from marketbooks.charts import axis_titles, figure, hline, label, styled, vline, vrect
    from marketbooks.report import write_xlsx

    try:  # the kernel lists its child processes with psutil when it shuts down
        import psutil  # noqa: F401
    except ImportError:
        pass
    df = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"], "n": [1, 2]})
    styled(df, "warm-up", {"a": "{:,.2f}"})._repr_html_()
    df.to_dict("records")
    df.groupby("b").agg(total=("a", "sum")).reset_index().merge(df, on="b").to_csv(io.StringIO(), index=False)
    traces = [
        dict(type="bar", x=["x"], y=[1], width=[0.5], name="bar", text=["1"], textposition="outside", hovertext=["h"],
             marker=dict(color="#000000", line=dict(color="white", width=1)), orientation="v"),
        dict(type="scatter", x=[1], y=[1], mode="lines", line=dict(color="#000000", width=2, dash="dot", shape="hv"),
             marker=dict(symbol="star", size=12)),
        dict(type="waterfall", x=["x"], y=[1], measure=["absolute"], text=["1"], textposition="outside",
             increasing=dict(marker=dict(color="#000000")), decreasing=dict(marker=dict(color="#000000")),
             totals=dict(marker=dict(color="#000000")), connector=dict(line=dict(color="#999999"))),
        dict(type="histogram", x=[1.0], nbinsx=10, marker=dict(color="#000000")),
        dict(type="scatter", x=df["b"], y=df["a"]),  # pandas columns go through plotly's narwhals layer
    ]
    layout = axis_titles("x", "y", barmode="overlay", xaxis=dict(range=[0, 1]),
                         yaxis=dict(type="log", categoryorder="array", categoryarray=["a"]),
                         yaxis2=dict(overlaying="y", side="right"))
    fig = figure(traces, "warm-up", layout, [vline(1, dict(color="#000000"), "v", "bottom right"),
                                             hline(1, dict(color="#000000"), "h"),
                                             vrect(0, 1, "#000000", 0.1, "r"), label(1, 1, "a", yshift=10)])
    pio.to_json(fig)
    fig._repr_mimebundle_()
    go.Figure(fig.to_dict())  # the figure classes a secondary axis needs even unvalidated
    with tempfile.TemporaryDirectory() as tmp:
        write_xlsx({"warm": df}, Path(tmp) / "warm.xlsx")
        with pd.ExcelWriter(io.BytesIO(), engine="xlsxwriter") as xl:  # write_xlsx's fallback
            df.to_excel(xl, sheet_name="warm", index=False)


def _become_kernel(request: dict[str, Any], zygote_pid: int) -> None:
    """In the forked child: turn into an IPython kernel for ``request``; never returns."""
    code = 1
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.close(null)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.path[0] = request["cwd"]
        sys.argv = ["ipykernel_launcher", "-f", request["connection_file"]]
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)

        from ipykernel.kernelapp import IPKernelApp

        import ipywidgets

        app = IPKernelApp.instance()
        app.initialize(["-f", request["connection_file"], f"--IPKernelApp.parent_handle={zygote_pid}",
                        *request.get("options", [])])
        ipywidgets.register_comm_target()  # done at import in a fresh kernel; here the import came first
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def zygote_main() -> None:
    """``python -m marketbooks.warm_kernels``: preload, then fork one kernel per request.

    Protocol on stdin/stdout, one JSON object per line: the zygote first writes
    ``{"ready": true, "failed": [...]}``; each request ``{"connection_file", "cwd", "env",
    "options"}`` (``options``: the kernel's ``--Class.trait=value`` arguments) is answered
    with ``{"pid": N}``; ``{"retire": true}`` ends the forking (:func:`_outlive_kernels`).
    End of input ends the zygote, and with it its kernels: each one exits when its parent
    does (ipykernel's ``parent_handle``), so none outlives the process that asked for it.
    """
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps its children itself
    failed = preload()
    # Without this a kernel's first full collection walks every preloaded object (~0.1 s)
    # and, by touching them, copies their shared pages into the kernel.
    gc.collect()
    gc.freeze()
    out = sys.stdout
    out.write(json.dumps({"ready": True, "failed": failed}) + "\n")
    out.flush()
    me = os.getpid()
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("retire"):
            _outlive_kernels()
            return
        pid = os.fork()
        if pid == 0:
            _become_kernel(request, me)
        out.write(json.dumps({"pid": pid}) + "\n")
        out.flush()


def _outlive_kernels() -> None:
    """A retired zygote forks no more but stays until its last kernel has ended: a kernel
    exits when its zygote does, and an open dashboard's kernel must not end because the
    code changed under the server. End of input (the parent is gone) ends it at once."""
    fd = sys.stdin.fileno()
    while True:
        try:
            os.waitpid(-1, os.WNOHANG)  # SIGCHLD is ignored: ended kernels are reaped already
        except ChildProcessError:
            return
        if select.select([fd], [], [], 1.0)[0] and not os.read(fd, 4096):
            return


class ZygoteError(RuntimeError):
    pass


_PACKAGE = Path(__file__).resolve().parent


def _file_stamp(name: str) -> tuple:
    try:
        st = (_PACKAGE / name).stat()
    except FileNotFoundError:
        return name, None, None
    return name, st.st_mtime_ns, st.st_size


def _installed_packages() -> list[str]:
    """The folders packages are installed in: installing, upgrading or removing one adds or
    removes an entry there (its ``*.dist-info``), which changes the folder's modification time."""
    paths = sysconfig.get_paths()
    return sorted({paths["purelib"], paths["platlib"]})


def source_stamp(names: Sequence[str] | None = None) -> tuple:
    """Name, modification time and size of each of marketbooks' modules and of the folders
    packages are installed in (or of ``names``: paths relative to the package, or absolute).
    A forked kernel runs the code its zygote imported: when this changes (an edit or a
    ``pip install`` while a dashboard server runs, say), the next kernel gets a new zygote,
    which imports the code as it is now, and the old one retires.

    Each kernel start checks its zygote's own entries by name, under half the cost of
    walking the package: a module added since matters only once an existing one imports
    it, which changes that one."""
    if names is None:
        names = [str(path.relative_to(_PACKAGE)) for path in _PACKAGE.rglob("*.py")] + _installed_packages()
    return tuple(sorted(_file_stamp(name) for name in names))


class Zygote:
    """The worker's handle on its zygote process (started on first use, one per process)."""

    _instance: Zygote | None = None
    _retired: list[Zygote] = []  # kept (their pipes open) until their kernels have ended
    _disabled: str | None = None  # why this process gave up on warm kernels
    _lock = threading.Lock()

    READY_TIMEOUT = 120.0  # preloading takes ~2 s; a zygote this late is stuck
    REPLY_TIMEOUT = 30.0

    def __init__(self) -> None:
        self.sources = source_stamp()
        env = dict(os.environ)
        env.setdefault("OPENBLAS_NUM_THREADS", "1")  # no BLAS threads to lose across fork()
        self.proc = subprocess.Popen([sys.executable, "-m", "marketbooks.warm_kernels"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env)
        self.ready: dict | None = None
        self._pending = b""

    @classmethod
    def get(cls) -> Zygote:
        with cls._lock:
            if cls._disabled:
                raise ZygoteError(cls._disabled)
            old = cls._instance
            if old is None or old.proc.poll() is not None or old.stale():
                if old is not None and old.proc.poll() is None:
                    old.retire()
                    cls._retired = [z for z in cls._retired if z.proc.poll() is None] + [old]
                cls._instance = Zygote()
            return cls._instance

    @classmethod
    def disable(cls, reason: str) -> None:
        """Stop the zygote and start every later kernel of this process fresh: one that
        failed once would make each kernel wait for its timeout."""
        with cls._lock:
            cls._disabled = reason
            if cls._instance is not None:
                cls._instance.proc.kill()
                cls._instance = None

    @classmethod
    def start(cls) -> None:
        """Start the zygote now, so it preloads while the caller does other work."""
        if hasattr(os, "fork"):
            cls.get()

    def _reply(self, timeout: float) -> dict:
        """The zygote's next line, or ZygoteError when it exits or stays silent."""
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise ZygoteError(f"no answer from the zygote within {timeout:.0f} s")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise ZygoteError(f"zygote exited (code {self.proc.poll()})")
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return json.loads(line)

    def wait_ready(self) -> dict:
        """Block until the zygote has preloaded (its first line); ZygoteError if it fails."""
        with self._lock:
            if self.ready is None:
                self.ready = self._reply(self.READY_TIMEOUT)
            return self.ready

    def fork(self, connection_file: str, cwd: str, env: dict[str, str], options: Sequence[str] = ()) -> int:
        self.wait_ready()
        with self._lock:
            try:
                self.proc.stdin.write(json.dumps({"connection_file": connection_file, "cwd": cwd, "env": env,
                                                  "options": list(options)}).encode() + b"\n")
                self.proc.stdin.flush()
            except OSError as exc:
                raise ZygoteError(f"zygote unreachable: {exc}") from exc
            return int(self._reply(self.REPLY_TIMEOUT)["pid"])

    def stale(self) -> bool:
        """Whether a module it imported has changed since it started."""
        return self.sources != source_stamp([name for name, *_ in self.sources])

    def retire(self) -> None:
        """Fork no more kernels; the zygote exits when the ones it forked have ended."""
        try:
            self.proc.stdin.write(b'{"retire": true}\n')
            self.proc.stdin.flush()
        except OSError:
            pass  # it has exited already

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _forget_parents_zygote() -> None:
    """In a forked child (a runner worker): the parent's zygote pipes are not the child's to use."""
    Zygote._instance = None
    Zygote._retired = []
    Zygote._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_parents_zygote)


async def preloaded_zygote() -> Zygote:
    """This process's zygote once it has preloaded. Preloading takes seconds: the wait runs
    off the event loop, which a dashboard server shares with every open dashboard."""
    zygote = Zygote.get()
    if zygote.ready is None:
        await asyncio.get_running_loop().run_in_executor(None, zygote.wait_ready)
    return zygote


class ForkedKernel:
    """What jupyter_client needs of a ``Popen`` for a kernel that is the zygote's child."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def _alive(self) -> bool:
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                return True
            return not os.path.isdir("/proc")

    def poll(self) -> int | None:
        if self.returncode is None and not self._alive():
            self.returncode = 0  # the zygote reaped it; its status is not ours to read
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.01)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkProvisioner(LocalProvisioner):
    """Launch the kernel by forking the zygote; fall back to a fresh process."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        km = self.parent
        # the command's --Class.trait=value options, as a fresh kernel would get them
        options = [arg for arg in cmd if arg.startswith("--") and "=" in arg]
        try:
            zygote = await preloaded_zygote()
            pid = zygote.fork(km.connection_file, str(kwargs.get("cwd") or os.getcwd()),
                              dict(kwargs.get("env") or os.environ), options)
        except (ZygoteError, OSError, ValueError) as exc:
            self.log.warning("warm kernels unavailable (%s); starting fresh ones", exc)
            Zygote.disable(str(exc))
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedKernel(pid)
        self.pid = self.pgid = pid  # the child called setsid()
        self.cwd = kwargs.get("cwd", os.getcwd())
        return self.connection_info


class ForkedOverUnixSockets(HasTraits):
    """A kernel manager mixin: kernels over Unix sockets named after the kernel, and forked
    from the zygote when ``fork_from_zygote``.

    With TCP the parent picks free ports and the kernel binds them a moment later; two
    processes starting kernels (runner workers, a dashboard server) can pick the same port
    in between, and a client then talks to the other kernel (whose heartbeat answers) until
    its 60 s start timeout. Socket files named after the kernel id cannot collide.
    """

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)
    fork_from_zygote = False

    async def _async_pre_start_kernel(self, **kw: Any):
        import tempfile
        import uuid

        self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
        if self.transport == "ipc":
            # short: a socket path has ~100 characters at most, and runtime dirs can be long
            self.ip = os.path.join(tempfile.gettempdir(), f"mb-kernel-{self.kernel_id[:12]}")
        if self.fork_from_zygote and self.provisioner is None and hasattr(os, "fork"):
            self.provisioner = ForkProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)


class RunnerKernelManager(ForkedOverUnixSockets, AsyncKernelManager):
    """The batch runner's kernels (see :class:`ForkedOverUnixSockets`)."""


class WarmKernelManager(RunnerKernelManager):
    """A :class:`RunnerKernelManager` whose kernels are forked from the zygote."""

    fork_from_zygote = True


if __name__ == "__main__":
    zygote_main()
