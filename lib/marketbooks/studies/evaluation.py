"""One pure function per workbook, scenario in, key results out: the figures a run records
in ``results.json``, a sweep records per point and a comparison sets side by side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marketbooks.rules import auction, capacity, ds3, imbalance, rtp

EVALUATORS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "acps": capacity.evaluate,
    "ds3": ds3.evaluate,
    "imbalance": imbalance.evaluate,
    "auction": auction.evaluate,
    "rtp": rtp.evaluate,
}

# The result a sweep's charts show first, and its unit, per workbook
PRIMARY: dict[str, tuple[str, str]] = {
    "acps": ("acps_eur", "EUR"),
    "ds3": ("deduction_eur_per_kw_yr", "EUR/kW/yr"),
    "imbalance": ("kzpo", "ratio"),
    "auction": ("final_volume_kw", "kW"),
    "rtp": ("net_benefit_c", "$M"),
}

# Where a workbook has a break-even or level chart over two inputs: (result, level, the
# inputs it is drawn over, any of each). ACPS over capacity × price; RTP's break-even
# performance ratio (1 is where option C's benefits must equal B's).
CONTOURS: dict[str, tuple[str, float | None, tuple[tuple[str, ...], tuple[str, ...]] | None]] = {
    "acps": ("acps_eur", None, (("capacity_requirement_mw",), ("bid_price", "price_cap"))),
    "rtp": ("breakeven_ratio", 1.0, None),
}


def evaluate(workbook: str, scenario: Any) -> dict[str, Any]:
    """The key results of ``scenario`` (a validated scenario of ``workbook``).

    >>> from marketbooks.scenarios import load_scenario
    >>> evaluate("acps", load_scenario("acps", "2017_decision"))["acps_eur"]
    519227150.0
    """
    if workbook not in EVALUATORS:
        raise KeyError(f"unknown workbook '{workbook}' (known: {', '.join(sorted(EVALUATORS))})")
    return EVALUATORS[workbook](scenario)
