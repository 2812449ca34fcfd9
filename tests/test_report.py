import json

import pandas as pd
import pytest

from marketbooks.report import Report, atomic_write


def test_save_writes_json_csv_and_xlsx(tmp_path):
    rep = Report("acps", "s", tmp_path / "out")
    rep.table("t", pd.DataFrame({"a": [1.5, 2.0]}))
    rep.result(x=2.0, y=float("nan"), label="L")
    rep.save()
    data = json.loads((tmp_path / "out/results.json").read_text())
    assert data == {"workbook": "acps", "scenario": "s", "x": 2, "y": None, "label": "L", "tables": ["t"]}
    assert pd.read_csv(tmp_path / "out/tables/t.csv")["a"].tolist() == [1.5, 2.0]
    assert pd.read_excel(tmp_path / "out/acps_s.xlsx", sheet_name="t")["a"].tolist() == [1.5, 2.0]


def test_no_output_dir_writes_nothing(tmp_path):
    rep = Report("acps", "s")
    rep.table("t", pd.DataFrame({"a": [1]}))
    assert rep.save() is None


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
