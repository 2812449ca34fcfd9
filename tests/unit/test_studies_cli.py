"""The analyst's commands end to end: run with overrides, cached runs, sweeps, comparisons."""

import json

import pandas as pd

from marketbooks.run.cli import main
from marketbooks.scenarios import load_scenario
from marketbooks.studies.evaluation import evaluate


def test_an_override_run_has_its_own_output_and_records_the_overrides(project_copy, capsys):
    args = ["run", "-w", "acps", "-s", "2017_decision", "-p", "rpi=0.02", "-p", "capacity_requirement_mw=7300", "-q"]
    assert main(args) == 0
    folder = project_copy / "outputs" / "acps" / "2017_decision+rpi=0.02+capacity_requirement_mw=7300"
    results = json.loads((folder / "results.json").read_text())
    assert results["overrides"] == {"rpi": 0.02, "capacity_requirement_mw": 7300}
    expected = evaluate("acps", load_scenario("acps", "2017_decision", results["overrides"]))
    assert {k: results[k] for k in expected} == expected
    assert "overrides" in (folder / "report.html").read_text()
    assert not (project_copy / "outputs" / "acps" / "2017_decision").exists()  # the scenario's own output untouched
    capsys.readouterr()
    assert main(args) == 0
    assert " cached " in capsys.readouterr().out
    assert main([*args, "--force"]) == 0
    assert " cached " not in capsys.readouterr().out


def test_a_bad_override_names_the_field_and_runs_nothing(project_copy, capsys):
    assert main(["run", "-w", "acps", "-s", "2017_decision", "-p", "rpi=7", "-q"]) == 2
    err = capsys.readouterr().err
    assert "field 'rpi'" in err and "less than or equal to 0.5" in err
    assert main(["run", "-w", "acps", "-p", "rpi=0.01", "-q"]) == 2  # three scenarios: which one?
    assert "apply to one scenario" in capsys.readouterr().err
    assert not (project_copy / "outputs" / "acps").exists()


def test_a_run_is_cached_until_a_file_it_read_changes(project_copy, capsys):
    """The ACPS 2016 notebook compares with the 2017 scenarios, whose deductions come from
    the DS3 scenarios: a change to a DS3 file runs it again; a file it never read does not."""
    run = ["run", "-w", "acps", "-s", "2016_decision", "-q"]
    assert main(run) == 0
    inputs = json.loads((project_copy / "outputs/acps/2016_decision/inputs.json").read_text())
    assert (
        "params/ds3/2017_decision.yaml" in inputs["files"]
        and "params/rtp/high_cost_sensitivity.yaml" not in inputs["files"]
    )
    capsys.readouterr()
    (project_copy / "params/rtp/high_cost_sensitivity.yaml").write_text(
        (project_copy / "params/rtp/high_cost_sensitivity.yaml").read_text() + "\n# unrelated\n"
    )
    assert main(run) == 0 and " cached " in capsys.readouterr().out
    ds3 = project_copy / "params/ds3/2017_decision.yaml"
    ds3.write_text(ds3.read_text() + "\n# a comment is a change of the file\n")
    assert main(run) == 0 and " cached " not in capsys.readouterr().out
    assert main(run) == 0 and " cached " in capsys.readouterr().out


def test_sweep_command_writes_points_and_a_report_with_the_level_chart(project_copy, capsys):
    args = ["sweep", "acps", "--grid", "capacity_requirement_mw=7000:7400:200", "--grid", "bid_price=100,150,200", "-q"]
    assert main([*args, "--name", "cap_price"]) == 0
    out = capsys.readouterr().out
    assert "9 points: 9 ok, 0 failed, 0 cached" in out
    folder = project_copy / "outputs" / "sweeps" / "cap_price"
    report = (folder / "report.html").read_text()
    assert report.count('class="plotly-graph-div"') >= 3  # heat map, tornado, ACPS contour
    assert report.count("acps_eur over capacity_requirement_mw \\u00d7 bid_price") == 2  # heat map and contour
    assert main([*args, "--name", "cap_price", "--no-report"]) == 0
    assert "9 cached" in capsys.readouterr().out


def test_sweep_command_reports_bad_points_by_row(project_copy, tmp_path, capsys):
    points = tmp_path / "points.csv"
    points.write_text("rpi,fcpp\n0.01,0.2\n0.02,1.7\n")
    assert main(["sweep", "acps", "--points", str(points), "-q"]) == 2
    err = capsys.readouterr().err
    assert "nothing was evaluated" in err and "row 3, fcpp" in err
    assert main(["sweep", "acps", "--grid", "rpi=0:1:0", "-q"]) == 2
    assert "step 0 must be positive" in capsys.readouterr().err
    assert main(["sweep", "nope", "--grid", "rpi=0,1"]) == 2


def test_sweep_notebooks_run_the_workbook_per_point(project_copy, capsys):
    assert main(["sweep", "ds3", "--grid", "availability=0.8,0.9", "--notebooks", "--no-report", "-q"]) == 0
    runs = project_copy / "outputs" / "sweeps" / "ds3_2017_decision_availability" / "notebooks" / "ds3"
    names = sorted(p.name for p in runs.iterdir())
    assert names == ["2017_decision+availability=0.8", "2017_decision+availability=0.9"]
    results = json.loads((runs / names[0] / "results.json").read_text())
    points = pd.read_parquet(runs.parents[1] / "points.parquet")
    assert results["deduction_eur_per_kw_yr"] == points["deduction_eur_per_kw_yr"].iloc[0]


def test_compare_command(project_copy, capsys):
    assert main(["compare", "acps/2016_decision", "acps/2017_decision"]) == 0
    folder = project_copy / "outputs" / "compare" / "acps__2016_decision__vs__2017_decision"
    results = pd.read_csv(folder / "results.csv").set_index("result")
    a = evaluate("acps", load_scenario("acps", "2016_decision"))
    b = evaluate("acps", load_scenario("acps", "2017_decision"))
    assert results.loc["acps_eur", "difference"] == b["acps_eur"] - a["acps_eur"]
    inputs = pd.read_csv(folder / "inputs.csv")
    assert "rpi" in set(inputs["input"]) and "label" in set(inputs["input"])
    page = (folder / "comparison.html").read_text()
    assert "acps/2016_decision against acps/2017_decision" in page
    assert main(["compare", "acps/2016_decision", "ds3/2017_decision"]) == 2
    assert main(["compare", "acps-2016", "acps/2017_decision"]) == 2
    assert main(["compare", "acps/nope", "acps/2017_decision"]) == 2
    assert "WORKBOOK/SCENARIO" in capsys.readouterr().err
