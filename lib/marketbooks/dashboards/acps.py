"""Explore section of the ACPS workbook: sliders for every sensitivity driver."""

from __future__ import annotations

import ipywidgets as w

from marketbooks import capacity
from marketbooks.charts import waterfall
from marketbooks.dashboards.common import message, reactive, slider
from marketbooks.params import AcpsParams


def acps_buildup_chart(r: capacity.AcpsResult, title: str):
    """Annualised cost → deductions → BNE cost (EUR/kW/yr)."""
    return waterfall(["Annualised cost", "DS3 / ancillary", "Infra-marginal rent", "BNE cost"],
                     [r.annualised_cost, -r.ancillary, -r.imr, r.bne_cost],
                     ["absolute", "relative", "relative", "total"], title, "EUR/kW/yr")


def explorer(p: AcpsParams) -> w.VBox:
    controls = {
        "rpi": slider("RPI indexation (%)", p.rpi * 100, -2.0, 6.0, 0.1, "mb-rpi", ".1f"),
        "forced_outage_probability": slider("Forced outage probability (%)",
                                            p.forced_outage_probability * 100, 0.0, 20.0, 0.01, "mb-fop"),
        "bid_price": slider("Bid price (EUR/MWh)", p.bid_price, 0.0, p.price_cap, 0.01, "mb-bid"),
        "ancillary_deduction": slider(f"{p.ancillary_label} (EUR/kW/yr)", capacity.ancillary_deduction(p),
                                      0.0, 20.0, 0.01, "mb-ds3"),
        "capacity_requirement_mw": slider("Capacity requirement (MW)", p.capacity_requirement_mw,
                                          5000, 9000, 1, "mb-capreq", ".0f"),
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
        value.value = (f'<div style="font-size:1.4em">ACPS <b><span class="mb-acps-value">'
                       f'{r.acps:,.0f}</span></b> EUR · BNE cost {r.bne_cost:.2f} EUR/kW/yr · '
                       f'IMR {r.imr:.2f} · annualised {r.annualised_cost:.2f}</div>')
        return [acps_buildup_chart(r, "BNE cost build-up (explore)")]

    reactive(list(controls.values()), render, status, out)
    note = w.HTML(message("Move a slider: every figure is recomputed by marketbooks.capacity "
                          "with the paper's rounding.", "info"))
    return w.VBox([note, *controls.values(), value, status, out])


def monthly_chart(monthly):
    """Stacked monthly pots (Table 1.2 with the FCPP/VCPP/ECPP split)."""
    from marketbooks.charts import axis_titles, figure

    traces = [dict(type="bar", x=monthly["month"], y=(monthly[col] / 1e6).round(3), name=name, marker=dict(color=colour))
              for col, name, colour in (("fixed_eur", "Fixed (FCPP)", "#1f4e79"),
                                        ("variable_eur", "Variable (VCPP)", "#5b9bd5"),
                                        ("ex_post_eur", "Ex-post (ECPP)", "#d98c1f"))]
    return figure(traces, "Capacity Period Payment Sums 2017 by pot", axis_titles(y="million EUR", barmode="stack"))


def history_chart(history):
    """Appendix 1: ACPS by year, coloured by provenance; lost years marked, not invented."""
    from marketbooks.charts import STATUS_COLOURS, axis_titles, figure

    traces = []
    for status in ("published", "reconstructed"):
        part = history[history["status"] == status]
        traces.append(dict(type="bar", x=part["year"], y=(part["acps_eur"] / 1e6).round(1), name=status,
                           marker=dict(color=STATUS_COLOURS[status])))
    missing = history[history["status"] == "missing"]
    traces.append(dict(type="scatter", x=missing["year"], y=[0] * len(missing), mode="markers+text",
                       name="missing (lost)", marker=dict(symbol="x", size=10, color=STATUS_COLOURS["missing"]),
                       text=["lost"] * len(missing), textposition="top center"))
    return figure(traces, "Annual Capacity Payment Sum by trading year (Appendix 1)",
                  axis_titles(y="ACPS, million EUR"))
