"""Start and stop a Voilà server on a free localhost port for the browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from marketbooks.run.serve import MAX_KERNELS_ENV, prepare, voila_command, voila_env

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# The kernel cap of a server that a module's tests share. Their pages close without the
# unload event that shuts a page's kernel down (Playwright's close), and pages fetched
# without a browser never connect, so those kernels stay until culled (90 s idle): on a fast
# day a module opens more than the machine's cap (21 here) within that time, and a visit
# got the "busy, try again" page. The cap itself is tested on its own (test_server.py).
SHARED_SERVER_MAX_KERNELS = 48


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def voila(
    root: Path, log: Path, timeout: float = 60, options: tuple[str, ...] = (), max_kernels: int | None = None
) -> Iterator[str]:
    """``make serve`` on ``root`` (a project folder) on a free port, with Voilà ``options``
    added and, if given, ``max_kernels`` for the server's kernel cap; yields the server's
    base address."""
    root = root.resolve()
    prepare(root)
    port = free_port()
    old = os.environ.get("MARKETBOOKS_ROOT")
    os.environ["MARKETBOOKS_ROOT"] = str(root)
    try:
        command, env = voila_command(port), voila_env()
    finally:
        if old is None:
            os.environ.pop("MARKETBOOKS_ROOT")
        else:
            os.environ["MARKETBOOKS_ROOT"] = old
    env["MARKETBOOKS_ROOT"] = str(root)
    if max_kernels is not None:
        env[MAX_KERNELS_ENV] = str(max_kernels)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as fh:
        proc = subprocess.Popen([*command, *options], cwd=root, env=env, stdout=fh, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"Voilà exited with {proc.returncode}; see {log}")
                try:
                    urllib.request.urlopen(f"{base}/voila/api/shutdown", timeout=1)
                except urllib.error.HTTPError:
                    break  # the server answers
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"Voilà did not answer within {timeout} s; see {log}") from None
                    time.sleep(0.3)
                else:
                    break
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
