"""Text tables from files a user supplies: strict CSV reading shared by the data readers."""

from __future__ import annotations

import csv
import io

import pandas as pd

from marketbooks.rules.cells import MAX_PROBLEMS
from marketbooks.scenarios.models import ParameterError


def read_table(content: bytes, name: str, max_rows: int, max_bytes: int) -> pd.DataFrame:
    """A CSV file as a table of text cells: every row as long as the header, header names
    stripped and lower-cased. A problem raises ParameterError naming ``name`` and the row."""
    if len(content) > max_bytes:
        raise ParameterError(name, [("(file)", f"is {len(content):,} bytes; a file may have at most {max_bytes:,}")])
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
    if len(rows) - 1 > max_rows:
        problems.append(("(file)", f"has {len(rows) - 1:,} rows; at most {max_rows:,} rows"))
    ragged = [(i, len(row)) for i, row in enumerate(rows[1:], start=1) if len(row) != len(header)]
    problems += [
        ("(row)", f"row {i}: has {n} field(s); the header has {len(header)}") for i, n in ragged[:MAX_PROBLEMS]
    ]
    if problems:
        raise ParameterError(name, problems)
    return pd.DataFrame([[cell.strip() for cell in row] for row in rows[1:]], columns=header, dtype=object)
