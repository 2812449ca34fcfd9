"""Trading-period prices for a year of 5-minute prices at 250 nodes (~26 million rows)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from marketbooks.rules import rtp


def year_of_intervals(nodes: int = 250, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-01").tz_localize(rtp.TZ).tz_convert("UTC")
    per_node = 365 * 288
    offsets = np.arange(per_node, dtype="int64") * 300
    return pd.DataFrame(
        {
            "node": pd.Categorical.from_codes(
                np.repeat(np.arange(nodes), per_node), [f"N{i:03d}" for i in range(nodes)]
            ),
            "start": pd.DatetimeIndex(start + pd.to_timedelta(np.tile(offsets, nodes), unit="s")),
            "duration_s": 300,
            "price": rng.gamma(4.0, 25.0, nodes * per_node).round(2),
        }
    )


def main() -> None:
    t = time.perf_counter()
    data = year_of_intervals()
    built = time.perf_counter() - t
    t = time.perf_counter()
    out = rtp.trading_period_prices(data, "time_weighted")
    took = time.perf_counter() - t
    print(
        f"rows {len(data):,} (built in {built:.1f} s) -> {len(out):,} trading-period prices "
        f"in {took:.1f} s ({len(data) / took / 1e6:.1f} M rows/s)"
    )


if __name__ == "__main__":
    main()
