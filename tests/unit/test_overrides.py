"""Overrides: a scenario with fields replaced, validated as a file is, named after its changes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketbooks.rules import capacity, ds3, imbalance
from marketbooks.scenarios import ParameterError, load_scenario
from marketbooks.scenarios.loader import read_yaml, scenario_path
from marketbooks.scenarios.overrides import (
    parse_override,
    parse_overrides,
    run_name,
    validated_point,
    value_at,
)


def test_an_override_changes_the_result_as_the_rule_says():
    base = load_scenario("acps", "2017_decision")
    p = load_scenario("acps", "2017_decision", {"rpi": 0.02})
    assert p.rpi == 0.02 and base.rpi != 0.02
    # the indexed cost is the base cost × (1 + RPI), 2 dp (§1 step 1)
    assert capacity.evaluate(p)["annualised_cost_eur_per_kw_yr"] == capacity.index_cost(p.base_annualised_cost, 0.02)
    assert p.status["rpi"] == "chosen"  # no longer the published value
    assert p.ds3 is not None and p.ds3.label == base.ds3.label  # the DS3 reference still resolves


def test_nested_fields_and_list_items_by_code():
    p = load_scenario("imbalance", "faq_worked_example", {"guarantee.po": 0.25})
    assert p.guarantee.po == 0.25
    d = load_scenario("ds3", "2017_decision", {"services.SIR.tariff": 0.0})
    assert next(s for s in d.services if s.code == "SIR").tariff == 0.0
    base = ds3.evaluate(load_scenario("ds3", "2017_decision"))
    assert ds3.evaluate(d)["gross_revenue_eur"] < base["gross_revenue_eur"]


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"rpii": 0.02}, "rpii", "did you mean 'rpi'"),
        ({"rpi": 2}, "rpi", "less than or equal to 0.5"),
        ({"bid_price": 5000}, "(file)", "above price_cap"),
        ({"guarantee.pox": 1}, "guarantee.pox", "unknown field in 'guarantee'"),
        ({"rpi": "a lot"}, "rpi", "valid number"),
        ({"rpi": float("nan")}, "rpi", "NaN"),
    ],
)
def test_a_bad_override_names_its_field_and_the_reason(overrides, field, reason):
    workbook = "imbalance" if next(iter(overrides)).startswith("guarantee") else "acps"
    scenario = "faq_worked_example" if workbook == "imbalance" else "2017_decision"
    with pytest.raises(ParameterError) as caught:
        load_scenario(workbook, scenario, overrides)
    assert caught.value.path.endswith(f"{scenario}.yaml with overrides")
    assert any(f == field and reason in r for f, r in caught.value.problems), caught.value.problems


@pytest.mark.parametrize(
    ("text", "message"),
    [("rpi", "field=value"), ("=1", "field=value"), ("rpi=", "no value"), ("rpi=[1,", "is not a value")],
)
def test_override_text_that_is_not_field_equals_value(text, message):
    with pytest.raises(ParameterError, match=message.replace("[", r"\[")):
        parse_override(text)


def test_a_field_given_twice_is_refused():
    with pytest.raises(ParameterError, match="given twice"):
        parse_overrides(["rpi=0.01", "rpi=0.02"])


def test_values_read_as_yaml_reads_them():
    assert parse_override("guarantee.first_contract=true") == ("guarantee.first_contract", True)
    assert parse_override("start_date=2016-04-03")[1].isoformat() == "2016-04-03"
    assert parse_override("label=a b")[1] == "a b"


def test_run_names_are_safe_folder_names():
    assert run_name("2017_decision", {"rpi": 0.02}) == "2017_decision+rpi=0.02"
    odd = run_name("2017_decision", {"label": "a/b <c>"})
    assert odd.startswith("2017_decision+") and "/" not in odd and len(odd) == len("2017_decision+") + 10
    assert run_name("x", {"label": "a/b"}) != run_name("x", {"label": "a/c"})


def test_value_at_follows_paths_and_codes():
    data = read_yaml(scenario_path("ds3", "2017_decision"))
    assert value_at(data, "services.SIR.code") == "SIR"
    assert value_at(data, "availability") == load_scenario("ds3", "2017_decision").availability
    assert value_at(data, "no.such") is None


ACPS_DATA = read_yaml(scenario_path("acps", "2017_decision"))
ACPS = load_scenario("acps", "2017_decision")
numbers = st.floats(min_value=-1e3, max_value=2e4, allow_nan=False)


@given(rpi=st.floats(-1, 1, allow_nan=False), bid=numbers, fcpp=st.floats(-0.5, 1.5, allow_nan=False))
def test_a_sweep_points_short_validation_equals_validating_the_whole_file(rpi, bid, fcpp):
    """A point with top-level overrides is validated from its base's validated values
    (the fast path); the result and the errors are those of the whole file with the point."""
    point = {"rpi": rpi, "bid_price": bid, "fcpp": fcpp}
    results = []
    for base in (ACPS, None):
        try:
            results.append(validated_point("acps", ACPS_DATA, point, "p", base).model_dump())
        except ParameterError as exc:
            results.append(sorted(exc.problems))
    assert results[0] == results[1]


def test_the_imbalance_key_results_use_the_month_given():
    p = load_scenario("imbalance", "faq_worked_example")
    run = imbalance.run_month(p)
    assert imbalance.evaluate(p, run) == imbalance.evaluate(p)
