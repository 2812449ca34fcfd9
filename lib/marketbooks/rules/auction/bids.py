"""Validation of one bid (order) against the auction: clauses 40, 73, 78, 80, 81.

Rules that compare an order with other orders (79 equal price, 85–86 replacement) live in
:mod:`marketbooks.auction.session`, which knows the standing bids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from marketbooks.rules.cells import MAX_PROBLEMS, number_cells, text_cells
from marketbooks.scenarios.models import AuctionSpec, ParameterError, validate_model

MIN_VOLUME_KW = 100
SECURITY_PER_KW = {"without_documentation": 2000.0, "with_documentation": 5000.0, "waste": 5000.0}
PRICE_STEP = 0.05  # clause 86: 5 tyn per kWh
# Clause 81: "an application shall be submitted ... equal to the full volume of the installed
# capacity of the project put up for the auction" (auctions with documentation, waste disposal)
FULL_CAPACITY_KINDS = {"with_documentation", "waste"}


@dataclass(frozen=True)
class Rejection:
    clause: str
    reason: str


def as_auction(auction: AuctionSpec | dict[str, Any]) -> AuctionSpec:
    """The auction as a validated :class:`AuctionSpec` (a ParameterError names each bad field).

    Parameters
    ----------
    auction : AuctionSpec or dict
        The auction, or its fields as a parameter file gives them.

    Returns
    -------
    AuctionSpec
        ``auction`` itself when it is one.

    Examples
    --------
    >>> as_auction({'kind': 'waste', 'technology': 'waste', 'volume_kw': 1000, 'max_price': 20.0}).volume_kw
    1000.0
    """
    if isinstance(auction, AuctionSpec):
        return auction
    return validate_model(AuctionSpec, auction, "auction")


def lot(auction: AuctionSpec, connection_point: str | None) -> str:
    """What one participant bids for once (clause 82): a connection point, or the single project.

    Parameters
    ----------
    auction : AuctionSpec
        Kind, technology, announced volume (kW), maximum price (tenge/kWh) and connection points.
    connection_point : str or None
        The bid's connection point (None in an auction without points).

    Returns
    -------
    str
        The lot's name.

    Examples
    --------
    >>> lot(AuctionSpec(kind="waste", technology="waste", volume_kw=1000, max_price=20.0), None)
    '(project)'
    """
    if auction.kind == "without_documentation":
        return str(connection_point)
    return "(project)"


def full_capacity_reason(auction: AuctionSpec, volume_kw: float) -> str:
    """Why a bid breaks clause 81 (the project's full installed capacity).

    Parameters
    ----------
    auction : AuctionSpec
        Kind, technology, announced volume (kW), maximum price (tenge/kWh) and connection points.
    volume_kw : float
        The bid's volume, kW.

    Returns
    -------
    str
        The reason, in words.

    Examples
    --------
    >>> spec = AuctionSpec(kind='waste', technology='waste', volume_kw=1000, max_price=20.0)
    >>> full_capacity_reason(spec, 500)
    'volume 500 kW is not the full installed capacity 1,000 kW of the project put up for auction'
    """
    return (
        f"volume {volume_kw:,.0f} kW is not the full installed capacity {auction.volume_kw:,.0f} kW "
        "of the project put up for auction"
    )


def _decimals_ok(price: float) -> bool:
    return abs(round(price, 2) - price) < 1e-9


def check_bid(
    auction: AuctionSpec,
    price: float,
    volume_kw: float,
    connection_point: str | None = None,
    min_volume_kw: float = MIN_VOLUME_KW,
    security_tenge: float | None = None,
) -> list[Rejection]:
    """Every rule of a single bid that is broken, with its clause; empty when the bid is valid.

    Clauses 40, 73, 78, 80 and 81: security per kW (40), price and volume form (73), the
    maximum price (78), the volume limits (80) and, with documentation and in waste
    auctions, the project's full installed capacity (81).

    Parameters
    ----------
    auction : AuctionSpec
        Kind, technology, announced volume (kW), maximum price (tenge/kWh) and connection points.
    price : float
        The bid price, tenge/kWh.
    volume_kw : float
        The bid volume, kW.
    connection_point : str, optional
        The bid's connection point.
    min_volume_kw : float, default 100
        The least volume the bidder accepts, kW (clause 73).
    security_tenge : float, optional
        The bid security paid, tenge (clause 40).

    Returns
    -------
    list of Rejection
        Each broken rule with its clause and reason; empty when the bid is valid.

    Examples
    --------
    >>> spec = AuctionSpec(kind="with_documentation", technology="solar", volume_kw=1000, max_price=20.0)
    >>> [r.clause for r in check_bid(spec, 21.0, 500)]
    ['78', '81']
    """
    out: list[Rejection] = []
    if not price > 0:
        out.append(Rejection("73", f"price {price} must be positive"))
    if not _decimals_ok(price):
        out.append(Rejection("73", f"price {price} has more than two decimals"))
    if price > auction.max_price:
        out.append(Rejection("78", f"price {price:.2f} exceeds the maximum auction price {auction.max_price:.2f}"))
    if volume_kw < MIN_VOLUME_KW:
        out.append(Rejection("73", f"volume {volume_kw:g} kW is below 100 kW"))
    if volume_kw != int(volume_kw):
        out.append(Rejection("73", f"volume {volume_kw:g} kW is not a whole number of kW"))
    if volume_kw > auction.volume_kw:
        out.append(Rejection("80", f"volume {volume_kw:,.0f} kW exceeds the announced {auction.volume_kw:,.0f} kW"))
    elif auction.kind in FULL_CAPACITY_KINDS and volume_kw != auction.volume_kw:
        out.append(Rejection("81", full_capacity_reason(auction, volume_kw)))
    if auction.kind == "without_documentation":
        cp = auction.connection_points.get(connection_point) if connection_point else None
        if cp is None:
            out.append(Rejection("73", f"unknown connection point {connection_point!r}"))
        elif volume_kw > cp.limit_kw:
            out.append(
                Rejection(
                    "80",
                    f"volume {volume_kw:,.0f} kW exceeds the limit {cp.limit_kw:,.0f} kW "
                    f"of connection point {connection_point}",
                )
            )
        if min_volume_kw > volume_kw:
            out.append(Rejection("73", f"minimum permissible volume {min_volume_kw:,.0f} kW exceeds the bid volume"))
    if security_tenge is not None:
        covered = security_tenge / SECURITY_PER_KW[auction.kind]
        if volume_kw > covered + 1e-9:
            out.append(
                Rejection(
                    "40, 80",
                    f"financial security {security_tenge:,.0f} tenge covers "
                    f"{covered:,.0f} kW at {SECURITY_PER_KW[auction.kind]:,.0f} tenge/kW",
                )
            )
    return out


def check_bids(auction: AuctionSpec | dict, bids: pd.DataFrame) -> pd.DataFrame:
    """Static checks of a bid table: adds ``valid``, ``clause`` and ``reason`` columns.

    Vectorised: masks find the broken rules; :func:`check_bid` words the reasons for just
    those rows, so a 100,000-bid table costs no more than its few bad rows.

    Parameters
    ----------
    auction : AuctionSpec or dict
        The auction, or its fields as a parameter file gives them.
    bids : pandas.DataFrame
        Bids as :func:`normalise_bids` gives them.

    Returns
    -------
    pandas.DataFrame
        The bids with valid, clause and reason.

    Examples
    --------
    >>> spec = {"kind": "with_documentation", "technology": "solar", "volume_kw": 1000, "max_price": 20.0}
    >>> bids = normalise_bids([{"participant": "A", "price": 21.0, "volume_kw": 1000}])
    >>> check_bids(spec, bids)[["valid", "clause"]].values.tolist()
    [[False, '78']]
    """
    auction = as_auction(auction)
    price = bids["price"].to_numpy(dtype="float64")
    volume = bids["volume_kw"].to_numpy(dtype="float64")
    bad = (~(price > 0)) | (np.abs(np.round(price, 2) - price) >= 1e-9) | (price > auction.max_price)
    bad |= (volume < MIN_VOLUME_KW) | (volume != np.floor(volume)) | (volume > auction.volume_kw)
    if auction.kind in FULL_CAPACITY_KINDS:
        bad |= volume != auction.volume_kw
    if auction.kind == "without_documentation":
        limits = {k: v.limit_kw for k, v in auction.connection_points.items()}
        limit = bids["connection_point"].map(limits).to_numpy(dtype="float64")
        bad |= np.isnan(limit) | (volume > np.nan_to_num(limit, nan=np.inf))
        bad |= bids["min_volume_kw"].to_numpy(dtype="float64") > volume
    if "security_tenge" in bids:
        security = pd.to_numeric(bids["security_tenge"], errors="coerce").to_numpy(dtype="float64")
        bad |= ~np.isnan(security) & (volume > security / SECURITY_PER_KW[auction.kind] + 1e-9)
    clause = np.full(len(bids), "", dtype=object)
    reason = np.full(len(bids), "", dtype=object)
    for i in np.flatnonzero(bad):
        rec = bids.iloc[i]
        sec = rec.get("security_tenge")
        rej = check_bid(
            auction,
            float(rec["price"]),
            float(rec["volume_kw"]),
            rec.get("connection_point"),
            float(rec.get("min_volume_kw") or MIN_VOLUME_KW),
            None if pd.isna(sec) else sec,
        )
        clause[i] = "; ".join(r.clause for r in rej)
        reason[i] = "; ".join(r.reason for r in rej)
    out = bids.reset_index(drop=True).copy()
    out["valid"], out["clause"], out["reason"] = ~bad, clause, reason
    return out


def normalise_bids(bids: pd.DataFrame | list[dict], name: str = "bids") -> pd.DataFrame:
    """A bid (or order) table with every column clearing uses, each of its type.

    ``participant`` and ``connection_point`` are text; ``price``, ``volume_kw``,
    ``min_volume_kw`` (blank: 100 kW, the clause 73 minimum), ``security_tenge`` (blank: not
    given) and ``time`` (seconds since the session opened; absent: the row order) are finite
    numbers. A cell that breaks its column's rule raises
    :class:`~marketbooks.scenarios.models.ParameterError` naming ``name``, the field and the
    row (rows counted from 1, the header not counted).

    Parameters
    ----------
    bids : pandas.DataFrame or list of dict
        Bids or orders as given.
    name : str, default 'bids'
        What the errors call the table (its file).

    Returns
    -------
    pandas.DataFrame
        Every column clearing uses, each of its type; a bad cell raises BidFileError naming the row and field.

    Examples
    --------
    >>> normalise_bids([{"participant": "A", "price": "15.5", "volume_kw": 1000}])["price"].tolist()
    [15.5]
    >>> normalise_bids([{"participant": "A", "price": "abc", "volume_kw": 1000}], "my.csv")
    Traceback (most recent call last):
    ...
    marketbooks.scenarios.models.ParameterError: my.csv: field 'price': row 1: 'abc' is not a finite number
    """
    df = pd.DataFrame(bids).copy()
    missing = {"participant", "price", "volume_kw"} - set(df.columns)
    if missing:
        raise ParameterError(name, [(c, "column missing") for c in sorted(missing)])
    df = df.reset_index(drop=True)
    problems: list[tuple[str, str]] = []
    df["participant"] = text_cells(df["participant"], "participant", problems, required=True)
    for col in ("price", "volume_kw"):
        df[col] = number_cells(df[col], col, problems, required=True)
    if "connection_point" in df:
        df["connection_point"] = text_cells(df["connection_point"], "connection_point", problems, required=False)
    else:
        df["connection_point"] = None
    if "min_volume_kw" in df:
        df["min_volume_kw"] = np.nan_to_num(
            number_cells(df["min_volume_kw"], "min_volume_kw", problems, required=False), nan=float(MIN_VOLUME_KW)
        )
    else:
        df["min_volume_kw"] = float(MIN_VOLUME_KW)
    if "security_tenge" in df:
        df["security_tenge"] = number_cells(df["security_tenge"], "security_tenge", problems, required=False)
    if "time" in df:
        df["time"] = number_cells(df["time"], "time", problems, required=True)
    else:
        df["time"] = np.arange(len(df), dtype="float64")
    if problems:
        more = len(problems) - MAX_PROBLEMS
        shown = problems[:MAX_PROBLEMS] + ([("(file)", f"and {more:,} more problem(s)")] if more > 0 else [])
        raise ParameterError(name, shown)
    df["connection_point"] = df["connection_point"].astype(object)
    return df
