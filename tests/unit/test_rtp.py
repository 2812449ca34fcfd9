"""Real-time pricing assessment (seed 002): prices from intervals, readers, flexible user, CBA."""

import pandas as pd
import pytest
from conftest import ROOT
from hypothesis import given
from hypothesis import strategies as st

from marketbooks.data import nz_prices
from marketbooks.rules import rtp
from marketbooks.scenarios import load_scenario

DATA = ROOT / "tests" / "data"


def iv(rows, node="HAY2201"):
    """rows: (start 'HH:MM:SS' on 2016-04-02 NZ time, seconds, price[, load])."""
    out = []
    for r in rows:
        start = pd.Timestamp(f"2016-04-02 {r[0]}").tz_localize(rtp.TZ)
        out.append(
            {
                "node": node,
                "start": start,
                "end": start + pd.Timedelta(seconds=r[1]),
                "price": r[2],
                "load": r[3] if len(r) > 3 else 1.0,
            }
        )
    return pd.DataFrame(out)


UNEQUAL = iv(
    [
        ("00:00:00", 240, 100.0, 10),
        ("00:04:00", 360, 200.0, 30),
        ("00:10:00", 300, 50.0, 20),
        ("00:15:00", 600, 80.0, 10),
        ("00:25:00", 300, 300.0, 30),
    ]
)


def test_time_weighted_on_unequal_intervals():
    got = rtp.trading_period_prices(UNEQUAL, "time_weighted")
    expected = (100 * 240 + 200 * 360 + 50 * 300 + 80 * 600 + 300 * 300) / 1800
    assert got["price"][0] == round(expected, 2) and got["complete"][0]
    assert (got["trading_date"][0], got["trading_period"][0]) == (pd.Timestamp("2016-04-02").date(), 1)


def test_simple_load_weighted_and_last():
    assert rtp.trading_period_prices(UNEQUAL, "simple")["price"][0] == round((100 + 200 + 50 + 80 + 300) / 5, 2)
    lw = (100 * 10 * 240 + 200 * 30 * 360 + 50 * 20 * 300 + 80 * 10 * 600 + 300 * 30 * 300) / (
        10 * 240 + 30 * 360 + 20 * 300 + 10 * 600 + 30 * 300
    )
    assert rtp.trading_period_prices(UNEQUAL, "load_weighted")["price"][0] == round(lw, 2)
    assert rtp.trading_period_prices(UNEQUAL, "last")["price"][0] == 300.0
    with pytest.raises(ValueError, match="unknown method"):
        rtp.trading_period_prices(UNEQUAL, "median")


def test_interval_crossing_a_period_boundary_is_split():
    data = iv([("00:00:00", 1500, 100.0), ("00:25:00", 600, 200.0), ("00:35:00", 1500, 50.0)])
    got = rtp.trading_period_prices(data)
    assert got["price"].tolist() == [
        round((100 * 1500 + 200 * 300) / 1800, 2),
        round((200 * 300 + 50 * 1500) / 1800, 2),
    ]
    assert got["complete"].all()


def test_gaps_are_reported_not_averaged_over():
    data = UNEQUAL.drop(index=[2])
    got = rtp.trading_period_prices(data)
    assert not got["complete"][0] and got["covered_s"][0] == 1500
    gaps = rtp.interval_gaps(data)
    assert gaps["missing_s"].tolist() == [300.0]


@pytest.mark.parametrize("day, n", [("2016-04-03", 50), ("2016-09-25", 46), ("2016-06-01", 48)])
def test_daylight_saving_days(day, n):
    assert rtp.periods_in_day(day) == n
    start = pd.Timestamp(day).tz_localize(rtp.TZ)
    hours = 25 if n == 50 else 23 if n == 46 else 24
    data = pd.DataFrame(
        {
            "node": "BEN2201",
            "start": start + pd.to_timedelta(range(0, hours * 3600, 300), unit="s"),
            "duration_s": 300,
            "price": 50.0,
        }
    )
    got = rtp.trading_period_prices(data)
    assert len(got) == n and got["trading_period"].tolist() == list(range(1, n + 1))
    assert got["complete"].all()


def test_bad_interval_data():
    with pytest.raises(rtp.PriceDataError, match="end after it starts"):
        rtp.trading_period_prices(UNEQUAL.assign(end=UNEQUAL["start"]))
    with pytest.raises(rtp.PriceDataError, match="NaN"):
        rtp.trading_period_prices(UNEQUAL.assign(price=float("nan")))
    with pytest.raises(rtp.PriceDataError, match="load"):
        rtp.trading_period_prices(UNEQUAL.drop(columns="load"), "load_weighted")


def test_read_final_prices():
    df = nz_prices.read_final_prices(DATA / "final_prices_sample.csv")
    assert df.set_index(["node", "trading_period"]).loc[("HAY2201", 2), "price"] == 79.24
    with pytest.raises(rtp.PriceDataError, match="missing column"):
        nz_prices.read_final_prices("TradingDate,Price\n2016-01-01,1\n")


def test_read_dispatch_prices_gives_irregular_intervals():
    df = nz_prices.read_dispatch_prices(DATA / "dispatch_prices_sample.csv")
    text = (DATA / "dispatch_prices_sample.csv").read_text()
    assert len(text) > 255  # longer than a file name may be: read as the CSV, not asked for as a path
    assert nz_prices.read_dispatch_prices(text).equals(df)
    assert ((df["end"] - df["start"]).dt.total_seconds().tolist()[:6]) == [240, 360, 390, 270, 300, 240]
    tp = rtp.trading_period_prices(df)
    first = tp.iloc[0]
    expected = (100 * 240 + 120 * 360 + 90 * 390 + 95 * 270 + 300 * 300 + 110 * 240) / 1800
    assert first["price"] == round(expected, 2) and first["complete"]


def test_read_indicative_5min_headerless():
    df = nz_prices.read_indicative_5min(DATA / "indicative_5min_sample.csv")
    tp = rtp.trading_period_prices(df, "simple")
    assert tp["price"][0] == round((70.10 + 71.20 + 69.90 + 70.40 + 72.00 + 73.10) / 6, 2)
    with pytest.raises(rtp.PriceDataError, match="9 columns"):
        nz_prices.read_indicative_5min("a,b\n")


def test_npv_against_hand_computed_values():
    assert rtp.npv([100], 0.06) == 100  # t = 0 is not discounted
    assert rtp.npv([0, 106], 0.06) == pytest.approx(100)
    assert rtp.npv([-10, 5, 5, 5], 0.08) == pytest.approx(-10 + 5 / 1.08 + 5 / 1.08**2 + 5 / 1.08**3)
    assert rtp.npv([1, 1, 1], 0.0) == 3
    with pytest.raises(ValueError):
        rtp.npv([1], -1)


def test_table_1_published_cells_at_six_percent():
    t = rtp.assess_options(load_scenario("rtp", "2016_information_paper")).set_index("option")
    assert (t.loc["B", "reliability"], t.loc["C", "reliability"]) == (10.0, 7.0)
    assert (t.loc["B", "cost"], t.loc["C", "cost"]) == (6.0, 4.0)
    assert t.loc["B", "net_benefit"] > t.loc["C", "net_benefit"] > 0


def test_sensitivity_rates_move_npv_the_right_way():
    s = rtp.rate_sensitivity(load_scenario("rtp", "2016_information_paper"))
    b = s[s["option"] == "B"].set_index("rate")["net_benefit"]
    assert b[0.04] > b[0.06] > b[0.08]


def test_benefits_start_after_implementation():
    p = load_scenario("rtp", "2016_information_paper")
    s = rtp.option_streams(p, "B")
    assert all((v[: p.implementation_years + 1] == 0).all() for v in s.benefits.values())
    impl = p.implementation_years
    # one convention: flows at the end of their year; costs in years 1..I, benefits in I+1..horizon
    assert s.cost[0] == 0 and (s.cost[1 : impl + 1] > 0).all() and (s.cost[impl + 1 :] == 0).all()
    assert all((v[impl + 1 :] > 0).all() and len(v) == p.horizon_years + 1 for v in s.benefits.values())
    assert len(s.cost) == p.horizon_years + 1


def test_the_published_cells_come_back_over_the_basis_and_the_controls_move_them():
    p = load_scenario("rtp", "2016_information_paper")
    table = rtp.assess_options(p).set_index("option")
    assert table.loc["B", "reliability"] == 10 and table.loc["C", "reliability"] == 7  # published
    assert table.loc["B", "cost"] == 6 and table.loc["C", "cost"] == 4  # published (doubtful)
    base = rtp.evaluate(p)
    longer = rtp.evaluate(load_scenario("rtp", "2016_information_paper", {"horizon_years": 20}))
    later = rtp.evaluate(load_scenario("rtp", "2016_information_paper", {"implementation_years": 5}))
    assert longer["total_benefit_b"] > base["total_benefit_b"] and longer["cost_b"] == base["cost_b"]
    assert later["total_benefit_b"] < base["total_benefit_b"]
    # the same total cost, spread over more years and discounted further
    assert later["cost_b"] < base["cost_b"]
    s5 = rtp.option_streams(load_scenario("rtp", "2016_information_paper", {"implementation_years": 5}), "B")
    s3 = rtp.option_streams(p, "B")
    assert s5.cost.sum() == pytest.approx(s3.cost.sum())
    # benefits per year of operation do not depend on when they start
    assert s5.benefits["reliability"][-1] == pytest.approx(s3.benefits["reliability"][-1])


def test_the_high_cost_scenario_says_neither_option_pays():
    from marketbooks.views.rtp import cba_summary

    p = load_scenario("rtp", "high_cost_sensitivity")
    table = rtp.assess_options(p)
    assert (table["net_benefit"] < 0).all()
    text = cba_summary(p, table)
    assert "neither option pays for itself" in text and "> 0" not in text and "4 implementation" in text


@pytest.mark.parametrize("scenario", ["2016_information_paper", "high_cost_sensitivity"])
def test_breakeven_ratio_equalises_net_benefits_to_the_cent(scenario):
    p = load_scenario("rtp", scenario)
    ratio = rtp.breakeven_performance_ratio(p)
    b = rtp.option_streams(p, "B")
    net_b = sum(rtp.npv(v, p.base_rate) for v in b.benefits.values()) - rtp.npv(b.cost, p.base_rate)
    assert round(rtp.net_benefit_at_ratio(p, ratio), 2) == round(net_b, 2)
    assert round(rtp.net_benefit_at_ratio(p, ratio + 0.01), 2) > round(net_b, 2)


def test_flexible_user_ranks_the_arrangements():
    p = load_scenario("rtp", "2016_information_paper")
    data = rtp.synthetic_intervals(p.nodes, p.start_date, p.days, p.seed, p.spike)
    fu = rtp.flexible_user(data, "HAY2201", 5, 110, 0.25, 1).set_index("arrangement")
    assert fu.loc["Perfect foresight", "regret"] == 0
    assert fu.loc["Option B", "regret"] <= fu.loc["Option C", "regret"] <= fu.loc["Status quo", "regret"]
    with pytest.raises(ValueError, match="no intervals"):
        rtp.flexible_user(data, "OTA2201", 5, 110, 0.25, 1)


prices = st.lists(st.tuples(st.integers(60, 900), st.floats(-100, 20000, allow_nan=False)), min_size=1, max_size=12)


@given(prices)
def test_time_weighted_price_lies_between_min_and_max(rows):
    start = pd.Timestamp("2016-06-01").tz_localize(rtp.TZ)
    offsets = pd.Series([0] + [d for d, _ in rows[:-1]]).cumsum()
    data = pd.DataFrame(
        {
            "node": "X",
            "start": start + pd.to_timedelta(offsets, unit="s"),
            "duration_s": [d for d, _ in rows],
            "price": [p for _, p in rows],
        }
    )
    got = rtp.trading_period_prices(data)
    lo, hi = min(p for _, p in rows), max(p for _, p in rows)
    assert (got["price"] >= round(lo, 2) - 0.01).all() and (got["price"] <= round(hi, 2) + 0.01).all()


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B"]), st.integers(60, 900), st.floats(-100, 20000, allow_nan=False), st.floats(0, 50)
        ),
        min_size=1,
        max_size=20,
    ),
    st.booleans(),
)
def test_compare_methods_is_each_method_side_by_side(rows, with_load):
    start = pd.Timestamp("2016-06-01 23:40").tz_localize(rtp.TZ)
    data = pd.DataFrame(
        [
            {
                "node": n,
                "start": start + pd.Timedelta(seconds=sum(d for m, d, _, _ in rows[:i] if m == n)),
                "duration_s": d,
                "price": p,
                "load": load,
            }
            for i, (n, d, p, load) in enumerate(rows)
        ]
    )
    if not with_load:
        data = data.drop(columns="load")
    both = rtp.compare_methods(data)
    methods = [m for m in rtp.METHODS if with_load or m != "load_weighted"]
    assert list(both.columns) == [
        "node",
        "trading_date",
        "trading_period",
        "time_weighted",
        "n_intervals",
        "complete",
        *methods[1:],
        "spread",
    ]
    for m in methods:
        alone = rtp.trading_period_prices(data, m)
        pd.testing.assert_frame_equal(
            both[["node", "trading_date", "trading_period"]], alone[["node", "trading_date", "trading_period"]]
        )
        pd.testing.assert_series_equal(both[m], alone["price"], check_names=False)


def test_largest_spreads_first_and_equal_spreads_in_table_order():
    # 300 periods with spreads of a few distinct values: many ties, which an unstable sort
    # (numpy's default on AVX2 and AVX-512 CPUs) would reorder
    methods = pd.DataFrame(
        {"node": "N", "trading_period": range(1, 301), "spread": [round((i * 7) % 5 * 0.5, 2) for i in range(300)]}
    )
    ordered = rtp.largest_spreads(methods)
    assert list(ordered["spread"]) == sorted(methods["spread"], reverse=True)
    for _, part in ordered.groupby("spread"):
        assert list(part["trading_period"]) == sorted(part["trading_period"])


def test_overlapping_or_empty_intervals_are_named():
    with pytest.raises(rtp.PriceDataError, match=r"end after it starts: 1 do not, e.g. HAY2201 from 2016-04-02 00:10"):
        rtp.trading_period_prices(iv([("00:00:00", 300, 1.0), ("00:10:00", 0, 2.0)]))
    # the second HAY2201 interval starts a minute before the first ends; BEN2201's are fine
    data = pd.concat(
        [
            iv([("00:00:00", 300, 1.0), ("00:05:00", 300, 2.0)], node="BEN2201"),
            iv([("00:04:00", 360, 3.0), ("00:00:00", 300, 4.0)]),
        ],
        ignore_index=True,
    )
    with pytest.raises(
        rtp.PriceDataError,
        match=r"overlap: 1 interval\(s\).* HAY2201 from 2016-04-02 00:00:00\+13:00 "
        r"to 2016-04-02 00:05:00\+13:00 and from 2016-04-02 00:04:00",
    ):
        rtp.trading_period_prices(data)
    # the same intervals of different nodes, and touching intervals, are no overlap
    assert len(rtp.trading_period_prices(pd.concat([UNEQUAL, UNEQUAL.assign(node="BEN2201")]))) == 2


def test_a_price_given_twice_names_both_rows():
    final = (DATA / "final_prices_sample.csv").read_text()
    again = final + final.splitlines()[2] + "\n"
    with pytest.raises(
        rtp.PriceDataError,
        match=r"final prices: a node's trading period appears more than once "
        r"\(TradingDate 2016-04-02, TradingPeriod 2, PointOfConnection "
        rf"HAY2201: rows 3, {len(final.splitlines()) + 1}\)",
    ):
        nz_prices.read_final_prices(again)
    dispatch = (DATA / "dispatch_prices_sample.csv").read_text().splitlines()
    with pytest.raises(rtp.PriceDataError, match=r"publication time appears more than once .*rows 3, 4\)"):
        nz_prices.read_dispatch_prices("\n".join(dispatch[:3] + dispatch[2:]))
    five = (DATA / "indicative_5min_sample.csv").read_text().splitlines()
    with pytest.raises(
        rtp.PriceDataError,
        match=r"interval appears more than once \(node BEN2201, date 02/04/2016, "
        r"trading period 1, start 00:05: rows 2, 3\)",
    ):
        nz_prices.read_indicative_5min("\n".join(five[:2] + five[1:]))


@given(
    st.lists(st.lists(st.integers(1, 900), min_size=1, max_size=12), min_size=1, max_size=3),
    st.randoms(use_true_random=False),
    st.integers(1, 299),
)
def test_contiguous_intervals_in_any_order_pass_and_one_overlap_is_refused(durations, random, back_s):
    rows = []
    for node_i, durs in enumerate(durations):
        t = pd.Timestamp("2016-04-02 00:00").tz_localize(rtp.TZ)
        for d in durs:
            rows.append({"node": f"N{node_i}", "start": t, "end": t + pd.Timedelta(seconds=d), "price": 1.0})
            t = t + pd.Timedelta(seconds=d)
    random.shuffle(rows)
    data = pd.DataFrame(rows)
    assert rtp.trading_period_prices(data)["covered_s"].sum() == sum(map(sum, durations))
    later = data.index[data["start"] > data.groupby("node")["start"].transform("min")]
    if len(later):
        i = later[0]
        overlap = data.copy()
        overlap.loc[i, "start"] -= pd.Timedelta(seconds=back_s)  # into the node's interval before it
        with pytest.raises(rtp.PriceDataError, match="overlap"):
            rtp.trading_period_prices(overlap)


def test_the_hour_that_repeats_when_daylight_saving_ends_is_no_repeat():
    # NZ daylight saving ended at 03:00 on 3 April 2016: 02:00–02:59 came twice, as
    # trading periods 5–6 and then 7–8
    five = (
        "BEN2201,03/04/2016,5,02:00,70.00,SI,CANTERBURY,F,03/04/2016 02:01\n"
        "BEN2201,03/04/2016,7,02:00,80.00,SI,CANTERBURY,F,03/04/2016 02:01\n"
    )
    df = nz_prices.read_indicative_5min(five)
    assert (df["start"].iloc[1] - df["start"].iloc[0]) == pd.Timedelta(hours=1)
    dispatch = (
        "TradingDate,TradingPeriod,PublishDateTime,PointOfConnection,Island,DollarsPerMegawattHour\n"
        "2016-04-03,5,2016-04-03 02:00:00,HAY2201,NI,70.00\n"
        "2016-04-03,7,2016-04-03 02:00:00,HAY2201,NI,80.00\n"
    )
    assert nz_prices.read_dispatch_prices(dispatch)["price"].tolist() == [70.0, 80.0]


def test_a_row_without_its_node_is_named_not_taken_for_a_repeat():
    text = (
        "TradingDate,TradingPeriod,PointOfConnection,DollarsPerMegawattHour\n"
        "2016-04-02,1,,82.60\n2016-04-02,2,HAY2201,79.24\n2016-04-02,1,,83.00\n"
    )
    with pytest.raises(rtp.PriceDataError, match=r"final prices: line 2, field 'PointOfConnection': is empty"):
        nz_prices.read_final_prices(text)


def test_regular_intervals_that_overlap_are_refused_too():
    """The 5-minute path (one duration for every interval) checks overlaps without an end column."""
    start = pd.date_range("2016-04-02 00:00", periods=6, freq="5min", tz=rtp.TZ)
    regular = pd.DataFrame({"node": "HAY2201", "start": start, "duration_s": 300, "price": 1.0})
    assert rtp.trading_period_prices(regular)["complete"].all()
    shifted = regular.copy()
    shifted.loc[3, "start"] -= pd.Timedelta(seconds=60)
    with pytest.raises(rtp.PriceDataError, match="overlap"):
        rtp.trading_period_prices(shifted)
