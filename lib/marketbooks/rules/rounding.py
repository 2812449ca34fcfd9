"""Rounding as the source documents do it: half up on the decimal value, not banker's rounding;
and an amount shared pro rata in whole cents that add up to it.

Shared by every workbook (like ``params`` and ``charts``), so the rule is written once.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike


@lru_cache(maxsize=1 << 16)
def half_up(x: float, places: int = 2) -> float:
    """Round ``x`` half up to ``places`` decimals, on its shortest decimal repr (2.675 → 2.68).

    Remembered for the last 65,536 values: a sweep rounds the same steps again and again.

    Parameters
    ----------
    x : float
        The value, in any unit.
    places : int, default 2
        Decimals to keep.

    Returns
    -------
    float
        ``x`` rounded half away from zero to ``places`` decimals.

    Examples
    --------
    >>> half_up(2.675), half_up(-2.675), half_up(0.125, 2)
    (2.68, -2.68, 0.13)
    """
    return float(Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def round2(x: float) -> float:
    """Half up to 2 decimals: EUR/kW/yr in the SEM paper, tenge/kWh in the KOREM guidelines.

    Parameters
    ----------
    x : float
        The value, e.g. EUR/kW/yr or tenge/kWh.

    Returns
    -------
    float
        ``x`` half up to 2 decimals.

    Examples
    --------
    >>> round2(2.675), round2(1.005)
    (2.68, 1.01)
    """
    return half_up(x, 2)


def half_up_array(x: ArrayLike, places: int = 2) -> np.ndarray:
    """:func:`half_up` for arrays, vectorised: half away from zero on the decimal value.

    A value whose scaled fraction lies within four units in the last place (at most 1/8) of
    one half is a tie (0.0005 is stored as 0.000500000000000000010..., 0.0135 × 1000 as
    13.499999999999998): it rounds away from zero, as the decimal it was written as does.
    Values are assumed to be decimals of at most 15 significant digits, as metered data and
    prices are; one of 1e15 or more once scaled has nothing to round and is returned as it is.

    Parameters
    ----------
    x : array_like
        Values, in any unit.
    places : int, default 2
        Decimals to keep.

    Returns
    -------
    numpy.ndarray
        float64 values rounded half away from zero, the shape of ``x``.

    Examples
    --------
    >>> half_up_array([0.0005, 0.0135, -0.0135, 2.675, 1.0004999], 3).tolist()
    [0.001, 0.014, -0.014, 2.675, 1.0]
    """
    given = np.asarray(x, dtype="float64")
    values = given.reshape(-1)  # (a 0-d array's ufunc results are scalars, not arrays to reuse)
    rounded, large = _whole_units(values, places)
    rounded /= 10.0**places
    rounded += 0.0  # no negative zero
    if large.any():
        rounded = np.where(large, values + 0.0, rounded)
    return rounded.reshape(given.shape)[()]  # a 0-d input gives a scalar, as numpy does


def half_up_units(x: ArrayLike, places: int = 2) -> np.ndarray:
    """:func:`half_up_array` counted in units of the last decimal kept (cents for 2 places),
    as integers: what ``np.rint(half_up_array(x, places) * 10**places)`` gives, without
    dividing and multiplying back (a month's settlement counts a million payments in cents).

    Parameters
    ----------
    x : array_like
        Values, in any unit.
    places : int, default 2
        Decimals to keep.

    Returns
    -------
    numpy.ndarray
        int64 multiples of ``10**-places``, the shape of ``x`` (from 1e15 units up, the
        value scaled, as :func:`half_up_array` keeps it).

    Raises
    ------
    ValueError
        For NaN, ±inf or a count beyond the int64 range.

    Examples
    --------
    >>> half_up_units([0.005, -0.005, 1.234, 2.675], 2).tolist()
    [1, -1, 123, 268]
    """
    given = np.asarray(x, dtype="float64")
    values = given.reshape(-1)
    rounded, large = _whole_units(values, places)
    if large.any():
        rounded = np.where(large, np.rint(values * 10.0**places), rounded)
    # NaN, ±inf and counts beyond int64 have no int64 count (the cast would give -2**63, silently)
    if rounded.size and not (-(2.0**63) <= rounded.min() and rounded.max() < 2.0**63):
        bad = values[~(np.abs(rounded) < 2.0**63)][0]
        raise ValueError(f"{bad} cannot be counted in units of 1e-{places} as a 64-bit integer")
    return rounded.astype("int64").reshape(given.shape)


def _whole_units(values: np.ndarray, places: int) -> tuple[np.ndarray, np.ndarray]:
    """``values`` (1-d float64) × 10**places rounded half away from zero, as floats, and where
    the scaled value is 1e15 or more (nothing to round: the callers keep those as given)."""
    # in place where it can: a month's settlement rounds a million values at a time
    scaled = np.abs(values)
    scaled *= 10.0**places
    # from 1e15 up a decimal of 15 digits has no digit beyond ``places`` to round; scaled,
    # it is known only to half a unit or so, which could read as a tie
    large = scaled >= 1e15
    rounded = np.floor(scaled)
    # a tie: within four units in the last place of one half, and at most 1/8 below it
    # (from 2**50 up a unit in the last place is 1/8 or more: four would make 0 a tie).
    # Four units in the last place are the scaled value's power of two, read from its
    # exponent bits, × 2**-50: what 4 × np.spacing gives, at a third of the time.
    tie = np.bitwise_and(scaled.view(np.int64), np.int64(0x7FF0000000000000)).view(np.float64)
    tie *= 2.0**-50
    np.minimum(tie, 0.125, out=tie)
    np.subtract(0.5, tie, out=tie)
    with np.errstate(invalid="ignore"):  # ±inf − ±inf: NaN, not a tie, and ±inf stays as it is
        rounded += np.subtract(scaled, rounded, out=scaled) >= tie
    np.copysign(rounded, values, out=rounded)
    return rounded, large


def allocate_cents(total_cents: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total_cents`` pro rata to ``weights`` in whole cents (largest remainder, O(n)).

    Weights may have either sign (an imbalance surplus at a negative clearing price): each
    share is rounded down, and the cents still to give, fewer than the rows, go to the
    largest remainders; so the shares sum to ``total_cents`` exactly and each lies within one
    cent of its exact value. Among equal remainders the cents go to the rows that come first
    (a month's subject-periods in their data's order, a day's trading periods in time
    order), as the capacity workbook's monthly sums keep month order. The rule has to be
    explicit: which of several tied rows a partial sort picks depends on the CPU (numpy
    sorts with AVX-512 where it can), and a market's month has ties (three at the last cent
    in the market-scale imbalance scenario).

    Parameters
    ----------
    total_cents : int
        The amount to share, cents.
    weights : numpy.ndarray
        Each row's weight (an imbalance's O × ZC, a period's LOLP), either sign.

    Returns
    -------
    numpy.ndarray
        int64 cents per row, adding up to ``total_cents``.

    Examples
    --------
    >>> allocate_cents(10, np.array([1.0, 1.0, 1.0])).tolist()
    [4, 3, 3]
    >>> allocate_cents(100, np.array([3.0, -1.0])).tolist()
    [150, -50]
    """
    total = weights.sum()
    if total_cents == 0 or total == 0:
        return np.zeros(len(weights), dtype="int64")
    exact = weights / total
    exact *= total_cents
    whole = np.floor(exact)
    cents = whole.astype("int64")
    short = int(total_cents - cents.sum())
    if short >= len(cents):
        cents += 1
    elif short:
        frac = np.subtract(exact, whole, out=exact)
        # the short-th largest remainder is a value, the same whichever rows hold it
        last = np.partition(frac, len(frac) - short)[len(frac) - short]
        above = frac > last
        cents += above
        cents[np.flatnonzero(frac == last)[: short - int(above.sum())]] += 1
    return cents
