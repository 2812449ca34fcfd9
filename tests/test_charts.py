"""The shared chart helpers: figures built in one construction, marks as plotly draws them."""

import json
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketbooks import charts
from marketbooks.charts import (_LAYOUT, axis_titles, figure, hline, html_table, label, number, styled, text_columns,
                                vline, vrect)
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


@pytest.mark.parametrize("n", [1, 2, 3])
def test_side_by_side_panels_sit_where_make_subplots_puts_them_on_one_y_axis(n):
    from plotly.subplots import make_subplots

    reference = make_subplots(rows=1, cols=n, horizontal_spacing=0.07)
    fig = charts.side_by_side([(_traces(), f"x title {i}") for i in range(n)], "t", "y title")
    for i in range(n):
        axis = fig.layout["xaxis" if i == 0 else f"xaxis{i + 1}"]
        assert axis.domain == pytest.approx(reference.layout["xaxis" if i == 0 else f"xaxis{i + 1}"].domain, abs=1e-4)
        assert axis.title.text == f"x title {i}" and axis.anchor == "y"
        assert axis.gridcolor == _LAYOUT["xaxis"]["gridcolor"]  # the house style on every panel
    assert [t.xaxis for t in fig.data] == ["x"] + [f"x{i + 1}" for i in range(1, n)]
    assert {t.yaxis for t in fig.data} == {"y"} and fig.layout.yaxis.title.text == "y title"
    assert "yaxis2" not in fig.to_plotly_json()["layout"]


def test_system_chart_labels_each_y_axis_with_its_own_unit():
    system = pd.DataFrame({"period": [1, 2], "system_imbalance_mwh": [1.0, -2.0], "zc": [50.0, 60.0]})
    fig = system_chart(system, "t")
    assert fig.layout.yaxis.title.text == "MWh"
    assert fig.layout.yaxis2.title.text == "EUR/MWh"


def test_explore_builds_widgets_only_when_someone_is_looking():
    built = []
    assert explore(lambda p: built.append(p) or "widgets", "params") == "widgets"
    assert explore(lambda p: built.append(p), "params", interactive=False) is None
    assert built == ["params"]


def _words(column: pd.Series) -> bool:
    return ((column.dtype == object or isinstance(column.dtype, pd.StringDtype))
            and column.dropna().map(lambda v: isinstance(v, str)).all())


def _styler_html(df, name, formats, escape=None):
    """What the pandas Styler renders with the house table settings: text columns left."""
    left = {label: [{"selector": "", "props": "text-align: left"}] for label, column in df.items() if _words(column)}
    return (df.style.set_uuid(name).hide(axis="index").format(formats, na_rep="—", escape=escape)
            .set_table_styles(left).to_html())


SAFE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="<>&"), max_size=8)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.floats(allow_infinity=True, allow_nan=True)),
                          st.integers(-10**12, 10**12), st.booleans(), st.one_of(st.none(), SAFE_TEXT),
                          st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False), SAFE_TEXT)),
                max_size=12),
       st.sampled_from([{}, {"f": "{:.2f}"}, {"f": number, "i": "{:,}"}, {"m": "{}!", "t": str.upper}]))
def test_html_table_is_the_styler_html(rows, formats):
    """Byte for byte the Styler's HTML: ids, classes, formats, the default 6-decimal float
    format in mixed columns, missing values as the dash."""
    df = pd.DataFrame(rows, columns=["f", "i", "b", "t", "m"])
    assert html_table(df, "tbl", formats).html == _styler_html(df, "tbl", formats)


def test_html_table_sets_text_columns_left_and_numbers_right():
    df = pd.DataFrame({"step": ["Annualised cost", "ACPS"], "published": [85.08, None], "status": ["published", None],
                       "value": [0.016, "see fcpp"], "n": [1, 2], "flag": [True, False],
                       "kind": pd.Categorical(["solar", "wind"])})
    assert text_columns(df) == [0, 2, 6]
    html = html_table(df, "t").html
    style = html[:html.index("</style>")]
    assert style.count("text-align: left") == 3
    for c in (0, 2, 6):
        assert f"#T_t .col{c} {{" in style
    assert html_table(df[["published", "n"]], "u").html.startswith('<style type="text/css">\n</style>\n')


def test_html_table_escapes_text_and_labels():
    df = pd.DataFrame({"<b>name</b>": ["<script>alert(1)</script>", "A & B's"]})
    table = html_table(df, "t")
    assert "<script>" not in table.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in table.html
    assert "A &amp; B's" in table.html and "&lt;b&gt;name&lt;/b&gt;" in table.html
    assert repr(table) == "<table t: 2 rows x 1 columns>"


def test_styled_formats_floats_and_integers_with_thousands():
    df = pd.DataFrame({"x": [1234.0, 0.5, float("nan")], "n": [1000, 2, 3]})
    html = styled(df, "s").html
    for cell in (">1,234<", ">0.50<", ">—<", ">1,000<", ">2<"):
        assert cell in html


def test_styled_writes_years_without_a_thousands_separator():
    df = pd.DataFrame({"year": [2016, 2017], "trading_year": [2017, 2018], "years_left": [1500, 2], "mw": [7267, 7000]})
    html = styled(df, "y").html
    for cell in (">2016<", ">2017<", ">2018<", ">1,500<", ">7,267<"):
        assert cell in html
    assert ">2,01" not in html
    assert ">2,017<" in styled(df, "y", {"year": "{:,}"}).html  # a format given for the column still wins


def test_html_table_falls_back_to_the_styler_for_multiindex_columns():
    df = pd.DataFrame([[1, "two"]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")]))
    html = html_table(df, "m").to_html()
    assert html == _styler_html(df, "m", {}, escape="html")
    assert "#T_m .col1 {\n  text-align: left;" in html


def _golden_figures():
    import nbformat

    root = Path(__file__).resolve().parent / "golden"
    for path in sorted(root.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for out in cell.get("outputs", []):
                fig = out.get("data", {}).get("application/vnd.plotly.v1+json")
                if fig:
                    yield path.stem, json.loads(json.dumps(fig))


def test_every_stored_figure_passes_plotlys_validators_unchanged():
    """The runner builds figures without plotly's validators (charts.VALIDATE is off) and
    nbval holds its output to the goldens; validating each golden figure must change
    nothing in it, so skipping the validators changes no shown chart."""
    figures = list(_golden_figures())
    assert len(figures) >= 40
    for name, fig in figures:
        assert _json(go.Figure(fig).update_layout(template=None)) == fig, name


def test_unvalidated_figure_serializes_like_the_validated_one(monkeypatch):
    traces = [dict(type="bar", x=pd.Series([1.0, 2.5]), y=pd.Series([3, 4]), name="a", marker=dict(color="#000000")),
              dict(type="scatter", x=["a", "b"], y=[1.0, None], mode="lines")]
    marks = [vline(1, dict(color="#000000"), "v"), label(1, 2, "t")]
    validated = _json(charts.figure(traces, "t", axis_titles("x", "y"), marks))
    monkeypatch.setattr(charts, "VALIDATE", False)
    unvalidated = charts.figure(traces, "t", axis_titles("x", "y"), marks)
    assert not unvalidated._validate
    assert _json(unvalidated) == validated
