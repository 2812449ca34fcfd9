"""A sweep's page and the landing page's sweep list and comparison, called directly."""

import json

from marketbooks.explore.compare import compare_widget, comparison_html
from marketbooks.studies.grid import grid_points
from marketbooks.studies.report import report_in_place
from marketbooks.studies.sweep import load_sweep, plan, run_sweep
from marketbooks.views import landing
from marketbooks.views.sweep import contour_chart, download_links, failures, summary_markdown, sweep_charts


def _sweep(project_copy, workbook, base, grid, name):
    run_sweep(plan(workbook, base, grid_points(grid), name), project_copy / "outputs", progress=False)
    return load_sweep(name, project_copy / "outputs")


def test_charts_follow_the_swept_inputs(project_copy):
    spec, points = _sweep(
        project_copy, "acps", "2017_decision", ["capacity_requirement_mw=7000,7300", "bid_price=100,160"], "a"
    )
    charts = sweep_charts(spec, points)
    titles = [c.figure.layout.title.text for c in charts]
    assert titles[0] == "acps_eur over capacity_requirement_mw × bid_price"
    assert any("swing of each swept input" in t for t in titles)
    contour = contour_chart(spec, points)
    assert contour is not None and contour.figure.data[0].type == "contour"
    # the contour's cells are the points' own results
    z = contour.figure.data[0].z
    row = points[(points["capacity_requirement_mw"] == 7300) & (points["bid_price"] == 160)]
    assert z[1][1] == row["acps_eur"].iloc[0]

    spec1, points1 = _sweep(project_copy, "ds3", "2017_decision", ["availability=0.8,0.9"], "b")
    (line, *_rest) = sweep_charts(spec1, points1)
    assert (
        line.figure.data[0].type == "scatter"
        and list(line.figure.data[0].y) == points1["deduction_eur_per_kw_yr"].tolist()
    )
    assert contour_chart(spec1, points1) is None  # DS3 has no level chart
    assert "2 points of the ds3 workbook" in summary_markdown(spec1)
    assert failures(points1).empty
    assert 'href="points.csv"' in download_links("b", dashboard=False)
    assert 'href="/voila/files/outputs/sweeps/b/points.csv"' in download_links("b", dashboard=True)


def test_rtp_break_even_contour_marks_the_ratio_of_one(project_copy):
    spec, points = _sweep(
        project_copy, "rtp", "2016_information_paper", ["options.C.cost_pv=2,4,8", "base_rate=0.04,0.06,0.08"], "r"
    )
    chart = contour_chart(spec, points)
    assert chart is not None and len(chart.figure.data) == 2
    assert chart.figure.data[1].contours.start == 1.0


def test_the_landing_page_lists_sweeps(project_copy, monkeypatch):
    assert "None yet" in landing.sweeps_html()
    _sweep(project_copy, "ds3", "2017_decision", ["availability=0.8,0.9"], "listed")
    html = landing.sweeps_html()
    assert "sweep_report.ipynb?sweep=listed" in html and "2 points of ds3/2017_decision over availability" in html


def test_the_comparison_on_the_landing_page(project_copy):
    html = comparison_html("acps", "2016_decision", "2017_decision")
    assert 'id="T_results"' in html and "acps_eur" in html
    (project_copy / "params/acps/broken.yaml").write_text("label: [")
    assert "params/acps/broken.yaml: field &#x27;(file)&#x27;: not valid YAML" in comparison_html(
        "acps", "2016_decision", "broken"
    )
    widget = compare_widget()
    workbook, first, second = widget.children[0].children
    out = widget.children[1]
    workbook.value = "rtp"
    assert first.options == ("2016_information_paper", "high_cost_sensitivity")
    assert "net_benefit_c" in out.value


def test_the_sweep_report_runs_in_place(project_copy):
    _sweep(project_copy, "acps", "2017_decision", ["rpi=0.01,0.02"], "rep")
    path = report_in_place("rep", project_copy / "outputs")
    assert path.exists() and "<strong>Sweep rep:</strong> 2 points" in path.read_text()
    nb = json.loads((path.parent / "report.ipynb").read_text())
    assert not any(o.get("output_type") == "error" for c in nb["cells"] for o in c.get("outputs", []))
