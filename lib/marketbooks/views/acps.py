"""The ACPS workbook's charts (seed 001, Tables 1.2, 4.1, 6.1 and Appendix 1)."""

from __future__ import annotations

import pandas as pd

from marketbooks.rules.capacity import AcpsResult
from marketbooks.views.charts import STATUS_COLOURS, Chart, axis_titles, figure, waterfall


def acps_buildup_chart(r: AcpsResult, title: str) -> Chart:
    """Annualised cost → deductions → BNE cost (EUR/kW/yr)."""
    return Chart(
        waterfall(
            ["Annualised cost", "DS3 / ancillary", "Infra-marginal rent", "BNE cost"],
            [r.annualised_cost, -r.ancillary, -r.imr, r.bne_cost],
            ["absolute", "relative", "relative", "total"],
            title,
            "EUR/kW/yr",
        )
    )


def monthly_chart(monthly: pd.DataFrame) -> Chart:
    """Stacked monthly pots (Table 1.2 with the FCPP/VCPP/ECPP split)."""
    traces = [
        dict(type="bar", x=monthly["month"], y=(monthly[col] / 1e6).round(3), name=name, marker=dict(color=colour))
        for col, name, colour in (
            ("fixed_eur", "Fixed (FCPP)", "#1f4e79"),
            ("variable_eur", "Variable (VCPP)", "#5b9bd5"),
            ("ex_post_eur", "Ex-post (ECPP)", "#d98c1f"),
        )
    ]
    return Chart(
        figure(traces, "Capacity Period Payment Sums 2017 by pot", axis_titles(y="million EUR", barmode="stack"))
    )


def history_chart(history: pd.DataFrame) -> Chart:
    """Appendix 1: ACPS by year, coloured by provenance; lost years marked, not invented."""
    traces = []
    for status in ("published", "reconstructed"):
        part = history[history["status"] == status]
        traces.append(
            dict(
                type="bar",
                x=part["year"],
                y=(part["acps_eur"] / 1e6).round(1),
                name=status,
                marker=dict(color=STATUS_COLOURS[status]),
            )
        )
    missing = history[history["status"] == "missing"]
    traces.append(
        dict(
            type="scatter",
            x=missing["year"],
            y=[0] * len(missing),
            mode="markers+text",
            name="missing (lost)",
            marker=dict(symbol="x", size=10, color=STATUS_COLOURS["missing"]),
            text=["lost"] * len(missing),
            textposition="top center",
        )
    )
    return Chart(
        figure(traces, "Annual Capacity Payment Sum by trading year (Appendix 1)", axis_titles(y="ACPS, million EUR"))
    )
