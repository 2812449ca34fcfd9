"""Where a run's files go: ``outputs/<workbook>/<scenario>/`` and the names inside it.

Shared by the runner, which writes them, and the landing page, which links them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from marketbooks.scenarios.loader import project_root

# In failed_run()'s folder: why the run failed
FAILURE_REASON = "reason.txt"


def outputs_dir() -> Path:
    """``outputs/`` of the project."""
    return project_root() / "outputs"


def scenario_output(outputs: Path, workbook: str, scenario: str) -> Path:
    """A scenario's output folder: ``outputs/<workbook>/<scenario>``."""
    return outputs / workbook / scenario


def failed_run(outputs: Path, workbook: str, scenario: str) -> Path:
    """Where the runner keeps a scenario's last failed run (``outputs/<workbook>/<scenario>.failed``):
    its partial notebook and :data:`FAILURE_REASON`; gone once a run succeeds."""
    return outputs / workbook / f"{scenario}.failed"


def xlsx_name(workbook: str, scenario: str) -> str:
    """The one workbook file of a scenario's tables, in its output folder and as a download."""
    return f"{workbook}_{scenario}.xlsx"


def csv_name(workbook: str, scenario: str, table: str) -> str:
    """A table's file when downloaded from a dashboard (a run writes ``tables/<table>.csv``)."""
    return f"{workbook}_{scenario}_{table}.csv"


def replace_dir(tmp: Path, final: Path) -> None:
    """Replace the folder ``final`` by ``tmp`` with renames, so a good output is never
    half-replaced.

    Between the two renames the good output is ``.<name>.old-<pid>``: a crash there leaves
    it for :func:`marketbooks.run.runner.recover` to put back."""
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)
