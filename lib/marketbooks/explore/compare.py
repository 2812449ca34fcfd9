"""The landing page's comparison: two scenarios of a workbook, side by side."""

from __future__ import annotations

import ipywidgets as w

from marketbooks.scenarios import WORKBOOKS, ParameterError, list_scenarios, load_scenario
from marketbooks.studies.compare import input_differences, result_differences
from marketbooks.views.compare import comparison_tables
from marketbooks.views.text import esc_html


def comparison_html(workbook: str, first: str, second: str) -> str:
    """The comparison's tables, or the reason there are none (escaped HTML)."""
    try:
        a, b = load_scenario(workbook, first), load_scenario(workbook, second)
    except ParameterError as exc:
        return f'<div class="mb-error">{esc_html(exc)}</div>'
    return comparison_tables(
        f"{workbook}/{first}",
        f"{workbook}/{second}",
        input_differences(a, b),
        result_differences(workbook, a, workbook, b),
    )


def compare_widget() -> w.Widget:
    """Pick a workbook and two of its scenarios; the key results and the inputs that differ
    show below, and change with the choice."""
    books = {book.title: name for name, book in WORKBOOKS.items()}
    workbook = w.Dropdown(options=list(books.items()), value="acps", description="Workbook")
    first = w.Dropdown(description="First")
    second = w.Dropdown(description="Second")
    out = w.HTML()
    switching = []  # non-empty while the scenario lists change: one comparison, at the end

    def scenarios(_: object = None) -> None:
        names = [sc for _, sc in list_scenarios(workbook.value)]
        switching.append(True)
        try:
            first.options, second.options = names, names
            first.value = names[0] if names else None
            second.value = names[1] if len(names) > 1 else first.value
        finally:
            switching.clear()
        show()

    def show(_: object = None) -> None:
        if first.value and second.value and not switching:
            out.value = comparison_html(workbook.value, first.value, second.value)

    workbook.observe(scenarios, "value")
    first.observe(show, "value")
    second.observe(show, "value")
    scenarios()
    return w.VBox([w.HBox([workbook, first, second]), out], layout=w.Layout(max_width="980px"))
