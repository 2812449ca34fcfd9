"""The plotly.js the dashboards and reports load (tools/plotly-js: only the trace types the
workbooks draw) draws every chart they make, each trace as the type it names, and draws it
once.

plotly.js draws a trace of a type it was built without as an empty scatter trace, and says
nothing: a bundle short of a type shows a blank chart, not an error. And a chart whose
labels or legend need more room than its margins give is drawn, then drawn again with
wider margins: a second drawing of the chart in the reader's wait. So every chart of the
golden notebooks and of a sweep's page is drawn here with the vendored file, in Chromium.
"""

from collections import Counter
from pathlib import Path

import plotly.graph_objects as go
import pytest

from marketbooks.run.html import plotly_js_source
from marketbooks.views.charts import PLOTLY_MIMETYPE, Chart

# Where plotly.js draws a trace of each type (bar and histogram share the bar layer).
LAYERS = {
    "scatter": ".scatterlayer > .trace",
    "bar": ".barlayer > .trace",
    "histogram": ".barlayer > .trace",
    "waterfall": ".waterfalllayer > .trace",
    "heatmap": ".heatmaplayer > .hm",
    "contour": ".contourlayer > .contour",
}
SELECTORS = sorted(set(LAYERS.values()))

# The traces drawn in each layer of one chart, by the layer's selector.
DRAWN = """([figure, layers]) => {
  const box = document.createElement('div');
  document.body.appendChild(box);
  return Plotly.newPlot(box, figure.data, figure.layout).then(() => {
    const drawn = Object.fromEntries(layers.map(css => [css, box.querySelectorAll(css).length]));
    Plotly.purge(box);
    box.remove();
    return drawn;
  });
}"""


def sweep_figures(root: Path) -> dict[str, dict]:
    """Every chart of the page of a sweep over two ACPS inputs (its heat map and its level
    chart are the only contour and heatmap traces the workbooks draw)."""
    from marketbooks.studies.grid import grid_points
    from marketbooks.studies.sweep import load_sweep, plan, run_sweep
    from marketbooks.views.sweep import sweep_charts

    grid = ["capacity_requirement_mw=7000,7300", "bid_price=100,160"]
    run_sweep(plan("acps", "2017_decision", grid_points(grid), "two_inputs"), root / "outputs", progress=False)
    charts = sweep_charts(*load_sweep("two_inputs", root / "outputs"))
    return {f"sweep chart {i + 1}": chart._repr_mimebundle_()[PLOTLY_MIMETYPE] for i, chart in enumerate(charts)}


# A chart as wide as on a dashboard in a desktop browser (a 1,280 px window): the margins
# plotly gave its plot (the plot area's drag box in the drawn SVG, all of them for a chart of
# panels) and the margins the figure sets.
MARGINS = """(figure) => {
  const box = document.createElement('div');
  box.style.width = '1230px';
  document.body.appendChild(box);
  return Plotly.newPlot(box, figure.data, figure.layout).then(() => {
    const svg = box.querySelector('.main-svg');
    const plots = [...box.querySelectorAll('.draglayer .nsewdrag')].map(
      r => ['x', 'y', 'width', 'height'].map(a => Number(r.getAttribute(a))));
    const drawn = {
      l: Math.min(...plots.map(([x]) => x)),
      t: Math.min(...plots.map(([, y]) => y)),
      r: Number(svg.getAttribute('width')) - Math.max(...plots.map(([x, , w]) => x + w)),
      b: Number(svg.getAttribute('height')) - Math.max(...plots.map(([, y, , h]) => y + h)),
    };
    Plotly.purge(box);
    box.remove();
    return drawn;
  });
}"""


@pytest.fixture
def every_figure(golden_figures, project_copy) -> dict[str, dict]:
    """Every chart of the golden notebooks and of a two-input sweep's page, by a name."""
    shown = {f"{notebook} chart {i + 1}": figure for i, (notebook, figure) in enumerate(golden_figures)}
    return {**shown, **sweep_figures(project_copy)}


def expected(figure: dict) -> Counter:
    """The traces each layer should hold: one per trace of the types drawn there."""
    types = [trace.get("type", "scatter") for trace in figure["data"]]
    unknown = sorted(set(types) - set(LAYERS))
    assert not unknown, f"a chart draws {unknown}: add it to tools/plotly-js/index.js (and to LAYERS here)"
    return Counter(LAYERS[t] for t in types)


@pytest.fixture
def bundle_page(page):
    page.set_content("<!doctype html><body></body>")
    page.add_script_tag(path=str(plotly_js_source()))
    return page


def test_the_bundle_is_the_plotly_js_version_plotly_writes_figures_for(bundle_page):
    import plotly.offline

    assert bundle_page.evaluate("Plotly.version") == plotly.offline.get_plotlyjs_version()


def test_every_chart_the_workbooks_draw_is_drawn_with_the_types_it_names(bundle_page, every_figure):
    # one chart of each mix of trace types: the same mix draws in the same layers
    mixes: dict[tuple[str, ...], str] = {}
    for name, figure in every_figure.items():
        mixes.setdefault(tuple(sorted(t.get("type", "scatter") for t in figure["data"])), name)
    # the collection found every type the workbooks draw (the types LAYERS knows)
    assert set(LAYERS) <= {t for mix in mixes for t in mix}
    for name in mixes.values():
        want = expected(every_figure[name])
        drawn = bundle_page.evaluate(DRAWN, [every_figure[name], SELECTORS])
        assert Counter({css: n for css, n in drawn.items() if n}) == want, name


def test_a_chart_of_a_type_the_bundle_lacks_is_caught(bundle_page):
    """The check above can fail: a pie chart (not in the bundle) draws nothing of its own."""
    figure = {"data": [{"type": "bar", "x": [1], "y": [1]}, {"type": "pie", "values": [1, 2]}], "layout": {}}
    drawn = bundle_page.evaluate(DRAWN, [figure, SELECTORS])
    assert drawn[LAYERS["bar"]] == 1 and sum(drawn.values()) == 1
    with pytest.raises(AssertionError, match="pie"):
        expected(figure)


def test_every_chart_keeps_room_for_its_labels_so_it_is_drawn_once(bundle_page, every_figure):
    """Each chart's margins hold its axis labels and legend at a desktop's width, as shown in a
    report (its title in the chart) and on a dashboard (its title a caption): plotly draws a
    chart whose labels push a margin wider a second time (the tornado's driver names, the
    DS3 bridge's step names and the largest-40 subjects' names did)."""
    pushed = {}
    for name, figure in every_figure.items():
        on_dashboard = Chart(go.Figure(figure)).captioned_figure()
        for shown, drawn_figure in (("report", figure), ("dashboard", on_dashboard)):
            margin = drawn_figure["layout"]["margin"]
            drawn = bundle_page.evaluate(MARGINS, drawn_figure)
            wider = {side: round(drawn[side]) for side in "lrtb" if drawn[side] > margin.get(side, 80) + 0.5}
            if wider:
                pushed[f"{name} ({shown})"] = {side: f"{margin.get(side, 80)} -> {px} px" for side, px in wider.items()}
    assert not pushed, pushed


def test_a_label_wider_than_its_margin_is_caught(bundle_page):
    """The check above can fail: a long name at the left of a bar chart pushes a 70 px margin."""
    figure = {
        "data": [{"type": "bar", "orientation": "h", "y": ["a name far too long for seventy pixels"], "x": [1]}],
        "layout": {"margin": {"l": 70, "r": 30, "t": 60, "b": 50}, "yaxis": {"automargin": True}},
    }
    assert bundle_page.evaluate(MARGINS, figure)["l"] > 70 + 50
