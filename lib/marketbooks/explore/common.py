"""Pieces every Explore section uses."""

from __future__ import annotations

import contextlib
import functools
import html
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qs

import ipywidgets as w
import pandas as pd

from marketbooks.explore import rehearsal
from marketbooks.run import waiting
from marketbooks.scenarios import WORKBOOKS, ParameterError, list_scenarios, load_scenario
from marketbooks.views.tables import HtmlTable, styled, with_csv_link

# ipywidgets cut a description at about 80 px ("Volume (k…") unless told to fit it
FIT_DESCRIPTION = {"description_width": "initial"}


def downloadable(df: pd.DataFrame, name: str, filename: str, formats: dict | None = None) -> HtmlTable:
    """The house table (:func:`marketbooks.views.tables.styled`, element id ``T_<name>``) with a
    link under it that downloads the table as ``filename``: every table an Explore section
    shows can be taken away, as every table a run writes is."""
    return with_csv_link(styled(df, name, formats), df, filename)


def slider(
    description: str, value: float, lo: float, hi: float, step: float, css: str, readout_format: str = ".2f"
) -> w.FloatSlider:
    s = w.FloatSlider(
        value=value,
        min=lo,
        max=hi,
        step=step,
        description=description,
        readout_format=readout_format,
        continuous_update=False,
        style={"description_width": "220px"},
        layout=w.Layout(width="560px"),
    )
    s.add_class(css)
    return s


def keep_last(compute: Callable[..., Any]) -> Callable[..., Any]:
    """``compute`` remembering its last result, for the same arguments; called with others,
    it lets that result go before computing the new one. An Explore section keeps each
    step's result for the controls that do not change it, and a market-scale month's step
    holds 25-50 MB: a cache of one (``lru_cache(maxsize=1)``) holds the old beside the new
    while the new is computed.

    Examples
    --------
    >>> calls = []
    >>> square = keep_last(lambda x: calls.append(x) or x * x)
    >>> square(3), square(3), square(4), calls
    (9, 9, 16, [3, 4])
    """
    last: dict[tuple, Any] = {}

    @functools.wraps(compute)
    def remembered(*args: Any) -> Any:
        if args not in last:
            last.clear()
            last[args] = compute(*args)
        return last[args]

    return remembered


def warm_up() -> None:
    """Pay the libraries' first-use costs on throwaway data: plotly's validators for each
    trace type the workbooks draw, the pandas Styler's templates, the XLSX writer, a
    control. A pre-heated dashboard kernel does this before it waits for its visit, so the
    visit runs only its scenario (docs/performance.md: about 0.2 s of every visit)."""
    from marketbooks.views.charts import Chart, figure
    from marketbooks.views.tables import csv_text, styled, xlsx_bytes

    table = pd.DataFrame({"a": [1.5, 2.0], "b": ["x", "y"], "n": [1, 2]})
    styled(table, "warm_up", {"a": "{:.2f}"})
    csv_text(table)
    xlsx_bytes({"warm_up": table})
    traces: list[dict[str, Any]] = [dict(type=kind, x=[1, 2], y=[1, 2]) for kind in ("bar", "scatter", "waterfall")]
    traces.append(dict(type="histogram", x=[1.0, 2.0]))
    Chart(figure(traces, "warm up", {"yaxis2": {"overlaying": "y", "side": "right"}}))._repr_mimebundle_()
    # closed again: a widget left open is sent to the visit's page with the page's own
    close_all(w.VBox([w.FloatSlider(), w.Dropdown(options=["a"]), w.HTML(), w.Output()]))


class ServerBusy(Exception):
    """The server has as many kernels as it may: this visit gets a "try again" page."""

    def _repr_html_(self) -> str:
        return (
            '<div class="mb-page-message mb-busy"><h2>The dashboards are busy right now</h2>'
            "<p>Too many pages are open at once. Try again in a minute.</p></div>"
        )


def check_capacity(limit: int | None = None) -> None:
    """Refuse a visit when the server runs more kernels than it may (``MARKETBOOKS_MAX_KERNELS``,
    set by ``marketbooks serve``): :class:`ServerBusy` shows the visitor a "busy, try again"
    page, and this kernel ends a few seconds later, once the page has it."""
    if limit is None:
        limit = int(os.environ.get("MARKETBOOKS_MAX_KERNELS", "0"))
    if not limit:
        return
    import threading

    import psutil

    kernels = 0
    for child in psutil.Process(os.getppid()).children():
        try:
            kernels += "ipykernel" in " ".join(child.cmdline())
        except psutil.Error:  # a kernel that ended while we counted
            continue
    if kernels > limit:
        threading.Timer(3.0, os._exit, args=(0,)).start()
        raise ServerBusy()


def visit_query(while_waiting: Callable[[], None] | None = None) -> str:
    """The query string of the dashboard visit this kernel serves ('' outside Voilà).

    A pre-heated kernel (Voilà's pool; ``config/voila.py``) has imported what its notebook
    needs and waits here until someone visits: :func:`voila.utils.get_query_string` returns
    the visit's query then; ``while_waiting`` runs before it waits (the page's rehearsal,
    :mod:`marketbooks.explore.rehearsal`), and what the kernel then holds is left out of
    the visit's garbage collections (:func:`marketbooks.run.waiting.settle`). Outside Voilà
    (the runner, papermill, nbval, JupyterLab) there is no visit and nothing waits.
    """
    if not os.environ.get("VOILA_KERNEL_ID"):
        return ""
    from voila.utils import get_query_string

    if os.environ.get("VOILA_PREHEAT") == "True":
        warm_up()
        if while_waiting is not None:
            while_waiting()
        waiting.settle()
    query = get_query_string() or ""
    waiting.wake()
    check_capacity()
    return query


class Overridable(w.HBox):
    """A control and, beside it, the reason it is disabled while a rule of the scenario
    overrides it (:meth:`override`): a control either changes the result or says why it
    cannot."""

    def __init__(self, control: w.Widget):
        self.control, self.reason = control, w.HTML()
        super().__init__([control, self.reason])

    def override(self, reason: str | None) -> None:
        """Disable the control, ``reason`` beside it; None enables it, with nothing beside."""
        self.control.disabled = reason is not None
        self.reason.value = "" if reason is None else message(reason, "info")
        if reason is None:
            self.reason.remove_class("mb-disabled-reason")
        else:
            self.reason.add_class("mb-disabled-reason")


@runtime_checkable
class ScenarioControls(Protocol):
    """An Explore section whose controls can show another scenario of the workbook
    (:meth:`show`): the scenario drop-down (:func:`scenario_switch`) changes the controls'
    values and ranges rather than building new ones, and the page redraws only the results.
    """

    def show(self, p: Any, values: Mapping[str, Any] | None = None) -> None:
        """The controls set for scenario ``p`` (its values, or ``values``, as a reader left
        them), and their results."""

    def values(self) -> dict[str, Any]:
        """The controls' values, as :meth:`show` takes them back."""


class ScenarioSection(w.VBox):
    """An Explore section of named ``controls`` that shows any scenario of its workbook (a
    :class:`ScenarioControls`).

    ``settings(p)`` gives each control's traits for scenario ``p``: its value, and its range
    or description where the scenario sets them. ``render(p, values)`` computes the results
    at the controls' values, fills the ``results`` lines and returns what ``out`` shows
    (:class:`Reactive`). ``note`` is the HTML above the controls, or gives it for ``p``.
    ``rows`` lay the controls out (one row each by default).
    """

    def __init__(
        self,
        p: Any,
        controls: Mapping[str, w.ValueWidget],
        settings: Callable[[Any], Mapping[str, Mapping[str, Any]]],
        render: Callable[[Any, dict[str, Any]], list],
        note: str | Callable[[Any], str],
        results: Sequence[w.HTML] = (),
        rows: Sequence[w.Widget] | None = None,
    ):
        self.controls, self.settings, self.compute, self.note_for = dict(controls), settings, render, note
        self.note, self.status, self.out = w.HTML(), w.HTML(), w.Output()
        self.set_scenario(p)
        self.reactive = reactive(list(self.controls.values()), self.render, self.status, self.out, results)
        shown = list(self.controls.values()) if rows is None else list(rows)
        super().__init__([self.note, *shown, *results, self.status, self.out])

    def render(self) -> list:
        return self.compute(self.p, self.values())

    def show(self, p: Any, values: Mapping[str, Any] | None = None) -> None:
        with self.reactive.held():
            self.set_scenario(p, values)

    def values(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def set_scenario(self, p: Any, values: Mapping[str, Any] | None = None) -> None:
        """The controls' traits for ``p``, their values ``values`` where given."""
        self.p, values = p, values or {}
        self.note.value = self.note_for if isinstance(self.note_for, str) else self.note_for(p)
        for name, traits in self.settings(p).items():
            control = self.controls[name]
            # a range and a value set together are checked together, once all are set
            with control.hold_sync(), control.hold_trait_notifications():
                for trait, value in {**traits, **({"value": values[name]} if name in values else {})}.items():
                    setattr(control, trait, value)


def requested_scenario(workbook: str, scenario: str) -> str:
    """The scenario a dashboard's address names (``…/acps.ipynb?scenario=2016_decision``),
    else ``scenario``, the notebook's parameter.

    A scenario the workbook does not have raises a :class:`ParameterError` naming the
    address and the scenarios there are: a page under that address must not show another
    scenario's numbers.
    """
    asked = parse_qs(visit_query(rehearsal.rehearsal_hook(workbook, scenario))).get("scenario")
    if not asked:
        rehearsal.take(workbook, scenario)
        return scenario
    known = [sc for _, sc in list_scenarios(workbook)]
    if asked[-1] not in known:
        raise ParameterError(
            f"?scenario={asked[-1]}",
            [
                (
                    "scenario",
                    f"the {workbook} workbook has no scenario '{asked[-1]}'; its scenarios are {', '.join(known)}",
                )
            ],
        )
    rehearsal.take(workbook, asked[-1])
    return asked[-1]


def on_dashboard() -> bool:
    """Whether this kernel serves a Voilà dashboard (its links then go through Voilà's
    file handler rather than beside a saved report)."""
    return bool(os.environ.get("VOILA_KERNEL_ID"))


def requested_sweep(sweep: str) -> str:
    """The sweep a dashboard's address names (``…/sweep_report.ipynb?sweep=<name>``), else
    ``sweep``, the notebook's parameter."""
    asked = parse_qs(visit_query()).get("sweep")
    return asked[-1] if asked else sweep


def explore(
    build: Callable[..., w.Widget], p: Any, interactive: bool = True, scenario: str | None = None, **computed: Any
):
    """The Explore section: ``build(p)``'s live widgets when someone is looking (Voilà,
    Jupyter); nothing in a batch run (``interactive=False``). Given the notebook's
    ``scenario`` (the one ``p`` was loaded from), a drop-down above the controls starts them
    from any scenario of the workbook (:func:`scenario_switch`).

    A saved notebook or HTML report cannot run widgets (the runner strips their state), so
    building them there only costs run time; the section's text says where the controls
    are. The runner does not even execute the section (its cell is tagged
    :data:`marketbooks.run.runner.INTERACTIVE_TAG`); ``interactive=False`` covers other batch
    executions, such as papermill called directly.

    ``computed`` is what the page has already computed for ``p`` (the imbalance month's
    settlement): the first ``build`` shows it rather than computing it again.
    """
    if not interactive:
        return None
    rehearsal.finish()  # the controls are the visit's own: nothing after them is replayed
    section = build(p, **computed) if scenario is None else scenario_switch(build, p, scenario, **computed)
    # built while a waiting kernel rehearses: closed unless the visit shows it
    rehearsal.on_discard(lambda: close_all(section))
    return section


def scenario_label(workbook: str, scenario: str) -> str:
    """How a reader knows a scenario: its file's ``label`` (the file's name if it cannot be used)."""
    try:
        return str(load_scenario(workbook, scenario).label)
    except ParameterError:
        return f"{scenario} (its file cannot be used)"


def scenario_options(workbook: str) -> list[tuple[str, str]]:
    """The workbook's scenarios as a drop-down offers them: (label, scenario) pairs."""
    return [(scenario_label(workbook, sc), sc) for _, sc in list_scenarios(workbook)]


def scenario_switch(build: Callable[..., ScenarioControls], p: Any, scenario: str, **computed: Any) -> w.VBox:
    """``build(p)`` under a drop-down of the workbook's scenarios: choosing one gives the
    same controls that scenario's values and ranges from its parameter file, or the values
    the reader left there when they come back to it (unless the file reads otherwise now).
    The dashboard's other sections show the page's scenario. A file that cannot be used is
    named with its fields and reasons, and the drop-down goes back to the scenario the
    controls show, so the two never disagree.

    The controls are built once (a :class:`ScenarioControls`) and only their values change:
    a browser builds a dozen controls and their styles noticeably slower than it updates
    them, and a widget lives in the kernel until it is closed, with what it computed (a
    market-scale month, 70 MB)."""
    workbook = next(name for name, wb in WORKBOOKS.items() if isinstance(p, wb.model))
    pick = w.Dropdown(
        options=scenario_options(workbook),
        value=scenario,
        description="Explore from scenario",
        style=FIT_DESCRIPTION,
        layout=w.Layout(width="auto", max_width="100%"),
    )
    pick.add_class("mb-scenario")
    status = w.HTML()
    section = build(p, **computed)
    if not isinstance(section, ScenarioControls):
        raise TypeError(f"{getattr(build, '__qualname__', build)} must build ScenarioControls to switch scenarios")
    # each scenario left: as read then, and its controls' values
    left: dict[str, tuple[Any, dict[str, Any]]] = {}
    shown = {"scenario": scenario, "p": p}

    def switch(change: dict) -> None:
        if change["new"] == shown["scenario"]:
            return  # the drop-down going back after a file that cannot be used
        try:
            q = load_scenario(workbook, change["new"])
        except ParameterError as exc:
            status.value = message(
                f"{exc.path} cannot be used: "
                + "; ".join(reason if field == "(file)" else f"{field}: {reason}" for field, reason in exc.problems)
            )
            pick.value = shown["scenario"]
            return
        left[shown["scenario"]] = (shown["p"], section.values())
        kept = left.get(change["new"])
        section.show(q, kept[1] if kept is not None and kept[0] == q else None)
        shown.update(scenario=change["new"], p=q)
        status.value = ""

    pick.observe(switch, names="value")
    return w.VBox([w.HBox([pick, status]), section])


def close_all(widget: w.Widget) -> None:
    """Close ``widget`` and every widget it holds (children, layout, style): a widget lives
    in the kernel, and in the page, until it is closed, and so do what its callbacks hold."""
    for child in getattr(widget, "children", ()):
        close_all(child)
    for part in (getattr(widget, "layout", None), getattr(widget, "style", None)):
        if isinstance(part, w.Widget):
            part.close()
    widget.close()


def message(text: str, kind: str = "error") -> str:
    colour = {"error": "#c0392b", "info": "#1f4e79"}[kind]
    return f'<div class="mb-{kind}" style="color:{colour};font-weight:600">{html.escape(text)}</div>'


def display_data(obj: Any) -> dict:
    """A display_data output for ``obj`` (a chart, a table, any object IPython can show)."""
    from IPython.core.formatters import format_display_data

    data, metadata = format_display_data(obj)
    return {"output_type": "display_data", "data": data, "metadata": metadata}


class Reactive:
    """``render`` (returns objects to display) re-run whenever one of ``controls`` changes.

    A ParameterError or ValueError becomes a message in ``status``, and what was shown for
    the previous input (``out``'s charts and tables, the ``results`` lines) is cleared, so
    no figure is shown beside controls it does not belong to; the next valid input shows
    its results again. Controls changed together (:meth:`held`) render once, and so do
    controls that move each other (the auction's kind and technology): a change that
    finds the results shown already computed at the controls' values renders nothing.
    """

    def __init__(
        self,
        controls: list[w.Widget],
        render: Callable[[], list],
        status: w.HTML,
        out: w.Output,
        results: Sequence[w.HTML] = (),
    ):
        self.render, self.status, self.out, self.results = render, status, out, results
        self.controls = controls
        self.holding = 0
        # the controls' values the results shown were computed at (None: none shown, or
        # something besides the controls changed since)
        self.shown_for: list[Any] | None = None
        for c in controls:
            c.observe(self.update, names="value")
        self.update()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Change several controls inside: one render after the last change, not one each."""
        self.holding += 1
        try:
            yield
        finally:
            self.holding -= 1
        if not self.holding:
            # held changes may be more than the controls' (a scenario shown): render anew
            self.shown_for = None
            self.update()

    def update(self, _: Any = None) -> None:
        if self.holding:
            return
        values = [c.value for c in self.controls]
        if values == self.shown_for:
            # a control that moved another: the other's change rendered these values already
            return
        self.shown_for = None
        try:
            shown = self.render()
        except ParameterError as exc:
            where = "" if exc.path in ("overrides", "<memory>") else f"{exc.path}: "
            # a rule across fields ("(file)") reads as its reason alone
            problem = message(where + "; ".join(r if f == "(file)" else f"{f}: {r}" for f, r in exc.problems))
        except ValueError as exc:
            problem = message(str(exc))
        except Exception as exc:  # noqa: BLE001 - a dashboard shows every failure in place, never a traceback
            problem = message(f"This could not be computed: {type(exc).__name__}: {exc}")
        else:
            self.status.value = ""
            # Setting the Output widget's outputs trait (rather than `with out: display(...)`)
            # keeps every display inside the widget, whichever front end or executor runs it.
            self.out.outputs = tuple(display_data(obj) for obj in shown)
            self.shown_for = values
            return
        # the old results go first, then the message: a page never shows the message beside them
        self.out.outputs = ()
        for line in self.results:
            line.value = ""
        self.status.value = problem


def reactive(
    controls: list[w.Widget],
    render: Callable[[], list],
    status: w.HTML,
    out: w.Output,
    results: Sequence[w.HTML] = (),
) -> Reactive:
    """Re-run ``render`` whenever a control changes (:class:`Reactive`)."""
    return Reactive(controls, render, status, out, results)
