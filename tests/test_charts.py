"""The shared chart helpers: the house style in one assignment, reference lines as plotly draws them."""

import json

import plotly.graph_objects as go
import pytest

from marketbooks.charts import _LAYOUT, hline, styled_figure, vline
from marketbooks.dashboards.common import explore


def _layout(fig):
    layout = fig.to_plotly_json()["layout"]
    return json.loads(json.dumps(layout, sort_keys=True))


def _base():
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    fig.update_xaxes(title_text="x title")
    return fig


@pytest.mark.parametrize("position", ["top right", "bottom right"])
def test_styled_figure_with_marks_equals_plotlys_own_update_and_add_line(position):
    expected = _base()
    expected.add_vline(x=1.5, line=dict(color="#123456", dash="dot"), annotation_text="v",
                       annotation_position=position)
    expected.add_hline(y=0.5, line=dict(color="#654321"), annotation_text="h")
    expected.add_vline(x=0.5, line=dict(color="#000000"))
    expected.update_layout(title=dict(text="t"), **_LAYOUT)
    fig = styled_figure(_base(), "t", [vline(1.5, dict(color="#123456", dash="dot"), "v", position),
                                       hline(0.5, dict(color="#654321"), "h"), vline(0.5, dict(color="#000000"))])
    assert _layout(fig) == _layout(expected)
    assert fig.layout.xaxis.title.text == "x title"  # settings made before styling survive
    assert fig.to_plotly_json()["layout"]["template"] == {}


def test_styled_figure_output_is_valid_plotly():
    fig = styled_figure(_base(), "t", [vline(1, dict(color="red"), "v")])
    go.Figure(fig.to_plotly_json())  # validates every property; raises on a bad one


def test_explore_builds_widgets_only_when_someone_is_looking():
    built = []
    assert explore(lambda p: built.append(p) or "widgets", "params") == "widgets"
    note = explore(lambda p: built.append(p), "params", interactive=False)
    assert built == ["params"]
    assert "make serve" in note.data
