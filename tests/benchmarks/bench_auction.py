"""Clearing speed: 100,000 bids over 1,000 connection points (not collected by `make test`)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from marketbooks.rules.auction import clear_auction


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


def main() -> None:
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
