"""Charts, tables and the Explore section (CSV upload) of the auction walkthrough."""

from __future__ import annotations

import ipywidgets as w
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from marketbooks.auction import clear_auction, run_session
from marketbooks.auction.bids import read_bids_csv, read_orders_csv
from marketbooks.auction.clearing import ClearingResult, register_of_winners
from marketbooks.charts import axis_titles, csv_link, figure, vline
from marketbooks.dashboards.common import FIT_DESCRIPTION, downloadable, message, reactive
from marketbooks.params import AuctionParams

DECISION_COLOURS = {"awarded": "#2e8b57", "awarded in full (last bid)": "#1f7a3f", "winner": "#2e8b57",
                    "excluded": "#c0392b", "not reached": "#b0b0b0", "not selected": "#b0b0b0"}


def supply_chart(result: ClearingResult, title: str) -> go.Figure:
    """The lost Figures 1–16 redrawn: ranked bids as supply steps against demand and 130 %.

    Each bid is a bar as wide as its volume at the height of its price, coloured by what
    clearing decided; the hover text names the clause.
    """
    ranked = result.ranked
    # columns as arrays and lists: a few bids, and pandas' per-group indexing was most of the
    # chart's time in every auction scenario
    volume, price = ranked["volume_kw"].to_numpy(), ranked["price"].to_numpy()
    start = volume.cumsum() - volume
    if len(result.steps):
        by_rank = dict(zip(result.steps["rank"].tolist(),
                           zip(result.steps["decision"].tolist(), result.steps["clause"].tolist())))
        decided = [by_rank.get(r, ("ranked", "")) for r in ranked["rank"].tolist()]
    else:
        decided = [("ranked", "")] * len(ranked)
    decision = np.array([d for d, _ in decided], dtype=object)
    participants = ranked["participant"].tolist()
    traces = []
    for name in sorted(set(decision)):
        rows = np.flatnonzero(decision == name)
        traces.append(dict(
            type="bar", x=((start[rows] + volume[rows] / 2) / 1000).round(3), y=price[rows].round(2),
            width=(volume[rows] / 1000).round(3).tolist(), name=name,
            marker=dict(color=DECISION_COLOURS.get(name, "#5b9bd5"), line=dict(color="white", width=1)),
            hovertext=[f"{participants[i]}: {price[i]:.2f} × {volume[i]:,.0f} kW, clause {decided[i][1]}"
                       for i in rows]))
    demand = result.announced_kw / 1000
    marks = [vline(demand, dict(color="#1f4e79", width=2), "announced demand"),
             vline(round(demand * 1.3, 3), dict(color="#d98c1f", dash="dash"), "130 %")]
    if result.valid and result.volume_kw and result.volume_kw != result.announced_kw:
        marks.append(vline(round(result.volume_kw / 1000, 3), dict(color="#2e8b57", dash="dot"),
                           "final volume", "bottom right"))
    return figure(traces, title, axis_titles("cumulative offered capacity, MW (ranked by price)", "price, tenge/kWh"),
                  marks)


def explorer(p: AuctionParams) -> w.VBox:
    """Upload a CSV of bids, set the auction, see the clearing; results downloadable as CSV."""
    upload = w.FileUpload(accept=".csv", multiple=False, description="Upload bids CSV", layout=w.Layout(width="auto"))
    upload.add_class("mb-upload")
    orders_upload = w.FileUpload(accept=".csv", multiple=False, description="or an order log",
                                 layout=w.Layout(width="auto"))
    orders_upload.add_class("mb-upload-orders")
    kind = w.Dropdown(options=["without_documentation", "with_documentation", "waste"], value=p.auction.kind,
                      description="Auction", style=FIT_DESCRIPTION)
    tech = w.Dropdown(options=["solar", "wind", "hydro", "biomass", "biogas", "waste"], value=p.auction.technology,
                      description="Technology", style=FIT_DESCRIPTION)
    volume = w.BoundedFloatText(value=p.auction.volume_kw, min=1, max=1e9, description="Volume (kW)",
                                style=FIT_DESCRIPTION)
    max_price = w.BoundedFloatText(value=p.auction.max_price, min=0.01, max=1e4, description="Max price (tenge/kWh)",
                                   style=FIT_DESCRIPTION)
    for widget, css in ((kind, "mb-kind"), (tech, "mb-tech"), (volume, "mb-volume"), (max_price, "mb-maxprice")):
        widget.add_class(css)
    status, out = w.HTML(), w.Output()
    summary = w.HTML()
    summary.add_class("mb-auction")
    example_bids = run_session(p.auction, [o.model_dump() for o in p.orders]).standing

    def bids(spec: dict) -> tuple[pd.DataFrame, str, pd.DataFrame | None]:
        """The bids to clear: an uploaded order log (replayed), else uploaded bids, else the example's."""
        if orders_upload.value:
            f = orders_upload.value[0]
            session = run_session(spec, read_orders_csv(bytes(f["content"]), f["name"]))
            return session.standing, f"{f['name']} (order log, closed at {session.close_s / 60:.0f} min)", session.orders
        if upload.value:
            f = upload.value[0]
            return read_bids_csv(bytes(f["content"]), f["name"]), f["name"], None
        return example_bids, "this example's final orders", None

    def render() -> list:
        spec = {**p.auction.model_dump(), "kind": kind.value, "technology": tech.value,
                "volume_kw": volume.value, "max_price": max_price.value}
        table, source, log = bids(spec)
        if kind.value != "without_documentation":
            table = table.assign(connection_point=None)
        r = clear_auction(spec, table)
        reg = register_of_winners(r)
        summary.value = (f'<div style="font-size:1.2em">Bids from <b>{source}</b> · <span class="mb-auction-state">'
                         f'{"valid" if r.valid else "invalid"}</span>: {r.reason} · final volume '
                         f'<b><span class="mb-volume-final">{r.volume_kw:,.0f}</span></b> kW · '
                         f'{csv_link(r.steps, "clearing_steps.csv", "clearing steps (CSV)")}</div>')
        shown = [downloadable(reg, "explore_register", "register_of_winners.csv")]
        if len(r.rejected):
            shown.append(downloadable(r.rejected[["participant", "price", "volume_kw", "clause", "reason"]],
                                      "explore_rejected", "rejected_bids.csv"))
        if log is not None:
            shown.append(downloadable(log[["order_no", "time", "participant", "price", "volume_kw", "status",
                                           "clause", "reason"]], "explore_orders", "order_log.csv"))
        return [*shown, supply_chart(r, "Supply curve (explore)")]

    # A waste-disposal auction is one for the technology 'waste' and only it (the parameters'
    # rule): choosing either side moves the other with it, before the clearing is redone,
    # so no choice passes through a combination the auction refuses.
    other_kind = p.auction.kind if p.auction.kind != "waste" else "without_documentation"
    other_tech = p.auction.technology if p.auction.technology != "waste" else "solar"

    def kind_follows(change) -> None:
        if (change["new"] == "waste") != (kind.value == "waste"):
            kind.value = "waste" if change["new"] == "waste" else other_kind

    def tech_follows(change) -> None:
        if (change["new"] == "waste") != (tech.value == "waste"):
            tech.value = "waste" if change["new"] == "waste" else other_tech

    tech.observe(kind_follows, names="value")
    kind.observe(tech_follows, names="value")
    reactive([upload, orders_upload, kind, tech, volume, max_price], render, status, out)
    note = w.HTML(message("CSV columns: participant, price, volume_kw, and for auctions without documentation "
                          "connection_point (one of " + ", ".join(p.auction.connection_points) + ") and "
                          "optionally min_volume_kw, time. An order log adds time (seconds since opening) and is replayed "
                          "through the trading session first. Connection-point limits come from the example.", "info"))
    return w.VBox([note, w.HBox([upload, orders_upload]), w.HBox([kind, tech]), w.HBox([volume, max_price]),
                   summary, status, out])
