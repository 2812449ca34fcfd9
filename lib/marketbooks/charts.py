"""Shared plotly styling, table styling and the chart builders used by several workbooks.

Figures are rendered with the ``plotly_mimetype`` renderer and every plotted float is
rounded, so stored notebook outputs are byte-stable (nbval compares them).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

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


def styled_figure(fig: go.Figure, title: str, marks: list[dict] = ()) -> go.Figure:
    """The house style and ``title`` applied to ``fig``, plus reference ``marks`` (:func:`vline`,
    :func:`hline`).

    The layout is merged as a plain dict and assigned once: plotly's ``update_layout`` and
    ``add_vline`` validate property by property, ~20 ms a figure, more than the data.
    """
    layout = _merged(fig.layout.to_plotly_json(), {"title": {"text": title}, **_LAYOUT})
    layout.pop("template")
    for mark in marks:
        layout.setdefault("shapes", []).append(mark["shape"])
        if "annotation" in mark:
            layout.setdefault("annotations", []).append(mark["annotation"])
    fig.layout = layout
    fig.update_layout(template=None)  # assigning a layout re-applies plotly's default template
    return fig


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


def number(v: float) -> str:
    """Thousands separators; whole amounts of 1,000 and more without decimals, others 2 dp."""
    if abs(v) >= 1000 and float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:,.2f}"


def styled(df: pd.DataFrame, name: str, formats: dict | None = None):
    """A pandas Styler with a fixed id (stable HTML), no index, thousands separators."""
    fmt = {c: number for c in df.columns if pd.api.types.is_float_dtype(df[c])}
    fmt.update({c: "{:,}" for c in df.columns if pd.api.types.is_integer_dtype(df[c])})
    fmt.update(formats or {})
    return df.style.set_uuid(name).hide(axis="index").format(fmt, na_rep="—")


def waterfall(labels: list[str], values: list[float], measures: list[str], title: str,
              unit: str, decimals: int = 2) -> go.Figure:
    """A build-up chart: ``measures`` are plotly's 'absolute' | 'relative' | 'total'."""
    vals = [round(v, decimals) for v in values]
    fig = go.Figure(go.Waterfall(
        x=labels, y=vals, measure=measures, text=[f"{v:,.{decimals}f}" for v in vals],
        textposition="outside", increasing=dict(marker_color=INCREASE),
        decreasing=dict(marker_color=DECREASE), totals=dict(marker_color=TOTAL),
        connector=dict(line=dict(color="#999999"))))
    fig.update_yaxes(title_text=unit)
    return styled_figure(fig, title)


def tornado(df: pd.DataFrame, base: float, title: str, unit: str, decimals: int = 0) -> go.Figure:
    """One-at-a-time sensitivity: ``df`` has driver, low_value, high_value, delta_low, delta_high."""
    fig = go.Figure()
    for side, colour in (("low", DECREASE), ("high", INCREASE)):
        fig.add_bar(y=df["driver"], x=df[f"delta_{side}"].round(decimals), orientation="h",
                    name=f"{side} value", marker_color=colour,
                    text=[f"{v:g}" for v in df[f"{side}_value"]], textposition="auto")
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title_text=f"change from base {base:,.{decimals}f} ({unit})")
    return styled_figure(fig, title)
