"""The house chart style and the charts several workbooks share."""

import html
import json
import re

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketbooks.explore.common import explore
from marketbooks.views import charts
from marketbooks.views.charts import HOUSE_LAYOUT, PLOTLY_MIMETYPE, Chart, axis_titles, figure
from marketbooks.views.imbalance import system_chart


def _drawn(html: str) -> dict:
    """The figure a chart's HTML hands plotly.js."""
    found = re.search(r"\}\)\(document\.currentScript\.previousElementSibling, (.*)\);</script>", html)
    return json.loads(found[1].replace("<\\/", "</"))


def _traces():
    return [{"type": "bar", "x": ["a", "b"], "y": [1, 2]}]


def test_house_style_wins_where_chart_and_style_set_the_same_property():
    fig = figure(_traces(), "t", {"height": 900, "xaxis": {"gridcolor": "red", "range": [0, 3]}})
    assert fig.layout.height == HOUSE_LAYOUT["height"]
    assert fig.layout.xaxis.gridcolor == HOUSE_LAYOUT["xaxis"]["gridcolor"]
    assert list(fig.layout.xaxis.range) == [0, 3]
    assert fig.layout.title.text == "t"


def test_house_style_wins_over_a_setting_given_in_plotlys_underscore_form():
    fig = figure(_traces(), "t", {"margin_t": 200, "xaxis_gridcolor": "red", "xaxis_range": [0, 3]})
    assert fig.layout.margin.t == HOUSE_LAYOUT["margin"]["t"]
    assert fig.layout.xaxis.gridcolor == HOUSE_LAYOUT["xaxis"]["gridcolor"]
    assert list(fig.layout.xaxis.range) == [0, 3]


# a chart's own layout settings: some the house style sets too, some only the chart
_OWN_LAYOUTS = st.fixed_dictionaries(
    {},
    optional={
        "height": st.integers(200, 900),
        "barmode": st.sampled_from(["stack", "overlay", "relative"]),
        "margin": st.fixed_dictionaries({}, optional={"t": st.integers(0, 200), "pad": st.integers(0, 9)}),
        "font": st.fixed_dictionaries({}, optional={"size": st.integers(8, 20), "color": st.just("#000000")}),
        "xaxis": st.fixed_dictionaries(
            {}, optional={"gridcolor": st.just("red"), "type": st.sampled_from(["linear", "log"])}
        ),
        "yaxis2": st.just({"overlaying": "y", "side": "right", "automargin": True}),
        "legend": st.fixed_dictionaries({}, optional={"x": st.floats(0, 1), "traceorder": st.just("reversed")}),
        "title": st.just({"font": {"size": 20}}),
        "margin_r": st.integers(0, 200),
    },
)


@given(own=_OWN_LAYOUTS, title=st.text(max_size=12))
def test_figure_is_the_charts_own_layout_updated_with_the_house_style(own, title):
    """One constructor gives what plotly's update_layout gives (the house style over the
    chart's settings, nested settings merged): the same figure, only faster."""
    traces = [*_traces(), {"type": "scatter", "x": ["a"], "y": [1], "name": "s", "yaxis": "y2"}]
    updated = go.Figure(data=traces, layout=own).update_layout(
        HOUSE_LAYOUT, title_text=html.escape(title, quote=False), template=None
    )
    assert figure(traces, title, own).to_plotly_json() == updated.to_plotly_json()


def _with_hline() -> go.Figure:
    fig = figure(_traces(), "h")
    fig.add_hline(y=1, annotation_text="one")
    return fig


# Figures as the workbooks build them: the house figure, with a legend, with lines added
# after it was built, a margin widened after, panels side by side; and one with no title.
_CHARTS = {
    "house": lambda: figure(_traces(), "t", axis_titles("x", "EUR")),
    "legend": lambda: figure([*_traces(), {"type": "scatter", "x": ["a"], "y": [2], "name": "s"}], "l"),
    "vertical lines": lambda: charts.vertical_lines(figure(_traces(), "v"), [(1.5, {"dash": "dot"}, "cap", "top")]),
    "hline": _with_hline,
    "margin widened": lambda: figure(_traces(), "m").update_layout(margin_b=70),
    "side by side": lambda: charts.side_by_side([(_traces(), "a"), (_traces(), "b")], "panels", "y"),
    "untitled": lambda: go.Figure(data=_traces(), layout={"template": {}}),
}


@pytest.mark.parametrize("build", _CHARTS.values(), ids=_CHARTS.keys())
def test_a_charts_html_holds_the_figure_plotlys_update_layout_gives_untitled(build):
    """The drawn figure is edited as plain data: the settings plotly's own copy and
    update_layout give, and the figure's own (empty) template, where plotly's copy puts a
    placeholder in."""
    fig = build()
    chart = Chart(fig)
    plotlys = go.Figure(fig).update_layout(title_text=None, margin_t=55 if chart.has_legend() else 30)
    expected = json.loads(pio.to_json(plotlys, validate=False, engine="json"))
    expected["layout"]["template"] = fig.layout.template.to_plotly_json()
    assert _drawn(chart.html()) == expected


def test_figure_carries_no_named_template():
    """An empty template: a named one would put about 7 kB of JSON in every stored figure."""
    assert figure(_traces(), "t").to_plotly_json()["layout"]["template"] == {}


def test_axis_titles_sets_only_the_named_axes_and_keeps_other_settings():
    assert axis_titles(y="MWh", yaxis={"type": "log"}, barmode="stack") == {
        "yaxis": {"type": "log", "title": {"text": "MWh"}},
        "barmode": "stack",
    }


def test_chart_shows_the_bundle_plotlys_own_mimetype_renderer_gives():
    fig = figure(_traces(), "t", axis_titles("x", "y"))
    fig.add_vline(x=1, line=dict(color="#000000"), annotation_text="v")
    ours = Chart(fig)._repr_mimebundle_()
    plotlys = pio.renderers["plotly_mimetype"].to_mimebundle(fig.to_dict())
    assert ours[PLOTLY_MIMETYPE] == plotlys[PLOTLY_MIMETYPE]
    assert set(ours) == {PLOTLY_MIMETYPE, "text/html", "text/plain"}


def test_a_legend_stands_in_a_row_under_the_title_and_above_the_plot():
    """Room for the legend is kept above the plot, so plotly need not widen a margin (and
    draw the chart twice); a chart of one series has no legend and no such room."""
    series = [*_traces(), {"type": "scatter", "x": ["a", "b"], "y": [2, 1], "name": "s"}]
    two = Chart(figure(series, "t"))
    one = Chart(figure(_traces(), "t"))
    assert two.has_legend() and not one.has_legend()
    legend = two.to_plotly_json()["layout"]["legend"]
    assert (legend["orientation"], legend["yanchor"], legend["y"]) == ("h", "bottom", 1.02)
    assert two.figure.layout.margin.t > one.figure.layout.margin.t == HOUSE_LAYOUT["margin"]["t"]
    assert _drawn(two.html())["layout"]["margin"]["t"] > _drawn(one.html())["layout"]["margin"]["t"]
    assert Chart(figure(series, "t", {"showlegend": False})).has_legend() is False


def test_a_charts_html_draws_the_same_figure_untitled_under_an_escaped_caption():
    """The dashboards draw a chart from its HTML: the title as a caption that wraps, the
    figure without it; text from a scenario cannot close the script or become markup."""
    fig = figure(
        [{"type": "bar", "x": ["</script><b>x</b>"], "y": [1], "name": "s"}], "A <i>title</i>", axis_titles("x", "EUR")
    )
    html = Chart(fig).html()
    assert html.startswith('<figure class="mb-chart-figure"><figcaption>A &lt;i&gt;title&lt;/i&gt;</figcaption>')
    assert html.count("</script>") == 1 and "<b>x</b>" not in html
    drawn = _drawn(html)
    assert drawn["data"] == Chart(fig).to_plotly_json()["data"] and "title" not in drawn["layout"].get("title", {})
    assert 'aria-label="Chart: A &lt;i&gt;title&lt;/i&gt;. x axis: x. y axis: EUR. 1 series: s."' in html


@pytest.mark.parametrize("n", [1, 2, 3])
def test_side_by_side_puts_each_panel_on_its_own_x_axis_and_one_shared_y_range(n):
    fig = charts.side_by_side([(_traces(), f"x title {i}") for i in range(n)], "t", "y title")
    for i in range(n):
        axis = fig.layout["xaxis" if i == 0 else f"xaxis{i + 1}"]
        assert axis.title.text == f"x title {i}"
        assert axis.gridcolor == HOUSE_LAYOUT["xaxis"]["gridcolor"]  # the house style on every panel
    assert [t.xaxis for t in fig.data] == ["x"] + [f"x{i + 1}" for i in range(1, n)]
    assert fig.layout.yaxis.title.text == "y title"
    for i in range(2, n + 1):  # the other panels share the first panel's y range
        assert fig.layout[f"yaxis{i}"].matches == "y"


def test_system_chart_labels_each_y_axis_with_its_own_unit():
    system = pd.DataFrame({"period": [1, 2], "system_imbalance_mwh": [1.0, -2.0], "zc": [50.0, 60.0]})
    fig = system_chart(system, "t").figure
    assert fig.layout.yaxis.title.text == "MWh"
    assert fig.layout.yaxis2.title.text == "EUR/MWh"


def test_explore_builds_widgets_only_when_someone_is_looking():
    built = []
    assert explore(lambda p: built.append(p) or "widgets", "params") == "widgets"
    assert explore(lambda p: built.append(p), "params", interactive=False) is None
    assert built == ["params"]


def test_every_stored_figure_passes_plotlys_validators_unchanged(golden_figures):
    assert len(golden_figures) >= 40
    for name, fig in golden_figures:
        assert json.loads(pio.to_json(go.Figure(fig).update_layout(template=None))) == fig, name


def test_vertical_lines_draw_what_plotlys_add_vline_draws():
    """The auction's reference lines, added in one update, are plotly's own vlines: the
    same shapes and texts, at the top and at the bottom right."""
    from marketbooks.views.charts import vertical_lines

    def chart():
        return figure([dict(type="bar", x=[1.0, 2.0], y=[3.0, 4.0])], "t")

    mine = vertical_lines(
        chart(), [(1.5, {"color": "#1f4e79"}, "demand", "top"), (2.5, {"dash": "dot"}, "final", "bottom")]
    )
    theirs = chart()
    theirs.add_vline(x=1.5, line={"color": "#1f4e79"}, annotation_text="demand")
    theirs.add_vline(x=2.5, line={"dash": "dot"}, annotation_text="final", annotation_position="bottom right")
    assert pio.to_json(mine, engine="json") == pio.to_json(theirs, engine="json")
