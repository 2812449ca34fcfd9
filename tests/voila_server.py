"""Start and stop a Voilà server on a free localhost port for the browser tests."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from marketbooks.cli import voila_command, voila_env

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def voila(root: Path, log: Path, timeout: float = 60, preheat: bool = False, fresh_kernels: bool = False,
          options: tuple[str, ...] = ()):
    """``make serve`` on a free port (``preheat``, ``fresh_kernels`` as its options), with
    Voilà ``options`` added; yields the server's base address."""
    root = root.resolve()
    port = free_port()
    env = {**voila_env(preheat), "MARKETBOOKS_ROOT": str(root)}
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as fh:
        proc = subprocess.Popen([*voila_command(port, preheat, fresh_kernels), *options], cwd=root, env=env,
                                stdout=fh, stderr=subprocess.STDOUT)
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
                        raise RuntimeError(f"Voilà did not answer within {timeout} s; see {log}")
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
