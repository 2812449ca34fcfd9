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
    """The headline of the scenario's last saved report, or that there is none."""
    results = project_root() / "outputs" / workbook / scenario / "results.json"
    if not results.exists():
        return "no saved report yet"
    try:
        return str(json.loads(results.read_text(encoding="utf-8")).get("headline", "saved report"))
    except (OSError, ValueError):
        return "its saved report cannot be read"


UNUSABLE = "its parameter file cannot be used"


def scenario_problem(workbook: str, scenario: str) -> str:
    """What stands between the scenario and a good run, if anything: a parameter file that
    cannot be used, or the reason the last run failed (the outputs shown are older)."""
    try:
        load_scenario(workbook, scenario)
    except ParameterError as exc:
        return f"{UNUSABLE}: {exc}"
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


def scenario_row(workbook: str, notebook: str, scenario: str) -> str:
    """One scenario on its workbook's card: its latest headline, its dashboard (unless its
    file cannot be used), its saved files, and what stands in its way."""
    problem = scenario_problem(workbook, scenario)
    parts = [f"<code>{html.escape(scenario)}</code>", html.escape(latest_headline(workbook, scenario))]
    if not problem.startswith(UNUSABLE):
        parts.append(link(scenario_dashboard(notebook, scenario), "dashboard", "mb-scenario-dashboard"))
    parts += [
        link(f"../../files/outputs/{workbook}/{scenario}/{file}", label, target="_blank")
        for file, label in output_links(workbook, scenario)
    ]
    return "<li>" + " · ".join(parts) + _problem_html(problem) + "</li>"


def cards_html() -> str:
    """One card per workbook; links are relative to the landing page
    (/voila/render/notebooks/index.ipynb)."""
    opens = "(the default scenario; the links below open it on each scenario and show its latest saved report)"
    scenarios: dict[str, list[str]] = {}
    for wb, sc in list_scenarios():
        scenarios.setdefault(wb, []).append(sc)
    cards = []
    for name, book in WORKBOOKS.items():
        rows = "".join(scenario_row(name, book.notebook, sc) for sc in scenarios.get(name, []))
        cards.append(
            f'<div class="mb-card" style="border:1px solid #ccd;border-radius:8px;padding:12px 16px;'
            f'margin:10px 0;max-width:820px">'
            f'<h3 style="margin:0 0 6px 0">{html.escape(book.title)}</h3>'
            f"<div><b>Rule:</b> {html.escape(book.rule)}</div>"
            f"<div><b>Source:</b> {html.escape(book.seed)}</div>"
            f"<div><b>Dashboard:</b> {link(book.notebook, book.title, 'mb-dashboard-link')} {opens}</div>"
            f"<div><b>Scenarios and latest reports:</b><ul>{rows}</ul></div></div>"
        )
    return "\n".join(cards)


def sweeps_html() -> str:
    """The sweeps run so far (``marketbooks sweep``), newest first: each one's report as a
    dashboard and as a saved page, and its points as CSV."""
    from marketbooks.studies.sweep import list_sweeps

    specs = list_sweeps()
    if not specs:
        return (
            '<div class="mb-sweeps"><h3>Sweeps</h3><p>None yet: <code>marketbooks sweep acps --grid rpi=0:0.04:0.01'
            "</code> runs one (docs/studies.md).</p></div>"
        )
    rows = []
    for spec in specs:
        name = str(spec.get("name", ""))
        folder = f"../../files/outputs/sweeps/{name}"
        described = f"{spec.get('points', 0):,} points of {spec.get('workbook')}/{spec.get('base')}"
        described += f" over {', '.join(map(str, spec.get('fields', [])))}"
        parts = [
            f"<code>{html.escape(name)}</code>",
            html.escape(described),
            link(f"sweep_report.ipynb?{urlencode({'sweep': name})}", "dashboard", "mb-sweep-dashboard"),
            link(f"{folder}/report.html", "report", target="_blank"),
            link(f"{folder}/points.csv", "points (CSV)", target="_blank"),
        ]
        rows.append("<li>" + " · ".join(parts) + "</li>")
    return f'<div class="mb-sweeps"><h3>Sweeps</h3><ul>{"".join(rows)}</ul></div>'


def _problem_html(problem: str) -> str:
    if not problem:
        return ""
    return f'<div class="mb-scenario-problem" style="color:#c0392b;white-space:pre-wrap">{html.escape(problem)}</div>'


def landing_page() -> Any:
    """The cards as an HTML widget: its links are plain links, which Voilà follows
    (links in rendered HTML outputs are intercepted by JupyterLab's link handler)."""
    import ipywidgets as w

    return w.HTML(cards_html() + sweeps_html())
