"""Tables as shown (the pandas Styler with the house settings), as CSV and as XLSX."""

import io

import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st

from marketbooks.views.tables import (
    HtmlTable,
    csv_link,
    number,
    styled,
    text_columns,
    write_csv,
    write_xlsx,
    xlsx_bytes,
)

TEXT = st.text(max_size=8)


def test_text_columns_are_the_columns_of_words():
    df = pd.DataFrame(
        {
            "step": ["Annualised cost", "ACPS"],
            "published": [85.08, None],
            "status": ["published", None],
            "value": [0.016, "see fcpp"],
            "n": [1, 2],
            "flag": [True, False],
            "kind": pd.Categorical(["solar", "wind"]),
        }
    )
    assert text_columns(df) == ["step", "status", "kind"]
    html = styled(df, "t").html
    style = html[: html.index("</style>")]
    assert style.count("text-align: left") == 3
    for c in (0, 2, 6):
        assert f"#T_t .col{c} {{" in style


def test_styled_escapes_text_and_labels():
    df = pd.DataFrame({"<b>name</b>": ["<script>alert(1)</script>", "A & B's"]})
    table = styled(df, "t")
    assert "<script>" not in table.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in table.html
    assert "A &amp; B&#39;s" in table.html
    assert "&lt;b&gt;name&lt;/b&gt;" in table.html
    assert repr(table) == "<table t: 2 rows x 1 columns>"


@given(st.lists(st.tuples(TEXT, st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))), max_size=10))
def test_styled_never_lets_text_become_markup_and_shows_every_row(rows):
    df = pd.DataFrame(rows, columns=["t", "f"])
    html = styled(df, "p").html
    if df.empty:  # a table without rows says so
        assert html == '<p class="mb-empty" id="T_p">none</p>'
        return
    body = html[html.index("<tbody>") :]
    assert body.count("<tr>") == len(df)
    assert "<script" not in body.lower().replace("&lt;script", "")


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


def test_styled_handles_multiindex_columns():
    df = pd.DataFrame([[1, "two"]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")]))
    assert isinstance(styled(df, "m"), HtmlTable)


def test_number_rounds_half_amounts_and_keeps_whole_thousands_whole():
    assert number(1234.0) == "1,234" and number(999.5) == "999.50" and number(-2000.0) == "-2,000"


def test_csv_link_downloads_the_to_csv_text():
    import base64
    import re

    df = pd.DataFrame({"a": [1.5, None], "b": ["x,y", "z"]})
    payload = re.search(r"base64,([^\"]+)", csv_link(df, "t.csv"))[1]
    assert base64.b64decode(payload).decode() == df.to_csv(index=False)


def test_xlsx_holds_every_table_and_the_same_bytes_twice():
    tables = {
        "one": pd.DataFrame({"a": [1, 2]}),
        "a_sheet_name_longer_than_thirty_one_characters": pd.DataFrame({"b": ["x"]}),
    }
    first, second = xlsx_bytes(tables), xlsx_bytes(tables)
    assert first == second
    sheets = pd.read_excel(io.BytesIO(first), sheet_name=None)
    assert list(sheets) == ["one", "a_sheet_name_longer_than_thirty"]
    assert sheets["one"]["a"].tolist() == [1, 2]
    book = io.BytesIO()
    write_xlsx(tables, book)
    assert book.getvalue() == first


FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", '=HYPERLINK("http://x")']


def test_csv_downloads_write_formula_text_as_text():
    import csv
    import io

    df = pd.DataFrame({"participant": [*FORMULAS, "Alpha"], "mw": list(range(len(FORMULAS) + 1))})
    rows = list(csv.DictReader(io.StringIO(csv_link_text(df), newline="")))
    assert [row["participant"] for row in rows] == [f"'{text}" for text in FORMULAS] + ["Alpha"]
    assert [row["mw"] for row in rows] == [str(i) for i in range(len(FORMULAS) + 1)]  # numbers untouched


def csv_link_text(df):
    import base64
    import re

    return base64.b64decode(re.search(r"base64,([^\"]+)", csv_link(df, "t.csv"))[1]).decode()


def test_xlsx_cells_of_formula_text_are_text_not_formulas():
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"t": pd.DataFrame({"participant": FORMULAS})})))
    cells = [row[0] for row in book["t"].iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == FORMULAS
    assert {cell.data_type for cell in cells} == {"s"}


@given(st.lists(st.text(max_size=12), min_size=1, max_size=8))
@example(["\r="])  # a carriage return inside a cell, which Python's CSV writer left bare
def test_no_csv_cell_starts_like_a_formula(texts):
    import csv
    import io

    rows = list(csv.reader(io.StringIO(csv_link_text(pd.DataFrame({"t": texts})), newline="")))[1:]
    assert not any(row and row[0].startswith(("=", "+", "-", "@")) for row in rows)


def test_csv_cells_with_line_breaks_stay_one_cell(tmp_path):
    import csv
    import io

    df = pd.DataFrame({"who": ["Alpha", "x\r=1", "two\nlines", "a\r\nb"], "mw": [1, 2, 3, 4]})
    write_csv(df, tmp_path / "t.csv")
    for text in (csv_link_text(df), (tmp_path / "t.csv").read_bytes().decode()):
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert rows == [["who", "mw"], ["Alpha", "1"], ["x\r=1", "2"], ["two\nlines", "3"], ["a\r\nb", "4"]]
    # a table without a carriage return keeps its plain line ending
    assert csv_link_text(df.iloc[[0, 2]]) == 'who,mw\nAlpha,1\n"two\nlines",3\n'
