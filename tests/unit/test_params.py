"""Parameter files: every shipped file is valid; a bad one names file, field and reason."""

import pytest
import yaml

from marketbooks.run import cli
from marketbooks.scenarios import ParameterError, check_all, list_scenarios, load_file, load_scenario


def test_every_shipped_parameter_file_is_valid():
    assert list_scenarios(), "no scenarios found"
    assert check_all() == []


def _bad_file(project_copy, **changes):
    good = yaml.safe_load((project_copy / "params/acps/2017_decision.yaml").read_text())
    for key, value in changes.items():
        if value is KeyError:
            good.pop(key)
        else:
            good[key] = value
    path = project_copy / "params/acps/bad.yaml"
    path.write_text(yaml.safe_dump(good))
    return path


@pytest.mark.parametrize(
    "changes, field, reason",
    [
        ({"capacity_requirment_mw": 7267}, "capacity_requirment_mw", "unknown field"),
        ({"capacity_requirement_mw": "lots"}, "capacity_requirement_mw", "valid number"),
        ({"capacity_requirement_mw": -7267}, "capacity_requirement_mw", "greater than 0"),
        ({"forced_outage_probability": 1.2}, "forced_outage_probability", "less than or equal to 1"),
        ({"forced_outage_probability": -0.1}, "forced_outage_probability", "greater than or equal to 0"),
        ({"rpi": KeyError}, "rpi", "Field required"),
        ({"fcpp": 0.8}, "(file)", "exceeds 1"),
        ({"bid_price": 1500}, "(file)", "above price_cap"),
        ({"published": {"acps": {"value": 1, "status": "guessed"}}}, "published.acps.status", "Input should be"),
        (
            {"ds3_scenario": "nope"},
            "ds3_scenario",
            "no params/ds3/nope.yaml (DS3 scenarios: 2017_consultation, 2017_decision, respondent_performance_scalar)",
        ),
        ({"ds3_scenario": "../ds3/2017_decision"}, "ds3_scenario", "no params/ds3/../ds3/2017_decision.yaml"),
    ],
)
def test_bad_parameter_file_names_file_field_and_reason(project_copy, changes, field, reason):
    path = _bad_file(project_copy, **changes)
    with pytest.raises(ParameterError) as exc:
        load_file("acps", path)
    assert ("params/acps/bad.yaml") in str(exc.value)
    fields = [f for f, _ in exc.value.problems]
    assert field in fields, exc.value.problems
    assert reason in str(exc.value)


def test_invalid_yaml_and_missing_file(project_copy):
    path = project_copy / "params/acps/broken.yaml"
    path.write_text("label: [unclosed\n")
    # every message names the file as the project names it, as for a bad field
    with pytest.raises(ParameterError, match=r"^params/acps/broken.yaml: field '\(file\)': not valid YAML at line 2"):
        load_file("acps", path)
    with pytest.raises(ParameterError, match=r"^params/acps/no_such_scenario.yaml: field '\(file\)': file not found"):
        load_scenario("acps", "no_such_scenario")


def test_not_a_mapping(project_copy):
    path = project_copy / "params/acps/list.yaml"
    path.write_text("- 1\n- 2\n")
    with pytest.raises(ParameterError, match="expected a mapping"):
        load_file("acps", path)


def test_check_command_fails_on_a_bad_file_and_names_it(project_copy, capsys):
    assert cli.main(["check"]) == 0
    _bad_file(project_copy, forced_outage_probability=2)
    assert cli.main(["check"]) == 1
    err = capsys.readouterr().err
    assert "params/acps/bad.yaml: field 'forced_outage_probability'" in err


def test_list_command(capsys):
    assert cli.main(["list"]) == 0
    assert "2017_decision" in capsys.readouterr().out


def test_provenance_must_name_a_parameter(project_copy):
    path = _bad_file(project_copy, status={"bid_prise": "derived"})
    with pytest.raises(ParameterError, match="status/notes name 'bid_prise'"):
        load_file("acps", path)


def test_a_notebook_shows_an_uncaught_parameter_error_as_a_message(project_copy):
    """With the workbooks' IPython extension loaded, a ParameterError that nothing catches is
    displayed (file, field, reason; escaped) above its traceback; one that code catches
    shows nothing."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    path = _bad_file(project_copy, forced_outage_probability=2, **{"<b>x</b>": 1})
    shell = InteractiveShell.instance()
    try:
        with capture_output() as caught:
            result = shell.run_cell(
                "%load_ext marketbooks.explore.notebook\n"
                "from marketbooks.scenarios import load_file\n"
                f"try:\n    load_file('acps', {str(path)!r})\nexcept ValueError:\n    pass"
            )
        assert result.success and caught.outputs == []
        with capture_output() as shown:
            result = shell.run_cell(f"load_file('acps', {str(path)!r})")
        assert isinstance(result.error_in_exec, ParameterError)
        (html,) = [o.data["text/html"] for o in shown.outputs]
        assert "<code>params/acps/bad.yaml</code> cannot be used" in html
        assert "<code>forced_outage_probability</code>: " in html
        assert "ParameterError" in shown.stdout  # the analyst's traceback is still there, under the message
        assert "<code>&lt;b&gt;x&lt;/b&gt;</code>: unknown field" in html and "<b>x</b>" not in html
    finally:
        InteractiveShell.clear_instance()


# --- files that used to pass `check` and give a wrong number, or crash it (issue 26) ---------

DECISION = "params/acps/2017_decision.yaml"


def _write(project_copy, name: str, data: bytes) -> str:
    path = project_copy / "params" / "acps" / name
    path.write_bytes(data)
    return path.stem


def _problems(project_copy, scenario: str, workbook: str = "acps") -> list[tuple[str, str]]:
    with pytest.raises(ParameterError) as caught:
        load_scenario(workbook, scenario)
    assert caught.value.path == f"params/{workbook}/{scenario}.yaml"
    return caught.value.problems


def test_a_key_given_twice_is_an_error_not_the_last_value(project_copy):
    """Appending `rpi: 0.45` to the decision gave 783 M EUR without a word."""
    text = (project_copy / DECISION).read_bytes() + b"\nrpi: 0.45\n"
    ((field, reason),) = _problems(project_copy, _write(project_copy, "twice.yaml", text))
    assert field == "(file)" and "key 'rpi' appears twice (first at line" in reason and "line" in reason


@pytest.mark.parametrize(
    "value, word",
    [(".inf", "infinity"), ("-.inf", "infinity"), (".nan", "NaN"), ("1e308", "too large"), ("-1e13", "too large")],
)
@pytest.mark.parametrize("field", ["rpi", "bid_price", "capacity_requirement_mw"])
def test_no_number_field_takes_infinity_nan_or_an_overflowing_value(project_copy, field, value, word):
    data = yaml.safe_load((project_copy / DECISION).read_text())
    text = yaml.safe_dump({k: v for k, v in data.items() if k != field}) + f"{field}: {value}\n"
    problems = dict(_problems(project_copy, _write(project_copy, "bad_number.yaml", text.encode())))
    assert word in problems[field], problems


def test_a_nan_inside_a_nested_figure_names_nan(project_copy):
    data = yaml.safe_load((project_copy / DECISION).read_text())
    data["published"]["acps"]["value"] = float("nan")
    problems = dict(_problems(project_copy, _write(project_copy, "nested.yaml", yaml.safe_dump(data).encode())))
    assert any("NaN" in reason for reason in problems.values()), problems


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"label: Caf\xe9\n", "is not UTF-8 text"),
        ("label: x\n".encode("utf-16"), "is UTF-16 text: save it as UTF-8"),
    ],
)
def test_a_file_in_another_encoding_is_named_and_the_others_still_load(project_copy, raw, reason):
    scenario = _write(project_copy, "encoded.yaml", raw)
    ((field, said),) = _problems(project_copy, scenario)
    assert field == "(file)" and reason in said
    errors = check_all()
    assert [e.path for e in errors] == ["params/acps/encoded.yaml"]


def test_a_folder_named_like_a_scenario_is_an_error_not_a_crash(project_copy):
    (project_copy / "params/acps/folder.yaml").mkdir()
    assert ("acps", "folder") in list_scenarios("acps")
    assert _problems(project_copy, "folder") == [("(file)", "is a folder, not a file")]
    assert [e.path for e in check_all()] == ["params/acps/folder.yaml"]


def test_a_file_too_large_to_be_a_scenario_is_refused_before_it_is_parsed(project_copy):
    from marketbooks.scenarios.loader import MAX_FILE_BYTES

    scenario = _write(project_copy, "huge.yaml", b"# " + b"x" * MAX_FILE_BYTES + b"\n")
    ((field, reason),) = _problems(project_copy, scenario)
    assert field == "(file)" and f"at most {MAX_FILE_BYTES:,}" in reason


@pytest.mark.parametrize(
    "changes, field, reason",
    [
        ({"month": 2, "days": 31}, "(file)", "days 31 is more than February 2025 has (28)"),
        ({"month": 2, "days": 29, "year": 2024}, None, None),  # a leap year's February
        ({"n_subjects": 200_000, "days": 31, "period_minutes": 15}, "(file)", "subject-periods; at most 5,000,000"),
    ],
)
def test_an_imbalance_month_that_cannot_exist_or_cannot_fit_is_an_error(project_copy, changes, field, reason):
    data = yaml.safe_load((project_copy / "params/imbalance/market_scale.yaml").read_text())
    data.update(changes)
    (project_copy / "params/imbalance/changed.yaml").write_text(yaml.safe_dump(data))
    if field is None:
        assert load_scenario("imbalance", "changed").days == changes["days"]
        return
    problems = _problems(project_copy, "changed", "imbalance")
    assert any(f == field and reason in r for f, r in problems), problems


@pytest.mark.parametrize(
    "value, ok",
    [
        ("2016-04-02", True),
        ("'2016-04-02'", True),
        ("'02/04/2016'", False),
        ("'2016-02-30'", False),
        ("'2016-04-02T10:00'", False),
        ("20160402", False),
    ],
)
def test_dates_are_written_year_month_day_only(project_copy, value, ok):
    path = project_copy / "params/rtp/2016_information_paper.yaml"
    text = "\n".join(line for line in path.read_text().splitlines() if not line.startswith("start_date:"))
    (project_copy / "params/rtp/dated.yaml").write_text(text + f"\nstart_date: {value}\n")
    if ok:
        assert str(load_scenario("rtp", "dated").start_date) == "2016-04-02"
    else:
        problems = dict(_problems(project_copy, "dated", "rtp"))
        assert "start_date" in problems and (
            "YYYY-MM-DD" in problems["start_date"] or "not a date of the calendar" in problems["start_date"]
        )
