"""JupyterLab for analysts (``make lab``), apart from what stakeholders are shown.

The dashboards serve ``notebooks/``; an analyst works on copies in ``workspace/``
(git-ignored), made on first use and never overwritten, so neither an edit nor JupyterLab's
autosave changes a dashboard. The copies read the same scenario files (``params/``).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from marketbooks.run.runner import KERNEL_ENV
from marketbooks.scenarios.loader import project_root

WORKSPACE = "workspace"


def prepare_workspace(root: Path) -> tuple[Path, list[str]]:
    """``workspace/`` with a copy of every notebook it does not hold yet; returns the folder
    and the names copied now (an analyst's edited copies are kept as they are)."""
    workspace = root / WORKSPACE
    workspace.mkdir(exist_ok=True)
    copied = []
    for notebook in sorted((root / "notebooks").glob("*.ipynb")):
        target = workspace / notebook.name
        if not target.exists():
            shutil.copyfile(notebook, target)
            copied.append(notebook.name)
    return workspace, copied


def lab_command(port: int, root: Path) -> list[str]:
    """JupyterLab on ``127.0.0.1:port`` in ``root/workspace`` (also for root, as in a
    container or CI, where Jupyter refuses to start unless told)."""
    as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={root / WORKSPACE}",
        *as_root,
    ]


def lab_env(root: Path) -> dict[str, str]:
    """The environment :func:`lab_command` runs in: the workspace's notebooks find the
    project's scenario files through ``MARKETBOOKS_ROOT``."""
    return {**os.environ, **KERNEL_ENV, "MARKETBOOKS_ROOT": str(root)}


def workspace_dir() -> Path:
    """The project's ``workspace/``."""
    return project_root() / WORKSPACE
