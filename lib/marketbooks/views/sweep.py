"""A sweep's page: what was swept, how it went, and how the key result responds."""

from __future__ import annotations

import itertools
from typing import Any

import pandas as pd

from marketbooks.studies.evaluation import CONTOURS, PRIMARY
from marketbooks.studies.response import pair_table, tornado_table
from marketbooks.views.charts import Chart, axis_titles, figure, tornado
from marketbooks.views.text import esc

# Heat maps at most: one per pair of swept inputs, the first ones
MAX_PAIRS = 6
# Room at the right for a colour bar (its scale and unit) and below for its lowest label: a
# colour bar that pushes the margins wider makes plotly draw the chart a second time.
COLOUR_BAR_MARGIN = dict(r=130, b=60)


def summary_markdown(spec: dict) -> str:
    """The sweep in a sentence or two (escaped Markdown)."""
    fields = ", ".join(esc(f) for f in spec["fields"])
    return (
        f"**Sweep {esc(spec['name'])}:** {spec['points']:,} points of the {esc(spec['workbook'])} workbook around "
        f"its scenario *{esc(spec['base'])}*, over {fields}. {spec['ok']:,} evaluated without error, "
        f"{spec['failed']:,} failed, {spec['cached']:,} kept from the previous results; "
        f"{spec['evaluated']:,} evaluated on the {esc(spec['executor'])} executor in {spec['seconds']:.1f} s."
    )


def primary(spec: dict, points: pd.DataFrame) -> tuple[str, str]:
    """The result the charts show and its unit."""
    result, unit = PRIMARY[spec["workbook"]]
    return (result, unit) if result in points else (spec["fields"][0], "")


def response_charts(spec: dict, points: pd.DataFrame) -> list[Chart]:
    """A line per swept input when there is one, else a heat map per pair of swept inputs
    (the others at their values nearest the base)."""
    result, unit = primary(spec, points)
    fields, base = spec["fields"], spec.get("base_values", {})
    ok = points[points["status"] == "ok"]
    if len(fields) == 1:
        line = ok.sort_values(fields[0])
        trace = dict(type="scatter", mode="lines+markers", x=line[fields[0]], y=line[result], name=result)
        return [Chart(figure([trace], f"{result} against {fields[0]}", axis_titles(fields[0], f"{result} ({unit})")))]
    charts = []
    for x, y in list(itertools.combinations(fields, 2))[:MAX_PAIRS]:
        table = pair_table(points, fields, base, x, y, result)
        others = [f for f in fields if f not in (x, y)]
        note = f" (others at their values nearest the base: {', '.join(others)})" if others else ""
        trace = dict(
            type="heatmap",
            x=[str(c) for c in table.columns],
            y=[str(i) for i in table.index],
            z=table.to_numpy().tolist(),
            colorscale="Viridis",
            colorbar=dict(title=dict(text=unit)),
            name=result,
        )
        fig = figure([trace], f"{result} over {x} × {y}{note}", axis_titles(x, y))
        charts.append(Chart(fig.update_layout(margin=COLOUR_BAR_MARGIN)))
    return charts


def tornado_chart(spec: dict, points: pd.DataFrame) -> Chart | None:
    """The tornado around the base: each swept input from its lowest to its highest swept
    value, the others at their values nearest the base."""
    result, unit = primary(spec, points)
    table, centre = tornado_table(points, spec["fields"], spec.get("base_values", {}), result)
    if not len(table):
        return None
    decimals = 0 if abs(centre) >= 1000 else 2 if abs(centre) >= 1 else 4
    return Chart(tornado(table, centre, f"{result}: swing of each swept input around the base", unit, decimals))


def contour_chart(spec: dict, points: pd.DataFrame) -> Chart | None:
    """The workbook's level chart where it has one and the inputs it needs were swept: ACPS
    over capacity × price, RTP's break-even performance ratio (the line at 1 marked)."""
    if spec["workbook"] not in CONTOURS:
        return None
    result, level, axes = CONTOURS[spec["workbook"]]
    fields = spec["fields"]
    if axes is None:
        pair = tuple(fields[:2]) if len(fields) >= 2 else None
    else:
        xs = [f for f in axes[0] if f in fields]
        ys = [f for f in axes[1] if f in fields]
        pair = (xs[0], ys[0]) if xs and ys else None
    if pair is None or result not in points:
        return None
    x, y = pair
    table = pair_table(points, fields, spec.get("base_values", {}), x, y, result)
    if table.shape[0] < 2 or table.shape[1] < 2:
        return None
    trace: dict[str, Any] = dict(
        type="contour",
        x=list(table.columns),
        y=list(table.index),
        z=table.to_numpy().tolist(),
        colorscale="Viridis",
        contours=dict(showlabels=True),
        name=result,
    )
    traces = [trace]
    if level is not None:
        traces.append(
            dict(
                type="contour",
                x=list(table.columns),
                y=list(table.index),
                z=table.to_numpy().tolist(),
                contours=dict(start=level, end=level, size=1, coloring="none", showlabels=True),
                line=dict(width=3, color="#c0392b"),
                showscale=False,
                name=f"{result} = {level:g}",
            )
        )
    title = f"{result} over {x} × {y}" + (f"; the red line is {result} = {level:g}" if level is not None else "")
    return Chart(figure(traces, title, axis_titles(x, y)).update_layout(margin=COLOUR_BAR_MARGIN))


def failures(points: pd.DataFrame) -> pd.DataFrame:
    """The points that failed, with their errors."""
    bad = points[points["status"] != "ok"]
    return bad[[c for c in bad.columns if c not in ("input_hash",)]]


def sweep_charts(spec: dict, points: pd.DataFrame) -> list[Chart]:
    """Every chart of a sweep's page: the responses, the tornado, the level chart."""
    extra = [chart for chart in (tornado_chart(spec, points), contour_chart(spec, points)) if chart is not None]
    return [*response_charts(spec, points), *extra]


def download_links(name: str, dashboard: bool) -> str:
    """Links to the sweep's files: beside a saved report, or through the dashboards' server."""
    from marketbooks.views.tables import data_paragraph, link

    prefix = f"/voila/files/outputs/sweeps/{name}/" if dashboard else ""
    return data_paragraph(
        "Every point: " + ", ".join(link(f"{prefix}points.{ext}", f"points.{ext}") for ext in ("csv", "parquet"))
    )
