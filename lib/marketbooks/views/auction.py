"""The auction walkthrough's chart (seed 003: the lost Figures 1–16 redrawn)."""

from __future__ import annotations

import numpy as np

from marketbooks.rules.auction.clearing import ClearingResult
from marketbooks.views.charts import Chart, axis_titles, figure, vertical_lines

DECISION_COLOURS = {
    "awarded": "#2e8b57",
    "awarded in full (last bid)": "#1f7a3f",
    "winner": "#2e8b57",
    "excluded": "#c0392b",
    "not reached": "#b0b0b0",
    "not selected": "#b0b0b0",
}


def supply_chart(result: ClearingResult, title: str) -> Chart:
    """Ranked bids as supply steps against demand and 130 %.

    Each bid is a bar as wide as its volume at the height of its price, coloured by what
    clearing decided; the hover text names the clause.
    """
    ranked = result.ranked
    volume, price = ranked["volume_kw"].to_numpy(), ranked["price"].to_numpy()
    start = volume.cumsum() - volume
    if len(result.steps):
        by_rank = dict(
            zip(result.steps["rank"].tolist(), zip(result.steps["decision"].tolist(), result.steps["clause"].tolist()))
        )
        decided = [by_rank.get(r, ("ranked", "")) for r in ranked["rank"].tolist()]
    else:
        decided = [("ranked", "")] * len(ranked)
    decision = np.array([d for d, _ in decided], dtype=object)
    participants = ranked["participant"].tolist()
    traces = []
    for name in sorted(set(decision)):
        rows = np.flatnonzero(decision == name)
        traces.append(
            dict(
                type="bar",
                x=((start[rows] + volume[rows] / 2) / 1000).round(3),
                y=price[rows].round(2),
                width=(volume[rows] / 1000).round(3).tolist(),
                name=name,
                marker=dict(color=DECISION_COLOURS.get(name, "#5b9bd5"), line=dict(color="white", width=1)),
                hovertext=[
                    f"{participants[i]}: {price[i]:.2f} × {volume[i]:,.0f} kW, clause {decided[i][1]}" for i in rows
                ],
            )
        )
    fig = figure(traces, title, axis_titles("cumulative offered capacity, MW (ranked by price)", "price, tenge/kWh"))
    demand = result.announced_kw / 1000
    lines: list[tuple[float, dict, str, str]] = [
        (demand, {"color": "#1f4e79", "width": 2}, "announced demand", "top"),
        (round(demand * 1.3, 3), {"color": "#d98c1f", "dash": "dash"}, "130 %", "top"),
    ]
    if result.valid and result.volume_kw and result.volume_kw != result.announced_kw:
        lines.append((round(result.volume_kw / 1000, 3), {"color": "#2e8b57", "dash": "dot"}, "final volume", "bottom"))
    vertical_lines(fig, lines)
    return Chart(fig)
