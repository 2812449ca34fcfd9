"""The shared chart helpers: figures built in one construction, marks as plotly draws them."""

import json

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from marketbooks.charts import _LAYOUT, axis_titles, figure, hline, label, vline, vrect
from marketbooks.dashboards.imbalance import system_chart
from marketbooks.dashboards.common import explore


def _json(fig):
    return json.loads(pio.to_json(fig))


def _base():
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    fig.update_xaxes(title_text="x title")
    return fig


def _traces():
    return [{"type": "bar", "x": ["a", "b"], "y": [1, 2]}]


@pytest.mark.parametrize("position", ["top right", "bottom right"])
def test_figure_with_marks_equals_plotlys_own_update_and_add_calls(position):
    expected = _base()
    expected.add_vline(x=1.5, line=dict(color="#123456", dash="dot"), annotation_text="v",
                       annotation_position=position)
    expected.add_hline(y=0.5, line=dict(color="#654321"), annotation_text="h")
    expected.add_vline(x=0.5, line=dict(color="#000000"))
    expected.add_vrect(x0=0, x1=1, fillcolor="#5b9bd5", opacity=0.12, line_width=0, annotation_text="band")
    expected.add_annotation(x=1, y="b", text="note", showarrow=False, yshift=14)
    expected.update_layout(title=dict(text="t"), **_LAYOUT)
    fig = figure(_traces(), "t", axis_titles("x title"),
                 [vline(1.5, dict(color="#123456", dash="dot"), "v", position), hline(0.5, dict(color="#654321"), "h"),
                  vline(0.5, dict(color="#000000")), vrect(0, 1, "#5b9bd5", 0.12, "band"),
                  label(1, "b", "note", yshift=14)])
    assert _json(fig) == _json(expected)
    assert fig.layout.xaxis.title.text == "x title"  # the chart's own settings survive the house style
    assert fig.to_plotly_json()["layout"]["template"] == {}


def test_house_style_wins_where_chart_and_style_set_the_same_property():
    fig = figure(_traces(), "t", {"height": 900, "xaxis": {"gridcolor": "red", "range": [0, 3]}})
    assert fig.layout.height == _LAYOUT["height"]
    assert fig.layout.xaxis.gridcolor == _LAYOUT["xaxis"]["gridcolor"]
    assert list(fig.layout.xaxis.range) == [0, 3]


def test_axis_titles_sets_only_the_named_axes_and_keeps_other_settings():
    assert axis_titles(y="MWh", yaxis={"type": "log"}, barmode="stack") == {
        "yaxis": {"type": "log", "title": {"text": "MWh"}}, "barmode": "stack"}


def test_figure_output_is_valid_plotly():
    fig = figure(_traces(), "t", marks=[vline(1, dict(color="red"), "v")])
    go.Figure(fig.to_plotly_json())  # validates every property; raises on a bad one


def test_system_chart_labels_each_y_axis_with_its_own_unit():
    system = pd.DataFrame({"period": [1, 2], "system_imbalance_mwh": [1.0, -2.0], "zc": [50.0, 60.0]})
    fig = system_chart(system, "t")
    assert fig.layout.yaxis.title.text == "MWh"
    assert fig.layout.yaxis2.title.text == "EUR/MWh"


def test_explore_builds_widgets_only_when_someone_is_looking():
    built = []
    assert explore(lambda p: built.append(p) or "widgets", "params") == "widgets"
    note = explore(lambda p: built.append(p), "params", interactive=False)
    assert built == ["params"]
    assert "make serve" in note.data
