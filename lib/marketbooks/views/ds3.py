"""The DS3 revenue workbook's charts (seed 001 §5.2, Appendix 3)."""

from __future__ import annotations

import pandas as pd

from marketbooks.views.charts import STATUS_COLOURS, Chart, axis_titles, figure, side_by_side, waterfall


def revenue_chart(revenues: pd.DataFrame, title: str) -> Chart:
    """Revenue by service, coloured by the provenance of its inputs."""
    traces = []
    for status in ("published", "derived", "reconstructed", "calibrated", "chosen", "user input"):
        part = revenues[revenues["status"] == status]
        if len(part):
            traces.append(
                dict(
                    type="bar",
                    x=part["code"],
                    y=(part["revenue_eur"] / 1000).round(1),
                    name=status,
                    marker=dict(color=STATUS_COLOURS.get(status, "#b03a2e")),
                )
            )
    return Chart(
        figure(
            traces,
            title,
            axis_titles(
                y="thousand EUR / year", xaxis=dict(categoryorder="array", categoryarray=list(revenues["code"]))
            ),
        )
    )


def bridge_chart(bridge: pd.DataFrame) -> Chart:
    """Waterfall from the consultation's deduction to the decision's."""
    steps = bridge.iloc[1:-1]
    fig = waterfall(
        ["Consultation", *steps["step"], "Decision"],
        [bridge["deduction"].iloc[0], *steps["change"], bridge["deduction"].iloc[-1]],
        ["absolute", *["relative"] * len(steps), "total"],
        "DS3 deduction: consultation 7.67 → decision 7.34 (EUR/kW/yr)",
        "EUR/kW/yr",
    )
    # the steps' names are turned on their side below the plot: room for them there, which
    # they would push wider (plotly drawing the chart a second time)
    return Chart(fig.update_layout(margin_b=180))


# each input :func:`marketbooks.rules.ds3.sensitivity` varies: its axis title and the factor
# from the table's value
SENSITIVITY_AXES = {
    "performance_scalar": ("performance scalar", 1),
    "availability": ("availability for payment, %", 100),
    "trips_per_year": ("trips per year", 1),
}


def sensitivity_chart(tables: dict[str, pd.DataFrame], title: str) -> Chart:
    """The deduction against each input varied (sensitivity tables by field), a panel each
    on one deduction axis, so that the inputs' leverage compares at a glance."""
    panels = []
    for field, table in tables.items():
        label, factor = SENSITIVITY_AXES[field]
        panels.append(
            (
                [
                    dict(
                        type="scatter",
                        x=(table[field] * factor).round(4),
                        y=table["deduction"],
                        mode="lines+markers",
                        line=dict(color="#1f4e79"),
                        name=label,
                    )
                ],
                label,
            )
        )
    return Chart(side_by_side(panels, title, "deduction, EUR/kW/yr"))
