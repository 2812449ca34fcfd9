"""SEM workbooks (seed 001): each scenario's page speaks of its own year, and every label
says what a value is (published, derived, calibrated, chosen, reconstructed, user input).

Read from the golden copies: the notebooks as the runner executes them for each scenario
(`make notebooks` keeps them current)."""

import json
import re

import pytest
from conftest import ROOT

from marketbooks.rules import capacity, ds3
from marketbooks.scenarios import load_scenario

GOLDEN = ROOT / "tests" / "notebooks" / "golden"
YEARS = {"2016_decision": "2016", "2017_consultation": "2017", "2017_decision": "2017"}


def headings_and_titles(path) -> list[str]:
    """Every heading of the page (markdown cells and markdown outputs) and every chart title."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for cell in nb["cells"]:
        texts = ["".join(cell["source"])] if cell["cell_type"] == "markdown" else []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            texts += ["".join(data.get("text/markdown", ""))]
            for value in data.values():
                blob = value if isinstance(value, str) else json.dumps(value)
                found += re.findall(r'"title": ?\{"text": ?"([^"]*)"', blob.replace('\\"', '"'))
        for text in texts:
            found += [line for line in text.splitlines() if line.startswith("#")]
    return found


@pytest.mark.parametrize("scenario", YEARS)
def test_every_heading_and_chart_title_follows_the_scenario(scenario):
    texts = headings_and_titles(GOLDEN / f"acps__{scenario}.ipynb")
    year, others = YEARS[scenario], set(YEARS.values()) - {YEARS[scenario]}
    label = load_scenario("acps", scenario).label
    assert any(year in t for t in texts) and any(label in t for t in texts)
    wrong = [t for t in texts if any(o in t for o in others)]
    assert not wrong, wrong
    other_labels = {load_scenario("acps", s).label for s in YEARS} - {label}
    assert not [t for t in texts if any(o in t for o in other_labels)]


def test_the_2016_page_has_no_i_sem_part_year_and_2017_has():
    text_2016 = (GOLDEN / "acps__2016_decision.ipynb").read_text(encoding="utf-8")
    text_2017 = (GOLDEN / "acps__2017_decision.ipynb").read_text(encoding="utf-8")
    assert "Jan–Sep" not in text_2016 and "January–September" not in text_2016
    assert "January–September total" in text_2017


def test_no_chosen_or_calibrated_value_is_labelled_published_or_derived():
    for name in YEARS:
        p = load_scenario("acps", name)
        assert p.status["bid_price"] == "chosen"
        if p.ancillary_source == "ds3_model":
            table = capacity.published_vs_computed(p, capacity.compute_acps(p)).set_index("step")
            assert table.loc["Ancillary-services deduction (EUR/kW/yr)", "status"].startswith("calibrated")
    p2016 = load_scenario("acps", "2016_decision")
    assert p2016.status["rpi"] == "chosen"  # no indexation in 2016: not a published rate
    for name in ("2017_decision", "2017_consultation"):
        d = load_scenario("ds3", name)
        solved = d.calibration.split()[0]
        assert next(s.status for s in d.services if s.code == solved) == "calibrated"
        for s in d.services:
            if not s.procured:
                assert s.status != "published", s.code  # only their not being procured is published
    assert next(s.status for s in load_scenario("ds3", "2017_decision").services if s.code == "RRD") == "reconstructed"


@pytest.mark.parametrize(
    "name, changed", [("respondent_no_imr", "bid_price"), ("respondent_has_indexed", "ancillary_deduction")]
)
def test_the_respondents_scenarios_label_their_changes_user_input(name, changed):
    p = load_scenario("acps", name)
    assert p.status[changed] == "user input"
    base = capacity.compute_acps(load_scenario("acps", "2017_decision")).acps
    assert capacity.compute_acps(p).acps > base  # a smaller deduction, a larger ACPS


def test_an_industry_average_performance_scalar_lowers_the_deduction():
    p = load_scenario("ds3", "respondent_performance_scalar")
    assert p.status["performance_scalar"] == "user input" and p.performance_scalar < 1
    assert ds3.compute(p).deduction < 7.34
    acps = load_scenario("acps", "respondent_performance_scalar")
    table = capacity.published_vs_computed(acps, capacity.compute_acps(acps)).set_index("step")
    row = table.loc["Ancillary-services deduction (EUR/kW/yr)"]
    assert not row["status"].startswith("calibrated to") and row["difference"] < 0
