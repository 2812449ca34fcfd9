"""The dashboard server: Voilà on localhost with the project's settings (``config/voila.py``)."""

from __future__ import annotations

import os
import re
import socket
import sys
from pathlib import Path
from typing import Any

from marketbooks.run.runner import KERNEL_ENV
from marketbooks.scenarios.loader import project_root
from marketbooks.tags import VISIT_TAG

CELL_TIMEOUT_S = 120

# Kernels at most, the waiting ones (one per dashboard) included: a visit beyond gets a
# "busy, try again" page (marketbooks.explore.common.check_capacity). The bound keeps the
# heaviest visit (an imbalance dashboard, 515 MB measured by tests/benchmarks/bench_load.py:
# its kernel keeps the memory its rehearsals freed, run/waiting.py) to half the machine's
# memory, whatever the visits are.
HEAVIEST_VISIT_MB = 560
MAX_KERNELS_ENV = "MARKETBOOKS_MAX_KERNELS"


def max_kernels(memory_bytes: int | None = None) -> int:
    """Live kernels the dashboard server allows on a machine with ``memory_bytes`` of RAM
    (default: this one's): half of it in the heaviest visits, between 8 and 48.

    >>> max_kernels(24 * 2**30), max_kernels(2 * 2**30), max_kernels(512 * 2**30)
    (21, 8, 48)
    """
    if memory_bytes is None:
        import psutil

        memory_bytes = psutil.virtual_memory().total
    return max(8, min(48, memory_bytes // 2 // (HEAVIEST_VISIT_MB * 2**20)))


# The dashboards: the only notebooks Voilà renders (a visit runs them). Not the executed
# copies under outputs/ (rendering one would run it again and rewrite its files), not the
# golden copies, not an analyst's workspace.
DASHBOARDS = re.compile(r"notebooks/[A-Za-z0-9_-]+\.ipynb")

# What Voilà's /voila/files/ serves (full matches of the path under the project): each run's
# report, key figures, XLSX and table CSVs, and the plotly.js the reports load.
FILE_ALLOWLIST = [
    r"outputs/[A-Za-z0-9_-]+/[A-Za-z0-9_.=+-]+/(report\.html|results\.json|[A-Za-z0-9_.=+-]+\.xlsx|tables/[A-Za-z0-9_-]+\.csv)",
    r"outputs/_static/plotly-marketbooks\.min\.js",
    r"outputs/sweeps/[A-Za-z0-9_.=+-]+/(report\.html|points\.csv|points\.parquet)",
    r"outputs/compare/[A-Za-z0-9_.=+-]+/(comparison\.html|results\.csv|inputs\.csv)",
]
FILE_DENYLIST = [r"(.*/)?\..*"]  # nothing in a hidden folder, nor a hidden file


def only_dashboards(page_config: dict, notebook_path: str = "", **_: Any) -> dict:
    """Voilà's ``page_config_hook``, called before a notebook is rendered (and its kernel
    started): a notebook that is not a dashboard (:data:`DASHBOARDS`) is not found."""
    from tornado.web import HTTPError

    if not DASHBOARDS.fullmatch(notebook_path.replace("\\", "/")):
        raise HTTPError(404, "no dashboard here")
    return page_config


def cell_timeout(cell: Any) -> int | None:
    """Voilà's time limit for a cell (``VoilaExecutor.timeout_func``): none for the cell
    tagged :data:`VISIT_TAG`, :data:`CELL_TIMEOUT_S` seconds for any other."""
    return None if VISIT_TAG in cell.get("metadata", {}).get("tags", []) else CELL_TIMEOUT_S


def prepare(root: Path) -> None:
    """What the server serves besides the notebooks: the reports' copy of plotly.js."""
    from marketbooks.run.html import shared_plotly_js

    shared_plotly_js(root / "outputs")


def voila_command(port: int) -> list[str]:
    """Voilà serving the project on ``127.0.0.1:port`` with ``config/voila.py``."""
    root = project_root()
    # port_retries=0: Voilà would otherwise move to another port and the address printed
    # (and the tests' server URL) would lead to whatever holds the one asked for
    return [
        sys.executable,
        "-m",
        "voila",
        "--no-browser",
        f"--port={port}",
        "--Voila.port_retries=0",
        "--Voila.ip=127.0.0.1",
        f"--Voila.root_dir={root}",
        f"--Voila.config_file_paths={root / 'config'}",
        "--template=marketbooks",
    ]


def voila_env() -> dict[str, str]:
    """The environment :func:`voila_command` runs in: the kernels' :data:`KERNEL_ENV`, as
    for the runner's, and the project's ``share/jupyter`` first on ``JUPYTER_PATH`` so Voilà
    finds the ``marketbooks`` template (the lab template without its CDN stylesheets)."""
    share = str(share_dir())
    path = os.pathsep.join([share, *filter(None, [os.environ.get("JUPYTER_PATH")])])
    return {
        MAX_KERNELS_ENV: os.environ.get(MAX_KERNELS_ENV) or str(max_kernels()),
        **os.environ,
        **KERNEL_ENV,
        "JUPYTER_PATH": path,
        "MARKETBOOKS_ROOT": str(project_root()),
    }


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something listens on ``host:port`` (bound as Tornado binds, with SO_REUSEADDR,
    so a closed server's lingering connections do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def dashboard_url(port: int, page: str = "index.ipynb") -> str:
    """A dashboard's address on a local server."""
    return f"http://127.0.0.1:{port}/voila/render/notebooks/{page}"


def share_dir() -> Path:
    """marketbooks' ``share/jupyter``: its Voilà and nbconvert templates."""
    return Path(__file__).resolve().parent / "share" / "jupyter"
