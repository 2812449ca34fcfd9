"""Explore section of the DS3 revenue workbook."""

from __future__ import annotations

import ipywidgets as w

from marketbooks.explore.common import message, reactive, slider
from marketbooks.rules import ds3
from marketbooks.scenarios.models import Ds3Params
from marketbooks.views.ds3 import revenue_chart


def explorer(p: Ds3Params) -> w.VBox:
    controls = {
        "performance_scalar": slider("Performance scalar", p.performance_scalar, 0.0, 1.0, 0.01, "mb-ps"),
        "availability": slider("Availability for payment (%)", p.availability * 100, 50.0, 100.0, 0.01, "mb-avail"),
        "trips_per_year": slider("Trips per year", p.trips_per_year, 0.0, 4.0, 0.05, "mb-trips"),
    }
    procured = {
        c: w.Checkbox(
            value=next(s.procured for s in p.services if s.code == c), description=f"{c} procured", indent=False
        )
        for c in ("FFR", "DRR", "FPFAPR")
    }
    for c, box in procured.items():
        box.add_class(f"mb-proc-{c.lower()}")
    value, status, out = w.HTML(), w.HTML(), w.Output()
    value.add_class("mb-ds3")

    def render() -> list:
        q = ds3.with_services(p, **{c: {"procured": b.value} for c, b in procured.items()})
        r = ds3.compute(
            q,
            performance_scalar=controls["performance_scalar"].value,
            availability=controls["availability"].value / 100,
            trips_per_year=controls["trips_per_year"].value,
        )
        value.value = (
            f'<div style="font-size:1.4em">Deduction <b><span class="mb-ds3-value">{r.deduction:.2f}'
            f"</span></b> EUR/kW/yr · net revenue {r.net_revenue_eur:,.0f} EUR · trip charge "
            f"{r.trip_charge_eur:,.0f} EUR</div>"
        )
        return [revenue_chart(r.revenues, "Revenue by service (explore)")]

    reactive([*controls.values(), *procured.values()], render, status, out, [value])
    note = w.HTML(
        message(
            "Respondents argued for an industry-average performance scalar below 1.0: "
            "move it and see the deduction fall.",
            "info",
        )
    )
    return w.VBox([note, *controls.values(), w.HBox(list(procured.values())), value, status, out])
