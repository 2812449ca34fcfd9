"""The real-time pricing workbook's charts (seed 002)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from marketbooks.rules import rtp
from marketbooks.scenarios.models import RtpParams
from marketbooks.views.charts import DECREASE, Chart, axis_titles, figure

METHOD_COLOURS = {"time_weighted": "#1f4e79", "simple": "#d98c1f", "load_weighted": "#2e8b57", "last": "#c0392b"}
BENEFIT_COLOURS = {"demand_response": "#1f4e79", "retail_competition": "#5b9bd5", "reliability": "#2e8b57"}


def prices_chart(intervals: pd.DataFrame, methods: pd.DataFrame, node: str, title: str) -> Chart:
    """Dispatch-interval prices as steps and the trading-period price by each method."""
    iv = intervals[intervals["node"] == node]
    m = methods[methods["node"] == node]
    tp = rtp.trading_period_prices(iv)
    traces = [
        dict(
            type="scatter",
            x=iv["start"].dt.tz_localize(None),
            y=iv["price"].round(2),
            mode="lines",
            name="dispatch-interval price",
            line=dict(color="#b0b0b0", width=1, shape="hv"),
        )
    ]
    x = tp["period_start_utc"].dt.tz_convert(rtp.TZ).dt.tz_localize(None)
    traces += [
        dict(
            type="scatter",
            x=x,
            y=m[method].round(2),
            mode="lines",
            name=method.replace("_", " "),
            line=dict(color=colour, width=2, shape="hv"),
        )
        for method, colour in METHOD_COLOURS.items()
        if method in m
    ]
    fig = figure(traces, title, axis_titles("NZ local time", "$/MWh", yaxis=dict(type="log")))
    # room for the time axis' two-line ticks (time over date) and its title, which would
    # push the margin (a second drawing of a day's five-minute prices)
    return Chart(fig.update_layout(margin_b=70))


def day_summary(methods: pd.DataFrame, intervals: pd.DataFrame, tz: str = rtp.TZ) -> str:
    """One line of Markdown: trading periods per day (46/48/50), gaps found, whether every
    period is complete."""
    days = sorted({str(d) for d in methods["trading_date"]})
    per_day = ", ".join(f"{d}: **{rtp.periods_in_day(d, tz)}**" for d in days)
    return (
        f"Trading periods per day: {per_day}; gaps: **{len(rtp.interval_gaps(intervals, tz))}** "
        f"(every period complete: {bool(methods['complete'].all())})."
    )


def figure_4() -> Chart:
    """Figure 4 redrawn: when an actionable price and the settlement price are published."""
    data = rtp.FIGURE_4.assign(minute=rtp.FIGURE_4["minute"].clip(upper=75))
    symbols = {
        "actionable = settlement": "star",
        "actionable (forms settlement)": "circle",
        "settlement price": "square",
    }
    traces = [
        dict(
            type="scatter",
            x=part["minute"],
            y=part["option"],
            mode="markers",
            name=event,
            marker=dict(symbol=symbols[event], size=12),
        )
        for event, part in data.groupby("event", sort=True)
    ]
    layout = axis_titles(
        "minutes from the start of the trading period",
        xaxis=dict(range=[-40, 80]),
        yaxis=dict(categoryorder="array", categoryarray=["D", "C", "B", "A", "Ideal", "Current"]),
    )
    fig = figure(traces, "Figure 4 redrawn: actionable and settlement prices by option", layout)
    fig.add_vrect(x0=0, x1=30, fillcolor="#5b9bd5", opacity=0.12, line_width=0, annotation_text="trading period")
    fig.add_annotation(x=75, y="Current", text="≥ 2 days later", showarrow=False, yshift=14)
    return Chart(fig)


def npv_chart(sensitivity: pd.DataFrame) -> Chart:
    """Net benefit of each option at each discount rate."""
    traces = []
    for option, colour in (("B", "#1f4e79"), ("C", "#d98c1f")):
        part = sensitivity[sensitivity["option"] == option]
        traces.append(
            dict(
                type="bar",
                x=[f"{r:.0%}" for r in part["rate"]],
                y=part["net_benefit"].round(2),
                name=f"option {option}",
                marker=dict(color=colour),
                text=part["net_benefit"].round(1),
                textposition="outside",
            )
        )
    return Chart(
        figure(
            traces,
            "Net benefit by option and discount rate",
            axis_titles("real discount rate", "net benefit, $M present value (2016 $)"),
        )
    )


def ratio_chart(p: RtpParams) -> Chart:
    """Option C's net benefit as its performance ratio varies; option B's as a line; break-even marked."""
    ratios = np.round(np.linspace(0, 1.2, 25), 3)
    net_c = [round(rtp.net_benefit_at_ratio(p, r), 3) for r in ratios]
    net_b = float(rtp.assess_options(p).set_index("option").loc["B", "net_benefit"])
    ratio = rtp.breakeven_performance_ratio(p)
    trace = dict(type="scatter", x=ratios, y=net_c, mode="lines", name="option C", line=dict(color="#d98c1f"))
    fig = figure(
        [trace],
        "When would option C match option B? (Table 5)",
        axis_titles("performance ratio: option C's benefits / option B's", "net benefit, $M PV"),
    )
    fig.add_hline(y=net_b, line=dict(color="#1f4e79"), annotation_text=f"option B {net_b:.1f}")
    fig.add_vline(x=round(ratio, 4), line=dict(color="#2e8b57", dash="dash"), annotation_text=f"break-even {ratio:.3f}")
    return Chart(fig)


def cba_chart(table: pd.DataFrame, title: str) -> Chart:
    """Each option's present values (:func:`marketbooks.rules.rtp.assess_options`): benefits
    stacked up by category, the cost down, the net benefit marked and labelled."""
    options = table["option"].tolist()
    traces = [
        dict(
            type="bar", x=options, y=table[cat].round(2).tolist(), name=cat.replace("_", " "), marker=dict(color=colour)
        )
        for cat, colour in BENEFIT_COLOURS.items()
        if cat in table
    ]
    traces.append(
        dict(type="bar", x=options, y=(-table["cost"]).round(2).tolist(), name="cost", marker=dict(color=DECREASE))
    )
    traces.append(
        dict(
            type="scatter",
            x=options,
            y=table["net_benefit"].round(2).tolist(),
            mode="markers+text",
            name="net benefit",
            text=[f"{v:.2f}" for v in table["net_benefit"]],
            textposition="middle right",
            marker=dict(color="#000000", size=12, symbol="diamond"),
        )
    )
    return Chart(figure(traces, title, axis_titles("option", "$M present value (2016 $)", barmode="relative")))


def cba_summary(p: RtpParams, table: pd.DataFrame) -> str:
    """The cost–benefit set-up and outcome of a scenario in words, every number and ranking
    from ``p`` and its Table 1 (``rtp.assess_options``), so no sentence outlives its scenario.

    >>> from marketbooks.scenarios import load_scenario
    >>> p = load_scenario("rtp", "2016_information_paper")
    >>> cba_summary(p, rtp.assess_options(p)).split(". ")[-1]
    'Net benefit: option B 54.0 > option C 33.0 > 0 $M: both pay for themselves, B the more.'
    """
    net = table.set_index("option")["net_benefit"]
    ranked = net.sort_values(ascending=False)
    first, second = ranked.index
    if ranked.iloc[1] > 0:
        verdict = f"both pay for themselves, {first} the more"
    elif ranked.iloc[0] > 0:
        verdict = f"only option {first} pays for itself; option {second}'s net benefit is negative"
    else:
        verdict = "neither option pays for itself in this scenario (both net benefits are negative)"
    order = " > ".join(f"option {o} {v:.1f}" for o, v in ranked.items())
    tail = " > 0" if ranked.iloc[1] > 0 else ""
    return (
        f"{p.horizon_years} years from the decision, 2016 dollars, {p.base_rate * 100:g} % real "
        f"({' and '.join(f'{r * 100:g} %' for r in p.sensitivity_rates)} sensitivities); costs in the "
        f"{p.implementation_years} implementation year(s), benefits in years {p.implementation_years + 1}–"
        f"{p.horizon_years}, every flow at the end of its year. Net benefit: {order}{tail} $M: {verdict}."
    )
