"""A waiting dashboard kernel's rehearsal of its page (marketbooks.explore.rehearsal), in a
real IPython shell: replayed only for the scenario and file it was made from, never run twice,
never left behind."""

from __future__ import annotations

import pytest
from conftest import ROOT
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from marketbooks.explore import rehearsal

CELLS = [
    "calls.append('heading')\ndisplay({'text/html': '<h2>Heading</h2>'}, raw=True)\nanswer = 40",
    "calls.append('figure')\nanswer + 2",
]


@pytest.fixture
def shell(monkeypatch):
    shell = InteractiveShell.instance()
    shell.user_ns["calls"] = []
    # the parameter file as it reads at the visit: "v1" unless a test changes it
    monkeypatch.setattr(rehearsal, "current_inputs", lambda workbook, scenario: shell.user_ns.get("_file", "v1"))
    yield shell
    rehearsal.finish(shell)
    for name in ("calls", "answer", "_file", "scenario", "print", "only_other"):
        shell.user_ns.pop(name, None)


def shown(shell, code: str) -> list[dict]:
    """What running ``code`` displays, its last value included (as a kernel sends it)."""
    with shell.display_trap, capture_output(display=True) as cap:
        assert shell.run_cell(code, store_history=False).success
    return [o.data for o in cap.outputs]


def test_a_visit_to_the_rehearsed_scenario_is_shown_what_was_computed_and_nothing_runs_twice(shell):
    rehearsal.rehearse("default", "v1", CELLS, shell)
    assert shell.user_ns["calls"] == ["heading", "figure"]

    assert rehearsal.take("acps", "default", shell)
    # ipykernel transforms a cell before running it, and IPython transforms it again
    assert shell.transform_cell(CELLS[0]) == shell.transform_cell(CELLS[0]) != CELLS[0]
    first, second = shown(shell, CELLS[0]), shown(shell, CELLS[1])
    assert first == [{"text/html": "<h2>Heading</h2>"}]
    assert second == [{"text/plain": "42"}]
    assert shell.user_ns["calls"] == ["heading", "figure"]  # the cells did not run again
    assert shell.user_ns["answer"] == 40
    # every rehearsed cell was shown once: the same code now runs as code
    assert shown(shell, CELLS[1]) == [{"text/plain": "42"}]
    assert shell.user_ns["calls"] == ["heading", "figure", "figure"]


@pytest.mark.parametrize("asked, file", [("other", "v1"), ("default", "v2")])
def test_another_scenario_or_a_changed_file_discards_the_rehearsal(shell, asked, file):
    rehearsal.rehearse("default", "v1", CELLS, shell)
    shell.user_ns["_file"] = file
    assert not rehearsal.take("acps", asked, shell)
    assert "answer" not in shell.user_ns  # the rehearsal's names are gone with it
    # the visit runs the cells itself
    assert shell.transform_cell(CELLS[0]).startswith("calls.append")
    assert shown(shell, CELLS[0]) == [{"text/html": "<h2>Heading</h2>"}]
    assert shown(shell, CELLS[1]) == [{"text/plain": "42"}]
    assert shell.user_ns["calls"] == ["heading", "figure", "heading", "figure"]


def test_a_rehearsal_inside_a_cell_shows_nothing_then_and_keeps_every_output(shell):
    """As in a waiting kernel: the visit cell rehearses the cells after it."""
    shell.user_ns["_cells"] = CELLS
    with capture_output(display=True) as during:
        shell.run_cell("from marketbooks.explore import rehearsal\nrehearsal.rehearse('default', 'v1', _cells)")
    assert during.outputs == [] and shell.user_ns["calls"] == ["heading", "figure"]
    assert rehearsal.take("acps", "default", shell)
    assert shown(shell, CELLS[0]) + shown(shell, CELLS[1]) == [{"text/html": "<h2>Heading</h2>"}, {"text/plain": "42"}]
    for name in ("_cells", "rehearsal"):
        shell.user_ns.pop(name)


def test_a_failing_cell_leaves_no_rehearsal_and_the_namespace_as_it_was(shell):
    assert rehearsal.rehearse("default", "v1", [CELLS[0], "1 / 0"], shell) is None
    assert "answer" not in shell.user_ns
    assert not rehearsal.take("acps", "default", shell)


def test_the_explore_section_ends_the_replay(shell):
    rehearsal.rehearse("default", "v1", CELLS, shell)
    assert rehearsal.take("acps", "default", shell)
    rehearsal.finish(shell)
    assert shell.transform_cell(CELLS[0]).startswith("calls.append")


def test_a_notebook_rehearses_the_cells_after_its_visit_cell_its_explore_section_included():
    cells = rehearsal.rehearsed_cells(ROOT / "notebooks" / "imbalance.ipynb")
    assert cells[0].startswith('p = load_scenario("imbalance", scenario, overrides)')
    assert not any("requested_scenario" in c for c in cells)
    assert any(c.startswith("display(report.table(") for c in cells)
    assert cells[-1].startswith("explore(")


# an Explore section as the notebooks build theirs: explore() gives the section's widget
EXPLORE_CELLS = [
    "import ipywidgets as w\nfrom marketbooks.explore.common import explore\n"
    "calls.append(scenario)\nanswer = len(scenario)",
    "section = explore(lambda n: w.VBox([w.IntSlider(value=n)]), answer)\nsection",
]


def widget_ids(outputs: list[dict]) -> list[str]:
    return [o["application/vnd.jupyter.widget-view+json"]["model_id"] for o in outputs]


def rehearse_sections(shell, names):
    """Rehearse EXPLORE_CELLS for each of ``names``; the Explore section each built."""
    built = {}
    for name in names:
        shell.user_ns["scenario"] = name
        built[name] = rehearsal.rehearse(name, "v1", EXPLORE_CELLS, shell).values["section"]
    shell.user_ns["scenario"] = names[0]
    return built


@pytest.fixture
def explore_names(shell):
    yield
    for name in ("w", "explore", "section"):
        shell.user_ns.pop(name, None)


def test_a_visit_to_a_rehearsed_scenario_is_shown_the_controls_built_while_waiting(shell, explore_names):
    built = rehearse_sections(shell, ["default", "other"])
    assert rehearsal.take("acps", "other", shell)
    shown(shell, EXPLORE_CELLS[0])
    # the visit's page shows the rehearsal's section, building none
    assert widget_ids(shown(shell, EXPLORE_CELLS[1])) == [built["other"].model_id]
    assert built["other"].children[0].value == 5 and built["other"].comm is not None
    assert shell.user_ns["calls"] == ["default", "other"]
    # the other rehearsal's controls are closed, its slider and their layouts too
    assert built["default"].comm is None
    assert built["default"].children[0].comm is None and built["default"].children[0].layout.comm is None


@pytest.mark.parametrize("asked, file", [("third", "v1"), ("default", "v2")])
def test_a_visit_not_shown_a_rehearsal_gets_new_controls_and_every_rehearsed_one_is_closed(
    shell, explore_names, asked, file
):
    built = rehearse_sections(shell, ["default", "other"])
    shell.user_ns["_file"] = file
    assert not rehearsal.take("acps", asked, shell)
    assert all(section.comm is None for section in built.values())
    shell.user_ns["scenario"] = asked
    shown(shell, EXPLORE_CELLS[0])
    new = shown(shell, EXPLORE_CELLS[1])
    assert widget_ids(new) == [shell.user_ns["section"].model_id] and shell.user_ns["section"].comm is not None
    assert shell.user_ns["section"] not in built.values()


def test_a_rehearsal_whose_later_cell_fails_closes_the_controls_it_built(shell, explore_names):
    shell.user_ns.update(scenario="default", kept=[])
    with capture_output():
        assert rehearsal.rehearse("default", "v1", [*EXPLORE_CELLS, "kept.append(section)\n1 / 0"], shell) is None
    (section,) = shell.user_ns.pop("kept")
    assert section.comm is None and "section" not in shell.user_ns
    # the next section built is the visit's own: no rehearsal is running to close it
    shown(shell, EXPLORE_CELLS[0])
    shown(shell, EXPLORE_CELLS[1])
    assert not rehearsal.take("acps", "default", shell)
    assert shell.user_ns["section"].comm is not None


def test_controls_built_outside_a_rehearsal_are_the_visits_and_never_closed_by_one(shell, explore_names):
    shell.user_ns["scenario"] = "default"
    shown(shell, EXPLORE_CELLS[0])
    shown(shell, EXPLORE_CELLS[1])
    live = shell.user_ns["section"]
    rehearsal.rehearse("other", "v1", EXPLORE_CELLS, shell)
    assert not rehearsal.take("acps", "third", shell)
    assert live.comm is not None


SCENARIO_CELLS = [
    "calls.append(scenario)\nanswer = len(scenario)\nif scenario == 'other':\n    only_other = True",
    "display({'text/plain': f'page of {scenario}'}, raw=True)\nprint = 'shadowed'",
]


def test_several_scenarios_rehearsed_each_visit_gets_its_own_page_and_names(shell):
    rehearsal.rehearse_pages("imbalance", ["default", "other"], SCENARIO_CELLS, shell)
    assert shell.user_ns["calls"] == ["default", "other"]

    assert rehearsal.take("imbalance", "default", shell)
    assert shown(shell, SCENARIO_CELLS[0]) + shown(shell, SCENARIO_CELLS[1]) == [{"text/plain": "page of default"}]
    assert shell.user_ns["answer"] == 7 and "only_other" not in shell.user_ns  # the other's names are gone
    assert shell.user_ns["calls"] == ["default", "other"]  # nothing ran again


def test_a_visit_to_the_second_rehearsed_scenario_is_shown_that_one(shell):
    rehearsal.rehearse_pages("imbalance", ["default", "other"], SCENARIO_CELLS, shell)
    assert rehearsal.take("imbalance", "other", shell)
    assert shown(shell, SCENARIO_CELLS[1]) == [{"text/plain": "page of other"}]
    assert shell.user_ns["answer"] == 5 and shell.user_ns["only_other"] is True


def test_a_visit_to_a_scenario_not_rehearsed_finds_the_names_as_before_the_rehearsals(shell):
    shell.user_ns["print"] = "mine"  # a name a rehearsed cell sets anew
    rehearsal.rehearse_pages("imbalance", ["default", "other"], SCENARIO_CELLS, shell)
    assert not rehearsal.take("imbalance", "third", shell)
    assert shell.user_ns["print"] == "mine"
    assert not {"answer", "only_other"} & set(shell.user_ns)
    assert shell.transform_cell(SCENARIO_CELLS[0]).startswith("calls.append")


def test_a_slow_scenarios_page_without_its_month_is_rehearsed_without_what_ifs(shell):
    # market_scale is the imbalance workbook's slow scenario; these cells set no p and no run
    rehearsal.rehearse_pages("imbalance", ["default", "market_scale"], SCENARIO_CELLS, shell)
    assert shell.user_ns["calls"] == ["default", "market_scale"]
    assert rehearsal.take("imbalance", "market_scale", shell)


def test_a_waiting_imbalance_kernel_rehearses_its_page_and_the_market_scale_month(monkeypatch):
    """The real notebook's cells, as the visit cell's hook runs them: the default page and
    market_scale, each replayed for its own visit with its own scenario's values."""
    import json

    from marketbooks.scenarios import load_scenario

    shell = InteractiveShell.instance()
    notebook = json.loads((ROOT / "notebooks" / "imbalance.ipynb").read_text())
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    params, visit = "".join(cells[0]["source"]), "".join(cells[1]["source"])
    imports = visit[: visit.index("scenario = requested_scenario")]
    monkeypatch.chdir(ROOT / "notebooks")
    with capture_output():
        assert shell.run_cell(params + "\n" + imports).success
        rehearsal.rehearsal_hook("imbalance", "faq_worked_example", shell)()
    assert shell.user_ns["scenario"] == "faq_worked_example"  # the notebook's, after both
    assert rehearsal.take("imbalance", "market_scale", shell)
    p = shell.user_ns["p"]
    assert p == load_scenario("imbalance", "market_scale") and len(shell.user_ns["run"].settled) > 1_000_000
    # its controls' what-ifs were priced once too: the month's prices are grouped already
    assert "prices" in vars(shell.user_ns["run"].volumes)
    rehearsal.finish(shell)
    shell.reset(new_session=True)


def test_what_a_rehearsed_page_was_made_from_is_its_file_and_the_drop_downs_scenarios(project_copy):
    """A page rehearsed before a scenario file was added or relabelled is not shown: its
    Explore section's drop-down would miss or misname that scenario."""
    made = rehearsal.current_inputs("rtp", "2016_information_paper")
    assert made == rehearsal.current_inputs("rtp", "2016_information_paper")
    params = project_copy / "params" / "rtp"
    other = params / "high_cost_sensitivity.yaml"
    text = other.read_text()
    assert "\nlabel: " in text
    other.write_text(text.replace("\nlabel: ", "\nlabel: Renamed: ", 1))
    assert rehearsal.current_inputs("rtp", "2016_information_paper") != made
    other.write_text(text)
    assert rehearsal.current_inputs("rtp", "2016_information_paper") == made
    (params / "added.yaml").write_text(text)
    assert rehearsal.current_inputs("rtp", "2016_information_paper") != made
    (params / "2016_information_paper.yaml").write_text("label: [\n")
    assert rehearsal.current_inputs("rtp", "2016_information_paper") is None
