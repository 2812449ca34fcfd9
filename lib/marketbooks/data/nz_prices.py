"""Readers of the NZ Electricity Authority's public price files (seed 002; EMI layouts).

Each reader turns one published layout into the interval or period table that
:mod:`marketbooks.rules.rtp` prices; a file that cannot be read raises
:class:`~marketbooks.rules.rtp.PriceDataError` naming the file and the problem.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from marketbooks.rules.rtp import TZ, PriceDataError


def _read(source) -> str:
    """A price file's text from bytes, a path, or the CSV text itself (a string with a line
    break: asking the file system about it fails once it is longer than a file name may be)."""
    if isinstance(source, (bytes, bytearray)):
        return source.decode("utf-8-sig")
    if isinstance(source, str) and "\n" in source:
        return source
    if isinstance(source, (str, Path)) and Path(source).exists():
        return Path(source).read_text(encoding="utf-8-sig")
    if isinstance(source, str):
        return source
    raise PriceDataError(f"cannot read {source!r}")


def _refuse_repeats(name: str, df: pd.DataFrame, keys: list, what: str, header_rows: int = 1) -> None:
    """Rows that give a second price for the same node and time are an error naming both
    rows of the file (1 = its first line)."""
    again = df.duplicated(keys, keep=False)
    if again.any():
        rows = np.flatnonzero(again.to_numpy())
        group = df.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()  # missing values alike, as duplicated()
        same = rows[group[rows] == group[rows[0]]]
        label = ", ".join(f"{k} {v}" for k, v in df.iloc[rows[0]][keys].items())
        raise PriceDataError(
            f"{name}: {what} appears more than once ({label}: rows {', '.join(str(r + 1 + header_rows) for r in same)})"
        )


def read_final_prices(source, name: str = "final prices") -> pd.DataFrame:
    """Final energy prices: ``TradingDate, TradingPeriod, PointOfConnection, DollarsPerMegawattHour``."""
    df = pd.read_csv(io.StringIO(_read(source)))
    need = ["TradingDate", "TradingPeriod", "PointOfConnection", "DollarsPerMegawattHour"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise PriceDataError(f"{name}: missing column(s) {', '.join(missing)}")
    out = pd.DataFrame(
        {
            "trading_date": pd.to_datetime(df["TradingDate"]).dt.date,
            "trading_period": df["TradingPeriod"].astype(int),
            "node": df["PointOfConnection"],
            "price": df["DollarsPerMegawattHour"].astype(float),
        }
    )
    bad = ~out["trading_period"].between(1, 50)
    if bad.any():
        raise PriceDataError(f"{name}: TradingPeriod must lie in 1..50 (row {int(bad.idxmax()) + 2})")
    _refuse_repeats(name, df, ["TradingDate", "TradingPeriod", "PointOfConnection"], "a node's trading period")
    return out


def read_dispatch_prices(source, name: str = "dispatch prices", tz: str = TZ) -> pd.DataFrame:
    """Dispatch energy prices (since November 2022): one row per published dispatch price.

    Columns ``TradingDate, TradingPeriod, PublishDateTime, PointOfConnection, Island,
    DollarsPerMegawattHour``. Each price holds from its publication until the next one for
    the node, the last until the end of its trading period: irregular intervals.
    """
    df = pd.read_csv(io.StringIO(_read(source)))
    need = ["TradingDate", "TradingPeriod", "PublishDateTime", "PointOfConnection", "DollarsPerMegawattHour"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise PriceDataError(f"{name}: missing column(s) {', '.join(missing)}")
    # with the trading period: local times repeat for an hour when daylight saving ends
    _refuse_repeats(
        name, df, ["TradingDate", "TradingPeriod", "PublishDateTime", "PointOfConnection"], "a node's publication time"
    )
    start = pd.to_datetime(df["PublishDateTime"])
    start = start.dt.tz_localize(tz, ambiguous="infer") if start.dt.tz is None else start.dt.tz_convert(tz)
    out = pd.DataFrame(
        {"node": df["PointOfConnection"], "start": start, "price": df["DollarsPerMegawattHour"].astype(float)}
    ).sort_values(["node", "start"])
    period_end = (out["start"].dt.tz_convert("UTC").dt.floor("30min") + pd.Timedelta(minutes=30)).dt.tz_convert(tz)
    nxt = out.groupby("node")["start"].shift(-1)
    out["end"] = nxt.where(nxt.notna() & (nxt <= period_end), period_end)
    return out.reset_index(drop=True)


def read_indicative_5min(source, name: str = "5-minute prices", tz: str = TZ) -> pd.DataFrame:
    """Pre-2022 indicative 5-minute prices: headerless CSV of 9 columns (node, dd/mm/yyyy date,
    trading period, interval start hh:mm, price, island, load area, flag, run time)."""
    df = pd.read_csv(io.StringIO(_read(source)), header=None)
    if df.shape[1] != 9:
        raise PriceDataError(f"{name}: expected 9 columns, found {df.shape[1]}")
    # with the trading period: local times repeat for an hour when daylight saving ends
    _refuse_repeats(
        name,
        df.rename(columns={0: "node", 1: "date", 2: "trading period", 3: "start"}),
        ["node", "date", "trading period", "start"],
        "a node's interval",
        header_rows=0,
    )
    local = pd.to_datetime(df[1] + " " + df[3], format="%d/%m/%Y %H:%M")
    start = local.dt.tz_localize(tz, ambiguous="infer")
    return pd.DataFrame(
        {"node": df[0], "start": start, "duration_s": 300, "price": df[4].astype(float), "island": df[5]}
    )
