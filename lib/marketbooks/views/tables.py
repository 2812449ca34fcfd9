"""Tables as the workbooks show and export them: formatted HTML, CSV and XLSX, download links.

HTML comes from the pandas Styler, CSV from ``DataFrame.to_csv`` and XLSX from pandas'
``ExcelWriter`` with xlsxwriter, so a table shown, downloaded from a dashboard or written by
a run holds the same values.
"""

from __future__ import annotations

import base64
import datetime
import html
import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import pandas as pd

NA = "—"  # how a table shows a missing value

# The XLSX's "created" property: xlsxwriter stamps the time of writing by default, the
# only part of an output that would differ between two runs of the same scenario. A fixed
# date (the zip format's epoch) makes a changed file mean changed content.
XLSX_CREATED = datetime.datetime(1980, 1, 1)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Voilà's page styles a link inside a widget like its text: a link must say it is one.
LINK_STYLE = "color:#1a5fb4;text-decoration:underline"


class HtmlTable:
    """A formatted table for display (its HTML) with a short plain-text form."""

    def __init__(self, html_text: str, name: str, shape: tuple[int, int]):
        self.html = html_text
        self.name = name
        self.shape = shape

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<table {self.name}: {self.shape[0]} rows x {self.shape[1]} columns>"


def number(v: float) -> str:
    """Thousands separators; whole amounts of 1,000 and more without decimals, others 2 dp.

    >>> number(519227150.0), number(71.45), number(7267.0)
    ('519,227,150', '71.45', '7,267')
    """
    if abs(v) >= 1000 and float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:,.2f}"


def percent(v: float) -> str:
    """A fraction as a percentage: 0.06 → "6 %", 0.375 → "37.5 %".

    >>> percent(0.06), percent(0.375), percent(0.07)
    ('6 %', '37.5 %', '7 %')
    """
    return f"{round(v * 100, 6):g} %"


def yes_no(v: Any) -> str:
    """True/False as a reader says it."""
    return "yes" if bool(v) else "no"


def _is_year(column: Any) -> bool:
    return isinstance(column, str) and (column.lower() == "year" or column.lower().endswith(("_year", " year")))


def text_columns(df: pd.DataFrame) -> list[Any]:
    """The columns of words rather than numbers: text dtype, every value present is text.
    They are set flush left (notebooks, reports and Voilà right-align every cell)."""
    out = []
    for column, values in df.items():
        kind = values.dtype
        if pd.api.types.is_object_dtype(kind) or isinstance(kind, (pd.StringDtype, pd.CategoricalDtype)):
            present = values.dropna()
            if all(isinstance(v, str) for v in present.tolist()):
                out.append(column)
    return out


def styled(df: pd.DataFrame, name: str, formats: Mapping[Any, str | Callable] | None = None) -> HtmlTable:
    """The house table: element id ``T_<name>``, no index, missing values as "—", text
    escaped, text columns flush left, thousands separators (except in a whole-number
    column named as a year: 2017, not 2,017), yes/no for true/false, and ``formats`` per
    column. A table without rows reads "none", not a header over nothing.

    >>> styled(pd.DataFrame({"x": []}), "empty").html
    '<p class="mb-empty" id="T_empty">none</p>'
    >>> "yes" in styled(pd.DataFrame({"valid": [True]}), "flags").html
    True
    """
    if df.empty:
        return HtmlTable(f'<p class="mb-empty" id="T_{html.escape(name)}">none</p>', name, df.shape)
    fmt: dict[Any, str | Callable] = {c: number for c, kind in df.dtypes.items() if pd.api.types.is_float_dtype(kind)}
    fmt.update({c: yes_no for c, kind in df.dtypes.items() if pd.api.types.is_bool_dtype(kind)})
    fmt.update(
        {c: "{}" if _is_year(c) else "{:,}" for c, kind in df.dtypes.items() if pd.api.types.is_integer_dtype(kind)}
    )
    fmt.update(formats or {})
    left = {column: [{"selector": "", "props": "text-align: left"}] for column in text_columns(df)}
    styler = (
        df.style.set_uuid(name)
        .hide(axis="index")
        .format({c: f for c, f in fmt.items() if c in df.columns}, na_rep=NA, escape="html")
        .format_index(escape="html", axis=1)
        .set_table_styles(left)
    )
    return HtmlTable(styler.to_html(), name, df.shape)


# A spreadsheet reads text that starts with one of these as a formula, which a CSV opened in
# it would run (CSV injection). Such text is written with an apostrophe before it, as OWASP
# and the spreadsheet programs recommend; the apostrophe shows, the formula does not run.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell that a spreadsheet would run as a formula written as text.

    >>> neutralised(pd.DataFrame({"who": ["=cmd|' /C calc'!A0", "Alpha", "-5"], "n": [-5, 1, 2]}))["who"].tolist()
    ["'=cmd|' /C calc'!A0", 'Alpha', "'-5"]
    """
    risky = {
        column: values.map(lambda v: f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v)
        for column, values in df.items()
        if _may_hold_text(values)
    }
    return df.assign(**risky) if risky else df


def line_end(df: pd.DataFrame) -> str:
    r"""The CSV's line ending for ``df``: ``"\n"``, or ``"\r\n"`` (RFC 4180's) when a text
    cell holds a carriage return.

    Python's CSV writer quotes a cell for the characters of its line ending only: a lone
    carriage return inside a cell would otherwise be written bare, and a reader would end
    the row there and start the next with the rest of the cell (a formula, even, after
    :func:`neutralised` has passed it).

    >>> line_end(pd.DataFrame({"who": ["Alpha", "x\r=1"]})) == "\r\n"
    True
    """
    for _, values in df.items():
        if _may_hold_text(values) and values.map(lambda v: isinstance(v, str) and "\r" in v).any():
            return "\r\n"
    return "\n"


def _may_hold_text(values: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(values.dtype) or isinstance(values.dtype, pd.StringDtype)


def csv_text(df: pd.DataFrame) -> str:
    """A table as CSV text: ``df.to_csv(index=False)``, formulas written as text
    (:func:`neutralised`), every cell one cell to a reader (:func:`line_end`)."""
    return neutralised(df).to_csv(index=False, lineterminator=line_end(df))


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """The table in ``path`` as CSV: the text of :func:`csv_text`."""
    Path(path).write_text(csv_text(df), encoding="utf-8", newline="")


def write_xlsx(tables: Mapping[str, pd.DataFrame], path: Path | BinaryIO) -> None:
    """One sheet per table (name cut to Excel's 31 characters), written by pandas with
    xlsxwriter; the document's creation date is :data:`XLSX_CREATED`, so the same tables
    give the same bytes. Text stays text: xlsxwriter would otherwise write text that starts
    with "=" as a formula, and text that looks like an address as a link."""
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": options}) as xl:
        xl.book.set_properties({"created": XLSX_CREATED})
        for name, df in tables.items():
            df.to_excel(xl, sheet_name=name[:31], index=False)


def xlsx_bytes(tables: Mapping[str, pd.DataFrame]) -> bytes:
    """:func:`write_xlsx` into memory."""
    book = io.BytesIO()
    write_xlsx(tables, book)
    return book.getvalue()


def link(href: str, label: str, css_class: str = "", **attributes: str) -> str:
    """An HTML link that looks like one; ``attributes`` such as ``download`` or ``target``."""
    attributes = ({"class": css_class} if css_class else {}) | attributes
    extra = "".join(f' {name}="{html.escape(value)}"' for name, value in attributes.items())
    return f'<a href="{html.escape(href)}"{extra} style="{LINK_STYLE}">{html.escape(label)}</a>'


def data_link(content: bytes, media_type: str, filename: str, label: str) -> str:
    """A link that downloads ``content`` as ``filename``, with no server file behind it: a
    dashboard's tables exist only in the page."""
    return link(f"data:{media_type};base64,{base64.b64encode(content).decode()}", label, download=filename)


def csv_link(df: pd.DataFrame, filename: str, label: str | None = None) -> str:
    """A link (``Download <filename>`` unless ``label`` says otherwise) that downloads ``df``
    as ``filename``: the bytes a run writes for it."""
    return data_link(csv_text(df).encode(), "text/csv", filename, label or f"Download {filename}")


def data_paragraph(content: str) -> str:
    """The paragraph that holds a page's data links (class ``mb-data``, which tests and
    styles find them by)."""
    return f'<p class="mb-data">{content}</p>'


def with_csv_link(table: HtmlTable, df: pd.DataFrame, filename: str) -> HtmlTable:
    """``table`` with a link under it that downloads ``df`` (the whole table, however many
    rows are shown) as ``filename``."""
    return HtmlTable(table.html + data_paragraph(csv_link(df, filename)), table.name, table.shape)


def table_file_link(table: str) -> str:
    """A report's link to a table's CSV, which a run writes beside the report."""
    return f'<a href="tables/{quote(table)}.csv">{html.escape(table)}.csv</a>'
