"""A waiting dashboard kernel rehearses its default page, so a visit to it only shows it.

A workbook's pre-heated kernel (Voilà's pool, ``config/voila.py``) waits in the notebook's
visit cell until someone opens the dashboard; only then does it know which scenario the
address names. Most visits name none, so while it waits the kernel runs the cells that
follow, for the notebook's own scenario, and keeps what each cell displayed. When the visit
asks for that scenario, and its parameter file still reads the same, each of those cells
shows what it displayed at the rehearsal instead of computing it again (an IPython input
transformer swaps the cell's code for the replay: IPython's documented hook for rewriting
a cell before it runs). The names the cells defined are the rehearsal's: the same values,
computed from the same file by the same code. Any other visit discards the rehearsal, and
the cells run as they always do.

The Explore section is never rehearsed: its controls belong to the visit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from IPython.core.getipython import get_ipython
from IPython.utils.capture import CapturedIO, capture_output

from marketbooks.tags import INTERACTIVE_TAG, VISIT_TAG


@dataclass
class Rehearsal:
    """What the cells after the visit cell displayed for one scenario, by their code."""

    scenario: str
    inputs: Any  # the scenario as loaded at the rehearsal (compared again at the visit)
    shown: dict[str, CapturedIO] = field(default_factory=dict)
    defined: set[str] = field(default_factory=set)


_current: Rehearsal | None = None


def rehearsed_cells(notebook: Path) -> list[str]:
    """The code of the cells a waiting kernel rehearses: every code cell after the one
    tagged ``visit``, except the Explore cell."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    tags = [c.get("metadata", {}).get("tags", []) for c in cells]
    starts = [i for i, t in enumerate(tags) if VISIT_TAG in t]
    if not starts:
        return []
    return [
        "".join(c["source"])
        for c, t in zip(cells[starts[0] + 1 :], tags[starts[0] + 1 :], strict=True)
        if c["cell_type"] == "code" and INTERACTIVE_TAG not in t
    ]


def rehearse(scenario: str, inputs: Any, cells: Iterable[str], shell: Any = None) -> Rehearsal | None:
    """Run ``cells`` in the kernel's namespace, keeping what each displays; None (and the
    namespace as it was) when one of them fails: the visit then runs them itself."""
    global _current
    shell = shell or get_ipython()
    before = set(shell.user_ns)
    rehearsal = Rehearsal(scenario, inputs)
    for code in cells:
        # IPython's display trap hands a cell's last value to the shell's displayhook unless
        # a trap is already set (as in the visit cell, which calls this): set, it lets the
        # capture take the value too, so a chart a cell ends with is kept, not shown now.
        with shell.display_trap, capture_output(stdout=True, stderr=True, display=True) as shown:
            result = shell.run_cell(code, store_history=False)
        if not result.success:
            forget(shell, set(shell.user_ns) - before)
            _current = None
            return None
        rehearsal.shown[key(code)] = shown
    rehearsal.defined = set(shell.user_ns) - before
    _current = rehearsal
    return rehearsal


def key(code: str) -> str:
    """A cell's code as both the notebook and IPython's transformers see it."""
    return code.strip()


def forget(shell: Any, names: set[str]) -> None:
    for name in names:
        shell.user_ns.pop(name, None)


def take(workbook: str, scenario: str, shell: Any = None) -> bool:
    """At the visit, which asks for ``scenario``: replay the rehearsal if it was of that
    scenario and its parameter file reads the same now, else discard it. Whether it will
    be replayed."""
    global _current
    rehearsal, _current = _current, None
    if rehearsal is None:
        return False
    shell = shell or get_ipython()
    if rehearsal.scenario != scenario or current_inputs(workbook, scenario) != rehearsal.inputs:
        forget(shell, rehearsal.defined)
        return False
    shell.input_transformers_post.append(_Replay(rehearsal.shown, shell))
    return True


def current_inputs(workbook: str, scenario: str) -> Any:
    """The scenario as its parameter file reads now (None if it cannot be used)."""
    from marketbooks.scenarios import ParameterError, load_scenario

    try:
        return load_scenario(workbook, scenario)
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


def rehearsal_hook(workbook: str, scenario: str) -> Callable[[], None]:
    """What :func:`marketbooks.explore.common.visit_query` runs while the kernel waits:
    rehearse the workbook's notebook for ``scenario``, unless its file cannot be used."""
    from marketbooks.scenarios import WORKBOOKS
    from marketbooks.scenarios.loader import project_root

    def run() -> None:
        inputs = current_inputs(workbook, scenario)
        if inputs is None:
            return
        try:
            cells = rehearsed_cells(project_root() / "notebooks" / WORKBOOKS[workbook].notebook)
        except (OSError, ValueError, KeyError):  # a notebook being edited: the visit runs its cells
            return
        rehearse(scenario, inputs, cells)

    return run
