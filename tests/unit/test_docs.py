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


def test_the_rules_index_is_current_and_every_implemented_clause_has_a_function_and_a_test():
    """docs/rules.md is generated: `python -m marketbooks.run.rules_index > docs/rules.md`."""
    from marketbooks.run import rules_index

    assert rules_index.problems(rules_index.build()) == []
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == rules_index.reference()


def test_a_docstring_citing_a_clause_the_index_lacks_fails(monkeypatch):
    import pytest

    from marketbooks.run import rules_index

    trimmed = {**rules_index.CATALOGUE["001"]}
    del trimmed["Table 5.1"]
    monkeypatch.setitem(rules_index.CATALOGUE, "001", trimmed)
    with pytest.raises(KeyError, match="cites 'Table 5.1', which the catalogue of seed 001 lacks"):
        rules_index.build()
    monkeypatch.setitem(rules_index.CATALOGUE, "001", {**trimmed, "Table 5.1": None, "§9.9": None})
    assert "seed 001: §9.9 is marked implemented but no docstring cites it" in rules_index.problems(rules_index.build())
