"""The imbalance workbook's charts (seeds 004 and 000)."""

from __future__ import annotations

import pandas as pd

from marketbooks.views.charts import DECREASE, INCREASE, Chart, axis_titles, figure


def system_chart(system: pd.DataFrame, title: str) -> Chart:
    """Per period: the system's imbalance (a step area) and the clearing price (line, right axis)."""
    traces = [
        # a step area, not bars: one SVG path where a month's 720 bars were 1,440 elements
        dict(
            type="scatter",
            x=system["period"],
            y=system["system_imbalance_mwh"].round(3),
            name="Σ imbalance (MWh)",
            mode="lines",
            line=dict(shape="hvh", width=0, color="#5b9bd5"),
            fill="tozeroy",
            fillcolor="#5b9bd5",
        ),
        dict(
            type="scatter",
            x=system["period"],
            y=system["zc"].round(2),
            name="ZC (EUR/MWh)",
            yaxis="y2",
            line=dict(color="#d98c1f", width=1),
        ),
    ]
    fig = figure(
        traces,
        title,
        axis_titles(
            "clearing period",
            "MWh",
            yaxis2=dict(overlaying="y", side="right", title=dict(text="EUR/MWh"), automargin=True),
        ),
    )
    # room for the right axis' labels and title, which would push the margin (a second drawing)
    return Chart(fig.update_layout(margin_r=70))


def payments_chart(summary: pd.DataFrame, title: str, top: int = 40) -> Chart:
    """Who pays whom: net payment per subject (agent's cash flow; + agent pays the subject)."""
    s = summary.reindex(summary["net_payment_eur"].abs().sort_values(ascending=False, kind="stable").index).head(top)
    trace = dict(
        type="bar",
        x=s["subject"],
        y=s["net_payment_eur"].round(2),
        marker=dict(color=[INCREASE if v >= 0 else DECREASE for v in s["net_payment_eur"]]),
    )
    fig = figure([trace], title, axis_titles(y="EUR (+ agent pays subject, − subject pays agent)"))
    # more names than fit side by side at a desktop's width are turned on their side: room
    # for them below the plot, which they would push wider (plotly drawing the chart twice)
    return Chart(fig.update_layout(margin_b=70) if len(s) > 20 else fig)


def distribution_chart(summary: pd.DataFrame, title: str) -> Chart:
    """How many subjects net which payment."""
    trace = dict(type="histogram", x=summary["net_payment_eur"].round(0), nbinsx=60, marker=dict(color="#1f4e79"))
    return Chart(figure([trace], title, axis_titles("net payment per subject, EUR", "subjects")))


def zone_chart(prices: pd.DataFrame, title: str) -> Chart:
    """KOREM's hourly weighted prices per zone and kind, with the marginal tariffs."""
    traces = [
        dict(
            type="scatter",
            x=part["hour"],
            y=part["price"],
            mode="lines",
            name=f"{zone} · {kind}",
            line=dict(dash="solid" if kind == "balancing" else "dot"),
        )
        for (zone, kind), part in prices.groupby(["zone", "kind"], sort=True)
    ]
    fig = figure(traces, title, axis_titles("hour", "tenge/MWh"))
    for kind, tariff in prices.groupby("kind")["marginal_tariff"].first().items():
        fig.add_hline(
            y=float(tariff),
            line=dict(color="#c0392b", width=1, dash="dash"),
            annotation_text=f"marginal tariff ({kind})",
        )
    return Chart(fig)
