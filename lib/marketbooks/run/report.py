"""What an executed notebook leaves behind: results.json, each table as CSV, one XLSX.

A notebook registers its tables and key figures on a :class:`Report` while it displays
them; ``save()`` writes the files only when the notebook was given an output folder (the
runner does that; JupyterLab, Voilà and nbval leave it unset and nothing is written).
Every file is written to a temporary name first and renamed, so a reader never sees half
a file.
"""

from __future__ import annotations

import json
import math
import os
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML

from marketbooks.outputs import csv_name, xlsx_name
from marketbooks.views.tables import (
    XLSX_TYPE,
    HtmlTable,
    csv_link,
    data_link,
    data_paragraph,
    styled,
    table_file_link,
    with_csv_link,
    write_csv,
    write_xlsx,
    xlsx_bytes,
)


def atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path``.

    ``write`` creates the temporary file itself, so it gets the permissions of any new
    file (the umask's); a file made by ``mkstemp`` would stay readable by its owner only.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def plain(value: Any) -> Any:
    """A result as JSON holds it: numpy scalars as Python numbers, whole floats as ints,
    NaN as null."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
    return value


class Report:
    """The tables and key figures of one scenario's notebook, and their files."""

    def __init__(
        self,
        workbook: str,
        scenario: str,
        output_dir: str | os.PathLike | None = None,
        overrides: dict[str, Any] | None = None,
    ):
        from marketbooks.scenarios.overrides import run_name

        self.workbook = workbook
        self.overrides = dict(overrides or {})
        # files are named after the run: the scenario, and its overrides when there are any
        self.scenario = run_name(scenario, self.overrides)
        self.base_scenario = scenario
        self.output_dir = Path(output_dir) if output_dir else None
        self.tables: dict[str, pd.DataFrame] = {}
        self.results: dict[str, Any] = {}

    def table(
        self, name: str, df: pd.DataFrame, formats: dict | None = None, show: bool = True, head: int | None = None
    ) -> HtmlTable | None:
        """Register ``df`` for export under ``name``; return a styled view of it (of its
        first ``head`` rows) for display.

        Without an output folder (a dashboard, JupyterLab, the golden copies) nothing is
        written, so the view carries a link that downloads the whole table as
        ``<workbook>_<scenario>_<name>.csv``; a run's report links ``tables/<name>.csv``
        instead (:func:`marketbooks.run.html.link_data_files`).
        """
        if name in self.tables:
            raise ValueError(f"table '{name}' is registered twice")
        self.tables[name] = df.reset_index(drop=True)
        if not show:
            return None
        view = styled(df if head is None else df.head(head), name, formats)
        if self.output_dir is not None:
            return view
        return with_csv_link(view, self.tables[name], csv_name(self.workbook, self.scenario, name))

    def data_links(self, *names: str) -> HTML:
        """Links to registered tables that are not shown as tables (the data behind a chart,
        the sensitivities a notebook only exports), for the notebook to display in their place.

        In a run they link ``tables/<name>.csv`` beside the report, the same links a shown
        table gets; without an output folder they download the whole table as
        ``<workbook>_<scenario>_<name>.csv``, as a shown table's link does.
        """
        unknown = [name for name in names if name not in self.tables]
        if unknown or not names:
            raise ValueError(
                f"no registered table named {', '.join(map(repr, unknown)) or '(none given)'}; "
                f"registered: {', '.join(self.tables) or 'none'}"
            )
        if self.output_dir is not None:
            links = [table_file_link(name) for name in names]
        else:
            links = [csv_link(self.tables[name], csv_name(self.workbook, self.scenario, name)) for name in names]
        return HTML(data_paragraph(f"Data: {', '.join(links)}"))

    def result(self, **figures: Any) -> None:
        """Record key figures for results.json."""
        self.results.update({k: plain(v) for k, v in figures.items()})

    def save(self) -> HTML | None:
        """Write the files into the output folder, if there is one; without one (a
        dashboard, JupyterLab, the golden copies), offer the reader a link that downloads
        every table, one sheet each, as ``<workbook>_<scenario>.xlsx``: the bytes a run
        writes. A notebook ends with this call.

        Returns nothing after writing: a returned path would show the runner's temporary
        folder in every saved report.
        """
        if self.output_dir is None:
            if not self.tables:
                return None
            filename = xlsx_name(self.workbook, self.scenario)
            return HTML(
                data_paragraph(
                    "Every table of this page, a sheet each: "
                    + data_link(xlsx_bytes(self.tables), XLSX_TYPE, filename, f"Download {filename}")
                )
            )
        out = self.output_dir
        from marketbooks.run.cache import INPUTS_FILE
        from marketbooks.scenarios.loader import FILES_READ

        payload: dict[str, Any] = {"workbook": self.workbook, "scenario": self.base_scenario}
        if self.overrides:
            payload |= {"run": self.scenario, "overrides": self.overrides}
        payload |= {**self.results, "tables": sorted(self.tables)}
        atomic_write(
            out / "results.json",
            lambda p: p.write_text(
                json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
            ),
        )
        for name, df in self.tables.items():
            atomic_write(out / "tables" / f"{name}.csv", partial(write_csv, df))
        if self.tables:
            atomic_write(out / xlsx_name(self.workbook, self.scenario), lambda p: write_xlsx(self.tables, p))
        # the scenario files this run read: the runner's cache hashes them (marketbooks.run.cache)
        files = json.dumps({"files": sorted(FILES_READ)}, indent=2) + "\n"
        atomic_write(out / INPUTS_FILE, lambda p: p.write_text(files, encoding="utf-8"))
        return None
