"""Replay of a trading session's order log: clauses 67, 77, 79, 84–87.

The session lasts 30 minutes from opening; an accepted order priced below the current
minimum offer in the last 5 minutes extends it by 5 minutes; never beyond 60 minutes in
all (67). A participant's new order for the same lot replaces the old one only if it
lowers the price by at least 0.05 tenge and keeps the volume (85, 86). An order priced
equal to another participant's standing bid is rejected (79). Orders cannot be deleted
(84): every order stays in the log with its status and reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from marketbooks.rules.auction.bids import PRICE_STEP, as_auction, check_bid, lot
from marketbooks.scenarios.models import AuctionSpec

SESSION_S = 30 * 60
EXTENSION_S = 5 * 60
MAX_SESSION_S = 60 * 60


@dataclass(frozen=True)
class SessionResult:
    orders: pd.DataFrame  # every order: status accepted / replaced / rejected, clause, reason
    standing: pd.DataFrame  # the final bid per participant and lot: the input to clearing
    close_s: float
    extensions: pd.DataFrame  # time of the triggering order, new close time


def run_session(auction: AuctionSpec | dict, orders: pd.DataFrame | list[dict]) -> SessionResult:
    """Replay ``orders`` (``time`` in seconds since opening, ms precision) in time order."""
    auction = as_auction(auction)
    df = pd.DataFrame(orders).copy()
    if "time" not in df:
        raise ValueError("orders need a 'time' column (seconds since the session opened)")
    df["time"] = pd.to_numeric(df["time"]).round(3)
    for col, default in (("connection_point", None), ("min_volume_kw", 100.0), ("security_tenge", None)):
        if col not in df:
            df[col] = default
    df = df.sort_values("time", kind="stable").reset_index(drop=True)
    df.insert(0, "order_no", range(1, len(df) + 1))  # clause 77: numbered without gaps
    close = float(SESSION_S)
    standing: dict[tuple[str, str], int] = {}
    status, clause, reason = [], [], []
    extensions = []

    def record(st: str, cl: str = "", why: str = "") -> None:
        status.append(st)
        clause.append(cl)
        reason.append(why)

    for i, o in enumerate(df.to_dict("records")):
        price, volume = float(o["price"]), float(o["volume_kw"])
        key = (str(o["participant"]), lot(auction, o["connection_point"]))
        if o["time"] > close:
            record("rejected", "67", f"after the session closed at {close:.0f} s")
            continue
        security = o["security_tenge"] if pd.notna(o["security_tenge"]) else None
        rej = check_bid(auction, price, volume, o["connection_point"], float(o["min_volume_kw"] or 100), security)
        if rej:
            record("rejected", "; ".join(r.clause for r in rej), "; ".join(r.reason for r in rej))
            continue
        if any(k[0] != key[0] and abs(float(df.at[j, "price"]) - price) < 1e-9 for k, j in standing.items()):
            record("rejected", "79", f"price {price:.2f} equals another participant's bid")
            continue
        old = standing.get(key)
        if old is not None:
            old_price, old_volume = float(df.at[old, "price"]), float(df.at[old, "volume_kw"])
            if volume != old_volume:
                record("rejected", "85", f"a new order must keep the volume {old_volume:,.0f} kW")
                continue
            if old_price - price < PRICE_STEP - 1e-9:
                record("rejected", "85, 86", f"must lower the price by at least 0.05 (from {old_price:.2f})")
                continue
            status[old] = "replaced"
        current_min = min((float(df.at[j, "price"]) for j in standing.values()), default=None)
        standing[key] = i
        record("accepted", "", "" if old is None else f"replaces order {old + 1}")
        if (
            current_min is not None
            and price < current_min
            and o["time"] >= close - EXTENSION_S
            and close < MAX_SESSION_S
        ):
            close = min(close + EXTENSION_S, float(MAX_SESSION_S))
            extensions.append({"order_no": i + 1, "time_s": o["time"], "new_close_s": close})
    df["status"], df["clause"], df["reason"] = status, clause, reason
    stand = df.loc[sorted(standing.values())].reset_index(drop=True)
    return SessionResult(df, stand, close, pd.DataFrame(extensions, columns=["order_no", "time_s", "new_close_s"]))
