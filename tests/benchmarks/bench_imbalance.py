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
    sample = df.head(200_000)
    loop = best(lambda: row_by_row(sample, 0.95), 1) * n / len(sample)
    small = df.head(20_000)
    rows = best(lambda: iterrows_loop(small, 0.95), 1) * n / len(small)
    print(f"subject-periods                 {n:,}")
    print(f"settle, vectorised, checked     {vec_checked:6.2f} s")
    print(f"settle, vectorised, no checks   {vec:6.2f} s")
    print(f"settle_month (kzpo + cents)     {month:6.2f} s")
    print(f"row loop, pandas iterrows       {rows:6.1f} s (20,000 rows, scaled)")
    print(f"row loop, tight pure Python     {loop:6.2f} s (200,000 rows, scaled)")
    print(f"speed-up vs iterrows            {rows / vec_checked:6.0f} x   (target >= 100)")
    print(f"speed-up vs tight loop          {loop / vec_checked:6.0f} x")


if __name__ == "__main__":
    main()
