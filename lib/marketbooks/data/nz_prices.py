"""Readers of the NZ Electricity Authority's public price files (seed 002; EMI layouts).

Each reader turns one published layout into the interval or period table that
:mod:`marketbooks.rules.rtp` prices. A file that cannot be read raises
:class:`~marketbooks.rules.rtp.PriceDataError` naming the file, the line (1 = the first
line of the file) and the field: never a pandas traceback, never a NaN price.

Daylight saving: NZ trading periods are the half hours from local midnight, 46 on the day
daylight saving starts and 50 on the day it ends, when the hour from 02:00 comes twice (as
periods 5–6 and again as 7–8). Local times in that hour are placed by the file's own
``TradingPeriod``, never by guessing from their order (so a day loads in the published order,
time then node, or in any other).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from marketbooks.rules.rtp import PERIOD_S, TZ, PriceDataError

# EMI (www.emi.ea.govt.nz) Wholesale datasets, final energy prices, by column name:
# * current: Wholesale/Datasets/FinalPricing/EnergyPrices (published since 2021)
# * legacy: Wholesale/Datasets/Final_pricing, YYYYMM_Final_prices.csv (the collection the
#   Authority decommissioned; its files name the columns Trading_date, Trading_period, Node, Price)
FINAL_PRICE_LAYOUTS = {
    "current": {
        "TradingDate": "trading_date",
        "TradingPeriod": "trading_period",
        "PointOfConnection": "node",
        "DollarsPerMegawattHour": "price",
    },
    "legacy": {"Trading_date": "trading_date", "Trading_period": "trading_period", "Node": "node", "Price": "price"},
}
# EMI Wholesale/Datasets/DispatchAndPricing/DispatchEnergyPrices (since 1 November 2022)
DISPATCH_COLUMNS = ["TradingDate", "TradingPeriod", "PublishDateTime", "PointOfConnection", "DollarsPerMegawattHour"]
# EMI Wholesale/Datasets/DispatchAndPricing/Pre1November2022Archive/IndicativePrices: no header
FIVE_MINUTE_COLUMNS = ["node", "date", "trading period", "start", "price", "island", "load area", "flag", "run time"]


def _read(source: bytes | str | Path, name: str) -> str:
    """A price file's text from bytes, a path, or the CSV text itself (a string with a line
    break). A string without one is a path: a missing file is "file not found"."""
    if isinstance(source, (bytes, bytearray)):
        try:
            return bytes(source).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PriceDataError(f"{name}: not UTF-8 text: a price file is a CSV file") from None
    if isinstance(source, str) and ("\n" in source or not source.strip()):
        return source
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise PriceDataError(f"{name}: file not found: {path}")
        try:
            return path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise PriceDataError(f"{name}: not UTF-8 text: a price file is a CSV file") from None
    raise PriceDataError(f"{name}: cannot read a {type(source).__name__}: give a path, bytes or CSV text")


def _text_table(text: str, name: str, header: bool = True, columns: int | None = None) -> pd.DataFrame:
    """Every cell as text, every row as long as the first; a ragged row, an empty file or a
    bad quote is a located error. (The csv module, not pandas: pandas takes a row with one
    field more than the header for an index and fills a short one with NaN.)"""
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    try:
        rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise PriceDataError(f"{name}: line {reader.line_num}: not a readable CSV row ({exc})") from None
    if not rows:
        raise PriceDataError(f"{name}: the file is empty")
    width = len(rows[0][1])
    if columns is not None and width != columns:
        raise PriceDataError(f"{name}: expected {columns} columns, found {width}")
    for line, row in rows:
        if len(row) > width:
            raise PriceDataError(f"{name}: line {line}: has {len(row)} fields, the others {width}")
        if len(row) < width:
            raise PriceDataError(f"{name}: line {line}: has fewer fields than the others ({len(row)} of {width})")
    if header:
        head, data = [c.strip() for c in rows[0][1]], rows[1:]
    else:
        head, data = [str(i) for i in range(width)], rows
    for i, (line, _) in enumerate(data):
        if line != i + 1 + int(header):  # so that every message's line number is the file's
            raise PriceDataError(f"{name}: line {i + 1 + int(header)}: is blank")
    return pd.DataFrame([row for _, row in data], columns=head, dtype=object).astype(str)


def _line(row: int, header: bool) -> int:
    return int(row) + 1 + int(header)


def _numbers(df: pd.DataFrame, column: str, name: str, header: bool = True, field: str | None = None) -> np.ndarray:
    """A column of finite numbers; an empty cell, "n/a" or other text is a located error."""
    values = pd.to_numeric(df[column].str.strip(), errors="coerce").to_numpy(dtype="float64")
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raw = df[column].iloc[bad[0]]
        why = "is empty" if not raw.strip() else f"{raw!r} is not a number"
        raise PriceDataError(
            f"{name}: line {_line(bad[0], header)}, field {field or column!r}: {why} ({bad.size} such row(s))"
        )
    return values


def _periods(df: pd.DataFrame, column: str, name: str, header: bool = True, field: str | None = None) -> np.ndarray:
    values = _numbers(df, column, name, header, field)
    bad = np.flatnonzero((values != np.round(values)) | (values < 1) | (values > 50))
    if bad.size:
        raise PriceDataError(
            f"{name}: line {_line(bad[0], header)}, field {field or column!r}: "
            f"{df[column].iloc[bad[0]]!r} is not a trading period (a whole number 1–50)"
        )
    return values.astype("int64")


def _dates(df: pd.DataFrame, column: str, fmt: str, name: str, header: bool = True, field: str | None = None):
    dates = pd.to_datetime(df[column].str.strip(), format=fmt, errors="coerce")
    bad = np.flatnonzero(dates.isna().to_numpy())
    if bad.size:
        raise PriceDataError(
            f"{name}: line {_line(bad[0], header)}, field {field or column!r}: "
            f"{df[column].iloc[bad[0]]!r} is not a date ({fmt.replace('%', '').replace('Y', 'yyyy')})"
        )
    return dates


def _nodes(df: pd.DataFrame, column: str, name: str, header: bool = True, field: str | None = None) -> pd.Series:
    nodes = df[column].str.strip()
    bad = np.flatnonzero((nodes == "").to_numpy())
    if bad.size:
        raise PriceDataError(f"{name}: line {_line(bad[0], header)}, field {field or column!r}: is empty")
    return nodes


def period_starts(dates: pd.Series, periods: np.ndarray, name: str, header: bool = True, tz: str = TZ) -> np.ndarray:
    """The UTC start (seconds since 1970) of each (trading date, trading period): local
    midnight plus 30 minutes per period before it. A period beyond the day's count (46 on
    the day daylight saving starts, 50 on the day it ends, 48 otherwise) is an error."""
    day = pd.DatetimeIndex(dates.dt.normalize())
    midnight = day.tz_localize(tz).tz_convert("UTC").as_unit("s").asi8
    next_midnight = (day + pd.Timedelta(days=1)).tz_localize(tz).tz_convert("UTC").as_unit("s").asi8
    in_day = (next_midnight - midnight) // PERIOD_S
    bad = np.flatnonzero(periods > in_day)
    if bad.size:
        i = bad[0]
        raise PriceDataError(
            f"{name}: line {_line(i, header)}: trading period {periods[i]} does not exist on "
            f"{day[i].date()}, which has {in_day[i]} periods"
        )
    return midnight + (periods - 1) * PERIOD_S


def place_local_times(
    local: pd.Series, period_start_s: np.ndarray, name: str, header: bool = True, tz: str = TZ
) -> pd.Series:
    """Local wall-clock times made tz-aware by their trading period.

    A time in the hour that repeats when daylight saving ends is read both ways, and the
    reading that falls in its trading period wins; a time that falls in neither is an error
    naming its line. Times given with a UTC offset (``+13:00``/``+12:00``) keep it.
    """
    text = local.astype(str)
    if text.str.contains(r"(?:[+-]\d\d:?\d\d|Z)$", regex=True).all():
        utc = pd.to_datetime(text, utc=True, format="mixed", errors="coerce")
        if utc.isna().any():
            i = int(np.flatnonzero(utc.isna().to_numpy())[0])
            raise PriceDataError(f"{name}: line {_line(i, header)}: {text.iloc[i]!r} is not a date and time")
        return utc.dt.tz_convert(tz)
    naive = pd.to_datetime(text, errors="coerce", format="mixed")
    if naive.isna().any():
        i = int(np.flatnonzero(naive.isna().to_numpy())[0])
        raise PriceDataError(f"{name}: line {_line(i, header)}: {text.iloc[i]!r} is not a date and time")
    summer = naive.dt.tz_localize(tz, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="NaT")
    winter = naive.dt.tz_localize(tz, ambiguous=np.zeros(len(naive), dtype=bool), nonexistent="NaT")

    def fits(times: pd.Series) -> np.ndarray:
        seconds = times.dt.tz_convert("UTC").dt.as_unit("s").astype("int64").to_numpy()
        return times.notna().to_numpy() & (seconds >= period_start_s) & (seconds < period_start_s + PERIOD_S)

    use_summer, use_winter = fits(summer), fits(winter)
    placed = summer.where(use_summer, winter)
    lost = np.flatnonzero(~(use_summer | use_winter))
    if lost.size:
        i = lost[0]
        raise PriceDataError(
            f"{name}: line {_line(i, header)}: {text.iloc[i]} is not in its trading period, which starts "
            f"{pd.Timestamp(int(period_start_s[i]), unit='s', tz='UTC').tz_convert(tz)}"
        )
    return placed


def _refuse_repeats(name: str, df: pd.DataFrame, keys: list, what: str, header_rows: int = 1) -> None:
    """Rows that give a second price for the same node and time are an error naming both
    lines of the file (1 = its first line)."""
    again = df.duplicated(keys, keep=False)
    if again.any():
        rows = np.flatnonzero(again.to_numpy())
        group = df.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
        same = rows[group[rows] == group[rows[0]]]
        label = ", ".join(f"{k} {v}" for k, v in df.iloc[rows[0]][keys].items())
        raise PriceDataError(
            f"{name}: {what} appears more than once ({label}: rows {', '.join(str(r + 1 + header_rows) for r in same)})"
        )


def read_final_prices(source: bytes | str | Path, name: str = "final prices") -> pd.DataFrame:
    """Final energy prices, one per node and trading period, in the current EMI layout
    (``TradingDate, TradingPeriod, PointOfConnection, DollarsPerMegawattHour``) or the legacy
    one (``Trading_date, Trading_period, Node, Price``).

    >>> read_final_prices("Trading_date,Trading_period,Node,Price\\n2016-04-03,50,HAY2201,61.5\\n")
      trading_date  trading_period     node  price
    0   2016-04-03              50  HAY2201   61.5
    """
    df = _text_table(_read(source, name), name)
    layout = next((cols for cols in FINAL_PRICE_LAYOUTS.values() if set(cols) <= set(df.columns)), None)
    if layout is None:
        missing = [c for c in FINAL_PRICE_LAYOUTS["current"] if c not in df.columns]
        raise PriceDataError(
            f"{name}: missing column(s) {', '.join(missing)} (or the legacy layout's "
            f"{', '.join(FINAL_PRICE_LAYOUTS['legacy'])})"
        )
    date_col, period_col, node_col, price_col = layout
    dates = _dates(df, date_col, "%Y-%m-%d", name)
    periods = _periods(df, period_col, name)
    period_starts(dates, periods, name)  # a period the day does not have is an error
    out = pd.DataFrame(
        {
            "trading_date": dates.dt.date,
            "trading_period": periods,
            "node": _nodes(df, node_col, name),
            "price": _numbers(df, price_col, name),
        }
    )
    _refuse_repeats(name, df, [date_col, period_col, node_col], "a node's trading period")
    return out


def read_dispatch_prices(source: bytes | str | Path, name: str = "dispatch prices", tz: str = TZ) -> pd.DataFrame:
    """Dispatch energy prices (since November 2022): one row per published dispatch price.

    Columns ``TradingDate, TradingPeriod, PublishDateTime, PointOfConnection, Island,
    DollarsPerMegawattHour``. Each price holds from its publication until the next one for
    the node, the last until the end of its trading period: irregular intervals. A
    ``PublishDateTime`` without a UTC offset is local time, placed by its trading period.
    """
    df = _text_table(_read(source, name), name)
    missing = [c for c in DISPATCH_COLUMNS if c not in df.columns]
    if missing:
        raise PriceDataError(f"{name}: missing column(s) {', '.join(missing)}")
    dates = _dates(df, "TradingDate", "%Y-%m-%d", name)
    periods = _periods(df, "TradingPeriod", name)
    starts = period_starts(dates, periods, name, tz=tz)
    nodes = _nodes(df, "PointOfConnection", name)
    price = _numbers(df, "DollarsPerMegawattHour", name)
    # with the trading period: local times repeat for an hour when daylight saving ends
    _refuse_repeats(
        name, df, ["TradingDate", "TradingPeriod", "PublishDateTime", "PointOfConnection"], "a node's publication time"
    )
    start = place_local_times(df["PublishDateTime"].str.strip(), starts, name, tz=tz)
    out = pd.DataFrame({"node": nodes, "start": start, "price": price, "period_start_s": starts})
    out = out.sort_values(["node", "start"], kind="stable")
    period_end = pd.to_datetime(out["period_start_s"] + PERIOD_S, unit="s", utc=True).dt.tz_convert(tz)
    nxt = out.groupby("node")["start"].shift(-1)
    out["end"] = nxt.where(nxt.notna() & (nxt <= period_end), period_end)
    return out.drop(columns="period_start_s").reset_index(drop=True)


def read_indicative_5min(source: bytes | str | Path, name: str = "5-minute prices", tz: str = TZ) -> pd.DataFrame:
    """Pre-2022 indicative 5-minute prices: headerless CSV of 9 columns (node, dd/mm/yyyy date,
    trading period, interval start hh:mm local time, price, island, load area, flag, run time).
    An interval in the repeated hour is placed by its trading period."""
    df = _text_table(_read(source, name), name, header=False, columns=9)
    df.columns = FIVE_MINUTE_COLUMNS
    dates = _dates(df, "date", "%d/%m/%Y", name, header=False)
    periods = _periods(df, "trading period", name, header=False)
    starts = period_starts(dates, periods, name, header=False, tz=tz)
    nodes = _nodes(df, "node", name, header=False)
    price = _numbers(df, "price", name, header=False)
    clock = pd.to_datetime(df["start"].str.strip(), format="%H:%M", errors="coerce")
    bad = np.flatnonzero(clock.isna().to_numpy())
    if bad.size:
        raise PriceDataError(
            f"{name}: line {bad[0] + 1}, field 'start': {df['start'].iloc[bad[0]]!r} is not a time (hh:mm)"
        )
    # with the trading period: local times repeat for an hour when daylight saving ends
    _refuse_repeats(name, df, ["node", "date", "trading period", "start"], "a node's interval", header_rows=0)
    local = dates.dt.strftime("%Y-%m-%d") + " " + df["start"].str.strip()
    start = place_local_times(local, starts, name, header=False, tz=tz)
    return pd.DataFrame(
        {"node": nodes, "start": start, "duration_s": 300, "price": price, "island": df["island"].str.strip()}
    )
