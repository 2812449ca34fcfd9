"""OKTE imbalance settlement and financial guarantee (seed 004); KOREM zone prices (seed 000)."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketbooks.rules import imbalance as im
from marketbooks.scenarios import load_scenario


def periods(rows):
    return pd.DataFrame(rows, columns=["subject", "period", "agreed_mwh", "actual_mwh", "zc"])


def test_imbalance_is_agreed_minus_actual_minus_regulation_3dp():
    assert im.imbalance_mwh(10.0, 8.5) == 1.5  # took less than bought: surplus, positive
    assert im.imbalance_mwh(10.0, 12.25) == -2.25  # shortage, negative
    assert im.imbalance_mwh(10.0, 8.0, regulation=2.0) == 0.0  # instructed regulation is no imbalance
    assert im.imbalance_mwh(1.00049, 0.0) == 1.0 and im.imbalance_mwh(1.0006, 0.0) == 1.001
    assert im.imbalance_mwh([1, 2], [0.5, 2.5]).tolist() == [0.5, -0.5]


def test_negative_and_positive_payments():
    s = im.settle(periods([("A", 1, 10, 12, 100.0), ("B", 1, 10, 7, 100.0)]), kzpo=0.8)
    pay = s.set_index("subject")["payment_eur"]
    assert pay["A"] == -200.0  # PO−i = Oi × ZC: A pays the agent
    assert pay["B"] == 240.0  # PO+i = Oi × ZC × kzpo: the agent pays B


def test_imbalances_and_payments_round_half_up_as_the_sources_do():
    # 1 − 0.0015 = 0.9985 MWh: half up to 0.999 (binary rounding gave 0.998); 0.999 × 33.333 = 33.2997
    s = im.settle(periods([("A", 1, 1.0, 0.0015, 33.333)]), kzpo=1)
    assert s["imbalance_mwh"][0] == 0.999 and s["payment_eur"][0] == 33.30
    # at the .0005 edges, both signs
    assert im.imbalance_mwh([0.0005, 0.0, 0.0135, 0.0], [0.0, 0.0005, 0.0, 0.0135]).tolist() == [
        0.001,
        -0.001,
        0.014,
        -0.014,
    ]
    # MW × period → MWh: 0.002 MW for 15 minutes is 0.0005 MWh, an imbalance of 0.001
    mw = pd.DataFrame({"subject": ["A"], "period": [1], "agreed_mw": [0.002], "actual_mw": [0.0], "zc": [100.0]})
    assert im.settle(mw, kzpo=1, period_minutes=15)["imbalance_mwh"][0] == 0.001
    # a payment of exactly half a cent: 0.005 MWh × 1.00 EUR/MWh = 0.005 EUR → 0.01, and −0.01
    half = im.settle(periods([("A", 1, 0.005, 0.0, 1.0), ("B", 1, 0.0, 0.005, 1.0)]), kzpo=1)
    assert half["payment_eur"].tolist() == [0.01, -0.01]
    assert im.relative_imbalance(0.0125)[0] == 0.013  # Po to 3 dp, half up


@pytest.mark.parametrize(
    "nre, pre, po_minus, po_plus, expected",
    [
        (100, -20, -500, 1000, 0.42),  # −(100 − 20 − 500) / 1000
        (0, 0, -5000, 1000, 1.0),  # 5.0 capped at 1
        (0, 0, -1000, 1000, 1.0),
        (2000, 0, -500, 1000, 0.0),  # negative result: 0 (our interpretation)
        (10, -5, -50, 0, 1.0),  # PO+ = 0: 1, it multiplies nothing
        (10, -5, -50, -20, 1.0),  # PO+ < 0 (negative prices): nobody is owed on balance, 1
    ],
)
def test_counter_imbalance_coefficient(nre, pre, po_minus, po_plus, expected):
    assert im.counter_imbalance_coefficient(nre, pre, po_minus, po_plus) == pytest.approx(expected)


def test_kzpo_rejects_nan():
    with pytest.raises(ValueError, match="NaN"):
        im.counter_imbalance_coefficient(float("nan"), 0, 0, 1)


def test_monthly_balance_reports_surplus_and_shortfall():
    assert im.monthly_balance(0, 0, -5000, 1000).agent_result == 4000  # capped: agent keeps the rest
    assert im.monthly_balance(0, 0, -5000, 1000).capped
    short = im.monthly_balance(2000, 0, -500, 1000)
    assert short.shortfall and short.agent_result == -1500
    assert im.monthly_balance(100, -20, -500, 1000).agent_result == 0


def test_settlement_errors_name_the_problem():
    good = [("A", 1, 1, 1, 50.0), ("A", 2, 1, 1, 50.0), ("B", 1, 1, 1, 50.0), ("B", 2, 1, 1, 50.0)]
    with pytest.raises(im.SettlementInputError, match=r"periods: row 4, field 'actual_mwh': nan is not a number"):
        im.settle(periods(good[:3] + [("B", 2, 1, float("nan"), 50.0)]), 1)
    with pytest.raises(im.SettlementInputError, match=r"row 4, field 'period': subject 'A' has period 2 twice"):
        im.settle(periods(good[:3] + [("A", 2, 1, 1, 50.0)]), 1)
    with pytest.raises(im.SettlementInputError, match=r"subject 'B' has no row for period 2"):
        im.settle(periods(good[:3]), 1)
    mixed = periods(good).rename(columns={"agreed_mwh": "agreed_mw"})
    with pytest.raises(im.SettlementInputError, match="mismatched units"):
        im.settle(mixed, 1)
    with pytest.raises(im.SettlementInputError, match="field 'zc': column missing"):
        im.settle(periods(good).drop(columns="zc"), 1)
    with pytest.raises(ValueError, match="kzpo must lie"):
        im.settle(periods(good), 1.5)


def test_power_inputs_convert_with_the_period_length():
    df = pd.DataFrame({"subject": ["A"], "period": [1], "agreed_mw": [8.0], "actual_mw": [4.0], "zc": [100.0]})
    assert im.settle(df, 1, period_minutes=15)["imbalance_mwh"][0] == 1.0
    with pytest.raises(im.SettlementInputError, match="period_minutes"):
        im.settle(df, 1)


def _largest_remainder_by_full_sort(total_cents: int, weights: np.ndarray) -> np.ndarray:
    """The rule spelled out: round down, then one cent each to the largest remainders,
    earlier rows first among equals (a full stable sort, where the library partitions)."""
    exact = weights / weights.sum() * total_cents
    cents = np.floor(exact).astype("int64")
    order = np.argsort(-(exact - cents), kind="stable")
    cents[order[: int(total_cents - cents.sum())]] += 1
    return cents


def test_equal_remainders_give_the_cents_to_the_earlier_rows():
    # 2,000 equal shares of 3,001 cents: 1 cent each, and the 1,001 left over to rows
    # 0..1000, whichever rows a partial sort on this CPU would have picked
    cents = im.allocate_cents(3001, np.ones(2000))
    assert cents.sum() == 3001
    assert (cents[:1001] == 2).all() and (cents[1001:] == 1).all()


@given(st.lists(st.integers(0, 50), min_size=1, max_size=300).filter(any), st.integers(0, 100_000))
def test_cents_are_the_largest_remainders_earlier_rows_first(weights, total_cents):
    w = np.asarray(weights, dtype="float64") * 0.25  # quarters: many exact ties
    cents = im.allocate_cents(total_cents, w)
    assert cents.sum() == total_cents
    assert (cents == _largest_remainder_by_full_sort(total_cents, w)).all()


def test_settle_month_balances_to_the_cent():
    p = load_scenario("imbalance", "faq_worked_example")
    run = im.run_month(p)
    b = run.balance
    assert 0 < b.kzpo < 1
    total = round(b.nre * 100) + round(b.pre * 100) + int(round(run.settled["payment_eur"].sum() * 100))
    assert total == 0 and b.agent_result == 0


def test_positive_payments_are_pro_rata_within_a_cent():
    p = load_scenario("imbalance", "faq_worked_example")
    s = im.run_month(p).settled
    pos = s[s["imbalance_mwh"] > 0]
    kz = im.run_month(p).balance.kzpo
    assert (abs(pos["payment_eur"] - pos["imbalance_mwh"] * pos["zc"] * kz) <= 0.011).all()


def test_period_length_is_data_15_minute_variant():
    p = load_scenario("imbalance", "faq_worked_example")
    run = im.run_month(p, period_minutes=15)
    assert run.settled["period"].nunique() == 31 * 96


def test_system_table_has_every_period_once_and_adds_up():
    run = im.run_month(load_scenario("imbalance", "faq_worked_example"), zc_shift=5.0)
    s, system = run.settled, run.system
    assert list(system["period"]) == sorted(s["period"].unique())
    assert system["payments_eur"].sum() == pytest.approx(s["payment_eur"].sum(), abs=0.01)
    assert system["system_imbalance_mwh"].sum() == pytest.approx(s["imbalance_mwh"].sum(), abs=0.001 * len(system))
    first = s[s["period"] == 1]
    assert system.loc[0, "zc"] == round(first["zc"].iloc[0], 3) and first["zc"].nunique() == 1
    assert run.system is system  # computed once, on first use


def test_subject_summary_adds_up():
    s = im.run_month(load_scenario("imbalance", "faq_worked_example")).settled
    summary = im.subject_summary(s)
    assert summary["net_payment_eur"].sum() == pytest.approx(s["payment_eur"].sum(), abs=0.01)
    assert (summary["surplus_mwh"] >= 0).all() and (summary["shortage_mwh"] <= 0).all()


# financial guarantee


def test_financial_guarantee_formula():
    fz = im.financial_guarantee(480, 30, 0.0123, 0.6, 125)
    assert float(fz) == 480 * 35 * 0.012 * 0.6 * 125 and fz.notes == ()
    assert isinstance(fz, float)


def test_po_rounded_to_three_decimals_and_floored():
    assert im.financial_guarantee(100, 30, 0.01249, 1, 100).po_applied == 0.012
    fz = im.financial_guarantee(100, 30, 0.0032, 1, 100)
    assert fz.po_applied == 0.005 and "raised to 0.005" in fz.notes[0]
    assert float(fz) == 100 * 35 * 0.005 * 100


@pytest.mark.parametrize(
    "kwargs, note", [({"first_contract": True}, "first contract"), ({"has_offtake": False}, "without off-take")]
)
def test_po_defaults_to_half(kwargs, note):
    fz = im.financial_guarantee(100, 30, 0.01, 1, 100, **kwargs)
    assert fz.po_applied == 0.5 and note in fz.notes[0]


def test_kg_is_one_for_the_first_four_months():
    for month in range(4):
        assert im.financial_guarantee(100, 30, 0.01, 0.2, 100, months_since_first_diagram=month).kg_applied == 1
    assert im.financial_guarantee(100, 30, 0.01, 0.2, 100, months_since_first_diagram=4).kg_applied == 0.2
    with pytest.raises(ValueError, match="Kg"):
        im.financial_guarantee(100, 30, 0.01, 1.2, 100)
    with pytest.raises(ValueError, match="oo"):
        im.financial_guarantee(math.nan, 30, 0.01, 1, 100)


def test_max_daily_volume_is_the_larger_absolute_sum():
    d = pd.DataFrame({"consumption_mwh": [10, -5, 20], "supply_mwh": [30, 10, 0]})
    assert im.max_daily_volume(d) == 40


def test_guarantee_timeline_top_up_in_three_working_days():
    t = im.guarantee_timeline(2025, 3)  # published Thu 20 Feb 2025 12:30
    assert t["when"].tolist()[:3] == ["2025-02-20 12:00", "2025-02-20 12:30", "2025-02-25 (end of day)"]


# KOREM


def test_zone_weighted_prices_and_cap():
    trades = pd.DataFrame(
        {
            "zone": ["N", "N", "N"],
            "hour": [1, 1, 1],
            "kind": ["balancing"] * 3,
            "volume_mwh": [10, 30, 60],
            "price": [100, 200, 400],
        }
    )
    out = im.zone_weighted_prices(trades, {"balancing": 1000, "negative_imbalance": 900})
    assert out["weighted_price"][0] == 310 and not out["capped"][0]
    capped = im.zone_weighted_prices(trades, {"balancing": 300, "negative_imbalance": 900})
    assert capped["price"][0] == 300 and capped["capped"][0]
    with pytest.raises(ValueError, match="positive"):
        im.zone_weighted_prices(trades.assign(volume_mwh=0), {"balancing": 1})


def test_kz_sign_convention_is_converted():
    assert im.kz_to_okte_imbalance([5.0, -2.0]).tolist() == [-5.0, 2.0]


# properties

money = st.floats(min_value=0, max_value=1e6, allow_nan=False)


@given(money, st.floats(-1e6, 0), st.floats(-1e6, 0), money)
def test_kzpo_never_exceeds_one_nor_falls_below_zero(nre, pre, po_minus, po_plus):
    assert 0 <= im.counter_imbalance_coefficient(nre, pre, po_minus, po_plus) <= 1


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 8), st.integers(0, 10_000), st.floats(0, 0.5), st.floats(0.05, 1))
def test_settlement_is_zero_sum_for_the_agent_when_kzpo_below_one(n_subjects, n_periods, seed, nre_share, pre_share):
    rng = np.random.default_rng(seed)
    n = n_subjects * n_periods
    df = pd.DataFrame(
        {
            "subject": np.repeat(np.arange(n_subjects), n_periods),
            "period": np.tile(np.arange(n_periods), n_subjects),
            "agreed_mwh": rng.uniform(0, 50, n).round(3),
            "actual_mwh": rng.uniform(0, 50, n).round(3),
        }
    )
    df["zc"] = rng.uniform(10, 200, n_periods).round(2)[df["period"]]  # one price per period
    base = im.settle(df, 1.0)
    po_minus, po_plus = im.payment_totals(base)
    nre = round(-po_minus * nre_share, 2)
    pre = -round(nre * pre_share, 2)
    settled, bal = im.settle_month(df, nre, pre)
    if bal.kzpo < 1 and not bal.shortfall:
        cents = round(nre * 100) + round(pre * 100) + int(round(settled["payment_eur"].sum() * 100))
        assert cents == 0
    assert (settled.loc[settled["imbalance_mwh"] > 0, "payment_eur"] >= 0).all()
    assert (settled.loc[settled["imbalance_mwh"] < 0, "payment_eur"] <= 0).all()


def test_what_ifs_leave_the_generated_month_and_the_input_untouched():
    p = load_scenario("imbalance", "faq_worked_example")
    before = im.run_month(p).settled
    periods = im.scenario_periods(p.n_subjects, p.days, p.period_minutes, p.seed, p.base_price, p.price_spread)
    snapshot = periods.copy()
    subject = str(periods["subject"].iloc[0])
    shifted = im.run_month(p, zc_shift=7.0, deviation=(subject, 1, 3.5)).settled
    assert not shifted["zc"].equals(before["zc"])
    pd.testing.assert_frame_equal(periods, snapshot)
    pd.testing.assert_frame_equal(im.run_month(p).settled, before)
    settled = im.settle(snapshot, 0.9)
    assert "imbalance_mwh" not in snapshot and "imbalance_mwh" in settled


def test_a_scenarios_month_is_found_once_and_no_what_if_changes_it():
    p = load_scenario("imbalance", "faq_worked_example")
    month = im.scenario_volumes(p)
    assert im.scenario_volumes(p) is month and im.run_month(p).volumes is month
    arrays = {name: getattr(month, name).copy() for name in ("o", "value", "neg_cents", "pos")}
    settled = month.settled.copy()
    subject = str(month.settled["subject"].iloc[0])
    im.run_month(p, nre=99.0, zc_shift=-3.0, deviation=(subject, 2, -1.5))
    im.price_run(im.shift_prices(month, 4.0), 10.0, -5.0)
    pd.testing.assert_frame_equal(month.settled, settled)
    assert all(np.array_equal(getattr(month, name), kept) for name, kept in arrays.items())
    _assert_same_volumes(month, im.month_volumes(settled.drop(columns="imbalance_mwh")))


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 8),
    st.integers(0, 10_000),
    st.lists(st.tuples(st.floats(0, 5e4), st.floats(-5e4, 0)), min_size=1, max_size=4),
)
def test_pricing_kept_volumes_equals_settling_afresh(n_subjects, n_periods, seed, prices):
    """The Explore section prices one month's imbalances for each NRE and PRE it is given:
    each pricing is the full settlement of that month at those costs, whatever was priced
    before, and leaves the kept imbalances as they were."""
    rng = np.random.default_rng(seed)
    n = n_subjects * n_periods
    df = pd.DataFrame(
        {
            "subject": [f"S{i}" for i in rng.permutation(np.repeat(np.arange(n_subjects), n_periods))],
            "agreed_mwh": rng.uniform(0, 50, n).round(3),
            "actual_mwh": rng.uniform(0, 50, n).round(3),
        }
    )
    df["period"] = df.groupby("subject").cumcount()
    df["zc"] = rng.uniform(10, 200, n_periods).round(2)[df["period"]]  # one price per period
    volumes = im.month_volumes(df)
    kept = volumes.settled.copy()
    for nre, pre in prices:
        nre, pre = round(nre, 2), round(pre, 2)
        settled, bal = im.settle_month(df, nre, pre)
        again, bal_again = im.price_month(volumes, nre, pre)
        pd.testing.assert_frame_equal(again, settled)
        assert bal_again == bal
        pd.testing.assert_frame_equal(
            im.ImbalanceRun(again, bal_again, im.subject_summary(again)).summary,
            im.price_run(volumes, nre, pre).summary,
        )
    pd.testing.assert_frame_equal(volumes.settled, kept)
    assert "payment_eur" not in volumes.settled


def test_run_month_is_the_priced_scenario_volumes():
    p = load_scenario("imbalance", "faq_worked_example")
    run = im.run_month(p, nre=2500.0, pre=-300.0, zc_shift=3.0)
    settled, bal = im.settle_month(
        im.scenario_volumes(p, zc_shift=3.0).settled.drop(columns="imbalance_mwh"), 2500.0, -300.0
    )
    pd.testing.assert_frame_equal(run.settled, settled)
    assert run.balance == bal
    pd.testing.assert_frame_equal(run.summary, im.subject_summary(settled))


def _random_month(rng, n_subjects, n_periods, regulation, categorical):
    n = n_subjects * n_periods
    subjects = [f"S{i}" for i in rng.permutation(np.repeat(np.arange(n_subjects), n_periods))]
    df = pd.DataFrame(
        {
            "subject": pd.Categorical(subjects) if categorical else subjects,
            "agreed_mwh": rng.uniform(0, 50, n).round(3),
            "actual_mwh": rng.uniform(0, 50, n).round(3),
        }
    )
    df["period"] = df.groupby("subject", observed=True).cumcount() + 1
    df["zc"] = rng.uniform(10, 200, n_periods).round(2)[df["period"] - 1]  # one price per period
    if regulation:
        df["regulation_mwh"] = rng.uniform(-2, 2, n).round(3)
    return df


def _assert_same_volumes(a: im.MonthVolumes, b: im.MonthVolumes) -> None:
    pd.testing.assert_frame_equal(a.settled, b.settled, check_exact=True)
    for name in ("o", "value", "neg_cents", "pos"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    codes, subjects, totals = a.subjects
    codes_b, subjects_b, totals_b = b.subjects
    assert np.array_equal(codes, codes_b) and list(subjects) == list(subjects_b)
    for name in totals:
        assert np.array_equal(totals[name], totals_b[name]), name


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 5),
    st.integers(1, 6),
    st.integers(0, 10_000),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.floats(-60, 60).map(lambda x: round(x, 1)) | st.just("balance"),
    st.floats(-10, 200).map(lambda x: round(x, 0)),
)
def test_what_ifs_on_found_imbalances_equal_finding_them_afresh(
    n_subjects, n_periods, seed, regulation, categorical, found_subjects, mwh, zc_shift
):
    """The Explore section's deviation and ZC shift change a month whose imbalances it has
    already found: the result is what finding the changed month's imbalances gives, with
    every subject's totals, whether or not they were found before; the month found first is
    left as it was."""
    rng = np.random.default_rng(seed)
    df = _random_month(rng, n_subjects, n_periods, regulation, categorical)
    subject, period = df["subject"].iloc[int(rng.integers(len(df)))], int(rng.integers(1, n_periods + 1))
    if mwh == "balance":  # the deviation that leaves the row without an imbalance: O = 0 is no surplus
        row = df[(df["subject"] == subject) & (df["period"] == period)].iloc[0]
        mwh = round(row["agreed_mwh"] - row["actual_mwh"] - row.get("regulation_mwh", 0.0), 3)
    volumes = im.month_volumes(df)
    if found_subjects:
        assert volumes.subjects  # found before the deviation, kept after it
    kept = volumes.settled.copy(), volumes.o.copy(), volumes.value.copy()

    changed = df.copy()
    hit = (changed["subject"] == subject) & (changed["period"] == period)
    changed.loc[hit, "actual_mwh"] = (changed.loc[hit, "actual_mwh"] + mwh).round(3)
    _assert_same_volumes(im.deviate(volumes, subject, period, mwh), im.month_volumes(changed))
    changed["zc"] = (changed["zc"] + zc_shift).round(2)
    both = im.shift_prices(im.deviate(volumes, subject, period, mwh), zc_shift)
    _assert_same_volumes(both, im.month_volumes(changed))
    # shifted again from the shifted month: its prices, grouped, are the shifted ones
    again = changed.assign(zc=(changed["zc"] - 7.0).round(2))
    _assert_same_volumes(im.shift_prices(both, -7.0), im.month_volumes(again))
    settled, bal = im.settle_month(changed, 1000.0, -200.0)
    run = im.price_run(both, 1000.0, -200.0)
    pd.testing.assert_frame_equal(run.settled, settled)
    assert run.balance == bal
    pd.testing.assert_frame_equal(run.summary, im.subject_summary(settled))

    pd.testing.assert_frame_equal(volumes.settled, kept[0])
    assert np.array_equal(volumes.o, kept[1]) and np.array_equal(volumes.value, kept[2])


def test_deviate_names_a_missing_row_and_needs_energy_columns():
    df = periods([("A", 1, 10, 12, 100.0), ("B", 1, 10, 7, 100.0)])
    with pytest.raises(ValueError, match="no period 2 for subject A"):
        im.deviate(im.month_volumes(df), "A", 2, 1.0)
    power = df.rename(columns={"agreed_mwh": "agreed_mw", "actual_mwh": "actual_mw"})
    with pytest.raises(im.SettlementInputError, match="agreed_mwh and actual_mwh"):
        im.deviate(im.month_volumes(power, period_minutes=60), "A", 1, 1.0)
    volumes = im.month_volumes(df)
    assert im.shift_prices(volumes, 0.0) is volumes


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.sampled_from(["b", "a", "c", "d"])), min_size=1, max_size=30),
    st.booleans(),
    st.booleans(),
)
def test_group_codes_are_pandas_sorted_factorize_for_categories(values, extra_category, reverse):
    categories = sorted({v for v in values if v is not None} | ({"zz"} if extra_category else set()), reverse=reverse)
    column = pd.Series(pd.Categorical(values, categories=categories))
    codes, groups = im.group_codes(column)
    expected_codes, expected = pd.factorize(column, sort=True)
    assert np.array_equal(codes, expected_codes) and list(groups) == list(expected)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(-5, 40), min_size=1, max_size=30) | st.lists(st.integers(-(10**12), 10**12), max_size=8),
    st.sampled_from(["int64", "int32", "uint16", "Int64", "float64", "object"]),
)
def test_group_codes_are_pandas_sorted_factorize_for_numbers(values, dtype):
    if dtype == "uint16":
        values = [v % 2**16 for v in values]
    elif dtype == "int32":
        values = [max(-(2**31), min(2**31 - 1, v)) for v in values]
    column = pd.Series(values, dtype=dtype)
    codes, groups = im.group_codes(column)
    expected_codes, expected = pd.factorize(column, sort=True)
    assert np.array_equal(codes, expected_codes) and list(groups) == list(expected)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(1, 6), st.integers(0, 10_000), st.booleans())
def test_system_table_is_the_groupby_over_periods(n_subjects, n_periods, seed, categorical):
    rng = np.random.default_rng(seed)
    df = _random_month(rng, n_subjects, n_periods, False, categorical)
    df["period"] = df["period"] + 1000  # not starting at 1
    df["zc"] = df["period"] * 0.25  # one clearing price per period, as the groupby's "first" assumes
    run = im.price_run(im.month_volumes(df), 500.0, -100.0)
    expected = (
        run.settled.groupby("period", sort=True)
        .agg(system_imbalance_mwh=("imbalance_mwh", "sum"), zc=("zc", "first"), payments_eur=("payment_eur", "sum"))
        .reset_index()
        .round(3)
    )
    pd.testing.assert_frame_equal(run.system, expected, check_exact=False, rtol=1e-12)


def test_a_surplus_at_a_negative_price_pays_its_share_scaled_by_kzpo():
    """ "PO+i = Oi × ZC × kzpo" holds for either sign of ZC: B's surplus at −20 EUR/MWh pays
    the agent, scaled by kzpo like every positive payment. Prices are one per clearing
    period (periods 1–3 here)."""
    df = periods([("A", 1, 10, 5, 100.0), ("B", 2, 10, 8, -20.0), ("C", 3, 10, 20, 100.0)])
    df = pd.concat([df.assign(subject=s) for s in "ABC"]).reset_index(drop=True)
    settled, bal = im.settle_month(df, 2500.0, -50.0)
    assert bal.kzpo == pytest.approx(550 / 1380)  # −(2500 − 50 − 3000) / (1500 − 120)
    b = settled[(settled["subject"] == "B") & (settled["period"] == 2)]["payment_eur"]
    assert (b < 0).all()  # a surplus at a negative price pays
    pos = settled[settled["imbalance_mwh"] > 0]
    exact = pos["imbalance_mwh"] * pos["zc"] * bal.kzpo_raw
    assert (abs(pos["payment_eur"] - exact) < 0.01).all()
    assert bal.agent_result == 0


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 12),
    st.integers(0, 10_000),
    st.floats(0.0, 0.9),
    st.floats(0.0, 1.0),
)
def test_mixed_sign_months_balance_to_the_cent_and_pay_the_formula(n_subjects, n_periods, seed, nre_share, neg_share):
    """Random months with clearing prices of either sign: the agent's month balances to the
    cent, and every positive payment is Oi × ZC × kzpo within one cent (the largest-remainder
    sharing moves a share by less than a cent; half a cent cannot be promised together with
    a balance to the cent: three equal surpluses sharing one cent)."""
    rng = np.random.default_rng(seed)
    n = n_subjects * n_periods
    df = pd.DataFrame(
        {
            "subject": np.repeat(np.arange(n_subjects), n_periods),
            "period": np.tile(np.arange(1, n_periods + 1), n_subjects),
            "agreed_mwh": rng.uniform(0, 50, n).round(3),
            "actual_mwh": rng.uniform(0, 50, n).round(3),
        }
    )
    prices = rng.uniform(5, 200, n_periods).round(2)
    prices[rng.random(n_periods) < neg_share] *= -1
    df["zc"] = prices[df["period"] - 1]
    base = im.settle(df, 1.0)
    po_minus, po_plus = im.payment_totals(base)
    nre = round(max(-po_minus, 1.0) * nre_share, 2)
    settled, bal = im.settle_month(df, nre, -round(nre * 0.1, 2))
    cents = round(bal.nre * 100) + round(bal.pre * 100) + int(round(settled["payment_eur"].sum() * 100))
    assert cents == -round(bal.agent_result * 100)
    if 0 < bal.kzpo < 1:
        assert bal.agent_result == 0
    pos = settled[settled["imbalance_mwh"] > 0]
    exact = pos["imbalance_mwh"] * pos["zc"] * bal.kzpo
    assert (abs(pos["payment_eur"] - exact) < 0.01 + 1e-9).all()
    neg = settled[settled["imbalance_mwh"] < 0]
    assert (abs(neg["payment_eur"] - neg["imbalance_mwh"] * neg["zc"]) <= 0.005 + 1e-9).all()


def test_bad_rows_are_named_by_file_row_and_field():
    good = [("A", 1, 1, 1, 50.0), ("A", 2, 1, 1, 60.0), ("B", 1, 1, 1, 50.0), ("B", 2, 1, 1, 60.0)]
    with pytest.raises(im.SettlementInputError, match=r"month.csv: row 3, field 'subject': blank"):
        im.validate_periods(periods(good[:2] + [(None, 1, 1, 1, 50.0)] + good[3:]), "month.csv")
    with pytest.raises(im.SettlementInputError, match=r"month.csv: row 2, field 'period': blank"):
        im.validate_periods(periods([good[0], ("A", float("nan"), 1, 1, 60.0)] + good[2:]), "month.csv")
    with pytest.raises(
        im.SettlementInputError, match=r"month.csv: row 4, field 'zc': ZC 61.0 differs from 60.0 \(row 2\)"
    ):
        im.validate_periods(periods(good[:3] + [("B", 2, 1, 1, 61.0)]), "month.csv")
    gap = [(s, p, 1, 1, 50.0) for s in "AB" for p in (1, 2, 4)]
    with pytest.raises(im.SettlementInputError, match=r"period 3 is missing for every subject"):
        im.validate_periods(periods(gap), "month.csv")
    with pytest.raises(im.SettlementInputError, match=r"row 1, field 'agreed_mwh': 'n/a' is not a number"):
        im.validate_periods(periods([("A", 1, "n/a", 1, 50.0)]), "month.csv")


def test_largest_payments_chart_keeps_subject_order_among_equal_payments():
    from marketbooks.views.imbalance import payments_chart

    # 200 subjects paying or receiving the same 5 EUR, one receiving 9 EUR: which 39 of the
    # equal ones make the top 40 must not depend on the sort the CPU runs
    net = [5.0 if i % 2 else -5.0 for i in range(200)]
    net[150] = 9.0
    summary = pd.DataFrame({"subject": [f"S{i:03d}" for i in range(200)], "net_payment_eur": net})
    shown = list(payments_chart(summary, "t").figure.data[0].x)
    assert shown == ["S150"] + [f"S{i:03d}" for i in range(39)]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4), st.integers(-(10**9), 10**9)), min_size=1, max_size=40),
    st.booleans(),
)
def test_net_payments_are_each_subjects_cents_summed(rows, in_subject_order):
    """A month filed subject by subject (summed run by run) or in any order (counted per
    subject): each subject's payments in whole cents, summed exactly."""
    if in_subject_order:
        rows = sorted(rows, key=lambda r: r[0])
    subjects = pd.Series([f"S{s}" for s, _ in rows])
    cents = np.array([c for _, c in rows], dtype="int64")
    settled = pd.DataFrame({"subject": subjects, "imbalance_mwh": 0.0, "payment_eur": cents / 100})
    summary = im.subject_summary(settled)
    expected = pd.Series(cents).groupby(subjects).sum() / 100
    assert summary.set_index("subject")["net_payment_eur"].to_dict() == expected.to_dict()
