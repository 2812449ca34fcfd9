"""Replay of a trading session's order log: clauses 67, 77, 79, 84–87.

The session lasts 30 minutes from opening; an accepted order priced below the current
minimum offer in the last 5 minutes extends it by 5 minutes; never beyond 60 minutes in
all (67). A participant's new order for the same lot replaces the old one only if it
lowers the price by at least 0.05 tenge and keeps the volume (85, 86). An order priced
equal to another participant's standing bid is rejected (79). Orders cannot be deleted
(84): every order stays in the log with its status and reason. Orders count only from
the opening (68).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import pandas as pd

from marketbooks.rules.auction.bids import PRICE_STEP, as_auction, check_bids, lot, normalise_bids
from marketbooks.scenarios.models import AuctionSpec, ParameterError

SESSION_S = 30 * 60
EXTENSION_S = 5 * 60
MAX_SESSION_S = 60 * 60
STEP_CENTS = round(PRICE_STEP * 100)


@dataclass(frozen=True)
class SessionResult:
    orders: pd.DataFrame  # every order: status accepted / replaced / rejected, clause, reason
    standing: pd.DataFrame  # the final bid per participant and lot: the input to clearing
    close_s: float
    extensions: pd.DataFrame  # time of the triggering order, new close time


def run_session(auction: AuctionSpec | dict, orders: pd.DataFrame | list[dict]) -> SessionResult:
    """Replay an order log in time order (clauses 67, 68, 77, 79 and 84–87): each order's
    status, clause and reason.

    ``time`` is in seconds since the session opened (clause 87: millisecond precision). An
    order before the opening is rejected (68: "acceptance of orders ... is carried out from
    the moment of the opening of the trading session"), one after the close too (67).

    O(n log n) in the number of orders: standing bids are kept by lot, by price (for the
    clause 79 equal-price test) and in a heap (for the current minimum of clause 67's
    extension), so no order rescans the others.

    Parameters
    ----------
    auction : AuctionSpec or dict
        The auction.
    orders : pandas.DataFrame or list of dict
        The order log: participant, time (s), price (tenge/kWh), volume_kw, ...

    Returns
    -------
    SessionResult
        Every order with status, clause and reason; the standing bids; the close time (s) and the extensions.

    Examples
    --------
    >>> spec = {"kind": "with_documentation", "technology": "solar", "volume_kw": 1000, "max_price": 20.0}
    >>> log = [
    ...     {"time": -1, "participant": "A", "price": 19.0, "volume_kw": 1000},
    ...     {"time": 5, "participant": "A", "price": 18.0, "volume_kw": 1000},
    ...     {"time": 9, "participant": "B", "price": 18.0, "volume_kw": 1000},
    ... ]
    >>> run_session(spec, log).orders[["status", "clause"]].values.tolist()
    [['rejected', '68'], ['accepted', ''], ['rejected', '79']]
    """
    auction = as_auction(auction)
    frame = pd.DataFrame(orders)
    if "time" not in frame:
        raise ParameterError("orders", [("time", "column missing (seconds since the session opened)")])
    df = normalise_bids(frame, "orders")
    df["time"] = df["time"].round(3)
    df = df.sort_values("time", kind="stable").reset_index(drop=True)
    df.insert(0, "order_no", range(1, len(df) + 1))  # clause 77: numbered without gaps
    static = check_bids(auction, df)  # the rules of a single order, vectorised (73, 78, 80, 81, 40)
    times = df["time"].tolist()
    prices = df["price"].tolist()
    cents = [round(p * 100) for p in prices]  # exact: a price with more decimals is rejected (73) first
    volumes = df["volume_kw"].tolist()
    keys = [(p, lot(auction, c)) for p, c in zip(df["participant"].tolist(), df["connection_point"].tolist())]
    valid, static_clause, static_reason = (static[c].tolist() for c in ("valid", "clause", "reason"))
    n = len(df)
    status, clause, reason = [""] * n, [""] * n, [""] * n
    standing: dict[tuple[str, str], int] = {}
    at_price: dict[int, dict[str, int]] = {}  # cents → participant → standing bids at that price
    lowest: list[tuple[int, int]] = []  # heap of (cents, order index); stale entries skipped
    close = float(SESSION_S)
    extensions = []
    for i in range(n):
        t, key, pc = times[i], keys[i], cents[i]
        if t < 0:
            status[i], clause[i], reason[i] = "rejected", "68", f"at {t:g} s, before the session opened"
            continue
        if t > close:
            status[i], clause[i], reason[i] = "rejected", "67", f"after the session closed at {close:.0f} s"
            continue
        if not valid[i]:
            status[i], clause[i], reason[i] = "rejected", static_clause[i], static_reason[i]
            continue
        holders = at_price.get(pc)
        if holders and any(who != key[0] for who in holders):
            status[i], clause[i], reason[i] = (
                "rejected",
                "79",
                f"price {prices[i]:.2f} equals another participant's bid",
            )
            continue
        old = standing.get(key)
        if old is not None:
            if volumes[i] != volumes[old]:
                status[i], clause[i] = "rejected", "85"
                reason[i] = f"a new order must keep the volume {volumes[old]:,.0f} kW"
                continue
            if cents[old] - pc < STEP_CENTS:
                status[i], clause[i] = "rejected", "85, 86"
                reason[i] = f"must lower the price by at least 0.05 (from {prices[old]:.2f})"
                continue
            status[old] = "replaced"
            _release(at_price, cents[old], key[0])
        while lowest and standing.get(keys[lowest[0][1]]) != lowest[0][1]:
            heapq.heappop(lowest)  # replaced since it was pushed
        current_min = lowest[0][0] if lowest else None
        standing[key] = i
        at_price.setdefault(pc, {})
        at_price[pc][key[0]] = at_price[pc].get(key[0], 0) + 1
        heapq.heappush(lowest, (pc, i))
        status[i], reason[i] = "accepted", "" if old is None else f"replaces order {old + 1}"
        if current_min is not None and pc < current_min and t >= close - EXTENSION_S and close < MAX_SESSION_S:
            close = min(close + EXTENSION_S, float(MAX_SESSION_S))
            extensions.append({"order_no": i + 1, "time_s": t, "new_close_s": close})
    df["status"], df["clause"], df["reason"] = status, clause, reason
    stand = df.loc[sorted(standing.values())].reset_index(drop=True)
    return SessionResult(df, stand, close, pd.DataFrame(extensions, columns=["order_no", "time_s", "new_close_s"]))


def _release(at_price: dict[int, dict[str, int]], cents: int, participant: str) -> None:
    holders = at_price[cents]
    holders[participant] -= 1
    if not holders[participant]:
        del holders[participant]
        if not holders:
            del at_price[cents]
