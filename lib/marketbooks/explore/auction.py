"""Explore section of the auction walkthrough: clear an uploaded bid file or order log."""

from __future__ import annotations

import ipywidgets as w
import pandas as pd

from marketbooks.data.bid_files import read_bids_csv, read_orders_csv
from marketbooks.explore.common import FIT_DESCRIPTION, downloadable, message, reactive
from marketbooks.rules.auction import clear_auction, run_session
from marketbooks.rules.auction.clearing import register_of_winners
from marketbooks.scenarios.models import AuctionParams
from marketbooks.views.auction import supply_chart
from marketbooks.views.tables import csv_link


def explorer(p: AuctionParams) -> w.VBox:
    """Upload a CSV of bids, set the auction, see the clearing; results downloadable as CSV."""
    upload = w.FileUpload(accept=".csv", multiple=False, description="Upload bids CSV", layout=w.Layout(width="auto"))
    upload.add_class("mb-upload")
    orders_upload = w.FileUpload(
        accept=".csv", multiple=False, description="or an order log", layout=w.Layout(width="auto")
    )
    orders_upload.add_class("mb-upload-orders")
    kind = w.Dropdown(
        options=["without_documentation", "with_documentation", "waste"],
        value=p.auction.kind,
        description="Auction",
        style=FIT_DESCRIPTION,
    )
    tech = w.Dropdown(
        options=["solar", "wind", "hydro", "biomass", "biogas", "waste"],
        value=p.auction.technology,
        description="Technology",
        style=FIT_DESCRIPTION,
    )
    volume = w.BoundedFloatText(
        value=p.auction.volume_kw, min=1, max=1e9, description="Volume (kW)", style=FIT_DESCRIPTION
    )
    max_price = w.BoundedFloatText(
        value=p.auction.max_price, min=0.01, max=1e4, description="Max price (tenge/kWh)", style=FIT_DESCRIPTION
    )
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
            return (
                session.standing,
                f"{f['name']} (order log, closed at {session.close_s / 60:.0f} min)",
                session.orders,
            )
        if upload.value:
            f = upload.value[0]
            return read_bids_csv(bytes(f["content"]), f["name"]), f["name"], None
        return example_bids, "this example's final orders", None

    def render() -> list:
        spec = {
            **p.auction.model_dump(),
            "kind": kind.value,
            "technology": tech.value,
            "volume_kw": volume.value,
            "max_price": max_price.value,
        }
        table, source, log = bids(spec)
        if kind.value != "without_documentation":
            table = table.assign(connection_point=None)
        r = clear_auction(spec, table)
        reg = register_of_winners(r)
        summary.value = (
            f'<div style="font-size:1.2em">Bids from <b>{source}</b> · <span class="mb-auction-state">'
            f"{'valid' if r.valid else 'invalid'}</span>: {r.reason} · final volume "
            f'<b><span class="mb-volume-final">{r.volume_kw:,.0f}</span></b> kW · '
            f"{csv_link(r.steps, 'clearing_steps.csv', 'clearing steps (CSV)')}</div>"
        )
        shown = [downloadable(reg, "explore_register", "register_of_winners.csv")]
        if len(r.rejected):
            shown.append(
                downloadable(
                    r.rejected[["participant", "price", "volume_kw", "clause", "reason"]],
                    "explore_rejected",
                    "rejected_bids.csv",
                )
            )
        if log is not None:
            shown.append(
                downloadable(
                    log[["order_no", "time", "participant", "price", "volume_kw", "status", "clause", "reason"]],
                    "explore_orders",
                    "order_log.csv",
                )
            )
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
    note = w.HTML(
        message(
            "CSV columns: participant, price, volume_kw, and for auctions without documentation "
            "connection_point (one of " + ", ".join(p.auction.connection_points) + ") and "
            "optionally min_volume_kw, time. An order log adds time (seconds since opening) and is replayed "
            "through the trading session first. Connection-point limits come from the example.",
            "info",
        )
    )
    return w.VBox(
        [note, w.HBox([upload, orders_upload]), w.HBox([kind, tech]), w.HBox([volume, max_price]), summary, status, out]
    )
