"""The ACPS workbook's charts (seed 001, Tables 1.2, 4.1, 6.1 and Appendix 1)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from marketbooks.rules import capacity
from marketbooks.rules.capacity import AcpsResult
from marketbooks.scenarios.models import AcpsParams
from marketbooks.views.charts import STATUS_COLOURS, Chart, axis_titles, figure, waterfall
from marketbooks.views.text import esc


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
    for status, column, name in (
        ("published", "acps_eur", "published"),
        ("reconstructed (rounded)", "approx_eur", "≈ rounded (exact figure lost)"),
    ):
        part = history[history["status"] == status]
        traces.append(
            dict(
                type="bar",
                x=part["year"],
                y=(part[column].astype("float64") / 1e6).round(1),
                name=name,
                marker=dict(
                    color=STATUS_COLOURS["reconstructed" if column == "approx_eur" else status],
                    pattern=dict(shape="/" if column == "approx_eur" else ""),
                ),
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


def scenario_heading(p: AcpsParams) -> str:
    """The page's heading for a scenario: its trading year and label, then its indexation.

    >>> from marketbooks.scenarios import load_scenario
    >>> scenario_heading(load_scenario("acps", "2016_decision")).splitlines()[0]
    '## Trading year 2016: Decision 2016'
    """
    return (
        f"## Trading year {p.trading_year}: {esc(p.label)}\n\n"
        f"Indexation of the previous year's annualised cost: {esc(p.rpi_label or f'{p.rpi:.1%}')}."
    )


def monthly_text(p: AcpsParams, r: AcpsResult) -> str:
    """What the monthly sums of this scenario are and, where the CPM ended mid-year, the
    part paid before I-SEM went live (2017 only)."""
    text = f"Monthly weights for {p.trading_year}: {esc(r.monthly_source)}."
    if p.trading_year == capacity.ISEM_GO_LIVE_YEAR:
        text += (
            f" The CPM ended with I-SEM's go-live in October {p.trading_year}: January–September "
            f"total **{r.jan_sep_total:,} EUR**."
        )
    return text


def illustrative_profiles(periods: int = 48, seed: int = 0) -> dict[str, np.ndarray]:
    """Illustrative (not published) profiles of one day's trading periods: demand forecast,
    forecast LOLP and ex-post LOLP, peaking in the evening."""
    rng = np.random.default_rng(seed)
    hour = np.arange(periods) / 2
    demand = 4000 + 1500 * np.exp(-((hour - 18) ** 2) / 8) + 600 * np.exp(-((hour - 9) ** 2) / 6)
    lolp = np.exp((demand - demand.max()) / 250)
    # rounded, so no shown figure depends on the last bits of the CPU's exp()
    return {
        "demand_forecast": demand.round(0),
        "lolp_forecast": lolp.round(6),
        "lolp_ex_post": (lolp * rng.uniform(0.5, 1.5, periods)).round(6),
    }


def pot_split_chart(split: pd.DataFrame, title: str) -> Chart:
    """The fixed, variable and ex-post pots of a day's trading periods, stacked."""
    traces = [
        dict(type="bar", x=split["period"], y=split[f"{pot}_eur"].round(0), name=name)
        for pot, name in (
            ("fixed", "fixed (demand forecast)"),
            ("variable", "variable (forecast LOLP)"),
            ("ex_post", "ex-post (ex-post LOLP)"),
        )
    ]
    return Chart(figure(traces, title, axis_titles(x="trading period", y="EUR", barmode="stack")))
