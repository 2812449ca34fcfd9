"""Charts and the Explore section of the real-time pricing workbook."""

from __future__ import annotations

import ipywidgets as w
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from marketbooks import rtp
from marketbooks.charts import DECREASE, axis_titles, figure, hline, label, vline, vrect
from marketbooks.dashboards.common import downloadable, message, reactive, slider
from marketbooks.params import RtpParams

METHOD_COLOURS = {"time_weighted": "#1f4e79", "simple": "#d98c1f", "load_weighted": "#2e8b57", "last": "#c0392b"}


def prices_chart(intervals: pd.DataFrame, methods: pd.DataFrame, node: str, title: str) -> go.Figure:
    """Dispatch-interval prices as steps and the trading-period price by each method."""
    iv = intervals[intervals["node"] == node]
    m = methods[methods["node"] == node]
    tp = rtp.trading_period_prices(iv)
    traces = [dict(type="scatter", x=iv["start"].dt.tz_localize(None), y=iv["price"].round(2), mode="lines",
                   name="dispatch-interval price", line=dict(color="#b0b0b0", width=1, shape="hv"))]
    x = tp["period_start_utc"].dt.tz_convert(rtp.TZ).dt.tz_localize(None)
    traces += [dict(type="scatter", x=x, y=m[method].round(2), mode="lines", name=method.replace("_", " "),
                    line=dict(color=colour, width=2, shape="hv"))
               for method, colour in METHOD_COLOURS.items() if method in m]
    return figure(traces, title, axis_titles("NZ local time", "$/MWh", yaxis=dict(type="log")))


def figure_4() -> go.Figure:
    """Figure 4 redrawn: when an actionable price and the settlement price are published."""
    data = rtp.FIGURE_4.assign(minute=rtp.FIGURE_4["minute"].clip(upper=75))
    symbols = {"actionable = settlement": "star", "actionable (forms settlement)": "circle", "settlement price": "square"}
    traces = [dict(type="scatter", x=part["minute"], y=part["option"], mode="markers", name=event,
                   marker=dict(symbol=symbols[event], size=12))
              for event, part in data.groupby("event", sort=True)]
    layout = axis_titles("minutes from the start of the trading period", xaxis=dict(range=[-40, 80]),
                         yaxis=dict(categoryorder="array", categoryarray=["D", "C", "B", "A", "Ideal", "Current"]))
    return figure(traces, "Figure 4 redrawn: actionable and settlement prices by option", layout,
                  [vrect(0, 30, "#5b9bd5", 0.12, "trading period"), label(75, "Current", "≥ 2 days later", yshift=14)])


def npv_chart(sensitivity: pd.DataFrame) -> go.Figure:
    traces = []
    for option, colour in (("B", "#1f4e79"), ("C", "#d98c1f")):
        part = sensitivity[sensitivity["option"] == option]
        traces.append(dict(type="bar", x=[f"{r:.0%}" for r in part["rate"]], y=part["net_benefit"].round(2),
                           name=f"option {option}", marker=dict(color=colour), text=part["net_benefit"].round(1),
                           textposition="outside"))
    return figure(traces, "Net benefit by option and discount rate",
                  axis_titles("real discount rate", "net benefit, $M present value (2016 $)"))


def ratio_chart(p: RtpParams) -> go.Figure:
    """Option C's net benefit as its performance ratio varies; option B's as a line; break-even marked."""
    ratios = np.round(np.linspace(0, 1.2, 25), 3)
    net_c = [round(rtp.net_benefit_at_ratio(p, r), 3) for r in ratios]
    net_b = float(rtp.assess_options(p).set_index("option").loc["B", "net_benefit"])
    ratio = rtp.breakeven_performance_ratio(p)
    trace = dict(type="scatter", x=ratios, y=net_c, mode="lines", name="option C", line=dict(color="#d98c1f"))
    return figure([trace], "When would option C match option B? (Table 5)",
                  axis_titles("performance ratio: option C's benefits / option B's", "net benefit, $M PV"),
                  [hline(net_b, dict(color="#1f4e79"), f"option B {net_b:.1f}"),
                   vline(round(ratio, 4), dict(color="#2e8b57", dash="dash"), f"break-even {ratio:.3f}")])


BENEFIT_COLOURS = {"demand_response": "#1f4e79", "retail_competition": "#5b9bd5", "reliability": "#2e8b57"}


def cba_chart(table: pd.DataFrame, title: str) -> go.Figure:
    """Each option's present values (:func:`marketbooks.rtp.assess_options`): benefits stacked
    up by category, the cost down, the net benefit marked and labelled."""
    options = table["option"].tolist()
    traces = [dict(type="bar", x=options, y=table[cat].round(2).tolist(), name=cat.replace("_", " "), marker=dict(color=colour))
              for cat, colour in BENEFIT_COLOURS.items() if cat in table]
    traces.append(dict(type="bar", x=options, y=(-table["cost"]).round(2).tolist(), name="cost", marker=dict(color=DECREASE)))
    traces.append(dict(type="scatter", x=options, y=table["net_benefit"].round(2).tolist(), mode="markers+text",
                       name="net benefit", text=[f"{v:.2f}" for v in table["net_benefit"]], textposition="middle right",
                       marker=dict(color="#000000", size=12, symbol="diamond")))
    return figure(traces, title, axis_titles("option", "$M present value (2016 $)", barmode="relative"))


def explorer(p: RtpParams) -> w.VBox:
    controls = {
        "rate": slider("Discount rate (%)", p.base_rate * 100, 0.0, 15.0, 0.5, "mb-rate", ".1f"),
        "horizon": slider("Horizon (years)", p.horizon_years, 5, 30, 1, "mb-horizon", ".0f"),
        "impl": slider("Implementation (years)", p.implementation_years, 1, 6, 1, "mb-impl", ".0f"),
        "benefits": slider("Benefits × (scale)", 1.0, 0.0, 3.0, 0.05, "mb-benefits"),
        "cost_b": slider("Option B cost PV ($M)", p.options["B"].cost_pv, 0.0, 100.0, 0.5, "mb-cost-b", ".1f"),
        "cost_c": slider("Option C cost PV ($M)", p.options["C"].cost_pv, 0.0, 100.0, 0.5, "mb-cost-c", ".1f"),
    }
    value, status, out = w.HTML(), w.HTML(), w.Output()
    value.add_class("mb-rtp")
    out.add_class("mb-rtp-out")

    def render() -> list:
        c = {k: s.value for k, s in controls.items()}
        data = p.model_dump()
        data.update(horizon_years=int(c["horizon"]), implementation_years=int(c["impl"]))
        data["options"]["B"]["cost_pv"] = c["cost_b"]
        data["options"]["C"]["cost_pv"] = c["cost_c"]
        from marketbooks.params import validate

        q = validate("rtp", data, "overrides")
        table = rtp.assess_options(q, rate=c["rate"] / 100, benefit_scale=c["benefits"])
        nb = table.set_index("option")["net_benefit"]
        value.value = (f'<div style="font-size:1.3em">NPV at {c["rate"]:.1f} %: option B <b><span class="mb-npv-b">'
                       f'{nb["B"]:.2f}</span></b> $M · option C <b><span class="mb-npv-c">{nb["C"]:.2f}</span></b> $M</div>')
        return [cba_chart(table, f"Benefits, cost and net benefit at {c['rate']:.1f} % (explore)"),
                downloadable(table, "explore_cba", "rtp_cost_benefit.csv")]

    # costs are spread over the implementation years, which must end within the horizon
    # (the parameters' rule): a shorter horizon pulls the implementation control with it
    impl_top = controls["impl"].max

    def implementation_within_horizon(change) -> None:
        controls["impl"].max = min(impl_top, change["new"] - 1)

    controls["horizon"].observe(implementation_within_horizon, names="value")
    implementation_within_horizon({"new": controls["horizon"].value})
    reactive(list(controls.values()), render, status, out)
    note = w.HTML(message("Benefit and cost PVs are defined at the scenario's base rate; changing the rate "
                          "re-discounts the same yearly streams.", "info"))
    return w.VBox([note, *controls.values(), value, status, out])
