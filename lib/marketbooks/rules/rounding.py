"""Rounding as the source documents do it: half up on the decimal value, not banker's rounding.

Shared by every workbook (like ``params`` and ``charts``), so the rule is written once.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache


@lru_cache(maxsize=1 << 16)
def half_up(x: float, places: int = 2) -> float:
    """Round ``x`` half up to ``places`` decimals, on its shortest decimal repr (2.675 → 2.68).

    Remembered for the last 65,536 values: a sweep rounds the same steps again and again.

    >>> half_up(2.675), half_up(-2.675), half_up(0.125, 2)
    (2.68, -2.68, 0.13)
    """
    return float(Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def round2(x: float) -> float:
    """Half up to 2 decimals: EUR/kW/yr in the SEM paper, tenge/kWh in the KOREM guidelines."""
    return half_up(x, 2)
