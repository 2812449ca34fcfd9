"""Two scenarios side by side: the inputs that differ and the key results with their
differences (``marketbooks compare``, and the dashboards' landing page)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from marketbooks.studies.evaluation import evaluate

# Not inputs: what a file says about its values, and the figures it is checked against
NOT_INPUTS = ("status", "notes", "published", "sensitivity", "calibration")


def parse_ref(text: str) -> tuple[str, str]:
    """``workbook/scenario`` as a pair; ValueError says the form.

    >>> parse_ref("acps/2017_decision")
    ('acps', '2017_decision')
    """
    workbook, sep, scenario = text.partition("/")
    if not sep or not workbook or not scenario or "/" in scenario:
        raise ValueError(f"{text!r}: name a scenario as WORKBOOK/SCENARIO, e.g. acps/2017_decision")
    return workbook, scenario


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A scenario's values by field path (``options.B.cost_pv``; list items by ``code`` or
    position).

    >>> flatten({"a": 1, "b": {"c": [{"code": "X", "v": 2}]}})
    {'a': 1, 'b.c.X.v': 2}
    """
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out |= flatten(item, f"{prefix}{key}.")
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, item in enumerate(value):
            label = item.get("code", i) if isinstance(item, dict) else i
            out |= flatten({k: v for k, v in item.items() if k != "code"}, f"{prefix}{label}.")
    else:
        out[prefix.rstrip(".")] = value
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def input_differences(a: Any, b: Any) -> pd.DataFrame:
    """The inputs (field paths) whose values differ between scenarios ``a`` and ``b``."""
    fa = flatten({k: v for k, v in a.model_dump(mode="json").items() if k not in NOT_INPUTS})
    fb = flatten({k: v for k, v in b.model_dump(mode="json").items() if k not in NOT_INPUTS})
    rows = [
        {"input": key, "first": fa.get(key), "second": fb.get(key)}
        for key in dict.fromkeys([*fa, *fb])
        if not _same(fa.get(key), fb.get(key))
    ]
    return pd.DataFrame(rows, columns=["input", "first", "second"])


def result_differences(workbook_a: str, a: Any, workbook_b: str, b: Any) -> pd.DataFrame:
    """Key results side by side: first, second, second − first and the change in % (for
    numbers)."""
    ra, rb = evaluate(workbook_a, a), evaluate(workbook_b, b)
    rows = []
    for key in dict.fromkeys([*ra, *rb]):
        x, y = ra.get(key), rb.get(key)
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (x, y))
        difference = y - x if numeric else None  # type: ignore[operator]
        change = difference / abs(x) * 100 if numeric and x else None
        rows.append({"result": key, "first": x, "second": y, "difference": difference, "change_pct": change})
    return pd.DataFrame(rows, columns=["result", "first", "second", "difference", "change_pct"])
