"""How a sweep's key result responds to its inputs: slices through the base, pair tables,
the tornado around the base. Pure functions of the points' table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd


def nearest(values: Sequence[Any], target: Any) -> Any:
    """The value of ``values`` closest to ``target`` (equal to it for words).

    >>> nearest([0.01, 0.02, 0.03], 0.016)
    0.02
    >>> nearest(["a", "b"], "b")
    'b'
    """
    values = list(values)
    try:
        return min(values, key=lambda v: abs(float(v) - float(target)))
    except (TypeError, ValueError):
        return target if target in values else values[0]


def base_point(points: pd.DataFrame, fields: Sequence[str], base_values: dict[str, Any]) -> dict[str, Any]:
    """For each swept field, the swept value nearest the base scenario's."""
    return {f: nearest(points[f].dropna().unique(), base_values.get(f)) for f in fields}


def through_base(
    points: pd.DataFrame, fields: Sequence[str], base_values: dict[str, Any], free: Sequence[str]
) -> pd.DataFrame:
    """The good points where every swept field but ``free`` is at its value nearest the base."""
    ok = points[points["status"] == "ok"]
    centre = base_point(ok if len(ok) else points, fields, base_values)
    mask = np.ones(len(ok), dtype=bool)
    for f in fields:
        if f not in free:
            mask &= (ok[f] == centre[f]).to_numpy()
    return ok[mask]


def pair_table(
    points: pd.DataFrame, fields: Sequence[str], base_values: dict[str, Any], x: str, y: str, result: str
) -> pd.DataFrame:
    """``result`` over the ``x`` × ``y`` grid (rows y, columns x), the other swept fields at
    their values nearest the base.

    >>> pts = pd.DataFrame({"a": [1, 1, 2, 2], "b": [5, 6, 5, 6], "r": [1.0, 2.0, 3.0, 4.0], "status": "ok"})
    >>> pair_table(pts, ["a", "b"], {}, "a", "b", "r").values.tolist()
    [[1.0, 3.0], [2.0, 4.0]]
    """
    part = through_base(points, fields, base_values, (x, y))
    return part.pivot_table(index=y, columns=x, values=result, aggfunc="first", sort=True)


def tornado_table(
    points: pd.DataFrame, fields: Sequence[str], base_values: dict[str, Any], result: str
) -> tuple[pd.DataFrame, float]:
    """Per swept field, ``result`` at its lowest and highest swept value with the others at
    their values nearest the base: (driver, low_value, high_value, delta_low, delta_high),
    largest swing first, and the result at the base point.

    >>> pts = pd.DataFrame({"a": [1, 2, 3], "r": [10.0, 20.0, 40.0], "status": "ok"})
    >>> table, centre = tornado_table(pts, ["a"], {"a": 2}, "r")
    >>> centre, table[["low_value", "high_value", "delta_low", "delta_high"]].values.tolist()
    (20.0, [[1.0, 3.0, -10.0, 20.0]])
    """
    centre_rows = through_base(points, fields, base_values, ())
    if not len(centre_rows) or not pd.api.types.is_numeric_dtype(points[result]):
        return pd.DataFrame(columns=["driver", "low_value", "high_value", "delta_low", "delta_high"]), float("nan")
    centre = float(centre_rows[result].iloc[0])
    rows = []
    for f in fields:
        line = through_base(points, fields, base_values, (f,)).sort_values(f)
        if len(line) < 2:
            continue
        low, high = line.iloc[0], line.iloc[-1]
        rows.append(
            {
                "driver": f,
                "low_value": low[f],
                "high_value": high[f],
                "delta_low": float(low[result]) - centre,
                "delta_high": float(high[result]) - centre,
            }
        )
    table = pd.DataFrame(rows, columns=["driver", "low_value", "high_value", "delta_low", "delta_high"])
    if len(table):
        swing = (table["delta_high"] - table["delta_low"]).abs()
        table = table.iloc[swing.sort_values(ascending=True, kind="stable").index].reset_index(drop=True)
    return table, centre
