"""DS3 revenue model (seed 001 §5.2, Appendix 3): published 7.34 / 7.67, bridge, linearity."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketbooks.rules import capacity, ds3
from marketbooks.scenarios import ParameterError, load_scenario, validate


@pytest.fixture(scope="module")
def decision():
    return load_scenario("ds3", "2017_decision")


@pytest.fixture(scope="module")
def consultation():
    return load_scenario("ds3", "2017_consultation")


def test_decision_deduction_is_7_34(decision):
    assert ds3.compute(decision).deduction == 7.34


def test_consultation_deduction_is_7_67(consultation):
    assert ds3.compute(consultation).deduction == 7.67


def test_the_tuning_of_rate_and_capacity_reproduces_the_surviving_rrd_digits(decision):
    """A test of the tuning, not of a finding: the RRD rate 0.56 and the unit capacity
    195.6357 MW were chosen together so the revenue ends in the surviving '…,371'."""
    rrd = ds3.compute(decision).revenues.set_index("code").loc["RRD"]
    assert round(rrd["volume"]) == 1_545_305 and rrd["revenue_eur"] == 865_371
    rrd_row = next(s for s in decision.services if s.code == "RRD")
    assert rrd_row.status == "reconstructed" and decision.status["unit_capacity_mw"] == "reconstructed"


def test_several_rrd_rates_fit_the_surviving_digits_so_0_56_is_not_forced():
    fit = ds3.rrd_rates_that_fit(0.9017).set_index("rate")
    fitting = fit.index[fit["volumes_that_fit"] > 0].tolist()
    assert 0.56 in fitting and len(fitting) >= 5 and 0.50 not in fitting
    # each fitting rate's volume does end in …,371
    for rate in fitting:
        volume = fit.loc[rate, "first_volume_mwh"]
        assert int(np.floor(rate * volume + 0.5)) % 1000 == 371 and 1_545_000 <= volume <= 1_545_999


def test_the_bridge_names_the_calibration_residual(decision, consultation):
    bridge = ds3.bridge(consultation, decision)
    steps = bridge["step"].tolist()
    assert any(s.startswith("Calibration residual (RM8") for s in steps)
    assert "Other tariff changes" not in steps  # no tariff the paper describes changed besides RRD
    assert round(bridge["change"].sum(), 2) == round(7.34 - 7.67, 2)


def test_the_surviving_digit_groups_say_which_services_match(decision):
    table = ds3.surviving_digits(ds3.compute(decision).revenues).set_index("code")
    assert table.loc["RRD", "matches"] and not table["matches"].drop("RRD").any()


def test_the_calibrated_input_is_what_the_solver_gives(decision, consultation):
    for p, target in ((decision, 7.34), (consultation, 7.67)):
        code = p.calibration.split()[0]
        stored = next(s.tariff for s in p.services if s.code == code)
        assert next(s.status for s in p.services if s.code == code) == "calibrated"
        assert stored == round(ds3.solve_tariff(p, code, target), 4)
        assert sum(s.status == "calibrated" for s in p.services) == 1


def test_services_not_procured_earn_nothing(decision):
    rev = ds3.compute(decision).revenues.set_index("code")
    assert (rev.loc[["FFR", "DRR", "FPFAPR"], "revenue_eur"] == 0).all()
    assert (rev.drop(["FFR", "DRR", "FPFAPR"])["revenue_eur"] > 0).all()


def test_trip_charge_one_in_four_years(decision):
    assert ds3.trip_charge(0.25, 20_000) == 5_000
    assert ds3.compute(decision).trip_charge_eur == 5_000


def test_bridge_steps_sum_exactly_to_the_difference(consultation, decision):
    b = ds3.bridge(consultation, decision)
    steps = b.iloc[1:-1]
    assert round(steps["change"].sum(), 2) == round(7.34 - 7.67, 2)
    by = steps.set_index("step")["change"]
    assert by["RRD tariff (de-synchronised RR)"] < 0
    assert -0.03 <= by["RRS capability correction"] <= -0.02  # §5.2: 2-3 c/kW
    assert by["Trip and availability refinements"] == 0.09  # §5.2: around +0.09/kW
    assert by["Remove FFR, DRR, FPFAPR"] < 0


def test_reconstructed_inputs_are_listed(decision):
    names = ds3.reconstructed_inputs(decision)
    assert "RM8" in names and "unit_capacity_mw" in names
    # the RRD rate and the not-procured services' capability and tariff are reconstructed
    assert "RRD" in names and "FFR" in names
    assert "availability" not in names and "performance_scalar" not in names  # published (§5.2)


def test_acps_takes_its_deduction_from_the_model():
    p = load_scenario("acps", "2017_decision")
    assert p.ancillary_source == "ds3_model" and p.ancillary_deduction is None
    r = capacity.compute_acps(p)
    assert (r.ancillary, r.acps) == (7.34, 519_227_150)
    assert capacity.compute_acps(load_scenario("acps", "2017_consultation")).acps == 515_884_330


def test_acps_published_deduction_is_still_a_choice():
    data = load_scenario("acps", "2017_decision").model_dump()
    data.update(ancillary_source="published", ancillary_deduction=7.34, ds3_scenario=None)
    assert capacity.compute_acps(validate("acps", data)).acps == 519_227_150
    data.update(ancillary_source="ds3_model", ds3_scenario="2017_decision")
    with pytest.raises(ParameterError, match="not both"):
        validate("acps", data)


def test_ds3_file_must_list_every_service_once(decision):
    data = decision.model_dump()
    data["services"] = data["services"][1:]
    with pytest.raises(ParameterError, match="exactly SIR"):
        validate("ds3", data, "params/ds3/bad.yaml")


def test_bad_inputs_are_errors(decision):
    table = ds3.service_table(decision)
    with pytest.raises(ValueError, match="availability"):
        ds3.service_revenues(table, 1.2)
    with pytest.raises(ValueError, match="performance scalars"):
        ds3.service_revenues(table, 0.9, 1.5)
    with pytest.raises(ValueError, match="lacks columns"):
        ds3.service_revenues(table.drop(columns="tariff"), 0.9)
    with pytest.raises(ValueError, match="positive"):
        ds3.deduction_per_kw(ds3.service_revenues(table, 0.9), 0, 0)


def test_performance_scalar_per_service(decision):
    table = ds3.service_table(decision)
    ps = pd.Series(1.0, index=table.index)
    ps[table["code"] == "RRD"] = 0.5
    rev = ds3.service_revenues(table, 0.9017, ps).set_index("code")["revenue_eur"]
    assert rev["RRD"] == round(0.56 * 0.5 * 1_545_305)


services = st.lists(
    st.tuples(st.floats(0, 500), st.floats(0, 8760), st.floats(0, 5), st.floats(0, 2), st.booleans()),
    min_size=1,
    max_size=14,
)


def _table(rows):
    return pd.DataFrame(
        [
            {
                "code": f"S{i}",
                "name": "",
                "capability": c,
                "unit": "MW",
                "hours": h,
                "tariff": t,
                "product_scalar": ps,
                "procured": pr,
            }
            for i, (c, h, t, ps, pr) in enumerate(rows)
        ]
    )


@given(services, st.floats(0, 1), st.floats(0, 1), st.floats(1.5, 3))
def test_revenue_is_linear_and_never_negative(rows, availability, scalar, k):
    t = _table(rows)
    base = ds3.service_revenues(t, availability, scalar)
    assert (base["revenue_eur"] >= 0).all()
    doubled = t.assign(tariff=t["tariff"] * k)
    scaled = ds3.service_revenues(doubled, availability, scalar)
    # linear in the tariff up to the whole-euro rounding of each service
    assert (abs(scaled["revenue_eur"] - k * base["revenue_eur"]) <= k * 0.5 + 0.5).all()
    half = ds3.service_revenues(t, availability, scalar / 2)
    assert (abs(2 * half["revenue_eur"] - base["revenue_eur"]) <= 1.0 + 1e-9).all()


def _revenues_with_pandas(services, availability, performance_scalar=1.0):
    """The pandas version ``service_revenues`` replaced: the oracle for its numpy one."""
    ps = pd.Series(performance_scalar, index=services.index, dtype="float64")
    out = services.copy()
    out["volume"] = (out["capability"] * out["hours"] * availability).round(0)
    out["performance_scalar"] = ps
    paid = out["tariff"] * out["product_scalar"] * ps * out["volume"]
    out["revenue_eur"] = paid.where(out["procured"].astype(bool), 0.0).round(0)
    return out


@given(services, st.floats(0, 1), st.one_of(st.floats(0, 1), st.lists(st.floats(0, 1), min_size=14, max_size=14)))
def test_revenues_equal_the_pandas_version(rows, availability, scalar):
    t = _table(rows)
    if isinstance(scalar, list):
        scalar = pd.Series(scalar[: len(t)], index=t.index)
    pd.testing.assert_frame_equal(
        ds3.service_revenues(t, availability, scalar), _revenues_with_pandas(t, availability, scalar)
    )


@given(services, st.floats(0, 1), st.floats(0, 1e6), st.floats(1, 500))
def test_only_the_trip_charge_makes_net_revenue_negative(rows, availability, trip, mw):
    rev = ds3.service_revenues(_table(rows), availability)
    d = ds3.deduction_per_kw(rev, mw, trip)
    assert d >= ds3.deduction_per_kw(rev, mw, 0) - trip / (mw * 1000) - 0.01
    assert ds3.deduction_per_kw(rev, mw, 0) >= 0


@pytest.mark.parametrize(
    "field, values",
    [("performance_scalar", [0.5, 1.0]), ("availability", [0.85, 0.9017]), ("trips_per_year", [0.0, 0.25, 2.0])],
)
def test_sensitivity_rows_are_the_model_run_at_each_value(decision, field, values):
    table = ds3.sensitivity(decision, field, values)
    assert list(table.columns) == [field, "deduction", "net_revenue_eur"]
    assert table[field].tolist() == values
    for row in table.itertuples(index=False):
        expected = ds3.compute(decision, **{field: getattr(row, field)})
        assert (row.deduction, row.net_revenue_eur) == (expected.deduction, expected.net_revenue_eur)
    at_scenario = table[table[field] == getattr(decision, field)]
    assert at_scenario["deduction"].tolist() == [7.34]  # each list holds the decision's own value


def test_sensitivity_chart_puts_each_input_on_its_own_panel_and_one_deduction_axis():
    from marketbooks.views.ds3 import sensitivity_chart

    p = load_scenario("ds3", "2017_decision")
    tables = {
        "performance_scalar": ds3.sensitivity(p, "performance_scalar", [0.5, 1.0]),
        "availability": ds3.sensitivity(p, "availability", [0.85, 0.9017]),
        "trips_per_year": ds3.sensitivity(p, "trips_per_year", [0.0, 0.25]),
    }
    fig = sensitivity_chart(tables, "t").figure
    assert [t.xaxis for t in fig.data] == ["x", "x2", "x3"]
    assert list(fig.data[1].x) == [85.0, 90.17]  # availability in per cent, as the Explore slider has it
    for trace, table in zip(fig.data, tables.values()):
        assert list(trace.y) == list(table["deduction"])
    # the published deduction is on the availability panel at the decision's 90.17 %
    assert fig.data[1].y[1] == 7.34
    assert fig.layout.xaxis3.title.text == "trips per year"


def test_volumes_and_revenues_round_half_up_at_exact_halves():
    """§5.2's volumes and revenues are whole units, a half rounded up as the paper's figures
    are (numpy's own rounding sends 0.5 to 0 and 2.5 to 2)."""
    one = np.ones(3)
    volume, revenue = ds3.revenue_values(
        np.array([1.0, 5.0, 3.0]), one, np.array([2.5, 0.5, 0.5]), one, np.array([True, True, False]), 0.5
    )
    assert volume.tolist() == [1.0, 3.0, 2.0]  # 0.5, 2.5 and 1.5 MWh
    assert revenue.tolist() == [3.0, 2.0, 0.0]  # 2.5 and 1.5 EUR; a service not procured earns nothing
