"""The documents generated from code are current; the README stays short."""

from conftest import ROOT

from marketbooks.scenarios.reference import reference


def test_the_scenario_reference_is_what_the_models_give():
    """docs/scenarios.md is generated: `python -m marketbooks.scenarios.reference > docs/scenarios.md`."""
    assert (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8") == reference()


def test_the_reference_lists_every_field_of_every_workbooks_model():
    from marketbooks.scenarios import WORKBOOKS

    text = reference()
    for workbook in WORKBOOKS.values():
        for name, field in workbook.model.model_fields.items():
            assert (f"| `{name}` |" in text) != bool(field.exclude), (workbook.name, name)


def test_the_readme_is_short():
    assert len((ROOT / "README.md").read_bytes()) <= 6 * 1024
