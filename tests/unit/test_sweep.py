"""Sweeps: grids and point files, validation before anything runs, tidy results, reuse."""

import json

import pandas as pd
import pytest

from marketbooks.scenarios import ParameterError, load_scenario
from marketbooks.studies.evaluation import EVALUATORS, evaluate
from marketbooks.studies.grid import MAX_POINTS, grid_points, grid_values, read_points
from marketbooks.studies.sweep import SweepInvalid, chunks_of, load_sweep, plan, run_sweep


@pytest.mark.parametrize(
    ("spec", "values"),
    [
        ("rpi=0.1:0.3:0.1", [0.1, 0.2, 0.3]),  # decimal steps: 0.3, not 0.30000000000000004
        ("rpi=0:0.25:0.1", [0.0, 0.1, 0.2]),  # stop not a whole number of steps away: not reached
        ("days=1:3:1", [1, 2, 3]),
        ("x=5:5:1", [5]),
        ("node=OTA,HAY", ["OTA", "HAY"]),
        ("flag=true,false", [True, False]),
        ("rpi=-0.01:0.01:0.01", [-0.01, 0.0, 0.01]),
    ],
)
def test_grid_values(spec, values):
    assert grid_values(spec)[1] == values


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("rpi", "field=start:stop:step"),
        ("rpi=0:1", "three numbers"),
        ("rpi=0:1:0", "step 0 must be positive"),
        ("rpi=1:0:0.1", "below start"),
        ("rpi=a:1:0.1", "start 'a' is not a number"),
        ("rpi=0:1:nan", "not a finite number"),
        ("rpi=1,,2", "empty value"),
        ("rpi=1,1", "given twice"),
        (f"rpi=0:{MAX_POINTS}:1", "at most"),
    ],
)
def test_bad_grids_name_the_field_and_the_reason(spec, message):
    with pytest.raises(ParameterError, match=message) as caught:
        grid_values(spec)
    assert caught.value.path == "--grid"


def test_a_grid_is_every_combination_and_a_field_is_swept_once():
    assert len(grid_points(["a=1:3:1", "b=x,y", "c=0.5,1"])) == 12
    with pytest.raises(ParameterError, match="two --grid"):
        grid_points(["a=1,2", "a=3,4"])


def test_point_files_name_the_row_and_column(tmp_path):
    good = tmp_path / "points.csv"
    good.write_text("rpi,bid_price\n0.01,100\n\n0.02,120\n")
    assert read_points(good) == [{"rpi": 0.01, "bid_price": 100}, {"rpi": 0.02, "bid_price": 120}]
    cases = {
        "rpi,bid_price\n0.01\n": "'row 2': has 1 cells",
        "rpi,bid_price\n0.01, \n": "'row 2, bid_price': is empty",
        "rpi,rpi\n1,2\n": "named twice",
        "": "is empty",
        "rpi\n": "no points",
    }
    for text, message in cases.items():
        bad = tmp_path / "bad.csv"
        bad.write_text(text)
        with pytest.raises(ParameterError) as caught:
            read_points(bad)
        assert message in str(caught.value), (text, str(caught.value))
    latin = tmp_path / "latin.csv"
    latin.write_bytes("rpi,label\n0.01,caf\xe9\n".encode("latin-1"))
    with pytest.raises(ParameterError, match="row 2.*not UTF-8"):
        read_points(latin)
    with pytest.raises(ParameterError, match="file not found"):
        read_points(tmp_path / "missing.csv")


def test_every_point_is_validated_before_any_runs_and_errors_name_the_row(project_copy):
    outputs = project_copy / "outputs"
    points = [{"rpi": 0.01}, {"rpi": 7}, {"rpii": 0.02}, {"bid_price": 9999}]
    sweep = plan("acps", "2017_decision", points, "bad", "points.csv", [f"row {i + 2}" for i in range(4)])
    with pytest.raises(SweepInvalid) as caught:
        run_sweep(sweep, outputs, progress=False)
    problems = dict(caught.value.problems)
    assert caught.value.path == "points.csv"
    assert "less than or equal to 0.5" in problems["row 3, rpi"]
    assert "did you mean 'rpi'" in problems["row 4, rpii"]
    assert "above price_cap" in problems["row 5, (file)"]
    assert not (outputs / "sweeps" / "bad").exists()  # nothing evaluated, nothing written


def test_sweep_results_equal_each_points_own_evaluation(project_copy):
    points = grid_points(["rpi=0.0:0.02:0.01", "bid_price=100,150", "capacity_requirement_mw=7000,7300"])
    outcome = run_sweep(plan("acps", "2017_decision", points, "acps_grid"), project_copy / "outputs", progress=False)
    frame = outcome.frame
    assert list(frame["point"]) == list(range(1, 13)) and (frame["status"] == "ok").all()
    for point, (_, row) in zip(points, frame.iterrows(), strict=True):
        expected = evaluate("acps", load_scenario("acps", "2017_decision", point))
        assert {k: row[k] for k in expected} == expected
    folder = project_copy / "outputs" / "sweeps" / "acps_grid"
    assert pd.read_parquet(folder / "points.parquet").equals(frame)
    assert pd.read_csv(folder / "points.csv")["acps_eur"].tolist() == frame["acps_eur"].tolist()
    spec = json.loads((folder / "sweep.json").read_text())
    assert spec["fields"] == ["rpi", "bid_price", "capacity_requirement_mw"] and spec["ok"] == 12
    assert spec["base_values"]["rpi"] == load_scenario("acps", "2017_decision").rpi
    assert load_sweep("acps_grid", project_copy / "outputs")[1].equals(frame)


def test_a_point_that_fails_is_a_row_with_its_error(project_copy):
    """Option B without benefits has no break-even ratio: that point fails, the others do not."""
    points = [{"options.B.benefits_pv.demand_response": v} for v in (10.0, 0.0)]
    zero = {"options.B.benefits_pv.retail_competition": 0.0, "options.B.benefits_pv.reliability": 0.0}
    points = [{**p, **zero} for p in points]
    outcome = run_sweep(
        plan("rtp", "2016_information_paper", points, "rtp_fail"), project_copy / "outputs", progress=False
    )
    frame = outcome.frame.set_index("point")
    assert frame.loc[1, "status"] == "ok" and frame.loc[2, "status"] == "error"
    assert "option B has no benefits" in frame.loc[2, "error"]
    assert outcome.failed == 1


def test_points_already_evaluated_are_kept_and_force_evaluates_them_again(project_copy):
    outputs = project_copy / "outputs"
    first = run_sweep(plan("ds3", "2017_decision", grid_points(["availability=0.8,0.9"]), "d"), outputs, progress=False)
    assert (first.evaluated, first.cached) == (2, 0)
    again = run_sweep(
        plan("ds3", "2017_decision", grid_points(["availability=0.8,0.9,0.95"]), "d"), outputs, progress=False
    )
    assert (again.evaluated, again.cached) == (1, 2)
    assert again.frame["deduction_eur_per_kw_yr"].iloc[:2].tolist() == first.frame["deduction_eur_per_kw_yr"].tolist()
    forced = run_sweep(
        plan("ds3", "2017_decision", grid_points(["availability=0.8,0.9,0.95"]), "d"),
        outputs,
        progress=False,
        force=True,
    )
    assert (forced.evaluated, forced.cached) == (3, 0) and forced.frame.drop(columns=[]).equals(again.frame)
    # a changed base scenario changes every point's inputs: nothing is reused
    path = project_copy / "params" / "ds3" / "2017_decision.yaml"
    path.write_text(path.read_text().replace("trips_per_year: 0.25", "trips_per_year: 0.5"))
    changed = run_sweep(
        plan("ds3", "2017_decision", grid_points(["availability=0.8,0.9,0.95"]), "d"), outputs, progress=False
    )
    assert (changed.evaluated, changed.cached) == (3, 0)


def test_every_workbook_sweeps(project_copy):
    grids = {
        "acps": ["fcpp=0.2,0.3"],
        "ds3": ["performance_scalar=0.5,1"],
        "imbalance": ["nre_eur=1000,2000"],
        "auction": ["auction.volume_kw=8000,12000"],
        "rtp": ["base_rate=0.04,0.08"],
    }
    assert set(grids) == set(EVALUATORS)
    for workbook, grid in grids.items():
        outcome = run_sweep(
            plan(workbook, _default(workbook), grid_points(grid)), project_copy / "outputs", progress=False
        )
        assert (outcome.frame["status"] == "ok").all(), (workbook, outcome.frame["error"].tolist())


def _default(workbook):
    from marketbooks.scenarios import WORKBOOKS

    return WORKBOOKS[workbook].default


def test_chunks_cover_every_point_once():
    items = list(range(1001))
    for workers in (1, 2, 7):
        chunks = chunks_of(items, workers)
        assert sum(chunks, []) == items and len(chunks) <= workers * 8 + 1


def test_a_sweep_name_must_be_a_folder_name():
    with pytest.raises(ParameterError, match="sweep name"):
        plan("acps", "2017_decision", [{"rpi": 0.01}], "../elsewhere")
