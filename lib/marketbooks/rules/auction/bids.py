"""Validation of one bid (order) against the auction: clauses 40, 73, 78, 80, 81.

Rules that compare an order with other orders (79 equal price, 85–86 replacement) live in
:mod:`marketbooks.auction.session`, which knows the standing bids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from marketbooks.scenarios.models import AuctionSpec, ParameterError, validate_model

MIN_VOLUME_KW = 100
SECURITY_PER_KW = {"without_documentation": 2000.0, "with_documentation": 5000.0, "waste": 5000.0}
PRICE_STEP = 0.05  # clause 86: 5 tyn per kWh


@dataclass(frozen=True)
class Rejection:
    clause: str
    reason: str


def as_auction(auction: AuctionSpec | dict[str, Any]) -> AuctionSpec:
    if isinstance(auction, AuctionSpec):
        return auction
    return validate_model(AuctionSpec, auction, "auction")


def lot(auction: AuctionSpec, connection_point: str | None) -> str:
    """What one participant bids for once: a connection point (82), or the single project."""
    if auction.kind == "without_documentation":
        return str(connection_point)
    return "(project)"


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
    """Every rule of a single bid that is broken, with its clause; empty when the bid is valid."""
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
    """
    auction = as_auction(auction)
    price = bids["price"].to_numpy(dtype="float64")
    volume = bids["volume_kw"].to_numpy(dtype="float64")
    bad = (~(price > 0)) | (np.abs(np.round(price, 2) - price) >= 1e-9) | (price > auction.max_price)
    bad |= (volume < MIN_VOLUME_KW) | (volume != np.floor(volume)) | (volume > auction.volume_kw)
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


def normalise_bids(bids: pd.DataFrame | list[dict]) -> pd.DataFrame:
    """A bid table with every column clearing uses; a clear error names what is wrong."""
    df = pd.DataFrame(bids).copy()
    missing = {"participant", "price", "volume_kw"} - set(df.columns)
    if missing:
        raise ParameterError("bids", [(c, "column missing") for c in sorted(missing)])
    if "connection_point" not in df:
        df["connection_point"] = None
    if "min_volume_kw" not in df:
        df["min_volume_kw"] = float(MIN_VOLUME_KW)
    df["min_volume_kw"] = pd.to_numeric(df["min_volume_kw"], errors="coerce").fillna(MIN_VOLUME_KW)
    if "time" not in df:
        df["time"] = range(len(df))
    for col in ("price", "volume_kw"):
        values = pd.to_numeric(df[col], errors="coerce")
        bad = values.isna()
        if bad.any():
            raise ParameterError(
                "bids", [(col, f"row {int(bad.idxmax()) + 1}: {df[col][bad.idxmax()]!r} is not a number")]
            )
        df[col] = values.astype("float64")
    df["connection_point"] = df["connection_point"].where(df["connection_point"].notna(), None)
    df["participant"] = df["participant"].astype(str)
    return df.reset_index(drop=True)
