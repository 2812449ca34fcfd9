"""Explore section of the ACPS workbook: sliders for every sensitivity driver."""

from __future__ import annotations

import ipywidgets as w

from marketbooks.explore.common import message, reactive, slider
from marketbooks.rules import capacity
from marketbooks.scenarios.models import AcpsParams
from marketbooks.views.acps import acps_buildup_chart


def explorer(p: AcpsParams) -> w.VBox:
    controls = {
        "rpi": slider("RPI indexation (%)", p.rpi * 100, -2.0, 6.0, 0.1, "mb-rpi", ".1f"),
        "forced_outage_probability": slider(
            "Forced outage probability (%)", p.forced_outage_probability * 100, 0.0, 20.0, 0.01, "mb-fop"
        ),
        "bid_price": slider("Bid price (EUR/MWh)", p.bid_price, 0.0, p.price_cap, 0.01, "mb-bid"),
        "ancillary_deduction": slider(
            f"{p.ancillary_label} (EUR/kW/yr)", capacity.ancillary_deduction(p), 0.0, 20.0, 0.01, "mb-ds3"
        ),
        "capacity_requirement_mw": slider(
            "Capacity requirement (MW)", p.capacity_requirement_mw, 5000, 9000, 1, "mb-capreq", ".0f"
        ),
    }
    value = w.HTML()
    value.add_class("mb-acps")
    status = w.HTML()
    out = w.Output()

    def render() -> list:
        c = {k: s.value for k, s in controls.items()}
        c["rpi"] /= 100
        c["forced_outage_probability"] /= 100
        r = capacity.compute_acps(p, **c)
        value.value = (
            f'<div style="font-size:1.4em">ACPS <b><span class="mb-acps-value">'
            f"{r.acps:,.0f}</span></b> EUR · BNE cost {r.bne_cost:.2f} EUR/kW/yr · "
            f"IMR {r.imr:.2f} · annualised {r.annualised_cost:.2f}</div>"
        )
        return [acps_buildup_chart(r, "BNE cost build-up (explore)")]

    reactive(list(controls.values()), render, status, out, [value])
    note = w.HTML(message("Move a slider: every figure is recomputed with the paper's rounding.", "info"))
    return w.VBox([note, *controls.values(), value, status, out])
