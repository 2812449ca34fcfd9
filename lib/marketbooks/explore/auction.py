"""Explore section of the auction walkthrough: clear an uploaded bid file or order log."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w
import pandas as pd

from marketbooks.data.bid_files import read_bids_csv, read_orders_csv
from marketbooks.explore.common import FIT_DESCRIPTION, ScenarioSection, downloadable, message
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


def sample_links(p: AuctionParams, standing: pd.DataFrame) -> str:
    """Downloads of this example's bids (``standing``, its order log replayed) and order log
    as CSV: files in the layout the uploads take, to start a file of one's own from."""
    orders = pd.DataFrame([o.model_dump() for o in p.orders])
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


def control_settings(p: AuctionParams) -> dict[str, dict[str, Any]]:
    """Each control's value for scenario ``p``: no upload (the example's bids), the
    example's auction."""
    a = p.auction
    return {
        "bids": {"value": ()},
        "orders": {"value": ()},
        "kind": {"value": a.kind},
        "tech": {"value": a.technology},
        "volume": {"value": a.volume_kw},
        "max_price": {"value": a.max_price},
    }


def explorer(p: AuctionParams) -> ScenarioSection:
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
        options=[(label, value) for value, label in KINDS.items()], description="Auction", style=FIT_DESCRIPTION
    )
    tech = w.Dropdown(options=TECHNOLOGIES, description="Technology", style=FIT_DESCRIPTION)
    volume = w.FloatText(description="Volume (kW)", style=FIT_DESCRIPTION)
    max_price = w.FloatText(description="Max price (tenge/kWh)", style=FIT_DESCRIPTION)
    for widget, css in ((kind, "mb-kind"), (tech, "mb-tech"), (volume, "mb-volume"), (max_price, "mb-maxprice")):
        widget.add_class(css)
    summary = w.HTML()
    summary.add_class("mb-auction")
    # the example's final orders (its order log replayed), for the scenario last shown
    example: dict[str, Any] = {"p": None}

    def example_bids(p: AuctionParams) -> pd.DataFrame:
        if example["p"] is not p:
            example.update(p=p, bids=run_session(p.auction, [o.model_dump() for o in p.orders]).standing)
        return example["bids"]

    def bids(spec: dict, p: AuctionParams) -> tuple[pd.DataFrame, str, pd.DataFrame | None]:
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
        return example_bids(p), "this example's final orders", None

    def render(p: AuctionParams, c: dict[str, Any]) -> list:
        spec = {
            **p.auction.model_dump(),
            "kind": c["kind"],
            "technology": c["tech"],
            "volume_kw": positive(c["volume"], "The announced volume", "kW"),
            "max_price": positive(c["max_price"], "The maximum price", "tenge/kWh"),
        }
        table, source, log = bids(spec, p)
        if c["kind"] != "without_documentation":
            table = table.assign(connection_point=None)
        r = clear_auction(spec, table)
        reg = register_of_winners(r)
        source, reason = html.escape(source, quote=False), html.escape(r.reason, quote=False)
        # the auction cleared, as the controls set it: a change that leaves the clearing as it
        # was (another technology with the same rules, a maximum price no bid comes near)
        # still shows on the page
        terms = (
            f"{KINDS[c['kind']]}, {c['tech']}: {spec['volume_kw']:,.0f} kW announced, "
            f"at most {spec['max_price']:,.2f} tenge/kWh"
        )
        summary.value = (
            f'<div style="font-size:1.2em">Bids from <b>{source}</b> · '
            f'auction <span class="mb-auction-terms">{terms}</span> · <span class="mb-auction-state">'
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

    def note(p: AuctionParams) -> str:
        points = ", ".join(p.auction.connection_points) or "none in this example"
        return (
            message(
                "CSV columns: participant, price, volume_kw, and for auctions without documentation "
                f"connection_point (one of {points}) and optionally min_volume_kw. An order log adds time "
                "(seconds since the session opened) and is replayed through the trading session first. "
                "Connection-point limits come from the example.",
                "info",
            )
            + f'<div class="mb-samples">{sample_links(p, example_bids(p))}</div>'
        )

    # A waste-disposal auction is one for the technology 'waste' and only it (the parameters'
    # rule): choosing either side moves the other with it, before the clearing is redone,
    # so no choice passes through a combination the auction refuses; leaving waste goes
    # back to the shown scenario's own kind or technology (the first other one if it is waste).
    section: ScenarioSection | None = None

    def own(field: str, other: str) -> str:
        value = getattr((p if section is None else section.p).auction, field)
        return value if value != "waste" else other

    def kind_follows(change: dict) -> None:
        if (change["new"] == "waste") != (kind.value == "waste"):
            kind.value = "waste" if change["new"] == "waste" else own("kind", "without_documentation")

    def tech_follows(change: dict) -> None:
        if (change["new"] == "waste") != (tech.value == "waste"):
            tech.value = "waste" if change["new"] == "waste" else own("technology", "solar")

    def clear_uploads(_: w.Button) -> None:
        # the order log first: with both gone the example's bids are cleared once more
        orders_upload.value = ()
        upload.value = ()

    controls = {
        "bids": upload,
        "orders": orders_upload,
        "kind": kind,
        "tech": tech,
        "volume": volume,
        "max_price": max_price,
    }
    rows = [w.HBox([upload, orders_upload, clear]), w.HBox([kind, tech]), w.HBox([volume, max_price])]
    # before the section's own observer: the clearing sees both sides moved
    tech.observe(kind_follows, names="value")
    kind.observe(tech_follows, names="value")
    clear.on_click(clear_uploads)
    section = ScenarioSection(p, controls, control_settings, render, note, [summary], rows)
    return section
