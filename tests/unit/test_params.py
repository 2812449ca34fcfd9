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
            "no params/ds3/nope.yaml (DS3 scenarios: 2017_consultation, 2017_decision)",
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
