"""The house chart style and the chart builders several workbooks use.

Figures are plotly ``go.Figure`` objects built and validated by plotly's public API. A
notebook shows them as :class:`Chart`, which hands IPython plotly's JSON MIME bundle
(what JupyterLab, Voilà and the HTML reports render) without going through plotly's
renderer registry, so no global renderer has to be set. Plotted floats are rounded, so
stored outputs are byte-stable (nbval compares them).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

STATUS_COLOURS = {
    "published": "#1f4e79",
    "derived": "#2e8b57",
    "reconstructed": "#d98c1f",
    "calibrated": "#8e44ad",
    "chosen": "#b8860b",
    "user input": "#5b9bd5",
    "illustrative": "#8c8c8c",
    "missing": "#c0c0c0",
}
INCREASE, DECREASE, TOTAL = "#2e8b57", "#c0392b", "#1f4e79"

PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"

# A small explicit style rather than a named template ("plotly_white"), which would embed
# about 7 kB of template JSON in every stored figure.
AXIS_STYLE = dict(gridcolor="#e5e5e5", zerolinecolor="#b0b0b0", linecolor="#b0b0b0", automargin=True)
HOUSE_MARGIN = dict(l=70, r=30, t=60, b=50)
HOUSE_LAYOUT = dict(
    paper_bgcolor="white",
    plot_bgcolor="white",
    colorway=["#1f4e79", "#d98c1f", "#2e8b57", "#c0392b", "#5b9bd5", "#8c8c8c"],
    font=dict(family="Arial, sans-serif", size=13, color="#2a3f5f"),
    xaxis=AXIS_STYLE,
    yaxis=AXIS_STYLE,
    # margins that hold the usual tick labels and a legend in a row above the plot: plotly
    # draws a chart a second time when its labels or legend push a margin wider (a vertical
    # legend at the right took 150-240 px, more than half a phone's width)
    margin=HOUSE_MARGIN,
    legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, xanchor="left"),
    height=420,
)


# Draws a chart's figure where its <script> stands (the <div> before it) once plotly.js is
# loaded and the page shows it; a dashboard's page loads plotly.js itself and draws charts
# waiting in ``mbPending`` when its cells appear (the marketbooks Voilà template).
_DRAW = (
    "(function (el, fig) {"
    " function draw() { Plotly.newPlot(el, fig.data, fig.layout, {responsive: true, displaylogo: false}); }"
    " if (window.Plotly && el.offsetParent !== null) { draw(); }"
    " else { (window.mbPending = window.mbPending || []).push(draw); }"
    "})(document.currentScript.previousElementSibling, %s);"
)


class Chart:
    """A figure to display.

    IPython shows it as plotly's JSON MIME bundle (JupyterLab, the HTML reports), as HTML
    that draws it with plotly.js (the dashboards, which load plotly.js once rather than
    JupyterLab's plotly extension) and as a text alternative: the title, the axes and the
    series. ``figure`` is the ``go.Figure``.
    """

    def __init__(self, figure: go.Figure):
        self.figure = figure
        if self.has_legend() and figure.layout.margin.t == HOUSE_MARGIN["t"]:
            figure.layout.margin.t = 85  # the house legend: a row above the plot, under the title

    def has_legend(self) -> bool:
        """Whether plotly shows the figure's legend (by default: for more than one series)."""
        shown = self.figure.layout.showlegend
        return shown if shown is not None else sum(t.showlegend is not False for t in self.figure.data) > 1

    def to_plotly_json(self) -> dict[str, Any]:
        """The figure as plain JSON data (what the MIME bundle holds)."""
        return json.loads(self._json())

    def _json(self) -> str:
        # the standard library encoder: orjson, when installed, encodes arrays another way
        return pio.to_json(self.figure, validate=False, engine="json")

    def description(self) -> str:
        """The chart in words, for a reader who cannot see it (and for its aria-label)."""
        layout = self.figure.layout
        axes = [
            f"{name} axis: {axis.title.text}"
            for name, axis in (("x", layout.xaxis), ("y", layout.yaxis))
            if axis.title.text
        ]
        series = [trace.name for trace in self.figure.data if trace.name]
        parts = [f"Chart: {html.unescape(layout.title.text or 'untitled')}", *axes]
        if series:
            parts.append(f"{len(self.figure.data)} series: {', '.join(series)}")
        return ". ".join(parts) + "."

    def captioned_figure(self) -> dict[str, Any]:
        """The figure :meth:`html` draws, as plain data: without its title (the caption
        shows it) and with the top margin that leaves (room for the legend, if any)."""
        # a copy of the figure's settings edited as plain data: an update_layout on a copy
        # took 3-4 ms of every Explore change, and a copy through plotly's constructor
        # (which validates every setting again) 6-7 ms
        untitled = self.figure.to_plotly_json()
        layout = untitled["layout"]
        if "title" in layout:
            layout["title"] = {key: value for key, value in layout["title"].items() if key != "text"}
        layout["margin"] = {**layout.get("margin", {}), "t": 55 if self.has_legend() else 30}
        return untitled

    def html(self) -> str:
        """The chart as a figure: its title as a caption (it wraps on a narrow screen, where
        plotly's own title would run under the chart's toolbar), a ``<div>`` and the script
        that draws the figure into it with plotly.js."""
        title = self.figure.layout.title.text or ""  # escaped already (figure())
        untitled = self.captioned_figure()
        height = untitled["layout"].get("height") or 420
        label = html.escape(self.description())
        figure_json = pio.to_json(untitled, validate=False, engine="json").replace("</", "<\\/")
        return (
            f'<figure class="mb-chart-figure"><figcaption>{title}</figcaption>'
            f'<div class="mb-chart" role="img" aria-label="{label}" style="height:{height}px;width:100%"></div>'
            f"<script>{_DRAW % figure_json}</script></figure>"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {PLOTLY_MIMETYPE: self.to_plotly_json(), "text/html": self.html(), "text/plain": self.description()}

    def __repr__(self) -> str:
        return f"<Chart: {self.figure.layout.title.text}>"


def _as_text(value: Any) -> Any:
    """A trace's name, text or hover text (a string or a list of them) with HTML's special
    characters escaped: plotly reads these as a little HTML, and they may come from a
    scenario file or an upload (a participant's name)."""
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if isinstance(value, (list, tuple)):
        return [html.escape(v, quote=False) if isinstance(v, str) else v for v in value]
    return value


def figure(traces: Sequence[dict], title: str, layout: dict | None = None) -> go.Figure:
    """A validated figure of ``traces`` (plotly trace dicts: ``{"type": "bar", ...}``) in the
    house style, titled ``title``, with the chart's own ``layout`` settings (the house style
    wins where both set a property). The title and the traces' names, texts and hover texts
    are text, never markup. Add reference lines with :func:`vertical_lines` or plotly's ``add_hline``.
    """
    data = [
        {key: _as_text(value) if key in ("name", "text", "hovertext") else value for key, value in trace.items()}
        for trace in traces
    ]
    # The house style merged into the chart's own settings before the figure is built:
    # plotly's constructor validates a layout about five times as fast as update_layout
    # does key by key (4-5 ms against 8-24 ms here), and every Explore change builds its
    # charts anew. The chart's own settings are read through go.Layout first, so
    # that "margin_t"-style keys are nested before the house style goes over them.
    own = go.Layout(layout or {}).to_plotly_json()
    house = {**HOUSE_LAYOUT, "title": {"text": html.escape(title, quote=False)}, "template": {}}
    # no template: an empty one spares the constructor plotly's default (about 7 kB); the
    # constructor fills it with a placeholder that setting None empties again
    return go.Figure(data=data, layout=_over(own, house)).update_layout(template=None)


def _over(own: dict[str, Any], house: dict[str, Any]) -> dict[str, Any]:
    """``own`` with ``house``'s settings over it, nested settings merged key by key (what
    plotly's ``update_layout`` does)."""
    merged = dict(own)
    for key, value in house.items():
        below = merged.get(key)
        merged[key] = _over(below, value) if isinstance(value, dict) and isinstance(below, dict) else value
    return merged


def vertical_lines(fig: go.Figure, lines: Sequence[tuple[float, dict, str, str]]) -> go.Figure:
    """``fig`` with a vertical line across the plot at each ``(x, line style, text, "top" |
    "bottom")``, its text beside it at the top or bottom right: what plotly's ``add_vline``
    draws, added in one layout update (``add_vline`` checks the figure's axes for each line,
    about 3 ms a line, part of every auction Explore change).

    Examples
    --------
    >>> fig = vertical_lines(figure([dict(type="bar", x=[1], y=[1])], "t"), [(2.0, {"dash": "dot"}, "cap", "top")])
    >>> fig.layout.shapes[0].x0, fig.layout.annotations[0].text
    (2.0, 'cap')
    """
    shapes = [
        dict(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain", line=style) for x, style, _, _ in lines
    ]
    texts = [
        dict(
            showarrow=False,
            text=text,
            x=x,
            xanchor="left",
            xref="x",
            y=1 if at == "top" else 0,
            yanchor=at,
            yref="y domain",
        )
        for x, _, text, at in lines
    ]
    return fig.update_layout(shapes=[*fig.layout.shapes, *shapes], annotations=[*fig.layout.annotations, *texts])


def axis_titles(x: str | None = None, y: str | None = None, **layout: Any) -> dict:
    """``layout`` with the primary axes' titles set. Unlike ``update_yaxes(title_text=...)``,
    which retitles every y axis, a secondary ``yaxis2`` keeps its own title."""
    for axis, text in (("xaxis", x), ("yaxis", y)):
        if text is not None:
            layout[axis] = {**layout.get(axis, {}), "title": {"text": text}}
    return layout


def side_by_side(panels: Sequence[tuple[list[dict], str]], title: str, y_title: str, gap: float = 0.07) -> go.Figure:
    """Panels next to each other on one shared y axis, each panel ``(traces, x-axis title)``."""
    fig = make_subplots(rows=1, cols=len(panels), shared_yaxes=True, horizontal_spacing=gap)
    for col, (traces, x_title) in enumerate(panels, start=1):
        for trace in traces:
            fig.add_trace(trace, row=1, col=col)
        fig.update_xaxes(AXIS_STYLE, title_text=x_title, row=1, col=col)
    fig.update_yaxes(AXIS_STYLE)
    fig.update_yaxes(title_text=y_title, row=1, col=1)
    fig.update_layout(HOUSE_LAYOUT, title_text=html.escape(title, quote=False), template=None, showlegend=False)
    return fig


def waterfall(
    labels: list[str], values: list[float], measures: list[str], title: str, unit: str, decimals: int = 2
) -> go.Figure:
    """A build-up chart: ``measures`` are plotly's 'absolute' | 'relative' | 'total'."""
    vals = [round(v, decimals) for v in values]
    trace = dict(
        type="waterfall",
        x=labels,
        y=vals,
        measure=measures,
        text=[f"{v:,.{decimals}f}" for v in vals],
        textposition="outside",
        increasing=dict(marker=dict(color=INCREASE)),
        decreasing=dict(marker=dict(color=DECREASE)),
        totals=dict(marker=dict(color=TOTAL)),
        connector=dict(line=dict(color="#999999")),
    )
    return figure([trace], title, axis_titles(y=unit))


def tornado(df: pd.DataFrame, base: float, title: str, unit: str, decimals: int = 0) -> go.Figure:
    """One-at-a-time sensitivity: ``df`` has driver, low_value, high_value, delta_low, delta_high."""
    traces = [
        dict(
            type="bar",
            y=df["driver"],
            x=df[f"delta_{side}"].round(decimals),
            orientation="h",
            name=f"{side} value",
            marker=dict(color=colour),
            text=[f"{v:g}" for v in df[f"{side}_value"]],
            textposition="auto",
        )
        for side, colour in (("low", DECREASE), ("high", INCREASE))
    ]
    fig = figure(traces, title, axis_titles(f"change from base {base:,.{decimals}f} ({unit})", barmode="overlay"))
    # room for the drivers' names left of the bars (about 6.5 px a character in the house
    # font): a name that pushes the margin wider makes plotly draw the chart a second time
    longest = max((len(str(driver)) for driver in df["driver"]), default=0)
    return fig.update_layout(margin_l=max(HOUSE_MARGIN["l"], round(16 + 6.5 * longest)))
