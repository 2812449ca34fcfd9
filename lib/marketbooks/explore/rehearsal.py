"""A waiting dashboard kernel rehearses its pages, so a visit to one only shows it.

A workbook's pre-heated kernel (Voilà's pool, ``config/voila.py``) waits in the notebook's
visit cell until someone opens the dashboard; only then does it know which scenario the
address names. Most visits name none, so while it waits the kernel runs the cells that
follow, for the notebook's own scenario, and keeps what each cell displayed; then it does
the same for the scenarios the workbook names as slow to compute at a visit
(:attr:`marketbooks.scenarios.registry.Workbook.rehearsed`: the market-scale imbalance
month). When the visit asks for a rehearsed scenario, and its parameter file still reads
the same, each of those cells shows what it displayed at the rehearsal instead of
computing it again (an IPython input transformer swaps the cell's code for the replay:
IPython's documented hook for rewriting a cell before it runs). The names the cells
defined are that rehearsal's: the same values, computed from the same file by the same
code. Every other rehearsal is discarded at the visit, and a visit to a scenario not
rehearsed (or whose file has changed) runs the cells as they always do.

The Explore section is rehearsed too: a pool kernel serves one visit, so the controls it
builds while it waits are already the visitor's, and the visit only shows them (a
section's sixty-odd widgets took 80-90 ms of the visit's kernel to build and sent about
ninety messages through Voilà's server). A rehearsal the visit does not show closes what
it built (:func:`on_discard`) before the page connects, so the page is sent only its own
controls.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from IPython.core.getipython import get_ipython
from IPython.utils.capture import CapturedIO, capture_output

from marketbooks.scenarios import WORKBOOKS
from marketbooks.tags import VISIT_TAG


@dataclass
class Rehearsal:
    """What the cells after the visit cell displayed for one scenario, by their code, the
    names they set, and what closes the widgets they built if the visit does not show them."""

    scenario: str
    inputs: Any  # the scenario as loaded at the rehearsal (compared again at the visit)
    shown: dict[str, CapturedIO] = field(default_factory=dict)
    defined: set[str] = field(default_factory=set)
    values: dict[str, Any] = field(default_factory=dict)
    closers: list[Callable[[], None]] = field(default_factory=list)

    def discard(self) -> None:
        """Let go of what the rehearsal built that outlives its cells (its Explore
        section's widgets, which live in the kernel and would be sent to the page)."""
        while self.closers:
            self.closers.pop()()


# the kernel's rehearsals by scenario, and its names as they were before the first of them
_rehearsals: dict[str, Rehearsal] = {}
_before: dict[str, Any] = {}
# the rehearsal running now, if one is
_running: list[Rehearsal] = []


def on_discard(close: Callable[[], None]) -> None:
    """While a rehearsal runs: ``close`` is called if the visit does not show it (another
    scenario asked for, its file changed since, or a later cell failed). At any other time
    nothing: what the visit builds is the visit's."""
    if _running:
        _running[-1].closers.append(close)


def rehearsed_cells(notebook: Path) -> list[str]:
    """The code of the cells a waiting kernel rehearses: every code cell after the one
    tagged ``visit``, the Explore section included."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    tags = [c.get("metadata", {}).get("tags", []) for c in cells]
    starts = [i for i, t in enumerate(tags) if VISIT_TAG in t]
    if not starts:
        return []
    return ["".join(c["source"]) for c in cells[starts[0] + 1 :] if c["cell_type"] == "code"]


def rehearse(scenario: str, inputs: Any, cells: Iterable[str], shell: Any = None) -> Rehearsal | None:
    """Run ``cells`` in the kernel's namespace, keeping what each displays and the names it
    sets; None when one of them fails (the visit then runs them itself). Several scenarios
    may be rehearsed one after another: each starts from the names as they were before the
    first, and keeps its own names' values."""
    shell = shell or get_ipython()
    if not _rehearsals:
        _before.clear()
        _before.update(shell.user_ns)
    # each rehearsal starts from the names as they were before the first one
    restore(shell, set().union(*(r.defined for r in _rehearsals.values())), _before)
    start = dict(shell.user_ns)
    rehearsal = Rehearsal(scenario, inputs)
    replaced = _rehearsals.pop(scenario, None)
    if replaced is not None:
        replaced.discard()
    _running.append(rehearsal)
    try:
        for code in cells:
            # IPython's display trap hands a cell's last value to the shell's displayhook
            # unless a trap is already set (as in the visit cell, which calls this): set, it
            # lets the capture take the value too, so a chart a cell ends with is kept.
            with shell.display_trap, capture_output(stdout=True, stderr=True, display=True) as shown:
                result = shell.run_cell(code, store_history=False)
            if not result.success:
                rehearsal.discard()
                restore(shell, set(shell.user_ns) | set(start), start)
                return None
            rehearsal.shown[key(code)] = shown
    finally:
        _running.remove(rehearsal)
    # a name is the rehearsal's if it is new or now holds another object
    rehearsal.defined = {n for n, v in shell.user_ns.items() if n not in start or start[n] is not v}
    rehearsal.values = {n: shell.user_ns[n] for n in rehearsal.defined}
    _rehearsals[scenario] = rehearsal
    return rehearsal


def restore(shell: Any, names: set[str], values: dict[str, Any]) -> None:
    """``names`` as they are in ``values``; a name not there is removed."""
    for name in names:
        if name in values:
            shell.user_ns[name] = values[name]
        else:
            shell.user_ns.pop(name, None)


def key(code: str) -> str:
    """A cell's code as both the notebook and IPython's transformers see it."""
    return code.strip()


def take(workbook: str, scenario: str, shell: Any = None) -> bool:
    """At the visit, which asks for ``scenario``: replay its rehearsal if there is one and
    what it was made from reads the same now (:func:`current_inputs`); discard every other,
    closing what it built. Whether it will be replayed."""
    rehearsals = dict(_rehearsals)
    _rehearsals.clear()
    if not rehearsals:
        return False
    shell = shell or get_ipython()
    # the names as before the first rehearsal, then the visited scenario's own
    restore(shell, set().union(*(r.defined for r in rehearsals.values())), _before)
    _before.clear()
    chosen = rehearsals.get(scenario)
    if chosen is not None and current_inputs(workbook, scenario) != chosen.inputs:
        chosen = None
    for other in rehearsals.values():
        if other is not chosen:
            other.discard()
    if chosen is None:
        return False
    shell.user_ns.update(chosen.values)
    shell.input_transformers_post.append(_Replay(chosen.shown, shell))
    return True


def current_inputs(workbook: str, scenario: str) -> Any:
    """What a rehearsed page was made from, as it reads now: the scenario as its parameter
    file reads (None if it cannot be used) and the workbook's scenarios as the Explore
    section's drop-down names them."""
    from marketbooks.explore.common import scenario_options
    from marketbooks.scenarios import ParameterError, load_scenario

    try:
        return load_scenario(workbook, scenario), scenario_options(workbook)
    except ParameterError:
        return None


class _Replay:
    """IPython input transformer: a rehearsed cell's code becomes the replay of its outputs.

    IPython may transform a cell more than once before running it (ipykernel does, to see
    whether it needs an event loop): the code maps to its replay until the replay runs.
    """

    def __init__(self, shown: dict[str, CapturedIO], shell: Any):
        self.shown = dict(shown)
        self.shell = shell
        _replaying[id(self)] = self

    def __call__(self, lines: list[str]) -> list[str]:
        code = key("".join(lines))
        if code not in self.shown:
            return lines
        return [f"__import__('marketbooks.explore.rehearsal').explore.rehearsal.replay({id(self)}, {code!r})\n"]

    def replay(self, code: str) -> None:
        shown = self.shown.pop(code)
        if not self.shown:
            self.done()
        shown.show()

    def done(self) -> None:
        _replaying.pop(id(self), None)
        if self in self.shell.input_transformers_post:
            self.shell.input_transformers_post.remove(self)


_replaying: dict[int, _Replay] = {}


def replay(transformer: int, code: str) -> None:
    """Show what the rehearsed cell ``code`` displayed (the code a rehearsed cell becomes)."""
    _replaying[transformer].replay(code)


def finish(shell: Any = None) -> None:
    """Stop replaying (the Explore section has started: everything after it runs live)."""
    shell = shell or get_ipython()
    if shell is None:
        return
    for transformer in [t for t in shell.input_transformers_post if isinstance(t, _Replay)]:
        transformer.done()


def rehearsal_hook(workbook: str, scenario: str, shell: Any = None) -> Callable[[], None]:
    """What :func:`marketbooks.explore.common.visit_query` runs while the kernel waits:
    rehearse the workbook's notebook for ``scenario`` (the notebook's own), then for the
    scenarios the workbook names as slow to compute
    (:attr:`~marketbooks.scenarios.registry.Workbook.rehearsed`), each unless its file
    cannot be used (:func:`rehearse_pages`)."""
    from marketbooks.scenarios import WORKBOOKS
    from marketbooks.scenarios.loader import project_root

    def run() -> None:
        try:
            cells = rehearsed_cells(project_root() / "notebooks" / WORKBOOKS[workbook].notebook)
        except (OSError, ValueError, KeyError):  # a notebook being edited: the visit runs its cells
            return
        kernel = shell or get_ipython()
        if kernel is not None:
            rehearse_pages(workbook, [scenario, *WORKBOOKS[workbook].rehearsed], cells, kernel)

    return run


def rehearse_what_ifs(workbook: str, names: dict[str, Any]) -> None:
    """After a slow scenario's rehearsal, what its Explore controls will compute, once and
    thrown away: the workbook's Explore module's ``rehearse_what_ifs(names)``, given the
    names the rehearsal set, if it has one (the imbalance month:
    :func:`marketbooks.explore.imbalance.rehearse_what_ifs`)."""
    what_ifs = getattr(importlib.import_module(f"marketbooks.explore.{workbook}"), "rehearse_what_ifs", None)
    if what_ifs is not None:
        what_ifs(names)


def rehearse_pages(workbook: str, scenarios: Iterable[str], cells: list[str], shell: Any) -> None:
    """Rehearse ``cells`` for each of ``scenarios`` whose file can be used, the notebook's
    ``scenario`` naming each in turn and the first again afterwards (the page's own)."""
    scenarios = list(dict.fromkeys(scenarios))
    try:
        for name in scenarios:
            inputs = current_inputs(workbook, name)
            if inputs is not None:
                shell.user_ns["scenario"] = name
                if rehearse(name, inputs, cells, shell) is not None and name in WORKBOOKS[workbook].rehearsed:
                    rehearse_what_ifs(workbook, shell.user_ns)
    finally:
        shell.user_ns["scenario"] = scenarios[0]
