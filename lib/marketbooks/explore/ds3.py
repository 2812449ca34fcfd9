"""Explore section of the DS3 revenue workbook."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from marketbooks.explore.common import ScenarioSection, message, slider
from marketbooks.rules import ds3
from marketbooks.scenarios.models import Ds3Params
from marketbooks.views.ds3 import revenue_chart

# the services whose procurement the section switches on and off
SERVICES = ("FFR", "DRR", "FPFAPR")


def control_settings(p: Ds3Params) -> dict[str, dict[str, Any]]:
    """Each control's value for scenario ``p``: its scalar, availability and trips, and
    which services it procures."""
    procured = {s.code: s.procured for s in p.services}
    return {
        "performance_scalar": {"value": p.performance_scalar},
        "availability": {"value": p.availability * 100},
        "trips_per_year": {"value": p.trips_per_year},
        **{code: {"value": procured[code]} for code in SERVICES},
    }


def explorer(p: Ds3Params) -> ScenarioSection:
    """Scenario ``p``'s deduction and revenues recomputed at the controls' scalar,
    availability, trips and procured services."""
    sliders = {
        "performance_scalar": slider("Performance scalar", 0.0, 0.0, 1.0, 0.01, "mb-ps"),
        "availability": slider("Availability for payment (%)", 50.0, 50.0, 100.0, 0.01, "mb-avail"),
        "trips_per_year": slider("Trips per year", 0.0, 0.0, 4.0, 0.05, "mb-trips"),
    }
    procured = {code: w.Checkbox(description=f"{code} procured", indent=False) for code in SERVICES}
    for code, box in procured.items():
        box.add_class(f"mb-proc-{code.lower()}")
    value = w.HTML()
    value.add_class("mb-ds3")

    def render(p: Ds3Params, c: dict[str, Any]) -> list:
        q = ds3.with_services(p, **{code: {"procured": c[code]} for code in SERVICES})
        r = ds3.compute(
            q,
            performance_scalar=c["performance_scalar"],
            availability=c["availability"] / 100,
            trips_per_year=c["trips_per_year"],
        )
        value.value = (
            f'<div style="font-size:1.4em">Deduction <b><span class="mb-ds3-value">{r.deduction:.2f}'
            f"</span></b> EUR/kW/yr · net revenue {r.net_revenue_eur:,.0f} EUR · trip charge "
            f"{r.trip_charge_eur:,.0f} EUR</div>"
        )
        return [revenue_chart(r.revenues, "Revenue by service (explore)")]

    note = message(
        "Respondents argued for an industry-average performance scalar below 1.0: move it and see the deduction fall.",
        "info",
    )
    rows = [*sliders.values(), w.HBox(list(procured.values()))]
    return ScenarioSection(p, sliders | procured, control_settings, render, note, [value], rows)
