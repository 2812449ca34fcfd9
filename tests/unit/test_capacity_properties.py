"""Invariants of the ACPS procedure (hypothesis)."""

from hypothesis import given
from hypothesis import strategies as st

from marketbooks.rules import capacity
from marketbooks.scenarios import MONTHS

money = st.integers(min_value=0, max_value=2_000_000_000)
weights = st.lists(st.floats(min_value=0.001, max_value=1000, allow_nan=False), min_size=12, max_size=12)


@given(money, weights)
def test_monthly_sums_always_add_up_to_the_acps(acps, w):
    df = capacity.capacity_period_sums(acps, dict(zip(MONTHS, w)))
    assert df["cpps_eur"].sum() == acps
    assert (df["cpps_eur"] >= 0).all()


@given(money, weights, st.floats(0, 1), st.floats(0, 1))
def test_pots_add_up_and_are_non_negative(acps, w, fcpp, ecpp):
    if fcpp + ecpp > 1:
        ecpp = 1 - fcpp
    pots = capacity.period_pots(
        capacity.capacity_period_sums(acps, dict(zip(MONTHS, w))), capacity.payment_proportions(fcpp, ecpp)
    )
    assert (pots[["fixed_eur", "variable_eur", "ex_post_eur"]].sum(axis=1) == pots["cpps_eur"]).all()
    assert (pots[["fixed_eur", "variable_eur"]] >= 0).all().all()
    assert (pots["ex_post_eur"] >= -1).all()


@given(st.floats(0, 999), st.floats(0, 999), st.floats(0, 24), st.floats(0, 1))
def test_imr_never_increases_with_the_bid(b1, b2, hours, fop):
    lo, hi = sorted((b1, b2))
    assert capacity.imr_deduction(1000, hi, hours, fop) <= capacity.imr_deduction(1000, lo, hours, fop)


@given(st.floats(0, 200), st.integers(1, 20000))
def test_acps_is_whole_euros_and_proportional_to_capacity(bne, mw):
    a = capacity.annual_capacity_payment_sum(bne, mw)
    assert a == int(a)
    assert a == round(capacity.round2(bne) * 100) * mw * 10


@given(st.floats(0.01, 500), st.floats(-0.1, 0.1))
def test_recovered_base_costs_index_back(indexed, rate):
    for base in capacity.base_cost_for_indexed(indexed, rate):
        assert capacity.index_cost(base, rate) == capacity.round2(indexed)


def _period_sums_with_pandas(acps, monthly_weights):
    """The pandas version ``capacity_period_sums`` replaced: the oracle for its numpy one."""
    from decimal import Decimal

    import pandas as pd

    w = pd.Series(monthly_weights, dtype="float64")
    share = w / w.sum()
    raw = share * round(acps)
    floor = raw.apply(lambda v: int(Decimal(repr(v)).to_integral_value(rounding="ROUND_FLOOR")))
    short = int(round(acps)) - int(floor.sum())
    order = (raw - floor).sort_values(ascending=False, kind="stable")
    floor.loc[order.index[:short]] += 1
    out = pd.DataFrame(
        {"month": w.index, "share_pct": (share * 100).round(4).values, "cpps_eur": floor.astype("int64").values}
    )
    out["cumulative_eur"] = out["cpps_eur"].cumsum()
    return out


@given(
    money,
    st.lists(
        st.one_of(st.floats(min_value=0, max_value=1000, allow_nan=False), st.sampled_from([0.0, 1.0, 2.5])),
        min_size=12,
        max_size=12,
    ).filter(lambda w: sum(w) > 0),
)
def test_period_sums_equal_the_pandas_version(acps, w):
    import pandas as pd

    weights = dict(zip(MONTHS, w))
    pd.testing.assert_frame_equal(capacity.capacity_period_sums(acps, weights), _period_sums_with_pandas(acps, weights))
