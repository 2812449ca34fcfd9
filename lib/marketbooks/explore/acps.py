"""Explore section of the ACPS workbook: sliders for every sensitivity driver."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from marketbooks.explore.common import ScenarioSection, message, slider
from marketbooks.rules import capacity
from marketbooks.scenarios.models import AcpsParams
from marketbooks.views.acps import acps_buildup_chart


def control_settings(p: AcpsParams) -> dict[str, dict[str, Any]]:
    """Each control's value for scenario ``p``; the bid price goes up to its price cap, and
    the ancillary deduction is named as the scenario names it."""
    return {
        "rpi": {"value": p.rpi * 100},
        "forced_outage_probability": {"value": p.forced_outage_probability * 100},
        "bid_price": {"max": p.price_cap, "value": p.bid_price},
        "ancillary_deduction": {
            "description": f"{p.ancillary_label} (EUR/kW/yr)",
            "value": capacity.ancillary_deduction(p),
        },
        "capacity_requirement_mw": {"value": p.capacity_requirement_mw},
    }


def explorer(p: AcpsParams) -> ScenarioSection:
    """The ACPS of scenario ``p`` recomputed at the sliders' drivers."""
    controls = {
        "rpi": slider("RPI indexation (%)", 0.0, -2.0, 6.0, 0.1, "mb-rpi", ".1f"),
        "forced_outage_probability": slider("Forced outage probability (%)", 0.0, 0.0, 20.0, 0.01, "mb-fop"),
        "bid_price": slider("Bid price (EUR/MWh)", 0.0, 0.0, p.price_cap, 0.01, "mb-bid"),
        "ancillary_deduction": slider("Ancillary deduction (EUR/kW/yr)", 0.0, 0.0, 20.0, 0.01, "mb-ds3"),
        "capacity_requirement_mw": slider("Capacity requirement (MW)", 5000, 5000, 9000, 1, "mb-capreq", ".0f"),
    }
    value = w.HTML()
    value.add_class("mb-acps")

    def render(p: AcpsParams, c: dict[str, Any]) -> list:
        c["rpi"] /= 100
        c["forced_outage_probability"] /= 100
        r = capacity.compute_acps(p, **c)
        value.value = (
            f'<div style="font-size:1.4em">ACPS <b><span class="mb-acps-value">'
            f"{r.acps:,.0f}</span></b> EUR · BNE cost {r.bne_cost:.2f} EUR/kW/yr · "
            f"IMR {r.imr:.2f} · annualised {r.annualised_cost:.2f}</div>"
        )
        return [acps_buildup_chart(r, "BNE cost build-up (explore)")]

    note = message("Move a slider: every figure is recomputed with the paper's rounding.", "info")
    return ScenarioSection(p, controls, control_settings, render, note, [value])
