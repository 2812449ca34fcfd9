"""What an executed notebook leaves behind: results.json, each table as CSV, one XLSX.

A notebook registers its tables and key figures on a :class:`Report` while it displays
them; ``save()`` writes the files only when the notebook was given an output folder (the
runner does that; interactive use, Voilà and nbval leave it unset and nothing is written).
Every file is written to a temporary name first and renamed, so a reader never sees half
a file.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
    return value


class Report:
    def __init__(self, workbook: str, scenario: str, output_dir: str | os.PathLike | None = None):
        self.workbook = workbook
        self.scenario = scenario
        self.output_dir = Path(output_dir) if output_dir else None
        self.tables: dict[str, pd.DataFrame] = {}
        self.results: dict[str, Any] = {}

    def table(self, name: str, df: pd.DataFrame, formats: dict | None = None,
              show: bool = True, head: int | None = None):
        """Register ``df`` for export under ``name``; return a styled view of it (of its
        first ``head`` rows) for display."""
        if name in self.tables:
            raise ValueError(f"table '{name}' is registered twice")
        self.tables[name] = df.reset_index(drop=True)
        if not show:
            return None
        from marketbooks.charts import styled
        return styled(df if head is None else df.head(head), name, formats)

    def result(self, **figures: Any) -> None:
        """Record key figures for results.json."""
        self.results.update({k: _plain(v) for k, v in figures.items()})

    def save(self) -> None:
        """Write the files into the output folder, if there is one.

        Returns nothing: a notebook ends with this call, and a returned path would show the
        runner's temporary folder in every saved report.
        """
        if self.output_dir is None:
            return None
        out = self.output_dir
        payload = {"workbook": self.workbook, "scenario": self.scenario, **self.results,
                   "tables": sorted(self.tables)}
        atomic_write(out / "results.json",
                     lambda p: p.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n",
                                            encoding="utf-8"))
        for name, df in self.tables.items():
            atomic_write(out / "tables" / f"{name}.csv", lambda p, df=df: df.to_csv(p, index=False))

        def write_xlsx(p: Path) -> None:
            # in_memory: xlsxwriter otherwise writes each part to a temporary file before zipping
            with pd.ExcelWriter(p, engine="xlsxwriter", engine_kwargs={"options": {"in_memory": True}}) as xl:
                for name, df in self.tables.items():
                    df.to_excel(xl, sheet_name=name[:31], index=False)

        if self.tables:
            atomic_write(out / f"{self.workbook}_{self.scenario}.xlsx", write_xlsx)
