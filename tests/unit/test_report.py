import datetime
import json

import pandas as pd
import pytest

from marketbooks.run.report import Report, atomic_write
from marketbooks.views.tables import XLSX_CREATED, write_csv, write_xlsx


def test_save_writes_json_csv_and_xlsx(tmp_path):
    rep = Report("acps", "s", tmp_path / "out")
    rep.table("t", pd.DataFrame({"a": [1.5, 2.0]}))
    rep.result(x=2.0, y=float("nan"), label="L")
    rep.save()
    data = json.loads((tmp_path / "out/results.json").read_text())
    assert data == {"workbook": "acps", "scenario": "s", "x": 2, "y": None, "label": "L", "tables": ["t"]}
    assert pd.read_csv(tmp_path / "out/tables/t.csv")["a"].tolist() == [1.5, 2.0]
    assert pd.read_excel(tmp_path / "out/acps_s.xlsx", sheet_name="t")["a"].tolist() == [1.5, 2.0]


def test_no_output_dir_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rep = Report("acps", "s")
    rep.table("t", pd.DataFrame({"a": [1]}))
    assert "Download acps_s.xlsx" in rep.save()._repr_html_()
    assert list(tmp_path.iterdir()) == []


def test_a_shown_table_without_an_output_folder_downloads_whole_as_csv(tmp_path):
    """A dashboard writes no files: its tables download from the page, all rows, the same
    bytes a run writes to tables/<name>.csv."""
    import base64
    import re

    df = pd.DataFrame({"name": ["a", "b", "c"], "mw": [1.5, None, 3.0]}, index=[7, 8, 9])
    shown = Report("acps", "s").table("t", df, head=2)._repr_html_()
    assert shown.count("<tr>") == 3  # the heading and the two rows shown
    ((data, filename),) = re.findall(r'href="data:text/csv;base64,([^"]+)" download="([^"]+)"', shown)
    assert filename == "acps_s_t.csv" and ">Download acps_s_t.csv</a>" in shown
    write_csv(df.reset_index(drop=True), tmp_path / "t.csv")
    assert base64.b64decode(data) == (tmp_path / "t.csv").read_bytes()

    ran = Report("acps", "s", tmp_path / "out").table("t", df)  # a run's report links the written file
    assert "data:text/csv" not in ran._repr_html_()


@pytest.mark.parametrize("extra", [{"n": [1, 2, 3]}, {"wait": pd.to_timedelta([1, 2, 3], unit="h")}])
def test_without_an_output_folder_save_offers_the_xlsx_a_run_writes(tmp_path, extra):
    """The download is the run's file, byte for byte (with a duration column too)."""
    import base64
    import re

    def report(output_dir=None):
        rep = Report("acps", "s", output_dir)
        rep.table("t", pd.DataFrame({"name": ["a", "b", "c"], **extra}), head=1)
        rep.table("hidden", pd.DataFrame({"x": [0.5]}), show=False)
        return rep

    shown = report().save()._repr_html_()
    ((data, filename),) = re.findall(
        r'href="data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;'
        r'base64,([^"]+)" download="([^"]+)"',
        shown,
    )
    assert filename == "acps_s.xlsx" and ">Download acps_s.xlsx</a>" in shown
    assert report(tmp_path / "out").save() is None
    assert base64.b64decode(data) == (tmp_path / "out/acps_s.xlsx").read_bytes()
    assert Report("acps", "s").save() is None  # no tables, nothing to offer


def test_tables_not_shown_get_links_where_the_notebook_shows_them(tmp_path):
    """The data behind a chart: in a run, links to the CSVs the run writes beside the report;
    without an output folder, downloads of the whole tables, the bytes a run writes."""
    import base64
    import re

    def report(output_dir=None):
        rep = Report("ds3", "s", output_dir)
        rep.table("shown", pd.DataFrame({"a": [1]}))
        rep.table("sens_b", pd.DataFrame({"x": [0.5, 0.75], "eur": [10.0, None]}), show=False)
        rep.table("sens_a", pd.DataFrame({"x": [1, 2, 3]}), show=False)
        return rep

    ran = report(tmp_path / "out")
    html = ran.data_links("sens_b", "sens_a")._repr_html_()
    assert re.findall(r'href="([^"]+)"', html) == ["tables/sens_b.csv", "tables/sens_a.csv"]
    ran.save()
    assert all((tmp_path / "out" / href).is_file() for href in re.findall(r'href="([^"]+)"', html))

    page = report().data_links("sens_b", "sens_a")._repr_html_()
    downloads = re.findall(r'href="data:text/csv;base64,([^"]+)" download="([^"]+)"', page)
    assert [name for _, name in downloads] == ["ds3_s_sens_b.csv", "ds3_s_sens_a.csv"]
    for data, name in downloads:
        assert base64.b64decode(data) == (tmp_path / "out/tables" / name.removeprefix("ds3_s_")).read_bytes()


@pytest.mark.parametrize("names", [("nope",), ("sens", "nope"), ()])
def test_a_link_to_an_unregistered_table_is_an_error_naming_the_registered_ones(names):
    rep = Report("ds3", "s")
    rep.table("sens", pd.DataFrame({"x": [1]}), show=False)
    with pytest.raises(ValueError, match=r"registered: sens$") as err:
        rep.data_links(*names)
    assert ("'nope'" in str(err.value)) == bool(names)


def test_duplicate_table_name_is_an_error():
    rep = Report("acps", "s")
    rep.table("t", pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError, match="twice"):
        rep.table("t", pd.DataFrame({"a": [1]}))


def test_atomic_write_leaves_old_file_when_writer_fails(tmp_path):
    target = tmp_path / "f.txt"
    target.write_text("good")

    def failing(p):
        p.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic_write(target, failing)
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_xlsx_carries_a_fixed_creation_date_not_the_time_of_writing(tmp_path):
    """With durations too: the same tables give the same file."""
    import zipfile

    stamp = XLSX_CREATED.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    for name, tables in (
        ("numbers", {"t": pd.DataFrame({"a": [1.5]})}),
        ("durations", {"d": pd.DataFrame({"wait": pd.to_timedelta(["1h"])})}),
    ):
        write_xlsx(tables, tmp_path / f"{name}.xlsx")
        with zipfile.ZipFile(tmp_path / f"{name}.xlsx") as z:
            core = z.read("docProps/core.xml")
        assert core.count(stamp) == 2, (name, core)  # created and modified
        assert str(datetime.date.today().year).encode() not in core, name


def test_saved_files_get_the_permissions_of_any_new_file(tmp_path):
    """Readable by whoever may read the output folder: not mkstemp's owner-only 0600."""
    rep = Report("acps", "s", tmp_path / "out")
    rep.table("t", pd.DataFrame({"a": [1.5]}))
    rep.save()
    plain = tmp_path / "out" / "plain.txt"
    plain.write_text("x")
    mode = plain.stat().st_mode & 0o777
    for name in ("results.json", "tables/t.csv", "acps_s.xlsx"):
        assert (tmp_path / "out" / name).stat().st_mode & 0o777 == mode, name
    leftovers = [p.name for p in (tmp_path / "out").rglob(".*")]
    assert leftovers == []
