"""Bid and order files a user uploads (CSV): read into the tables the auction rules take.

A file that cannot be used raises :class:`~marketbooks.scenarios.models.ParameterError`
naming the file, the column or row and the reason.
"""

from __future__ import annotations

import io

import pandas as pd

from marketbooks.rules.auction.bids import normalise_bids
from marketbooks.scenarios.models import ParameterError


def _read_csv(content: bytes, name: str) -> pd.DataFrame:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParameterError(name, [("(file)", "not UTF-8 text: upload a CSV file")]) from None
    try:
        df = pd.read_csv(io.StringIO(text), skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ParameterError(name, [("(file)", f"not a readable CSV: {str(exc).splitlines()[0]}")]) from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    return df


def read_orders_csv(content: bytes, name: str = "orders.csv") -> pd.DataFrame:
    """An order log from an uploaded CSV: the bid columns plus ``time`` (seconds since opening)."""
    df = _read_csv(content, name)
    if "time" not in df.columns:
        raise ParameterError(name, [("time", "column missing (seconds since the session opened)")])
    times = pd.to_numeric(df["time"], errors="coerce")
    if times.isna().any():
        raise ParameterError(name, [("time", f"row {int(times.isna().idxmax()) + 1}: not a number")])
    try:
        out = normalise_bids(df)
    except ParameterError as exc:
        raise ParameterError(name, exc.problems) from None
    out["time"] = times.astype("float64")
    return out


def read_bids_csv(content: bytes, name: str = "bids.csv") -> pd.DataFrame:
    """Bids from an uploaded CSV (participant, price, volume_kw[, connection_point, min_volume_kw, time]).

    A malformed file raises ParameterError naming the file, the column and the reason.
    """
    df = _read_csv(content, name)
    try:
        return normalise_bids(df)
    except ParameterError as exc:
        raise ParameterError(name, exc.problems) from None
