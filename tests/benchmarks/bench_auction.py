"""Auction speed (not collected by `make test`): clearing 100,000 bids over 1,000 connection
points, and replaying an order log of 100,000 orders over 1,000 lots beside a plain-Python
replay written here (same run, same statuses asserted)."""

from __future__ import annotations

import heapq
import time

import numpy as np
import pandas as pd

from marketbooks.rules.auction import clear_auction, run_session


def market(n_bids: int = 100_000, n_points: int = 1_000, volume_kw: float = 50_000_000, seed: int = 0):
    rng = np.random.default_rng(seed)
    points = {
        f"P{i}": {"limit_kw": float(rng.integers(5_000, 50_000)), "max_connections": int(rng.integers(1, 6))}
        for i in range(n_points)
    }
    bids = pd.DataFrame(
        {
            "participant": [f"B{i}" for i in range(n_bids)],
            "price": rng.integers(500, 1697, n_bids) / 100,
            "volume_kw": rng.integers(100, 5_000, n_bids).astype(float),
            "connection_point": rng.choice(list(points), n_bids),
            "time": np.arange(n_bids),
        }
    )
    auction = {
        "kind": "without_documentation",
        "technology": "solar",
        "volume_kw": volume_kw,
        "max_price": 16.97,
        "connection_points": points,
    }
    return auction, bids


def order_log(n_orders: int = 100_000, n_lots: int = 1_000, seed: int = 1) -> tuple[dict, pd.DataFrame]:
    """300 participants, one per lot, bidding down over 35 minutes: replacements, too-small
    steps, changed volumes, equal prices, early and late orders all occur."""
    rng = np.random.default_rng(seed)
    points = {f"L{i}": {"limit_kw": 50_000.0, "max_connections": 3} for i in range(n_lots)}
    n_pairs = n_lots  # one bidder per lot, 300 participants
    pair_who = rng.integers(0, 300, n_pairs)
    pair_lot = np.arange(n_pairs)
    pair_start = rng.integers(2_000, 6_000, n_pairs)  # tyn
    pair = rng.integers(0, n_pairs, n_orders)
    time_s = np.round(rng.uniform(-5, 2_100, n_orders), 3)
    order = np.lexsort((time_s, pair))  # per pair in time order, so its prices can fall
    step = rng.choice([2, 5, 5, 5, 6, 7], n_orders)  # tyn; 2 is below clause 86's step
    cents = np.empty(n_orders, dtype=np.int64)
    start = np.r_[0, np.flatnonzero(np.diff(pair[order])) + 1]
    walk = np.cumsum(step[order])
    cents[order] = pair_start[pair[order]] - (
        walk - np.repeat(walk[start] - step[order][start], np.diff(np.r_[start, n_orders]))
    )
    volume = 1_000.0 + 100 * (pair % 40)
    volume[rng.random(n_orders) < 0.01] += 100  # clause 85: a changed volume
    log = pd.DataFrame(
        {
            "time": time_s,
            "participant": [f"B{w}" for w in pair_who[pair]],
            "price": np.maximum(cents, 1) / 100,
            "volume_kw": volume,
            "connection_point": [f"L{x}" for x in pair_lot[pair]],
        }
    )
    auction = {
        "kind": "without_documentation",
        "technology": "solar",
        "volume_kw": 5_000_000.0,
        "max_price": 60.00,
        "connection_points": points,
    }
    return auction, log


def plain_replay(auction: dict, log: pd.DataFrame) -> list[tuple[str, str]]:
    """Clauses 67, 68, 73, 78, 79, 80, 85, 86 in plain Python on lists: (status, clause) per order."""
    rows = log.sort_values("time", kind="stable")
    limits = {k: v["limit_kw"] for k, v in auction["connection_points"].items()}
    out: list[list[str]] = []
    standing: dict[tuple[str, str], int] = {}
    holders: dict[int, dict[str, int]] = {}
    heap: list[tuple[int, int]] = []
    close = 1800.0
    cents_of, volume_of = [], []
    for i, (t, who, price, volume, point) in enumerate(
        zip(rows["time"], rows["participant"], rows["price"], rows["volume_kw"], rows["connection_point"])
    ):
        c = round(price * 100)
        cents_of.append(c)
        volume_of.append(volume)
        if t < 0:
            out.append(["rejected", "68"])
            continue
        if t > close:
            out.append(["rejected", "67"])
            continue
        if price > auction["max_price"] or volume > auction["volume_kw"] or volume > limits[point]:
            out.append(["rejected", "78" if price > auction["max_price"] else "80"])
            continue
        at = holders.get(c, {})
        if any(p != who for p in at):
            out.append(["rejected", "79"])
            continue
        key = (who, point)
        old = standing.get(key)
        if old is not None:
            if volume != volume_of[old]:
                out.append(["rejected", "85"])
                continue
            if cents_of[old] - c < 5:
                out.append(["rejected", "85, 86"])
                continue
            out[old][0] = "replaced"
            prev = holders[cents_of[old]]
            prev[who] -= 1
            if not prev[who]:
                del prev[who]
        while heap and standing.get(key_of(rows, heap[0][1])) != heap[0][1]:
            heapq.heappop(heap)
        low = heap[0][0] if heap else None
        standing[key] = i
        holders.setdefault(c, {})
        holders[c][who] = holders[c].get(who, 0) + 1
        heapq.heappush(heap, (c, i))
        out.append(["accepted", ""])
        if low is not None and c < low and t >= close - 300 and close < 3600:
            close = min(close + 300, 3600.0)
    return [(a, b) for a, b in out]


_KEYS: dict[int, list[tuple[str, str]]] = {}


def key_of(rows: pd.DataFrame, i: int) -> tuple[str, str]:
    keys = _KEYS.get(id(rows))
    if keys is None:
        keys = _KEYS[id(rows)] = list(zip(rows["participant"], rows["connection_point"]))
    return keys[i]


def bench_session() -> None:
    auction, log = order_log()
    timings: dict[str, list[float]] = {"marketbooks.run_session": [], "plain Python replay": []}
    for _ in range(3):
        t = time.perf_counter()
        engine = run_session(auction, log)
        timings["marketbooks.run_session"].append(time.perf_counter() - t)
        t = time.perf_counter()
        plain = plain_replay(auction, log)
        timings["plain Python replay"].append(time.perf_counter() - t)
    assert list(zip(engine.orders["status"], engine.orders["clause"])) == plain, "the replays disagree"
    counts = engine.orders["clause"].replace("", "accepted").value_counts().to_dict()
    print(f"order log of {len(log):,} orders over 1,000 lots ({counts}); session closed at {engine.close_s:.0f} s")
    for name, times in timings.items():
        print(f"  {name:<26} best {min(times):.2f} s  median {sorted(times)[1]:.2f} s")


def main() -> None:
    bench_session()
    for volume, label in (
        (50_000_000, "demand above what the points allow: every bid visited"),
        (1_000_000, "demand met early: the walk stops"),
    ):
        auction, bids = market(volume_kw=volume)
        times = []
        for _ in range(3):
            t = time.perf_counter()
            r = clear_auction(auction, bids)
            times.append(time.perf_counter() - t)
        print(f"100,000 bids, 1,000 points, {label}: best {min(times):.2f} s ({r.branch}, {len(r.winners):,} winners)")


if __name__ == "__main__":
    main()
