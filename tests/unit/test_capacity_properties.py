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


# proportions at the edges (0, a half, all) as well as anywhere between
proportion = st.sampled_from([0.0, 0.5, 1.0]) | st.floats(0, 1)


@given(money, weights, proportion, proportion)
def test_pots_add_up_and_each_is_its_share_within_a_euro(acps, w, fcpp, ecpp):
    if fcpp + ecpp > 1:
        ecpp = 1 - fcpp
    proportions = capacity.payment_proportions(fcpp, ecpp)
    pots = capacity.period_pots(capacity.capacity_period_sums(acps, dict(zip(MONTHS, w))), proportions)
    assert (pots[["fixed_eur", "variable_eur", "ex_post_eur"]].sum(axis=1) == pots["cpps_eur"]).all()
    for pot, share in proportions.items():
        exact = pots["cpps_eur"] * share
        assert (pots[f"{pot}_eur"] >= 0).all()
        assert ((pots[f"{pot}_eur"] - exact).abs() < 1).all(), pot
        if share == 0:
            assert (pots[f"{pot}_eur"] == 0).all(), pot


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


profile = st.lists(st.floats(0, 1000, allow_nan=False), min_size=46, max_size=50)


@given(st.integers(0, 10**10), proportion, proportion, st.data())
def test_a_days_periods_add_up_to_its_sum_to_the_cent(cents, fcpp, ecpp, data):
    if fcpp + ecpp > 1:
        ecpp = 1 - fcpp
    demand = data.draw(profile)
    n = len(demand)
    lolp, ex_post = (data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)) for _ in range(2))
    out = capacity.split_pot_over_periods(cents / 100, capacity.payment_proportions(fcpp, ecpp), demand, lolp, ex_post)
    pots = (out[["fixed_eur", "variable_eur", "ex_post_eur"]] * 100).round().astype("int64")
    assert int(pots.sum().sum()) == cents
    assert ((out["total_eur"] * 100).round().astype("int64") == pots.sum(axis=1)).all()
    assert (pots >= 0).all().all()
    for pot, share in capacity.payment_proportions(fcpp, ecpp).items():
        assert abs(int(pots[f"{pot}_eur"].sum()) - cents * share) < 1, pot
