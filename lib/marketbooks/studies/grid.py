"""The points of a sweep: a grid (``--grid field=start:stop:step``, ``--grid field=a,b,c``)
or a table of points (``--points points.csv``, one column per field).

Values are read as a scenario file reads them (``0.02`` a number, ``true`` a flag). A
bad specification raises :class:`~marketbooks.scenarios.ParameterError` naming the
``--grid`` argument or the file's row and column.
"""

from __future__ import annotations

import csv
import io
import itertools
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from marketbooks.scenarios.loader import ScenarioLoader, display_path
from marketbooks.scenarios.models import ParameterError

# More points than this is a typing error (a step too small), not a study
MAX_POINTS = 2_000_000
MAX_POINTS_FILE_BYTES = 50_000_000


def _scalar(text: str) -> Any:
    """A cell or list item read as YAML reads a scalar; plain text when YAML sees more."""
    text = text.strip()
    try:
        value = yaml.load(text, Loader=ScenarioLoader)
    except yaml.YAMLError:
        return text
    return text if isinstance(value, (dict, list)) or value is None else value


def _decimal(text: str, field: str, what: str, where: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ParameterError(where, [(field, f"{what} {text.strip()!r} is not a number")]) from None
    if not value.is_finite():
        raise ParameterError(where, [(field, f"{what} {text.strip()!r} is not a finite number")])
    return value


def grid_values(spec: str, where: str = "--grid") -> tuple[str, list[Any]]:
    """``field=start:stop:step`` (stop included when a whole number of steps away) or
    ``field=v1,v2,...`` as (field, values). Steps are counted in decimal, so 0.1 steps
    give 0.3, not 0.30000000000000004.

    >>> grid_values("rpi=0.01:0.03:0.01")
    ('rpi', [0.01, 0.02, 0.03])
    >>> grid_values("fcpp=0.2,0.3")
    ('fcpp', [0.2, 0.3])
    >>> grid_values("trips_per_year=0:2:1")
    ('trips_per_year', [0, 1, 2])
    """
    field, sep, rhs = spec.partition("=")
    field = field.strip()
    if not sep or not field or not rhs.strip():
        raise ParameterError(where, [(spec or "(empty)", "a grid is field=start:stop:step or field=v1,v2,...")])
    if ":" in rhs and "," not in rhs:
        parts = rhs.split(":")
        if len(parts) != 3:
            raise ParameterError(where, [(field, f"{rhs!r}: a range is start:stop:step (three numbers)")])
        start, stop, step = (
            _decimal(t, field, name, where) for t, name in zip(parts, ("start", "stop", "step"), strict=True)
        )
        if step <= 0:
            raise ParameterError(where, [(field, f"step {step} must be positive")])
        if stop < start:
            raise ParameterError(where, [(field, f"stop {stop} is below start {start}")])
        count = int((stop - start) / step) + 1
        if count > MAX_POINTS:
            raise ParameterError(where, [(field, f"{count:,} values; a sweep may have at most {MAX_POINTS:,} points")])
        whole = all(d == d.to_integral_value() for d in (start, step))
        values: list[Any] = [int(start + i * step) if whole else float(start + i * step) for i in range(count)]
    else:
        items = [item for item in rhs.split(",")]
        if any(not item.strip() for item in items):
            raise ParameterError(where, [(field, f"{rhs!r} has an empty value")])
        values = [_scalar(item) for item in items]
    if len({repr(v) for v in values}) != len(values):
        raise ParameterError(where, [(field, "a value is given twice")])
    return field, values


def grid_points(specs: list[str], where: str = "--grid") -> list[dict[str, Any]]:
    """Every combination of the grids' values, the first grid varying slowest.

    >>> grid_points(["a=1,2", "b=x,y"])
    [{'a': 1, 'b': 'x'}, {'a': 1, 'b': 'y'}, {'a': 2, 'b': 'x'}, {'a': 2, 'b': 'y'}]
    """
    axes = [grid_values(spec, where) for spec in specs]
    fields = [field for field, _ in axes]
    twice = sorted({f for f in fields if fields.count(f) > 1})
    if twice:
        raise ParameterError(where, [(twice[0], "swept by two --grid arguments")])
    total = 1
    for _, values in axes:
        total *= len(values)
    if total > MAX_POINTS:
        raise ParameterError(where, [("(grid)", f"{total:,} points; a sweep may have at most {MAX_POINTS:,}")])
    return [dict(zip(fields, combo, strict=True)) for combo in itertools.product(*(v for _, v in axes))]


def read_points(path: Path) -> list[dict[str, Any]]:
    """The points of a CSV file: a header of field names, then one point per row (empty
    cells are not allowed: a point gives every column). Errors name the row (the header is
    row 1) and the column."""
    shown = display_path(path)
    try:
        if path.stat().st_size > MAX_POINTS_FILE_BYTES:
            raise ParameterError(shown, [("(file)", f"is larger than {MAX_POINTS_FILE_BYTES:,} bytes")])
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ParameterError(shown, [("(file)", "file not found")]) from None
    except IsADirectoryError:
        raise ParameterError(shown, [("(file)", "is a folder, not a file")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ParameterError(shown, [(f"row {line}", "is not UTF-8 text: save the file as UTF-8")]) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ParameterError(shown, [("(file)", "is empty: the first row names the fields")])
    header = [cell.strip() for cell in rows[0]]
    problems: list[tuple[str, str]] = []
    if any(not h for h in header):
        problems.append(("row 1", "a column has no field name"))
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        problems.append(("row 1", f"field {twice[0]!r} is named twice"))
    if problems:
        raise ParameterError(shown, problems)
    points = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if len(row) != len(header):
            problems.append((f"row {number}", f"has {len(row)} cells; the header has {len(header)}"))
            continue
        empty = [h for h, cell in zip(header, row, strict=True) if not cell.strip()]
        if empty:
            problems.append((f"row {number}, {empty[0]}", "is empty"))
            continue
        points.append({h: _scalar(cell) for h, cell in zip(header, row, strict=True)})
        if len(points) > MAX_POINTS:
            raise ParameterError(shown, [("(file)", f"more than {MAX_POINTS:,} points")])
    if problems:
        raise ParameterError(shown, problems[:50])
    if not points:
        raise ParameterError(shown, [("(file)", "has a header but no points")])
    return points
