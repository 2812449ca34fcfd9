import warnings
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketbooks.rules.rounding import half_up, half_up_array, half_up_units, round2


def test_half_up_on_the_decimal_value():
    assert round2(2.675) == 2.68 and round2(0.125) == 0.13 and round2(-1.005) == -1.01
    assert half_up(13.995, 2) == 14.0 and half_up(1545304.5, 0) == 1545305.0 and half_up(0.0005, 3) == 0.001


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-(10**15) + 1, 10**15 - 1), st.integers(0, 8)), min_size=1, max_size=50),
    st.integers(0, 6),
)
def test_half_up_array_rounds_each_decimal_as_half_up_does(decimals, places):
    """The vectorised rounding (settlements, prices) agrees with the decimal one on every
    value written with up to 15 significant digits, however large."""
    values = [float(Decimal(n).scaleb(-k)) for n, k in decimals]
    assert half_up_array(values, places).tolist() == [half_up(v, places) for v in values]
    # counted in units of the last place kept (cents), the same decimals while they are
    # whole numbers a float holds exactly
    exact = [v for v in values if abs(v) * 10**places < 1e15]
    units = [int(Decimal(repr(half_up(v, places))).scaleb(places)) for v in exact]
    assert half_up_units(exact, places).tolist() == units


@settings(max_examples=300, deadline=None)
@given(st.integers(-(10**13), 10**13), st.integers(0, 6))
def test_half_up_array_rounds_a_tie_away_from_zero(n, places):
    """A decimal ending in 5 one place beyond ``places`` goes away from zero, as written."""
    tie = Decimal(10 * n + (5 if n >= 0 else -5)).scaleb(-places - 1)
    expected = float((abs(tie) + Decimal(5).scaleb(-places - 1)).quantize(Decimal(1).scaleb(-places)).copy_sign(tie))
    assert half_up_array([float(tie)], places).tolist() == [expected]


def test_half_up_array_returns_a_large_whole_value_as_it_is():
    # 56294995343 at 4 places once read as a tie (a unit in the last place of 0.125, × 4)
    assert half_up_array([56294995343.0, 39652665625417.7], 4).tolist() == [56294995343.0, 39652665625417.7]
    assert half_up_array(np.float64(-0.001), 2) == 0.0 and np.ndim(half_up_array(2.675, 2)) == 0


def test_half_up_array_leaves_its_input_as_it_was():
    values = np.array([0.125, -2.675, 1.0005])
    half_up_array(values, 2)
    assert values.tolist() == [0.125, -2.675, 1.0005]


def test_the_tie_test_holds_at_the_edges_of_floating_point():
    """Four units in the last place, read from the exponent bits, as ``np.spacing`` gives them:
    zero, the smallest subnormal, powers of two round as before; infinities stay, NaN too."""
    edges = np.array([0.0, -0.0, 5e-324, 1e-310, 2.0**-1000, 0.5, 2.0**49 + 0.5, 2.0**50, np.inf, -np.inf, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and quietly: ±inf minus itself is no tie, and no warning
        rounded = half_up_array(edges, 0)
    assert rounded[:8].tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0**49 + 1, 2.0**50]
    assert not np.signbit(rounded[1]) and rounded[8:10].tolist() == [np.inf, -np.inf] and np.isnan(rounded[10])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e17])
def test_half_up_units_refuses_what_has_no_int64_count(bad):
    """NaN, ±inf and 1e17 EUR in cents would all be cast to -2**63 without a word."""
    with pytest.raises(ValueError, match="cannot be counted in units of 1e-2"):
        half_up_units(np.array([1.0, bad, 2.0]), 2)
    assert half_up_units(np.array([9.2e16]), 2)[0] == 92 * 10**17
