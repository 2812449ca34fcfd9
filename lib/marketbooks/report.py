"""What an executed notebook leaves behind: results.json, each table as CSV, one XLSX.

A notebook registers its tables and key figures on a :class:`Report` while it displays
them; ``save()`` writes the files only when the notebook was given an output folder (the
runner does that; interactive use, Voilà and nbval leave it unset and nothing is written).
Every file is written to a temporary name first and renamed, so a reader never sees half
a file.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import html
import io
import json
import math
import os
import uuid
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import numpy as np
import pandas as pd


def atomic_write(path: Path, write) -> None:
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


class _NotPlain(Exception):
    """A table holds a value the direct XLSX writer leaves to pandas (durations, decimals,
    datetimes with a time zone, long text)."""


_EXCEL_TEXT_LIMIT = 32767  # characters in one cell; pandas truncates longer text with a warning


# The workbook's "created" property. xlsxwriter stamps the time of writing there by default,
# the only part of an output that would differ between two runs of the same scenario; a
# fixed date (the zip format's epoch, which xlsxwriter already gives every part) makes a
# changed file mean changed content.
XLSX_CREATED = datetime.datetime(1980, 1, 1)

# pandas' ExcelWriter defaults (``date_format``, ``datetime_format``)
_DATE_FORMAT = "YYYY-MM-DD"
_DATETIME_FORMAT = "YYYY-MM-DD HH:MM:SS"


def _excel_value(value: Any) -> Any:
    """``value`` as pandas' Excel export writes it (``ExcelFormatter._format_value`` then
    ``ExcelWriter._value_with_fmt``): None for an empty cell (missing values, ''), ``inf``
    as text, numpy scalars as Python numbers, dates and naive datetimes (``Timestamp``
    included) as they are, anything else as its ``str``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, datetime.date):
        if getattr(value, "tzinfo", None) is not None:  # pandas refuses these; let it say so
            raise _NotPlain("datetime with a time zone")
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if value != value:
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return float(value)
    if isinstance(value, (datetime.timedelta, np.datetime64, np.timedelta64, decimal.Decimal)):
        raise _NotPlain(type(value).__name__)
    text = value if isinstance(value, str) else str(value)
    if len(text) > _EXCEL_TEXT_LIMIT:
        raise _NotPlain("text longer than a cell holds")
    return text or None


def _sheet_values(df: pd.DataFrame) -> tuple[list, list[list]]:
    """The header and each column's values as :func:`_excel_value` converts them;
    _NotPlain when a value needs pandas."""
    if isinstance(df.columns, pd.MultiIndex):
        raise _NotPlain("MultiIndex columns")
    header = [_excel_value(label) for label in df.columns]
    if any(isinstance(label, datetime.date) for label in header):
        raise _NotPlain("date column label")
    return header, [[_excel_value(v) for v in values.tolist()] for _, values in df.items()]


def _plain_text(text: str) -> bool:
    """Text xlsxwriter's ``write()`` stores as a plain string: not a formula ('=', '{='),
    nor anything with ':' that it might turn into a hyperlink."""
    return text[0] not in "={" and ":" not in text


def _write_sheet(book, sheet, header: list, columns: list[list]) -> None:
    """Header row, then the body column by column: the write order (and so the
    shared-strings table) of pandas' ``to_excel(index=False)`` with xlsxwriter. Dates get
    pandas' number formats, each made once per sheet at its first use, as pandas does."""
    formats: dict[str, Any] = {}

    def date_format(value) -> Any:
        fmt = _DATETIME_FORMAT if isinstance(value, datetime.datetime) else _DATE_FORMAT
        if fmt not in formats:
            formats[fmt] = book.add_format({"num_format": fmt})
        return formats[fmt]

    for col, value in enumerate(header):
        if value is not None:
            sheet.write(0, col, value)
    for col, values in enumerate(columns):
        for row, value in enumerate(values, start=1):
            if value is None:
                continue
            if value.__class__ is bool:
                sheet.write_boolean(row, col, value)
            elif isinstance(value, datetime.date):
                sheet.write_datetime(row, col, value, date_format(value))
            elif value.__class__ is not str:
                sheet.write_number(row, col, value)
            elif _plain_text(value):
                sheet.write_string(row, col, value)
            else:
                sheet.write(row, col, value)


def write_xlsx(tables: dict[str, pd.DataFrame], path: Path | BinaryIO) -> None:
    """One sheet per table (name cut to Excel's 31 characters), the same file as
    ``pd.ExcelWriter`` with xlsxwriter and ``to_excel(index=False)`` writes, without pandas'
    per-cell styling machinery: eight small tables 18 → 7 ms (a 2,000-row table, where
    xlsxwriter's own work dominates, a sixth less). Tables with values the direct path does
    not cover (durations, decimals, MultiIndex columns) go through pandas. Either way the
    document's creation date is :data:`XLSX_CREATED`, so the same tables give the same bytes."""
    import xlsxwriter

    try:
        sheets = {name[:31]: _sheet_values(df) for name, df in tables.items()}
    except _NotPlain:
        with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": {"in_memory": True}}) as xl:
            xl.book.set_properties({"created": XLSX_CREATED})
            for name, df in tables.items():
                df.to_excel(xl, sheet_name=name[:31], index=False)
        return
    # in_memory: xlsxwriter otherwise writes each part to a temporary file before zipping
    book = xlsxwriter.Workbook(path if hasattr(path, "write") else str(path), {"in_memory": True})
    book.set_properties({"created": XLSX_CREATED})
    for name, (header, columns) in sheets.items():
        _write_sheet(book, book.add_worksheet(name), header, columns)
    book.close()


def _csv_text(value: Any) -> str:
    """``value`` as pandas' ``to_csv`` writes it: missing as '', floats by ``repr`` (what
    numpy's ``astype(str)`` gives for float64), _NotPlain for what needs pandas' own
    formatting (dates, which it shortens when a column has no times)."""
    cls = value.__class__
    if cls is str:
        return value
    if cls is float:
        return "" if value != value else repr(value)
    if cls is int or cls is bool:
        return str(value)
    if value is None or value is pd.NA:
        return ""
    raise _NotPlain(cls.__name__)


def csv_text(df: pd.DataFrame) -> str:
    """``df.to_csv(index=False)``, the same text, made with the csv module for the plain
    tables the workbooks export (text, numbers, flags): pandas' CSV machinery costs about
    1 ms a table before it writes a row. Anything else goes through pandas."""
    try:
        if isinstance(df.columns, pd.MultiIndex) or df.shape[1] == 0:
            raise _NotPlain("columns")
        columns = [[_csv_text(v) for v in values.tolist()] for _, values in df.items()]
    except _NotPlain:
        return df.to_csv(index=False)
    text = io.StringIO()
    out = csv.writer(text, lineterminator=os.linesep)
    out.writerow(df.columns)
    out.writerows(zip(*columns))
    return text.getvalue()


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """``df.to_csv(path, index=False)``, the same bytes (:func:`csv_text`); a dashboard's
    download of the table (:func:`marketbooks.charts.csv_link`) holds the same text."""
    Path(path).write_text(csv_text(df), encoding="utf-8", newline="")


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
    return value


def xlsx_name(workbook: str, scenario: str) -> str:
    """The one workbook file of a scenario's tables, in its output folder and as a download."""
    return f"{workbook}_{scenario}.xlsx"


def csv_name(workbook: str, scenario: str, table: str) -> str:
    """A table's file when downloaded from a dashboard (a run writes ``tables/<table>.csv``)."""
    return f"{workbook}_{scenario}_{table}.csv"


def table_file_link(table: str) -> str:
    """A report's link to a table's CSV, which a run writes beside the report."""
    return f'<a href="tables/{quote(table)}.csv">{html.escape(table)}.csv</a>'


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
        first ``head`` rows) for display.

        Without an output folder (a dashboard, JupyterLab, the golden copies) nothing is
        written, so the view carries a link that downloads the whole table as
        ``<workbook>_<scenario>_<name>.csv``; a run's report links ``tables/<name>.csv``
        instead (:func:`marketbooks.runner.link_data_files`).
        """
        if name in self.tables:
            raise ValueError(f"table '{name}' is registered twice")
        self.tables[name] = df.reset_index(drop=True)
        if not show:
            return None
        from marketbooks.charts import HtmlTable, styled, with_csv_link
        shown = df if head is None else df.head(head)
        view = styled(shown, name, formats)
        if self.output_dir is not None:
            return view
        filename = csv_name(self.workbook, self.scenario, name)
        return HtmlTable(with_csv_link(view._repr_html_(), self.tables[name], filename), name, shown.shape)

    def data_links(self, *names: str) -> Any:
        """Links to registered tables that are not shown as tables (the data behind a chart,
        the sensitivities a notebook only exports), for the notebook to display in their place.

        In a run they link ``tables/<name>.csv`` beside the report, the same links a shown
        table gets; without an output folder they download the whole table as
        ``<workbook>_<scenario>_<name>.csv``, as a shown table's link does.
        """
        from IPython.display import HTML

        from marketbooks.charts import csv_link, data_paragraph

        unknown = [name for name in names if name not in self.tables]
        if unknown or not names:
            raise ValueError(f"no registered table named {', '.join(map(repr, unknown)) or '(none given)'}; "
                             f"registered: {', '.join(self.tables) or 'none'}")
        if self.output_dir is not None:
            links = [table_file_link(name) for name in names]
        else:
            links = [csv_link(self.tables[name], csv_name(self.workbook, self.scenario, name)) for name in names]
        return HTML(data_paragraph(f'Data: {", ".join(links)}'))

    def result(self, **figures: Any) -> None:
        """Record key figures for results.json."""
        self.results.update({k: _plain(v) for k, v in figures.items()})

    def save(self) -> Any:
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
            from IPython.display import HTML

            from marketbooks.charts import XLSX_TYPE, data_link, data_paragraph
            book = io.BytesIO()
            write_xlsx(self.tables, book)
            filename = xlsx_name(self.workbook, self.scenario)
            return HTML(data_paragraph("Every table of this page, a sheet each: "
                                       + data_link(book.getvalue(), XLSX_TYPE, filename, f"Download {filename}")))
        out = self.output_dir
        payload = {"workbook": self.workbook, "scenario": self.scenario, **self.results,
                   "tables": sorted(self.tables)}
        atomic_write(out / "results.json",
                     lambda p: p.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n",
                                            encoding="utf-8"))
        for name, df in self.tables.items():
            atomic_write(out / "tables" / f"{name}.csv", lambda p, df=df: write_csv(df, p))
        if self.tables:
            atomic_write(out / xlsx_name(self.workbook, self.scenario), lambda p: write_xlsx(self.tables, p))
