"""Every figure the 2017 ACPS decision paper (seed 001) states, asserted with its rounding."""

import numpy as np
import pandas as pd
import pytest

from marketbooks.rules import capacity
from marketbooks.scenarios import MONTHS, load_scenario, load_scenarios

PUBLISHED_CPPS = {
    "Jan": 52_869_006,
    "Feb": 51_165_171,
    "Mar": 47_229_946,
    "Apr": 39_374_525,
    "May": 36_471_362,
    "Jun": 34_478_074,
    "Jul": 32_716_078,
    "Aug": 35_961_368,
    "Sep": 35_927_804,
    "Oct": 45_397_053,
    "Nov": 52_555_995,
}


def test_round2_is_half_up_not_bankers():
    assert capacity.round2(0.125) == 0.13
    assert capacity.round2(2.675) == 2.68  # float 2.675 is 2.67499..., the paper's tables mean 2.675
    assert capacity.round2(-1.005) == -1.01


def test_indexation_june_rpi_gives_85_08():
    assert capacity.index_cost(83.74, 0.016) == 85.08


def test_consultation_used_may_rpi():
    assert capacity.index_cost(83.74, 0.014) == 84.91


def test_2016_cost_is_the_only_two_decimal_value_indexing_to_85_08():
    assert capacity.base_cost_for_indexed(85.08, 0.016) == [83.74]


def test_imr_deduction_6_29():
    assert capacity.imr_deduction(1000, 164.36, 8, 0.0591) == 6.29


def test_bid_interval_ends_are_bids_that_give_the_published_imr():
    """Every bid to the cent from 163.70 to 165.02 rounds to 6.29; one cent outside does not
    (the bounds once stated, 163.70–165.03, were rounded outwards: 165.03 gives 6.28)."""
    lo, centre, hi = capacity.bid_price_range_for_imr(6.29, 1000, 8, 0.0591)
    assert (lo, centre, hi) == (163.70, 164.36, 165.02)
    inside = np.round(np.arange(lo, hi + 0.001, 0.01), 2)
    assert {capacity.imr_deduction(1000, b, 8, 0.0591) for b in inside} == {6.29}
    assert capacity.imr_deduction(1000, lo - 0.01, 8, 0.0591) == 6.30
    assert capacity.imr_deduction(1000, hi + 0.01, 8, 0.0591) == 6.28


def test_bne_cost_71_45_and_acps_519_227_150():
    bne = capacity.bne_cost(85.08, 7.34, 6.29)
    assert bne == 71.45
    assert capacity.annual_capacity_payment_sum(bne, 7267) == 519_227_150


def test_acps_uses_bne_rounded_to_cents_first():
    assert capacity.annual_capacity_payment_sum(71.4549, 7267) == 519_227_150


@pytest.mark.parametrize(
    "scenario, acps, bne",
    [
        ("2017_decision", 519_227_150, 71.45),
        ("2017_consultation", 515_884_330, 70.99),
        ("2016_decision", 514_837_400, 72.82),
    ],
)
def test_table_6_1_each_scenario(scenario, acps, bne):
    p = load_scenario("acps", scenario)
    r = capacity.compute_acps(p)
    assert (r.acps, r.bne_cost) == (acps, bne)
    for key, fig in p.published.items():
        computed = {**r.figures(), "capacity_requirement_mw": r.capacity_requirement_mw}[key]
        assert computed == pytest.approx(fig.value, abs=1e-9), key


def test_december_derived_from_total():
    months = {**PUBLISHED_CPPS, "Dec": None}
    assert capacity.derive_missing_month(519_227_150, months)["Dec"] == 55_080_768


def test_derive_refuses_two_missing_months():
    with pytest.raises(ValueError, match="more than one month"):
        capacity.derive_missing_month(100, {"Jan": None, "Feb": None})


def test_monthly_sums_reproduce_table_1_2_and_jan_sep_total():
    r = capacity.compute_acps(load_scenario("acps", "2017_decision"))
    sums = r.period_sums.set_index("month")["cpps_eur"]
    assert sums.to_dict() == {**PUBLISHED_CPPS, "Dec": 55_080_768}
    assert sums.sum() == 519_227_150
    assert r.jan_sep_total == 366_193_334
    assert r.period_sums.set_index("month").loc["Jan", "share_pct"] == 10.1822


def test_capacity_period_sums_add_up_with_uneven_weights():
    df = capacity.capacity_period_sums(1_000_000, {m: 1.0 for m in MONTHS[:3]})
    assert df["cpps_eur"].tolist() == [333_334, 333_333, 333_333]


def test_capacity_period_sums_rejects_negative_weights():
    with pytest.raises(ValueError, match="non-negative"):
        capacity.capacity_period_sums(100, {"Jan": -1.0, "Feb": 2.0})


def test_payment_proportions_variable_is_the_rest():
    assert capacity.payment_proportions(0.3, 0.3) == {"fixed": 0.3, "variable": 0.4, "ex_post": 0.3}
    with pytest.raises(ValueError, match="exceeds 1"):
        capacity.payment_proportions(0.7, 0.4)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        capacity.payment_proportions(-0.1, 0.3)


def test_period_pots_add_up_each_month():
    r = capacity.compute_acps(load_scenario("acps", "2017_decision"))
    pots = capacity.period_pots(r.period_sums, capacity.payment_proportions(0.3, 0.3))
    assert (pots[["fixed_eur", "variable_eur", "ex_post_eur"]].sum(axis=1) == pots["cpps_eur"]).all()
    assert pots.loc[0, "fixed_eur"] == round(52_869_006 * 0.3)


def test_period_pots_at_ties_and_zero_proportions():
    """A month's euro that two pots tie for goes to the fixed pot; a pot of proportion 0
    stays empty (rounding each pot on its own gave 2 / 2 / 1 for 5 euros at 0.5 / 0 and
    could leave the ex-post pot at -1 euro)."""
    sums = pd.DataFrame({"month": ["Jan", "Feb", "Mar"], "cpps_eur": [5, 7, 1]})
    half = capacity.period_pots(sums, capacity.payment_proportions(0.5, 0.0))
    assert half[["fixed_eur", "variable_eur", "ex_post_eur"]].values.tolist() == [[3, 2, 0], [4, 3, 0], [1, 0, 0]]
    thirds = capacity.period_pots(sums, capacity.payment_proportions(0.35, 0.3))
    # 5 x (0.35, 0.35, 0.3) = 1.75, 1.75, 1.5: floors 1, 1, 1 and two euros to the largest remainders
    assert thirds[["fixed_eur", "variable_eur", "ex_post_eur"]].values.tolist()[0] == [2, 2, 1]
    only_ex_post = capacity.period_pots(sums, capacity.payment_proportions(0.0, 1.0))
    assert only_ex_post["ex_post_eur"].tolist() == [5, 7, 1]
    assert (only_ex_post[["fixed_eur", "variable_eur"]] == 0).all().all()


def test_imr_rejects_bad_inputs():
    with pytest.raises(ValueError, match="forced_outage_probability"):
        capacity.imr_deduction(1000, 160, 8, 1.5)
    with pytest.raises(ValueError, match="exceeds the price cap"):
        capacity.imr_deduction(1000, 1200, 8, 0.05)


def test_overrides_are_validated_with_field_names():
    from marketbooks.scenarios import ParameterError

    p = load_scenario("acps", "2017_decision")
    with pytest.raises(ParameterError, match="capacity_requirement_mw"):
        capacity.compute_acps(p, capacity_requirement_mw=-5)


def test_published_vs_computed_has_zero_differences_in_the_decision():
    p = load_scenario("acps", "2017_decision")
    table = capacity.published_vs_computed(p, capacity.compute_acps(p))
    assert table["difference"].dropna().abs().max() == 0
    assert set(table["status"]) == {"published", "calibrated to the published value"}


@pytest.mark.parametrize("scenario", ["2017_decision", "2017_consultation"])
def test_a_calibrated_deduction_is_never_shown_as_published_or_derived_or_as_a_match(scenario):
    p = load_scenario("acps", scenario)
    table = capacity.published_vs_computed(p, capacity.compute_acps(p)).set_index("step")
    row = table.loc["Ancillary-services deduction (EUR/kW/yr)"]
    assert row["status"] == "calibrated to the published value" and pd.isna(row["difference"])
    inputs = capacity.inputs_table(p).set_index("parameter")
    assert inputs.loc["ancillary_deduction", "status"] == "calibrated"
    # and the DS3 scenario behind it names its calibrated input so
    assert any(s.status == "calibrated" for s in p.ds3.services)


def test_the_bid_price_is_chosen_inside_an_interval_whose_ends_give_the_published_imr():
    p = load_scenario("acps", "2017_decision")
    assert p.status["bid_price"] == "chosen"
    lo, centre, hi = capacity.bid_price_range_for_imr(6.29, p.price_cap, p.outage_hours, p.forced_outage_probability)
    imr = [capacity.imr_deduction(p.price_cap, b, p.outage_hours, p.forced_outage_probability) for b in (lo, hi)]
    assert imr == [6.29, 6.29] and centre == p.bid_price == 164.36
    table = capacity.bid_price_table(p).set_index("item")
    assert table.loc["BID centre of the interval (EUR/MWh)", "status"] == "chosen (interval centre)"


def test_history_keeps_lost_years_missing_and_rounded_years_rounded():
    h = capacity.acps_history().set_index("year")
    assert h.loc[:2015, "acps_eur"].isna().all()  # no round number presented as the ACPS
    assert h.loc[2016, "acps_eur"] == 514_837_400
    assert h.loc[2014, "status"] == "reconstructed (rounded)" and "…,819,…" in h.loc[2014, "shown"]
    assert h.loc[2015, "approx_eur"] == 574_000_000 and "…,953,…" in h.loc[2015, "shown"]


def test_an_edited_copy_labels_its_changed_inputs_user_input(tmp_path, monkeypatch):
    import shutil

    from conftest import ROOT

    for folder in ("params",):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.setenv("MARKETBOOKS_ROOT", str(tmp_path))
    text = (tmp_path / "params/acps/2017_decision.yaml").read_text()
    (tmp_path / "params/acps/my_case.yaml").write_text(
        text.replace("capacity_requirement_mw: 7267", "capacity_requirement_mw: 7300").replace(
            "bid_price: 164.36", "bid_price: 150"
        )
    )
    p = load_scenario("acps", "my_case")
    assert p.status["capacity_requirement_mw"] == "user input" and p.status["bid_price"] == "user input"
    assert p.status.get("rpi", "published") == "published"  # unchanged inputs keep the paper's label
    inputs = capacity.inputs_table(p).set_index("parameter")
    assert inputs.loc["capacity_requirement_mw", "status"] == "user input"


def test_the_security_standard_checks_give_the_papers_numbers():
    checks = capacity.security_standard_checks(7267).set_index("check")
    assert "+5.50 %" in checks.loc["Capacity requirement over the median TER", "value"]
    assert checks.loc["Generation security standard", "value"] == "8 hours LOLE"


def test_a_months_pots_split_over_its_periods_add_up_to_the_month():
    rng = np.random.default_rng(3)
    demand, lolp, ex_post = rng.uniform(1, 2, 48), rng.uniform(0, 1, 48), rng.uniform(0, 1, 48)
    out = capacity.split_pot_over_periods(55_080_768, capacity.payment_proportions(0.3, 0.3), demand, lolp, ex_post)
    cents = (out[["fixed_eur", "variable_eur", "ex_post_eur", "total_eur"]] * 100).round().astype("int64")
    # to the cent: the periods add up to each pot, the pots to the month (0.3 / 0.4 / 0.3 of it)
    assert cents.sum().tolist() == [1_652_423_040, 2_203_230_720, 1_652_423_040, 5_508_076_800]
    assert (cents["fixed_eur"] + cents["variable_eur"] + cents["ex_post_eur"] == cents["total_eur"]).all()
    # each period within a cent of its share of its pot, pro rata to its profile
    for pot, pot_cents, profile in (
        ("fixed_eur", 1_652_423_040, demand),
        ("variable_eur", 2_203_230_720, lolp),
        ("ex_post_eur", 1_652_423_040, ex_post),
    ):
        assert (abs(cents[pot] - pot_cents * profile / profile.sum()) < 1).all(), pot


def test_a_days_pots_over_its_periods_at_odd_cents_and_empty_profiles():
    """A sum of odd cents and a profile of zeros: nothing lost, ties to the earlier period."""
    out = capacity.split_pot_over_periods(0.05, capacity.payment_proportions(0.5, 0.0), [1, 1, 1], [0, 0, 0], [1, 1, 1])
    assert out["fixed_eur"].tolist() == [0.01, 0.01, 0.01]  # 3 of the 5 cents, to the fixed pot at the tie
    assert out["variable_eur"].tolist() == [0.01, 0.01, 0.0]  # no forecast LOLP: shared evenly
    assert out["ex_post_eur"].tolist() == [0.0, 0.0, 0.0]
    assert round(out["total_eur"].sum(), 2) == 0.05


def test_sensitivity_moves_acps_in_the_expected_direction():
    s = capacity.acps_sensitivity(load_scenario("acps", "2017_decision")).set_index("parameter")
    assert s.loc["capacity_requirement_mw", "delta_high"] > 0
    assert s.loc["bid_price", "delta_high"] > 0  # a higher bid means less IMR deducted
    assert s.loc["ancillary_deduction", "delta_high"] < 0
    assert s.loc["rpi", "delta_high"] > 0 > s.loc["rpi", "delta_low"]


def test_compare_scenarios_is_table_6_1():
    t = capacity.compare_scenarios(
        load_scenarios("acps", ["2016_decision", "2017_consultation", "2017_decision"])
    ).set_index("item")
    assert t.loc["ACPS (EUR)"].tolist() == [514_837_400, 515_884_330, 519_227_150]
    assert isinstance(t, pd.DataFrame)


@pytest.mark.parametrize(
    "overrides", [{"ancillary_deduction": 20.0}, {"capacity_requirement_mw": 5000}, {"capacity_requirement_mw": 9000}]
)
def test_a_what_if_acps_is_shared_out_in_the_published_proportions(overrides):
    """December is derived from the published total, as in the paper; a different total (the
    Explore sliders reach ACPS below the other eleven months' sum) keeps Table 1.2's shares
    instead of landing whole in December."""
    p = load_scenario("acps", "2017_decision")
    base = capacity.compute_acps(p).period_sums
    r = capacity.compute_acps(p, **overrides)
    assert r.acps != 519_227_150 and r.period_sums["cpps_eur"].sum() == r.acps
    assert list(r.period_sums["share_pct"]) == list(base["share_pct"])
    december = r.period_sums.set_index("month")["cpps_eur"]["Dec"]
    assert abs(december - 55_080_768 * r.acps / 519_227_150) < 1  # whole euros


def test_derive_says_which_month_cannot_be_derived():
    with pytest.raises(
        ValueError,
        match=r"the known monthly sums \(150\) already exceed the total \(100\) by 50: "
        r"Mar cannot be derived",
    ):
        capacity.derive_missing_month(100, {"Jan": 100, "Feb": 50, "Mar": None})


def test_the_monthly_table_splits_each_month_into_its_three_pots():
    """§4.3 / §6.2: FCPPy and ECPPy unchanged for 2017; VCPPy = 1 − FCPPy − ECPPy."""
    p = load_scenario("acps", "2017_decision")
    table = capacity.monthly_table(p, capacity.compute_acps(p))
    pots = table[["fixed_eur", "variable_eur", "ex_post_eur"]].sum(axis=1)
    assert (abs(pots - table["cpps_eur"]) <= 1).all() and table["cpps_eur"].sum() == 519_227_150
