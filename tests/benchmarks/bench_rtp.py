"""Trading-period prices for a year of 5-minute prices at 250 nodes (~26 million rows):
``rtp.trading_period_prices`` beside a plain numpy version written here (same run, same
table asserted). The plain version knows what the library must check: every interval is
5 minutes, none crosses a period boundary, none overlaps, no price is missing."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from marketbooks.rules import rtp
from marketbooks.rules.rounding import half_up_array


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


def plain_numpy(data: pd.DataFrame) -> pd.DataFrame:
    """Time-weighted trading-period prices with nothing checked: bincount over node × half hour."""
    codes = data["node"].cat.codes.to_numpy().astype("int64")
    start = data["start"].dt.as_unit("s").astype("int64").to_numpy()
    dur = data["duration_s"].to_numpy().astype("float64") if not np.isscalar(data["duration_s"]) else 300.0
    slot = start // rtp.PERIOD_S
    first, n_slots = slot.min(), int(slot.max() - slot.min() + 1)
    key = codes * n_slots + (slot - first)
    weight = np.bincount(key, weights=data["price"].to_numpy() * dur)
    seconds = np.bincount(key, weights=np.broadcast_to(dur, key.shape))
    count = np.bincount(key)
    present = np.flatnonzero(count)
    offset = present % n_slots
    stamps = pd.DatetimeIndex(pd.to_datetime((np.arange(n_slots) + first) * rtp.PERIOD_S, unit="s", utc=True))
    local = stamps.tz_convert(rtp.TZ)
    day = local.normalize()
    period = ((stamps - day.tz_convert("UTC")).total_seconds() // rtp.PERIOD_S + 1).astype(int)
    out = pd.DataFrame(
        {
            "node": np.asarray(data["node"].cat.categories)[present // n_slots],
            "trading_date": np.asarray(day.tz_localize(None).date)[offset],
            "trading_period": np.asarray(period)[offset],
            "period_start_utc": stamps.take(offset),
            "price": half_up_array(weight[present] / seconds[present], 2),  # the sources' rounding
            "n_intervals": count[present],
            "covered_s": seconds[present].astype("int64"),
        }
    )
    out["complete"] = out["covered_s"] >= rtp.PERIOD_S
    return out


def interleaved(fns: dict, repeat: int = 5) -> tuple[dict, dict]:
    """Each function ``repeat`` times, taking turns (this machine's timing drifts by tens of
    per cent from minute to minute: turns keep the comparison fair); times and results."""
    times: dict = {name: [] for name in fns}
    results: dict = {}
    for _ in range(repeat):
        for name, fn in fns.items():
            t = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - t)
    return times, results


def main() -> None:
    t = time.perf_counter()
    data = year_of_intervals()
    built = time.perf_counter() - t
    times, results = interleaved(
        {
            "rtp.trading_period_prices": lambda: rtp.trading_period_prices(data, "time_weighted"),
            "plain numpy (no checks)": lambda: plain_numpy(data),
        }
    )
    out, plain = results["rtp.trading_period_prices"], results["plain numpy (no checks)"]
    pd.testing.assert_frame_equal(out[plain.columns], plain, check_dtype=False)
    print(f"rows {len(data):,} (built in {built:.1f} s) -> {len(out):,} trading-period prices, same table")
    for name, ts in times.items():
        print(f"  {name:<28} best {min(ts):5.2f} s  median {np.median(ts):5.2f} s")
    lib, base = times["rtp.trading_period_prices"], times["plain numpy (no checks)"]
    print(
        f"  ratio library / plain        best {min(lib) / min(base):5.2f}x  "
        f"median {np.median(lib) / np.median(base):5.2f}x   (target <= 1.0)"
    )


if __name__ == "__main__":
    main()
