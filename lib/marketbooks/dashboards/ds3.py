"""Charts and the Explore section of the DS3 revenue workbook."""

from __future__ import annotations

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go

from marketbooks import ds3
from marketbooks.charts import STATUS_COLOURS, axis_titles, figure, side_by_side, waterfall
from marketbooks.dashboards.common import message, reactive, slider
from marketbooks.params import Ds3Params


def revenue_chart(revenues: pd.DataFrame, title: str) -> go.Figure:
    """Revenue by service, coloured by the provenance of its inputs."""
    traces = []
    for status in ("published", "derived", "reconstructed", "calibrated"):
        part = revenues[revenues["status"] == status]
        if len(part):
            traces.append(dict(type="bar", x=part["code"], y=(part["revenue_eur"] / 1000).round(1), name=status,
                               marker=dict(color=STATUS_COLOURS.get(status, "#b03a2e"))))
    return figure(traces, title, axis_titles(
        y="thousand EUR / year", xaxis=dict(categoryorder="array", categoryarray=list(revenues["code"]))))


def bridge_chart(bridge: pd.DataFrame) -> go.Figure:
    """Waterfall from the consultation's deduction to the decision's."""
    steps = bridge.iloc[1:-1]
    return waterfall(["Consultation", *steps["step"], "Decision"],
                     [bridge["deduction"].iloc[0], *steps["change"], bridge["deduction"].iloc[-1]],
                     ["absolute", *["relative"] * len(steps), "total"],
                     "DS3 deduction: consultation 7.67 → decision 7.34 (EUR/kW/yr)", "EUR/kW/yr")


# each input :func:`ds3.sensitivity` varies: its axis title and the factor from the table's value
SENSITIVITY_AXES = {"performance_scalar": ("performance scalar", 1), "availability": ("availability for payment, %", 100),
                    "trips_per_year": ("trips per year", 1)}


def sensitivity_chart(tables: dict[str, pd.DataFrame], title: str) -> go.Figure:
    """The deduction against each input varied (:func:`ds3.sensitivity` tables by field), a
    panel each on one deduction axis, so that the inputs' leverage compares at a glance."""
    panels = []
    for field, table in tables.items():
        label, factor = SENSITIVITY_AXES[field]
        panels.append(([dict(type="scatter", x=(table[field] * factor).round(4), y=table["deduction"],
                             mode="lines+markers", line=dict(color="#1f4e79"), name=label)], label))
    return side_by_side(panels, title, "deduction, EUR/kW/yr")


def explorer(p: Ds3Params) -> w.VBox:
    controls = {
        "performance_scalar": slider("Performance scalar", p.performance_scalar, 0.0, 1.0, 0.01, "mb-ps"),
        "availability": slider("Availability for payment (%)", p.availability * 100, 50.0, 100.0, 0.01, "mb-avail"),
        "trips_per_year": slider("Trips per year", p.trips_per_year, 0.0, 4.0, 0.05, "mb-trips"),
    }
    procured = {c: w.Checkbox(value=next(s.procured for s in p.services if s.code == c),
                              description=f"{c} procured", indent=False) for c in ("FFR", "DRR", "FPFAPR")}
    for c, box in procured.items():
        box.add_class(f"mb-proc-{c.lower()}")
    value, status, out = w.HTML(), w.HTML(), w.Output()
    value.add_class("mb-ds3")

    def render() -> list:
        q = ds3.with_services(p, **{c: {"procured": b.value} for c, b in procured.items()})
        r = ds3.compute(q, performance_scalar=controls["performance_scalar"].value,
                        availability=controls["availability"].value / 100,
                        trips_per_year=controls["trips_per_year"].value)
        value.value = (f'<div style="font-size:1.4em">Deduction <b><span class="mb-ds3-value">{r.deduction:.2f}'
                       f"</span></b> EUR/kW/yr · net revenue {r.net_revenue_eur:,.0f} EUR · trip charge "
                       f"{r.trip_charge_eur:,.0f} EUR</div>")
        return [revenue_chart(r.revenues, "Revenue by service (explore)")]

    reactive([*controls.values(), *procured.values()], render, status, out)
    note = w.HTML(message("Respondents argued for an industry-average performance scalar below 1.0: "
                          "move it and see the deduction fall.", "info"))
    return w.VBox([note, *controls.values(), w.HBox(list(procured.values())), value, status, out])
