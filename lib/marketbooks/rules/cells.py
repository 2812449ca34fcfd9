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
    """Whether a cell is blank: missing, NaN, or text such as ``''``, ``'nan'``, ``'none'`` or ``'null'``.

    Parameters
    ----------
    value : Any
        The cell as read from the table.

    Returns
    -------
    bool
        True when the cell holds no value.

    Examples
    --------
    >>> blank(None), blank(float('nan')), blank(' NULL '), blank(0), blank('0')
    (True, True, True, False, False)
    """
    if value is None:
        return True
    if isinstance(value, float):
        return bool(np.isnan(value))
    return isinstance(value, str) and value.strip().lower() in BLANK


def number_cells(values: pd.Series, field: str, problems: list[tuple[str, str]], *, required: bool) -> np.ndarray:
    """A column as finite floats (NaN where blank and not required); each bad cell is a problem.

    Parameters
    ----------
    values : pandas.Series
        The column as read (numbers or text).
    field : str
        The column's name, as the problems name it.
    problems : list of (str, str)
        Where each bad cell is appended as (field, 'row N: reason'); rows count from 1 without the header.
    required : bool
        Whether a blank cell is a problem (else it becomes NaN).

    Returns
    -------
    numpy.ndarray
        The column as float64, NaN where blank and not required.

    Examples
    --------
    >>> problems = []
    >>> number_cells(pd.Series(['1.5', '', 'x']), 'price', problems, required=False).tolist()
    [1.5, nan, nan]
    >>> problems
    [('price', "row 3: 'x' is not a finite number")]
    """
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
    """A column of identifiers as text (a connection point named 1 stays "1").

    Parameters
    ----------
    values : pandas.Series
        The column as read.
    field : str
        The column's name, as the problems name it.
    problems : list of (str, str)
        Where each blank required cell is appended as (field, 'row N: is blank').
    required : bool
        Whether a blank cell is a problem.

    Returns
    -------
    list of str or None
        Each cell as stripped text, None where blank.

    Examples
    --------
    >>> problems = []
    >>> text_cells(pd.Series([1.0, ' CP-2 ', None]), 'point', problems, required=True)
    ['1', 'CP-2', None]
    >>> problems
    [('point', 'row 3: is blank')]
    """
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
