"""Shared plotly styling, table styling and the chart builders used by several workbooks.

Figures are rendered with the ``plotly_mimetype`` renderer and every plotted float is
rounded, so stored notebook outputs are byte-stable (nbval compares them).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from marketbooks.report import csv_text

pio.renderers.default = "plotly_mimetype"

STATUS_COLOURS = {
    "published": "#1f4e79",
    "derived": "#2e8b57",
    "reconstructed": "#d98c1f",
    "illustrative": "#8c8c8c",
    "missing": "#c0c0c0",
}
INCREASE, DECREASE, TOTAL = "#2e8b57", "#c0392b", "#1f4e79"

# A small explicit template rather than "plotly_white": loading a named template costs
# ~0.2 s per kernel and embeds ~7 kB of template JSON in every stored figure.
_AXIS = dict(gridcolor="#e5e5e5", zerolinecolor="#b0b0b0", linecolor="#b0b0b0", automargin=True)
_LAYOUT = dict(template=None, paper_bgcolor="white", plot_bgcolor="white",
               colorway=["#1f4e79", "#d98c1f", "#2e8b57", "#c0392b", "#5b9bd5", "#8c8c8c"],
               font=dict(family="Arial, sans-serif", size=13, color="#2a3f5f"),
               xaxis=_AXIS, yaxis=_AXIS, margin=dict(l=60, r=30, t=60, b=50), height=420)


def _merged(base: dict, update: dict) -> dict:
    out = dict(base)
    for key, value in update.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


VALIDATE = False  # the tests set it: every figure they build goes through plotly's validators


def figure(traces: list[dict], title: str, layout: dict | None = None, marks: Sequence[dict] = ()) -> go.Figure:
    """A figure of ``traces`` (plotly trace dicts: ``{"type": "bar", ...}``) in the house
    style, titled ``title``, with the chart's own ``layout`` settings and reference
    ``marks`` (:func:`vline`, :func:`hline`, :func:`vrect`, :func:`label`), drawn in that order.

    Built as plain dicts in one construction, without plotly's property validators unless
    :data:`VALIDATE` is set: validating costs more than the rest of a chart's plotly work
    and changes nothing in a figure that passes it. The test suite validates every figure
    it builds, and checks that a validated figure serializes to the same JSON. The house
    style wins over the chart's settings where both set a property.
    """
    merged = _merged(layout or {}, {"title": {"text": title}, **_LAYOUT})
    for mark in marks:
        if "shape" in mark:
            merged.setdefault("shapes", []).append(mark["shape"])
        if "annotation" in mark:
            merged.setdefault("annotations", []).append(mark["annotation"])
    # An empty template, not None: with None the validating constructor installs plotly's
    # default one (~7 kB of JSON in every stored figure). It still gives {} an empty scatter
    # default, which update_layout(template=None) clears.
    merged["template"] = {}
    if VALIDATE:
        return go.Figure({"data": traces, "layout": merged}).update_layout(template=None)
    return go.Figure({"data": traces, "layout": merged}, _validate=False)


def axis_titles(x: str | None = None, y: str | None = None, **layout) -> dict:
    """``layout`` with the primary axes' titles set. Unlike ``update_yaxes(title_text=...)``,
    which retitles every y axis, a secondary ``yaxis2`` keeps its own title."""
    for axis, text in (("xaxis", x), ("yaxis", y)):
        if text is not None:
            layout[axis] = _merged(layout.get(axis, {}), {"title": {"text": text}})
    return layout


def vline(x: float, line: dict, text: str | None = None, position: str = "top right") -> dict:
    """A vertical reference line across the plot at ``x``, labelled like ``fig.add_vline``'s."""
    mark = {"shape": {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
                      "line": line}}
    if text is not None:
        bottom = position.startswith("bottom")
        mark["annotation"] = {"text": text, "showarrow": False, "x": x, "xref": "x", "xanchor": "left",
                              "y": 0 if bottom else 1, "yref": "y domain", "yanchor": "bottom" if bottom else "top"}
    return mark


def hline(y: float, line: dict, text: str | None = None) -> dict:
    """A horizontal reference line across the plot at ``y``, labelled top right like ``fig.add_hline``'s."""
    mark = {"shape": {"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": y, "y1": y, "yref": "y",
                      "line": line}}
    if text is not None:
        mark["annotation"] = {"text": text, "showarrow": False, "x": 1, "xref": "x domain", "xanchor": "right",
                              "y": y, "yref": "y", "yanchor": "bottom"}
    return mark


def vrect(x0: float, x1: float, fillcolor: str, opacity: float, text: str | None = None) -> dict:
    """A shaded band from ``x0`` to ``x1`` over the plot's height, labelled top right
    inside the band like ``fig.add_vrect``'s (no outline)."""
    mark = {"shape": {"type": "rect", "x0": x0, "x1": x1, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
                      "fillcolor": fillcolor, "opacity": opacity, "line": {"width": 0}}}
    if text is not None:
        mark["annotation"] = {"text": text, "showarrow": False, "x": x1, "xref": "x", "xanchor": "right",
                              "y": 1, "yref": "y domain", "yanchor": "top"}
    return mark


def label(x, y, text: str, **annotation) -> dict:
    """A free text label at data coordinates (``fig.add_annotation``)."""
    return {"annotation": {"x": x, "y": y, "text": text, "showarrow": False, **annotation}}


def number(v: float) -> str:
    """Thousands separators; whole amounts of 1,000 and more without decimals, others 2 dp."""
    if abs(v) >= 1000 and float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:,.2f}"


# Voilà's page styles a link inside a widget like its text: a link must say it is one.
LINK_STYLE = "color:#1a5fb4;text-decoration:underline"


def link(href: str, label: str, css_class: str = "", **attributes: str) -> str:
    """An HTML link that looks like one; ``attributes`` such as ``download`` or ``target``."""
    attributes = ({"class": css_class} if css_class else {}) | attributes
    extra = "".join(f' {name}="{html.escape(value)}"' for name, value in attributes.items())
    return f'<a href="{html.escape(href)}"{extra} style="{LINK_STYLE}">{html.escape(label)}</a>'


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def data_link(content: bytes, media_type: str, filename: str, label: str) -> str:
    """A link that downloads ``content`` as ``filename``, with no server file behind it: a
    dashboard's tables exist only in the page."""
    return link(f"data:{media_type};base64,{base64.b64encode(content).decode()}", label, download=filename)


def csv_link(df: pd.DataFrame, filename: str, label: str | None = None) -> str:
    """A link (``Download <filename>`` unless ``label`` says otherwise) that downloads ``df``
    as ``filename``: the bytes a run writes for it (:func:`marketbooks.report.csv_text`)."""
    return data_link(csv_text(df).encode(), "text/csv", filename, label or f"Download {filename}")


def data_paragraph(content: str) -> str:
    """The paragraph that holds a page's data links (class ``mb-data``, which tests and
    styles find them by)."""
    return f'<p class="mb-data">{content}</p>'


def with_csv_link(table_html: str, df: pd.DataFrame, filename: str) -> str:
    """A shown table's HTML with a link under it that downloads ``df`` (the whole table,
    however many rows are shown) as ``filename``."""
    return table_html + data_paragraph(csv_link(df, filename))


NA = "—"  # how a table shows a missing value
_STYLER_PRECISION = 6  # pandas' styler.format.precision: floats in columns without a format
_STYLER_MAX_ELEMENTS = 262144  # pandas' styler.render.max_elements: a Styler trims beyond it


class HtmlTable:
    """A formatted table for display: the HTML a pandas Styler renders for
    ``df.style.set_uuid(name).hide(axis="index").format(formats, na_rep="—")``, built
    directly (a tenth of the Styler's time) and with text escaped (the Styler passes text
    through as markup), and a short plain-text form. A dashboard's table also holds the
    download link under it (:func:`with_csv_link`)."""

    def __init__(self, html_text: str, name: str, shape: tuple[int, int]):
        self.html = html_text
        self.name = name
        self.shape = shape

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<table {self.name}: {self.shape[0]} rows x {self.shape[1]} columns>"


def _default_format(value: Any) -> str:
    """pandas' Styler default formatter: floats to 6 decimals, the rest as text."""
    if isinstance(value, float) or (hasattr(value, "dtype") and value.dtype.kind in "fc"):
        return f"{value:.{_STYLER_PRECISION}f}"
    return str(value)


def _formatter(fmt: str | Callable | None) -> Callable[[Any], str]:
    if fmt is None:
        return _default_format
    if isinstance(fmt, str):
        return fmt.format
    return fmt


def _element_text(text: str) -> str:
    """``text`` safe inside an HTML element: uploaded data must not become markup."""
    return html.escape(text, quote=False)


def _missing(value: Any) -> bool:
    """``pd.isna`` for one value, with the values a column's ``tolist()`` mostly gives
    (text, numbers) decided without it."""
    if value is None:
        return True
    if value.__class__ is float:
        return value != value
    if value.__class__ in (str, int, bool):
        return False
    try:
        return pd.isna(value) is True
    except (TypeError, ValueError):
        return False


def _holds_text(values: pd.Series, items: list) -> bool:
    """A column of words rather than numbers: text dtype, and every value present is text."""
    kind = values.dtype
    if not (kind == object or isinstance(kind, (pd.StringDtype, pd.CategoricalDtype))):
        return False
    return all(isinstance(v, str) or _missing(v) for v in items)


def text_columns(df: pd.DataFrame) -> list[int]:
    """Positions of the columns :func:`html_table` aligns left (see :func:`_holds_text`)."""
    return [c for c, (_, values) in enumerate(df.items()) if _holds_text(values, values.tolist())]


_LEFT = "text-align: left"


def _left_aligned(positions: list[int]) -> dict:
    """The Styler's table styles that set text columns, heading and cells, flush left
    (notebooks, reports and Voilà right-align every cell by default)."""
    return {p: [{"selector": "", "props": _LEFT}] for p in positions}


def html_table(df: pd.DataFrame, name: str, formats: dict | None = None) -> HtmlTable | Any:
    """``df`` without its index as an :class:`HtmlTable`, each column through its format in
    ``formats`` (a format string or a function), missing values as "—", text escaped, text
    columns flush left and numbers flush right. Frames the direct path does not cover
    (MultiIndex or no columns, beyond the Styler's size limit) get the pandas Styler with
    the same settings."""
    formats = formats or {}
    if isinstance(df.columns, pd.MultiIndex) or df.shape[1] == 0 or df.size > _STYLER_MAX_ELEMENTS:
        styles = {df.columns[p]: rules for p, rules in _left_aligned(text_columns(df)).items()}
        return (df.style.set_uuid(name).hide(axis="index").format(formats, na_rep=NA, escape="html")
                .set_table_styles(styles))
    tid = f"T_{name}"
    cells = []
    left = []
    for c, (column, values) in enumerate(df.items()):
        items = values.tolist()
        if _holds_text(values, items):
            left.append(c)
        fmt = _formatter(formats.get(column))
        cells.append([NA if _missing(v) else _element_text(str(fmt(v))) for v in items])
    rules = "".join(f"#{tid} .col{c} {{\n  {_LEFT};\n}}\n" for c in left)
    out = [f'<style type="text/css">\n{rules}</style>\n', f'<table id="{tid}">\n  <thead>\n    <tr>\n']
    out += [f'      <th id="{tid}_level0_col{c}" class="col_heading level0 col{c}" >{_element_text(str(label))}</th>\n'
            for c, label in enumerate(df.columns)]
    out.append("    </tr>\n  </thead>\n  <tbody>\n")
    for r in range(df.shape[0]):
        out.append("    <tr>\n")
        out += [f'      <td id="{tid}_row{r}_col{c}" class="data row{r} col{c}" >{column[r]}</td>\n'
                for c, column in enumerate(cells)]
        out.append("    </tr>\n")
    out.append("  </tbody>\n</table>\n")
    return HtmlTable("".join(out), name, df.shape)


def _is_year(column: Any) -> bool:
    return isinstance(column, str) and (column.lower() == "year" or column.lower().endswith(("_year", " year")))


def styled(df: pd.DataFrame, name: str, formats: dict | None = None) -> HtmlTable | Any:
    """The house table: fixed id (stable HTML), no index, thousands separators, except in
    a whole-number column named as a year (``year``, ``trading_year``): 2017, not 2,017."""
    kinds = df.dtypes
    fmt = {c: number for c, kind in kinds.items() if pd.api.types.is_float_dtype(kind)}
    fmt.update({c: "{}" if _is_year(c) else "{:,}" for c, kind in kinds.items() if pd.api.types.is_integer_dtype(kind)})
    fmt.update(formats or {})
    return html_table(df, name, fmt)


def side_by_side(panels: Sequence[tuple[list[dict], str]], title: str, y_title: str, gap: float = 0.07) -> go.Figure:
    """Panels next to each other on one shared y axis, each panel ``(traces, x-axis title)``:
    what plotly's ``make_subplots`` lays out, built as plain dicts like :func:`figure`."""
    width = (1 - gap * (len(panels) - 1)) / len(panels)
    layout: dict = {"yaxis": {"title": {"text": y_title}}, "showlegend": False}
    traces = []
    for i, (panel, x_title) in enumerate(panels):
        start = i * (width + gap)
        layout["xaxis" if i == 0 else f"xaxis{i + 1}"] = {
            **_AXIS, "domain": [round(start, 4), round(start + width, 4)], "anchor": "y", "title": {"text": x_title}}
        traces += [{**trace, "xaxis": "x" if i == 0 else f"x{i + 1}", "yaxis": "y"} for trace in panel]
    return figure(traces, title, layout)


def waterfall(labels: list[str], values: list[float], measures: list[str], title: str,
              unit: str, decimals: int = 2) -> go.Figure:
    """A build-up chart: ``measures`` are plotly's 'absolute' | 'relative' | 'total'."""
    vals = [round(v, decimals) for v in values]
    trace = dict(type="waterfall", x=labels, y=vals, measure=measures, text=[f"{v:,.{decimals}f}" for v in vals],
                 textposition="outside", increasing=dict(marker=dict(color=INCREASE)),
                 decreasing=dict(marker=dict(color=DECREASE)), totals=dict(marker=dict(color=TOTAL)),
                 connector=dict(line=dict(color="#999999")))
    return figure([trace], title, axis_titles(y=unit))


def tornado(df: pd.DataFrame, base: float, title: str, unit: str, decimals: int = 0) -> go.Figure:
    """One-at-a-time sensitivity: ``df`` has driver, low_value, high_value, delta_low, delta_high."""
    traces = [dict(type="bar", y=df["driver"], x=df[f"delta_{side}"].round(decimals), orientation="h",
                   name=f"{side} value", marker=dict(color=colour),
                   text=[f"{v:g}" for v in df[f"{side}_value"]], textposition="auto")
              for side, colour in (("low", DECREASE), ("high", INCREASE))]
    return figure(traces, title, axis_titles(f"change from base {base:,.{decimals}f} ({unit})", barmode="overlay"))
