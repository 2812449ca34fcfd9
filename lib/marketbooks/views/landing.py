"""The landing page: one card per workbook with its rule, seed, scenarios and links."""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import urlencode

from marketbooks.outputs import FAILURE_REASON, failed_run, xlsx_name
from marketbooks.scenarios import WORKBOOKS, ParameterError, list_scenarios, load_scenario, project_root
from marketbooks.views.tables import link


def latest_headline(workbook: str, scenario: str) -> str:
    """The headline of the scenario's last successful run, or a hint to run it."""
    results = project_root() / "outputs" / workbook / scenario / "results.json"
    if not results.exists():
        tried = failed_run(project_root() / "outputs", workbook, scenario).is_dir()
        return "no successful run yet" if tried else "not run yet (make run)"
    try:
        return json.loads(results.read_text(encoding="utf-8")).get("headline", "run")
    except (OSError, ValueError):
        return "results.json unreadable: re-run"


def scenario_problem(workbook: str, scenario: str) -> str:
    """What stands between the scenario and a good run, if anything: a parameter file that
    cannot be used, or the reason the last run failed (the outputs shown are older)."""
    try:
        load_scenario(workbook, scenario)
    except ParameterError as exc:
        return f"parameter file cannot be used: {exc}"
    reason = failed_run(project_root() / "outputs", workbook, scenario) / FAILURE_REASON
    if reason.is_file():
        return f"last run failed: {reason.read_text(encoding='utf-8').strip()}"
    return ""


def output_links(workbook: str, scenario: str) -> list[tuple[str, str]]:
    """(file, label) for the scenario's report, tables and key figures, those that exist:
    a scenario not run yet links nothing rather than three missing pages."""
    folder = project_root() / "outputs" / workbook / scenario
    wanted = [
        ("report.html", "report"),
        (xlsx_name(workbook, scenario), "tables (XLSX)"),
        ("results.json", "results.json"),
    ]
    return [(file, label) for file, label in wanted if (folder / file).is_file()]


def scenario_dashboard(notebook: str, scenario: str) -> str:
    """The dashboard's address on ``scenario`` (read by
    :func:`marketbooks.explore.common.requested_scenario`), relative to the landing page."""
    return f"{notebook}?{urlencode({'scenario': scenario})}"


def cards_html() -> str:
    """Links are relative to /voila/render/notebooks/index.ipynb (``make serve``)."""
    opens = (
        "(the default scenario; each scenario below opens it on that scenario, and the reports are"
        " <code>make run</code> outputs)"
    )
    scenarios: dict[str, list[str]] = {}
    for wb, sc in list_scenarios():
        scenarios.setdefault(wb, []).append(sc)
    cards = []
    for name, book in WORKBOOKS.items():
        rows = "".join(
            f"<li><code>{html.escape(sc)}</code> · {html.escape(latest_headline(name, sc))}"
            + " · "
            + link(scenario_dashboard(book.notebook, sc), "dashboard", "mb-scenario-dashboard")
            + "".join(
                " · " + link(f"../../files/outputs/{name}/{sc}/{file}", label, target="_blank")
                for file, label in output_links(name, sc)
            )
            + _problem_html(scenario_problem(name, sc))
            + "</li>"
            for sc in scenarios.get(name, [])
        )
        cards.append(
            f'<div class="mb-card" style="border:1px solid #ccd;border-radius:8px;padding:12px 16px;'
            f'margin:10px 0;max-width:820px">'
            f'<h3 style="margin:0 0 6px 0">{html.escape(book.title)}</h3>'
            f"<div><b>Rule:</b> {html.escape(book.rule)}</div>"
            f"<div><b>Seed:</b> {html.escape(book.seed)}</div>"
            f"<div><b>Dashboard:</b> {link(book.notebook, book.notebook, 'mb-dashboard-link')} {opens}</div>"
            f"<div><b>Scenarios and latest outputs:</b><ul>{rows}</ul></div></div>"
        )
    return "\n".join(cards)


def _problem_html(problem: str) -> str:
    if not problem:
        return ""
    return f'<div class="mb-scenario-problem" style="color:#c0392b;white-space:pre-wrap">{html.escape(problem)}</div>'


def landing_page() -> Any:
    """The cards as an HTML widget: its links are plain links, which Voilà follows
    (links in rendered HTML outputs are intercepted by JupyterLab's link handler)."""
    import ipywidgets as w

    return w.HTML(cards_html())
