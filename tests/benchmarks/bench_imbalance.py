"""Settlement speed: 10 million subject-periods, vectorised vs a row-by-row loop (same run).

Two row-by-row baselines, each on a slice and scaled to the full size: pandas ``iterrows``
(the usual row loop) and a tight pure-Python loop over lists (the fastest a loop gets).
The vectorised path settles all rows, with and without the input checks (NaN,
duplicates, missing periods).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from marketbooks.rules import imbalance as im
from marketbooks.rules.rounding import half_up_array


def market(n_subjects: int, n_periods: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = n_subjects * n_periods
    return pd.DataFrame(
        {
            "subject": np.repeat(np.arange(n_subjects, dtype="int32"), n_periods),
            "period": np.tile(np.arange(n_periods, dtype="int32"), n_subjects),
            "agreed_mwh": rng.uniform(0, 20, n).round(3),
            "actual_mwh": rng.uniform(0, 20, n).round(3),
            "zc": np.tile(rng.uniform(20, 200, n_periods).round(2), n_subjects),
        }
    )


def iterrows_loop(df: pd.DataFrame, kzpo: float) -> list[float]:
    out = []
    for _, row in df.iterrows():
        o = round(row["agreed_mwh"] - row["actual_mwh"], 3)
        out.append(round(o * row["zc"] * (kzpo if o > 0 else 1), 2))
    return out


def row_by_row(df: pd.DataFrame, kzpo: float) -> list[float]:
    out = []
    for agreed, actual, zc in zip(df["agreed_mwh"].tolist(), df["actual_mwh"].tolist(), df["zc"].tolist()):
        o = round(agreed - actual, 3)
        out.append(round(o * zc * (kzpo if o > 0 else 1), 2))
    return out


def plain_numpy_month(df: pd.DataFrame, nre: float, pre: float) -> np.ndarray:
    """The month's payments in cents with nothing checked: imbalance to 3 dp, negative
    payments to cents, kzpo, and the pool shared by largest remainder (ties to earlier rows),
    rounding half up as the sources do (the project's one rounding function)."""
    o = half_up_array(df["agreed_mwh"].to_numpy() - df["actual_mwh"].to_numpy(), 3)
    value = o * df["zc"].to_numpy()
    cents = np.rint(half_up_array(value, 2) * 100).astype("int64")
    pos = o > 0
    cents[pos] = 0
    neg_total = int(cents.sum())
    po_plus = float(value[pos].sum())
    pool = -(round(nre * 100) + round(pre * 100) + neg_total)
    if po_plus > 0 and pool < po_plus * 100:
        exact = value[pos] / po_plus * max(pool, 0)
        share = np.floor(exact).astype("int64")
        short = int(max(pool, 0) - share.sum())
        if short:
            frac = exact - share
            order = np.argsort(-frac, kind="stable")  # largest remainders, earlier rows first
            share[order[:short]] += 1
        cents[pos] = share
    else:
        cents[pos] = np.rint(half_up_array(value[pos], 2) * 100).astype("int64")
    return cents


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--subjects", type=int, default=13_441)
    ap.add_argument("--periods", type=int, default=744, help="a 31-day month of hours")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    df = market(args.subjects, args.periods)
    n = len(df)
    vec_checked = best(lambda: im.settle(df, 0.95), args.repeat)
    vec = best(lambda: im.settle(df, 0.95, check=False), args.repeat)
    month = best(lambda: im.settle_month(df, 1e6, -2e5, check=False), args.repeat)
    month_checked = best(lambda: im.settle_month(df, 1e6, -2e5), args.repeat)
    plain = best(lambda: plain_numpy_month(df, 1e6, -2e5), args.repeat)
    settled, balance = im.settle_month(df, 1e6, -2e5, check=False)
    expected = plain_numpy_month(df, 1e6, -2e5)
    assert 0 < balance.kzpo < 1 and (np.rint(settled["payment_eur"].to_numpy() * 100) == expected).all()
    sample = df.head(200_000)
    loop = best(lambda: row_by_row(sample, 0.95), 1) * n / len(sample)
    small = df.head(20_000)
    rows = best(lambda: iterrows_loop(small, 0.95), 1) * n / len(small)
    print(f"subject-periods                 {n:,}")
    print(f"settle, vectorised, checked     {vec_checked:6.2f} s")
    print(f"settle, vectorised, no checks   {vec:6.2f} s")
    print(f"settle_month (kzpo + cents)     {month:6.2f} s  (checked {month_checked:.2f} s)")
    print(f"plain numpy month (no checks)   {plain:6.2f} s  same cents")
    print(f"ratio settle_month / plain      {month / plain:6.2f}x   (target <= 1.0)")
    print(f"row loop, pandas iterrows       {rows:6.1f} s (20,000 rows, scaled)")
    print(f"row loop, tight pure Python     {loop:6.2f} s (200,000 rows, scaled)")
    print(f"speed-up vs iterrows            {rows / vec_checked:6.0f} x   (target >= 100)")
    print(f"speed-up vs tight loop          {loop / vec_checked:6.0f} x")


if __name__ == "__main__":
    main()
