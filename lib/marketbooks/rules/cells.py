"""Cells of a table a user supplies (CSV upload, data file): each column read by its rule,
each bad cell a (field, "row N: reason") problem, rows counted from 1 without the header."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

# Each problem of a table is listed (so an upload can be fixed in one go), up to this many
MAX_PROBLEMS = 20
BLANK = {"", "nan", "none", "null"}


def blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return bool(np.isnan(value))
    return isinstance(value, str) and value.strip().lower() in BLANK


def number_cells(values: pd.Series, field: str, problems: list[tuple[str, str]], *, required: bool) -> np.ndarray:
    """A column as finite floats (NaN where blank and not required); each bad cell is a problem."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        out = values.to_numpy(dtype="float64", copy=True)
        text = None
    else:
        text = values.to_numpy(dtype=object)
        out = pd.to_numeric(values.astype(str).str.strip(), errors="coerce").to_numpy(dtype="float64")
    out = np.array(out, dtype="float64")  # writable, whatever pandas lent
    for i in np.flatnonzero(~np.isfinite(out)):
        raw = values.iloc[i] if text is None else text[i]
        if blank(raw) and not required:
            out[i] = np.nan
            continue
        why = "is empty" if blank(raw) else f"{raw!r} is not a finite number"
        problems.append((field, f"row {i + 1}: {why}"))
    return out


def text_cells(values: pd.Series, field: str, problems: list[tuple[str, str]], *, required: bool) -> list[str | None]:
    """A column of identifiers as text (a connection point named 1 stays "1")."""
    out: list[str | None] = []
    for i, raw in enumerate(values.tolist()):
        if blank(raw):
            if required:
                problems.append((field, f"row {i + 1}: is blank"))
            out.append(None)
        else:
            text = str(raw).strip()
            # a whole number read as a float (1.0) names the identifier 1
            out.append(str(int(raw)) if isinstance(raw, float) and raw.is_integer() else text)
    return out
