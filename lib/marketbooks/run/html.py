"""A run's code-free HTML report: nbconvert's HTMLExporter with the project's offline template.

Charts become plotly HTML divs that load one shared copy of plotly.js under
``outputs/_static`` (so reports work offline), every shown table links its CSV, and a
closing "Data" section links the XLSX and every CSV.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import nbformat

from marketbooks.run.serve import share_dir
from marketbooks.views.charts import PLOTLY_MIMETYPE
from marketbooks.views.tables import data_paragraph, table_file_link

PLOTLY_JS = "plotly-marketbooks.min.js"
REPORT_TEMPLATE = "marketbooks-report"  # run/share/jupyter/nbconvert/templates/
DATA_CELL_ID = "data-files"
_SHOWN_TABLE = re.compile(r'<table id="T_([A-Za-z0-9_-]+)"')


def plotly_js_source() -> Path:
    """The plotly.js the dashboards' template carries: every trace type the workbooks draw
    and no other (built by ``tools/plotly-js``; a sixth of the full bundle's load time)."""
    return share_dir() / "voila" / "templates" / "marketbooks" / "static" / PLOTLY_JS


def shared_plotly_js(outputs: Path) -> Path:
    """One copy of plotly.js under ``outputs/_static`` that every report loads."""
    target = outputs / "_static" / PLOTLY_JS
    source = plotly_js_source()
    if not target.exists() or target.read_bytes() != source.read_bytes():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{PLOTLY_JS}.{os.getpid()}")
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    return target


def link_data_files(nb: nbformat.NotebookNode, folder: Path) -> None:
    """Give a report's reader the files behind it: each shown table (a house table's id is
    ``T_<name>``) gets a link to ``tables/<name>.csv``, and a closing "Data" section links
    the XLSX and every CSV, the tables not shown included. Links are relative to ``folder``,
    where the report is written, and name only files that are there."""
    tables = folder / "tables"
    csvs = sorted(p.name for p in tables.glob("*.csv")) if tables.is_dir() else []
    workbooks = sorted(p.name for p in folder.glob("*.xlsx"))
    if not csvs and not workbooks:
        return
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            page = data.get("text/html")
            page = "".join(page) if isinstance(page, list) else page
            shown = _SHOWN_TABLE.search(page) if page else None
            if shown and f"{shown[1]}.csv" in csvs:
                data["text/html"] = page + data_paragraph(f"Data: {table_file_link(shown[1])}")
    lines = ["## Data", ""]
    if workbooks:
        lines.append(
            "Every table of this report in one workbook, a sheet per table: "
            + ", ".join(f"[{name}]({quote(name)})" for name in workbooks)
            + "."
        )
    if csvs:
        lines.append("As CSV: " + ", ".join(f"[{name}](tables/{quote(name)})" for name in csvs) + ".")
    cell = nbformat.v4.new_markdown_cell("\n\n".join(lines))
    cell.id = DATA_CELL_ID  # a random id would name the report's element differently in each run
    nb.cells.append(cell)


def html_report(nb: nbformat.NotebookNode, target: Path, plotly_js: str = f"../../_static/{PLOTLY_JS}") -> None:
    """Write ``nb`` as a code-free HTML report to ``target``; plotly figures become HTML divs
    that load ``plotly_js`` (relative to the report: ``outputs/<workbook>/<scenario>/report.html``),
    tables link their files in the report's folder (:func:`link_data_files`)."""
    import plotly.io as pio
    from nbconvert import HTMLExporter

    nb = nbformat.from_dict(nbformat.reads(nbformat.writes(nb), as_version=4))
    link_data_files(nb, target.parent)
    n = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if PLOTLY_MIMETYPE in data:
                data["text/html"] = pio.to_html(
                    data.pop(PLOTLY_MIMETYPE),
                    include_plotlyjs=plotly_js if n == 0 else False,
                    full_html=False,
                    div_id=f"figure-{n}",
                    validate=False,
                )
                n += 1
            data.pop("application/vnd.jupyter.widget-view+json", None)
    exporter = HTMLExporter(
        template_name=REPORT_TEMPLATE,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        extra_template_basedirs=[str(share_dir() / "nbconvert" / "templates")],
    )
    body, _ = exporter.from_notebook_node(nb)
    target.write_text(body, encoding="utf-8")
