"""Notebook hygiene: no committed outputs, a parameters cell, one code cell per section, one
golden copy per scenario."""

import json
from pathlib import Path

import pytest
from conftest import ROOT

from marketbooks.scenarios import WORKBOOKS, list_scenarios

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
GOLDEN = ROOT / "tests" / "notebooks" / "golden"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    dirty = [
        i
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))
    ]
    assert dirty == [], f"{path.name}: cells {dirty} have outputs; clear them before committing"


@pytest.mark.parametrize("name", sorted(WORKBOOKS))
def test_workbook_notebook_has_one_parameters_cell(name):
    nb = json.loads((ROOT / "notebooks" / WORKBOOKS[name].notebook).read_text())
    tagged = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    src = "".join(tagged[0]["source"])
    assert "scenario =" in src and "output_dir = None" in src


@pytest.mark.parametrize("name", sorted(WORKBOOKS))
def test_workbook_notebook_has_one_code_cell_per_section(name):
    """A section is its text, then one code cell that computes and shows it: a reader finds
    a section's code in one place. The parameters cell stands alone (papermill puts the
    scenario's values after it), and so does the visit cell (a waiting dashboard kernel
    rehearses the page from the next cell on: marketbooks.explore.rehearsal)."""
    nb = json.loads((ROOT / "notebooks" / WORKBOOKS[name].notebook).read_text())
    cells = nb["cells"]
    adjacent = [
        i
        for i in range(1, len(cells))
        if cells[i]["cell_type"] == cells[i - 1]["cell_type"] == "code"
        and not {"parameters", "visit"} & set(cells[i - 1]["metadata"].get("tags", []))
    ]
    assert adjacent == [], f"{name}: code cells {adjacent} follow another code cell; merge them into one"


def test_one_golden_copy_per_scenario_and_no_stale_ones():
    expected = {f"{wb}__{sc}.ipynb" for wb, sc in list_scenarios()}
    present = {p.name for p in GOLDEN.glob("*.ipynb")}
    assert present == expected, "run `make golden` after adding or removing a scenario"


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.ipynb")), ids=lambda p: p.name)
def test_golden_copies_are_executed_and_free_of_volatile_metadata(path: Path):
    nb = json.loads(path.read_text())
    assert "papermill" not in nb["metadata"]
    assert all("papermill" not in c["metadata"] and "execution" not in c["metadata"] for c in nb["cells"])
    assert any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert injected and "output_dir = None" in "".join(injected[0]["source"])


@pytest.mark.parametrize("name", sorted(WORKBOOKS))
def test_workbook_ends_with_an_explore_section_the_runner_skips(name):
    """The Explore code cell is the last cell, tagged for the runner to leave unexecuted,
    and the section's text says where its controls are (a saved report shows none)."""
    from marketbooks.run.runner import INTERACTIVE_TAG

    nb = json.loads((ROOT / "notebooks" / WORKBOOKS[name].notebook).read_text())
    *_, text, cell = nb["cells"]
    assert "".join(cell["source"]).startswith("explore(")
    tagged = [c for c in nb["cells"] if INTERACTIVE_TAG in c["metadata"].get("tags", [])]
    assert tagged == [cell]
    assert "".join(text["source"]).startswith("## Explore") and "open the dashboard" in "".join(text["source"])


def test_the_commit_hook_leaves_the_committed_notebooks_as_they_are(tmp_path):
    """The pre-commit hook strips outputs with nbstripout: committed notebooks are already
    output-free, so it changes nothing in them (and keeps their cell ids and tags)."""
    import shutil
    import subprocess
    import sys

    for path in NOTEBOOKS:
        shutil.copy(path, tmp_path / path.name)
    nbstripout = Path(sys.executable).parent / "nbstripout"
    subprocess.run([str(nbstripout), "--keep-id", *map(str, sorted(tmp_path.glob("*.ipynb")))], check=True)
    for path in NOTEBOOKS:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize("name", sorted(WORKBOOKS))
def test_the_first_cell_loads_the_extension_and_waits_for_the_visit(name):
    """A workbook's first code cell after its parameters loads the notebook extension (a
    parameter file that cannot be used shows as a located message) and reads the visit's
    scenario, and ends there: what follows is the page, which a waiting kernel rehearses
    (marketbooks.explore.rehearsal). It is tagged so that Voilà lets a pre-heated kernel
    wait in it without a limit."""
    from marketbooks.tags import VISIT_TAG

    nb = json.loads((ROOT / "notebooks" / WORKBOOKS[name].notebook).read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "parameters" not in c["metadata"].get("tags", [])]
    first = "".join(code[0]["source"])
    assert first.startswith("%load_ext marketbooks.explore.notebook\n")
    assert first.rstrip().splitlines()[-1].startswith(f'scenario = requested_scenario("{name}", scenario)')
    assert [c for c in code if VISIT_TAG in c["metadata"].get("tags", [])] == [code[0]]
