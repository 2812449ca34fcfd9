"""Explore section of the auction walkthrough: clear an uploaded bid file or order log."""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd

from marketbooks.data.bid_files import read_bids_csv, read_orders_csv
from marketbooks.explore.common import FIT_DESCRIPTION, downloadable, message, reactive
from marketbooks.rules.auction import clear_auction, run_session
from marketbooks.rules.auction.clearing import register_of_winners
from marketbooks.scenarios.models import AuctionParams
from marketbooks.views.auction import supply_chart
from marketbooks.views.tables import csv_link

KINDS = {
    "without_documentation": "without documentation",
    "with_documentation": "with documentation",
    "waste": "waste disposal",
}
TECHNOLOGIES = ["solar", "wind", "hydro", "biomass", "biogas", "waste"]
ORDER_COLUMNS = ["order_no", "time", "participant", "price", "volume_kw", "status", "clause", "reason"]


def sample_links(p: AuctionParams) -> str:
    """Downloads of this example's bids and order log as CSV: files in the layout the
    uploads take, to start a file of one's own from."""
    orders = pd.DataFrame([o.model_dump() for o in p.orders])
    standing = run_session(p.auction, orders).standing
    bids = standing[["participant", "price", "volume_kw", "connection_point", "min_volume_kw"]]
    return (
        f"Start from this example's files: {csv_link(bids, 'sample_bids.csv', 'sample bids (CSV)')} · "
        f"{csv_link(orders, 'sample_order_log.csv', 'sample order log (CSV)')}"
    )


def positive(value: float, what: str, unit: str) -> float:
    """``value`` if it is above zero, else a ValueError that says so (shown in place)."""
    if not value > 0:
        raise ValueError(f"{what} must be above zero (it is {value:g} {unit})")
    return value


def explorer(p: AuctionParams) -> w.VBox:
    """Upload a CSV of bids or an order log, set the auction, see the clearing; every result
    downloads as CSV. An upload that cannot be read is named with its row and column, and
    the results shown go until the next valid input."""
    upload = w.FileUpload(accept=".csv", multiple=False, description="Upload bids CSV", layout=w.Layout(width="auto"))
    upload.add_class("mb-upload")
    orders_upload = w.FileUpload(
        accept=".csv", multiple=False, description="or an order log", layout=w.Layout(width="auto")
    )
    orders_upload.add_class("mb-upload-orders")
    clear = w.Button(description="Clear upload", tooltip="Clear the uploaded files and use the example's bids")
    clear.add_class("mb-clear-upload")
    kind = w.Dropdown(
        options=[(label, value) for value, label in KINDS.items()],
        value=p.auction.kind,
        description="Auction",
        style=FIT_DESCRIPTION,
    )
    tech = w.Dropdown(options=TECHNOLOGIES, value=p.auction.technology, description="Technology", style=FIT_DESCRIPTION)
    volume = w.FloatText(value=p.auction.volume_kw, description="Volume (kW)", style=FIT_DESCRIPTION)
    max_price = w.FloatText(value=p.auction.max_price, description="Max price (tenge/kWh)", style=FIT_DESCRIPTION)
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
            "volume_kw": positive(volume.value, "The announced volume", "kW"),
            "max_price": positive(max_price.value, "The maximum price", "tenge/kWh"),
        }
        table, source, log = bids(spec)
        if kind.value != "without_documentation":
            table = table.assign(connection_point=None)
        r = clear_auction(spec, table)
        reg = register_of_winners(r)
        source, reason = html.escape(source, quote=False), html.escape(r.reason, quote=False)
        summary.value = (
            f'<div style="font-size:1.2em">Bids from <b>{source}</b> · <span class="mb-auction-state">'
            f"{'valid' if r.valid else 'invalid'}</span>: {reason} · final volume "
            f'<b><span class="mb-volume-final">{r.volume_kw:,.0f}</span></b> kW · '
            f"{csv_link(r.steps, 'clearing_steps.csv', 'clearing steps (CSV)')}</div>"
        )
        shown = [downloadable(reg, "explore_register", "register_of_winners.csv")]
        if len(r.rejected):
            rejected = r.rejected[["participant", "price", "volume_kw", "clause", "reason"]]
            shown.append(downloadable(rejected, "explore_rejected", "rejected_bids.csv"))
        if log is not None:
            shown.append(downloadable(log[ORDER_COLUMNS], "explore_orders", "order_log.csv"))
        return [*shown, supply_chart(r, "Supply curve (explore)")]

    # A waste-disposal auction is one for the technology 'waste' and only it (the parameters'
    # rule): choosing either side moves the other with it, before the clearing is redone,
    # so no choice passes through a combination the auction refuses.
    other_kind = p.auction.kind if p.auction.kind != "waste" else "without_documentation"
    other_tech = p.auction.technology if p.auction.technology != "waste" else "solar"

    def kind_follows(change: dict) -> None:
        if (change["new"] == "waste") != (kind.value == "waste"):
            kind.value = "waste" if change["new"] == "waste" else other_kind

    def tech_follows(change: dict) -> None:
        if (change["new"] == "waste") != (tech.value == "waste"):
            tech.value = "waste" if change["new"] == "waste" else other_tech

    def clear_uploads(_: w.Button) -> None:
        # the order log first: with both gone the example's bids are cleared once more
        orders_upload.value = ()
        upload.value = ()

    tech.observe(kind_follows, names="value")
    kind.observe(tech_follows, names="value")
    clear.on_click(clear_uploads)
    reactive([upload, orders_upload, kind, tech, volume, max_price], render, status, out, [summary])
    points = ", ".join(p.auction.connection_points) or "none in this example"
    note = w.HTML(
        message(
            "CSV columns: participant, price, volume_kw, and for auctions without documentation "
            f"connection_point (one of {points}) and optionally min_volume_kw. An order log adds time "
            "(seconds since the session opened) and is replayed through the trading session first. "
            "Connection-point limits come from the example.",
            "info",
        )
        + f'<div class="mb-samples">{sample_links(p)}</div>'
    )
    return w.VBox(
        [
            note,
            w.HBox([upload, orders_upload, clear]),
            w.HBox([kind, tech]),
            w.HBox([volume, max_price]),
            summary,
            status,
            out,
        ]
    )
