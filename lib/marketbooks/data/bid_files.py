"""Bid and order files a user uploads (CSV): read into the tables the auction rules take.

A file that cannot be used raises :class:`~marketbooks.scenarios.models.ParameterError`
naming the file, the column or row and the reason.
"""

from __future__ import annotations

import csv
import io

import pandas as pd

from marketbooks.rules.auction.bids import MAX_PROBLEMS, normalise_bids
from marketbooks.scenarios.models import MAX_ORDERS, ParameterError

# An upload larger than this is not a bid file (100,000 bids take about 4 MB)
MAX_UPLOAD_BYTES = 5_000_000


def _read_csv(content: bytes, name: str) -> pd.DataFrame:
    """Every cell as text, every row as long as the header; a problem names its row."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ParameterError(
            name, [("(file)", f"is {len(content):,} bytes; an upload may have at most {MAX_UPLOAD_BYTES:,}")]
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParameterError(name, [("(file)", "not UTF-8 text: upload a CSV file")]) from None
    if "\x00" in text:
        raise ParameterError(name, [("(file)", "contains NUL bytes: not a text CSV file")])
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    try:
        rows = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise ParameterError(name, [("(file)", f"line {reader.line_num}: not a readable CSV row ({exc})")]) from None
    if not rows:
        raise ParameterError(name, [("(file)", "is empty: it needs a header row and one row per bid")])
    header = [cell.strip().lower() for cell in rows[0]]
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        raise ParameterError(name, [("(header)", f"one column {header[0][:60]!r}: separate the columns with commas")])
    problems = [("(header)", f"column {i + 1} has no name") for i, c in enumerate(header) if not c]
    problems += [
        ("(header)", f"column {c!r} appears twice") for c in sorted({c for c in header if header.count(c) > 1})
    ]
    if len(rows) - 1 > MAX_ORDERS:
        problems.append(("(file)", f"has {len(rows) - 1:,} rows; at most {MAX_ORDERS:,} bids or orders"))
    ragged = [(i, len(row)) for i, row in enumerate(rows[1:], start=1) if len(row) != len(header)]
    problems += [
        ("(row)", f"row {i}: has {n} field(s); the header has {len(header)}") for i, n in ragged[:MAX_PROBLEMS]
    ]
    if problems:
        raise ParameterError(name, problems)
    return pd.DataFrame([[cell.strip() for cell in row] for row in rows[1:]], columns=header, dtype=object)


def read_orders_csv(content: bytes, name: str = "orders.csv") -> pd.DataFrame:
    """An order log from an uploaded CSV: the bid columns plus ``time`` (seconds since opening)."""
    df = _read_csv(content, name)
    if "time" not in df.columns:
        raise ParameterError(name, [("time", "column missing (seconds since the session opened)")])
    return normalise_bids(df, name)


def read_bids_csv(content: bytes, name: str = "bids.csv") -> pd.DataFrame:
    """Bids from an uploaded CSV (participant, price, volume_kw[, connection_point, min_volume_kw,
    security_tenge, time]).

    A malformed file raises ParameterError naming the file, the row and the field.

    >>> read_bids_csv(b"participant,price,volume_kw,connection_point\\nA,15.5,1000,1\\n")["connection_point"][0]
    '1'
    """
    return normalise_bids(_read_csv(content, name), name)
