"""Bid and order files a user uploads (CSV): read into the tables the auction rules take.

A file that cannot be used raises :class:`~marketbooks.scenarios.models.ParameterError`
naming the file, the column or row and the reason.
"""

from __future__ import annotations

import pandas as pd

from marketbooks.data.tables import read_table
from marketbooks.rules.auction.bids import normalise_bids
from marketbooks.scenarios.models import MAX_ORDERS, ParameterError

# An upload larger than this is not a bid file (100,000 bids take about 4 MB)
MAX_UPLOAD_BYTES = 5_000_000


def read_orders_csv(content: bytes, name: str = "orders.csv") -> pd.DataFrame:
    """An order log from an uploaded CSV: the bid columns plus ``time`` (seconds since opening)."""
    df = read_table(content, name, MAX_ORDERS, MAX_UPLOAD_BYTES)
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
    return normalise_bids(read_table(content, name, MAX_ORDERS, MAX_UPLOAD_BYTES), name)
