"""The dashboards as a stakeholder waits for them, in a real browser (not run by `make test`).

Serves a copy of the project with Voilà as `make serve` does, plus a *floor* dashboard (one
markdown cell, one plotly chart and one slider), and drives Debian's Chromium with
Playwright (headless, a new browser context per visit, so nothing is cached; with
``--returning``, one context for every visit: a reader coming back, whose browser holds what
earlier visits loaded):

- **usable**: from the request until every chart is drawn (each chart's plotly SVG is in
  the page) and every control of the Explore section is rendered;
- **the browser's main thread**: until usable, the seconds it was busy (Chromium's own
  account, DevTools' Performance metrics), and of those, running scripts (Voilà's,
  ipywidgets', plotly.js) and computing style and layout: a page whose main thread is
  busy for most of its wait is waiting for the browser's work, not for the server;
- **bytes and requests** per visit;
- **control → chart**: for each Explore control, changed as a user changes it (typing
  into a slider's readout, picking an option, ticking a box), from the moment the change
  is committed (Enter, the option picked, the box ticked) until the Explore chart is drawn
  again, on the page's clock; beside it, *as driven*: the same from the harness's first
  click, which adds Playwright's round trips for each click and key (the typing a user
  would do before the wait starts);
- **the machine's speed**: a fixed piece of work timed in the run's Chromium and in Python,
  best of five, at the run's start and end, so that runs on different days (this machine's
  speed drifts by tens of per cent from day to day) can be read side by side.

Each round visits every dashboard once, the floor among them, so that the machine's load,
which drifts from minute to minute, falls on every page alike; each page's time over the
floor's in the same round is beside its usable time. Visits are spaced so that Voilà's pool
has a waiting kernel again (it refills a second after each visit), as for a reader who does
not open a page twice a second, and each visit waits until the machine is idle (the kernel
started for the last visit's notebook has rehearsed its pages, which takes a core for up to
8 s), as for a reader who is not the second in a few seconds. Prints Markdown tables of
medians (and ranges).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from voila_server import CHROMIUM, CHROMIUM_ARGS, voila  # noqa: E402

DASHBOARDS = [
    "index.ipynb",
    "acps.ipynb",
    "ds3_revenue.ipynb",
    "imbalance.ipynb",
    "auction_walkthrough.ipynb",
    # the imbalance notebook's pool again, not straight after its other page
    "imbalance.ipynb?scenario=market_scale",
    "rtp_assessment.ipynb",
    "floor.ipynb",
]
VIEWPORT = {"width": 1280, "height": 1600}
# The browser's main thread until usable (the table's columns): busy, and of it scripts and style and layout.
MAIN_THREAD = ("browser's main thread busy, s", "of it scripts", "of it style and layout")
CONTROLS = ".widget-hslider, .widget-dropdown, .widget-checkbox, .widget-upload, .widget-text"

# Usable: no output waits for the front end, every chart is drawn, the controls stand still.
USABLE = """([controls]) => {
  if (document.readyState !== 'complete') return false;
  if (document.querySelector('script[type="application/vnd.voila.cell-output+json"]')) return false;
  const charts = [...document.querySelectorAll('.mb-chart')];
  if (!charts.every(c => c.querySelector('.main-svg'))) return false;
  return document.querySelectorAll(controls).length >= (window.mbExpectedControls ?? 0);
}"""


def floor_notebook(path: Path) -> None:
    """The floor: what any dashboard of this design costs (one text, one chart, one slider)."""
    nb = nbformat.v4.new_notebook()
    setup = nbformat.v4.new_code_cell(
        "import ipywidgets as w\n\nfrom marketbooks.explore.common import visit_query\n"
        "from marketbooks.views.charts import Chart, figure\n\nvisit_query()",
        metadata={"tags": ["visit"]},
    )
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Floor\n\nOne chart and one slider."),
        setup,
        nbformat.v4.new_code_cell('Chart(figure([dict(type="bar", x=["a", "b"], y=[1, 2])], "floor"))'),
        nbformat.v4.new_code_cell('w.FloatSlider(description="x")'),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def expected_controls(page_name: str) -> int:
    """How many controls the dashboard's Explore section builds (counted in Python)."""
    import ipywidgets as w

    from marketbooks.explore import acps, auction, common, compare, ds3, imbalance, rtp
    from marketbooks.scenarios import load_scenario

    kinds = (
        w.FloatSlider,
        w.IntSlider,
        w.Dropdown,
        w.Combobox,
        w.Checkbox,
        w.FileUpload,
        w.BoundedFloatText,
        w.BoundedIntText,
    )

    def count(widget: w.Widget) -> int:
        return int(isinstance(widget, kinds)) + sum(count(child) for child in getattr(widget, "children", ()))

    if page_name == "index.ipynb":  # the comparison's drop-downs (it showed none when timed before them)
        return count(compare.compare_widget())
    if page_name == "floor.ipynb":
        return 1
    name, _, query = page_name.partition("?scenario=")
    workbook, module = {
        "acps.ipynb": ("acps", acps),
        "ds3_revenue.ipynb": ("ds3", ds3),
        "imbalance.ipynb": ("imbalance", imbalance),
        "auction_walkthrough.ipynb": ("auction", auction),
        "rtp_assessment.ipynb": ("rtp", rtp),
    }[name]
    from marketbooks.scenarios import WORKBOOKS

    default = {
        "acps": "2017_decision",
        "ds3": "2017_decision",
        "imbalance": "faq_worked_example",
        "auction": "example_05",
        "rtp": "2016_information_paper",
    }[workbook]
    scenario = query or default
    assert WORKBOOKS[workbook]
    return count(common.scenario_switch(module.explorer, load_scenario(workbook, scenario), scenario))


def wait_quiet(limit: float, idle: float = 0.9, window: float = 0.5) -> float:
    """Wait until the machine's CPUs have been at least ``idle`` idle for two ``window``s in
    a row (the kernel Voilà started to replace the last visit's has rehearsed its pages),
    at most ``limit`` seconds; returns the seconds waited."""
    import psutil

    start = time.perf_counter()
    quiet = 0
    while quiet < 2 and time.perf_counter() - start < limit:
        quiet = quiet + 1 if psutil.cpu_percent(interval=window) <= 100 * (1 - idle) else 0
    return time.perf_counter() - start


# The machine's speed (the module's docstring): a loop the JIT compiles to plain arithmetic,
# so that it measures the CPU the page gets, not the page.
REFERENCE_JS = """() => {
  const start = performance.now();
  let s = 0;
  for (let i = 0; i < 5e7; i++) { s += Math.sqrt(i); }
  return [performance.now() - start, s];
}"""


def reference_python() -> float:
    """Seconds for a fixed loop in Python (the kernels' side of a change)."""
    start = time.perf_counter()
    sum(i * i for i in range(2_000_000))
    return time.perf_counter() - start


def machine_speed(browser) -> tuple[float, float]:
    """The fixed work's best of five in Chromium (a blank page's main thread) and in Python, s."""
    page = browser.new_page()
    js = min(page.evaluate(REFERENCE_JS)[0] for _ in range(5)) / 1000
    page.close()
    return js, min(reference_python() for _ in range(5))


def visit(browser, url: str, controls: int, context=None) -> tuple[float, int, int, dict[str, float], object, object]:
    """One visit in a new browser context, or in ``context`` (a returning reader's); returns
    the seconds until usable, bytes and requests, the main thread's work, the page and its
    context."""
    context = context or browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    sizes = []
    page.on("requestfinished", lambda request: sizes.append(request))
    page.add_init_script(f"window.mbExpectedControls = {controls};")
    # Chromium's own account of the page's main thread (DevTools' Performance domain)
    devtools = context.new_cdp_session(page)
    devtools.send("Performance.enable")
    start = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=120_000)
    page.wait_for_function(USABLE, arg=[CONTROLS], timeout=120_000, polling=10)
    usable = time.perf_counter() - start
    metrics = {m["name"]: m["value"] for m in devtools.send("Performance.getMetrics")["metrics"]}
    busy = dict(
        zip(
            MAIN_THREAD,
            (
                metrics["TaskDuration"],
                metrics["ScriptDuration"],
                metrics["RecalcStyleDuration"] + metrics["LayoutDuration"],
            ),
        )
    )
    total = 0
    for request in sizes:
        try:
            total += request.sizes()["responseBodySize"]
        except Exception:  # noqa: BLE001 - a request the page dropped
            pass
    return usable, total, len(sizes), busy, page, context


# The text of every output of the Explore section: a control's result may land in any of
# them (the guarantee's Po and Kg change the guarantee's text, not the settlement's chart);
# on a page without Explore charts (the landing page's comparison) its HTML widgets' too.
OUTPUT_TEXT = (
    "() => [...document.querySelectorAll(document.querySelector('.widget-output .mb-chart')"
    " ? '.widget-output' : '.widget-output, .widget-html')].map(o => o.innerText).join('\\n')"
)
# A control has answered: an Explore chart drawn anew, or the outputs' text changed; or,
# for a control whose result is a figure in a line of text (Po and Kg change only the
# guarantee FZ), that text changed and no chart followed within a second.
# The first time it holds is kept in the page (``mbDoneAt``): the wait is measured on the
# page's own clock, from the change's commit to the drawing.
REDRAWN = f"""(before) => {{
  const done = [...document.querySelectorAll('.widget-output .mb-chart')]
      .some(c => !c.dataset.mbOld && c.querySelector('.main-svg')) || ({OUTPUT_TEXT})() !== before
    || (window.mbTextAt !== null && performance.now() - window.mbTextAt > 1000);
  if (done && window.mbDoneAt === null) {{ window.mbDoneAt = performance.now(); }}
  return done;
}}"""
# Records when the Explore section's lines of text (HTML widgets) first change after a control.
WATCH_TEXT = """() => {
  const text = () => [...document.querySelectorAll('.widget-html')].map(h => h.innerText).join('\\n');
  const before = text();
  window.mbTextAt = null;
  if (window.mbWatch) { window.mbWatch.disconnect(); }
  window.mbWatch = new MutationObserver(() => {
    if (window.mbTextAt === null && text() !== before) { window.mbTextAt = performance.now(); }
  });
  window.mbWatch.observe(document.body, {subtree: true, childList: true, characterData: true});
  window.mbStart = performance.now();
  window.mbCommit = null;
  window.mbDoneAt = null;
  if (!window.mbListening) {
    // the moment a change is committed, as the user makes it: Enter in a slider's readout
    // or a text box, an option picked, a box ticked (before the widget's own handlers)
    const commit = () => { if (window.mbCommit === null) { window.mbCommit = performance.now(); } };
    document.addEventListener('keydown', e => { if (e.key === 'Enter') { commit(); } }, true);
    document.addEventListener('change', commit, true);
    window.mbListening = true;
  }
}"""


def change_times(page, rounds: int) -> dict[str, list[tuple[float, float]]]:
    """Each Explore control changed ``rounds`` times, as a user would; seconds from the
    change's commit, and from the harness's first click, until the Explore chart (or the
    section's text, where a control has no chart) is drawn again; for
    a control that changes only a line of text (a figure such as FZ), until that text
    changed, labelled "(text)". The scenario drop-down is timed to another scenario (named
    in its row; "(again)" from the second round, when that scenario's controls are kept)
    and back (a row of its own: the page's controls as they were left), so that every other
    control is timed on the page's own scenario. Controls keep their values from round to
    round, as for a reader who moves them one after another."""
    times: dict[str, list[tuple[float, float]]] = {}
    switched: set[str] = set()
    count = page.locator(CONTROLS).count()
    for i in [i for _ in range(rounds) for i in range(count)]:
        control = page.locator(CONTROLS).nth(i)
        classes = control.get_attribute("class") or ""
        # a check box's name is its own text, beside an empty description (a zero-width space)
        named = control.locator(".widget-label").first.inner_text() if control.locator(".widget-label").count() else ""
        label = named.replace("\u200b", "").strip() or control.inner_text().strip() or classes.split()[0]
        if "widget-upload" in classes:
            continue
        if "mod-disabled" in classes or control.locator("input:disabled, select:disabled, [disabled]").count():
            continue  # a control a rule overrides is disabled with its reason: nothing to time
        before = mark(page)
        back = None
        start = time.perf_counter()
        if "widget-hslider" in classes:
            readout = control.locator(".widget-readout")
            shown = readout.inner_text().replace(",", "").replace("\u2212", "-")
            current = float(shown or 0)
            # 10 % down, every round a change; an integer slider at 1 or below (a period) goes up
            # one, and so does a value whose 10 % the readout's last decimal cannot show
            decimals = len(shown.partition(".")[2])
            target = current * 0.9 if current else 1
            if round(target, decimals) == current:
                target = current + 10.0**-decimals
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type(f"{target:g}")
            page.keyboard.press("Enter")
        elif "widget-dropdown" in classes:
            select = control.locator("select")
            options = select.locator("option").all_inner_texts()
            shown = select.evaluate("s => s.options[s.selectedIndex]?.text ?? ''")
            others = [o for o in options if o != shown]
            if not others:
                continue
            select.select_option(label=others[0])
            if "mb-scenario" in classes:
                back = (select, shown, f"{label}: back to {shown}")
                # a scenario chosen before shows the controls it had then (none built)
                label = f"{label}: {others[0]}" + (" (again)" if others[0] in switched else "")
                switched.add(others[0])
        elif "widget-checkbox" in classes:
            control.locator("input").click()
        elif control.locator("datalist").count():  # a box suggesting names (the deviation's subject)
            box = control.locator("input")
            typed = box.input_value()
            # the next name it suggests, typed in full, as a reader picks it
            names = control.locator("datalist option").evaluate_all("os => os.map(o => o.value)")
            box.fill(names[(names.index(typed) + 1) % len(names)] if typed in names else names[0])
            box.press("Enter")
        elif "widget-text" in classes:
            box = control.locator("input")
            typed = box.input_value() or "0"
            # a whole number (a period) one up, any other 10 % up
            box.fill(str(int(typed) + 1) if typed.lstrip("-").isdigit() else str(float(typed) * 1.1))
            box.press("Enter")
        try:
            page.wait_for_function(
                REDRAWN,
                arg=before,
                timeout=10_000,
                polling=5,
            )
        except Exception:  # noqa: BLE001 - a control that changes nothing shows as such
            times.setdefault(label, []).append((float("nan"), float("nan")))
            continue
        driven = time.perf_counter() - start
        text_only = page.evaluate(
            f"""() => ![...document.querySelectorAll('.widget-output .mb-chart')]
                .some(c => !c.dataset.mbOld && c.querySelector('.main-svg'))
              && ({OUTPUT_TEXT})() === {json.dumps(before)} && window.mbTextAt !== null"""
        )
        # the time the text changed, not the second waited for a chart
        done = "window.mbTextAt" if text_only else "window.mbDoneAt"
        label = f"{label} (text)" if text_only else label
        waited, typing = page.evaluate(
            f"() => window.mbCommit === null ? [NaN, NaN]"
            f" : [({done} - window.mbCommit) / 1000, (window.mbCommit - window.mbStart) / 1000]"
        )
        if text_only:
            driven = waited + typing
        times.setdefault(label, []).append((waited, driven))
        if back is not None:  # the page's own scenario again, for the controls that follow
            select, shown, label = back
            before = mark(page)
            start = time.perf_counter()
            select.select_option(label=shown)
            page.wait_for_function(REDRAWN, arg=before, timeout=30_000, polling=5)
            waited = page.evaluate("() => (window.mbDoneAt - window.mbCommit) / 1000")
            times.setdefault(label, []).append((waited, time.perf_counter() - start))
    return times


def mark(page) -> str:
    """Before a change: the Explore charts shown now are marked old and the section's text
    watched; returns that text."""
    page.evaluate("() => document.querySelectorAll('.widget-output .mb-chart').forEach(c => c.dataset.mbOld = '1')")
    before = page.evaluate(OUTPUT_TEXT)
    page.evaluate(WATCH_TEXT)
    return before


def fmt(values: list[float]) -> str:
    values = [v for v in values if v == v]
    if not values:
        return "no change"
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--visits", type=int, default=5, help="visits per dashboard")
    ap.add_argument("--pause", type=float, default=6.0, help="seconds between visits (the pool refills)")
    ap.add_argument(
        "--quiet", type=float, default=30.0, help="then at most this many seconds until the CPUs are idle (0: no wait)"
    )
    ap.add_argument("--rounds", type=int, default=3, help="times each control is changed (0: none)")
    ap.add_argument("--only", nargs="*", default=None, help="dashboards to measure (names as in the table)")
    ap.add_argument("--settle", type=float, default=40.0, help="seconds for the kernel pools to fill at start")
    ap.add_argument(
        "--returning",
        action="store_true",
        help="every visit in one browser context: its cache holds what earlier visits loaded",
    )
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        for folder in ("notebooks", "params", "config"):
            shutil.copytree(ROOT / folder, project / folder)
        if (ROOT / "outputs").is_dir():
            shutil.copytree(ROOT / "outputs", project / "outputs", ignore=shutil.ignore_patterns(".*"))
        floor_notebook(project / "notebooks" / "floor.ipynb")
        names = args.only or DASHBOARDS
        expected = {name: expected_controls(name) for name in names}
        usable: dict[str, list[float]] = {name: [] for name in names}
        sizes: dict[str, list[int]] = {name: [] for name in names}
        requests: dict[str, list[int]] = {name: [] for name in names}
        busy: dict[str, list[dict[str, float]]] = {name: [] for name in names}
        changes: dict[str, dict[str, list[tuple[float, float]]]] = {name: {} for name in names}
        with voila(project, Path(tmp) / "voila.log") as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            time.sleep(args.settle)  # the pools fill: one waiting kernel per notebook
            wait_quiet(args.quiet)
            speed = [machine_speed(browser)]
            returning = browser.new_context(viewport=VIEWPORT) if args.returning else None
            # every dashboard once a round, the floor among them: the machine's load, which
            # drifts from minute to minute, falls on every page alike
            for i in range(args.visits):
                for name in names:
                    t, size, n, work, page, context = visit(
                        browser, f"{base}/voila/render/notebooks/{name}", expected[name], returning
                    )
                    usable[name].append(t)
                    busy[name].append(work)
                    sizes[name].append(size)
                    requests[name].append(n)
                    if i == 0 and args.rounds:
                        changes[name] = change_times(page, args.rounds)
                    (page if returning else context).close()
                    time.sleep(args.pause)
                    wait_quiet(args.quiet)
                print(f"round {i + 1}: " + ", ".join(f"{name} {usable[name][-1]:.2f}" for name in names), flush=True)
            speed.append(machine_speed(browser))
            browser.close()
    floor = usable.get("floor.ipynb")
    print()
    (js_start, py_start), (js_end, py_end) = speed
    print(
        f"The machine's speed (a fixed piece of work, best of five; less is faster): in Chromium"
        f" {js_start:.3f} s at the start, {js_end:.3f} s at the end; in Python {py_start:.3f} s,"
        f" {py_end:.3f} s.\n"
    )
    if args.returning:
        print("A returning reader: every visit in one browser context (its cache warm).\n")
    columns = ["dashboard", "usable, s (median, range)", "over the floor, s", *MAIN_THREAD, "MB per visit", "requests"]
    print("| " + " | ".join([*columns, "controls"]) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name in names:
        # paired by round: the page against the floor visited in the same round
        over = fmt([t - f for t, f in zip(usable[name], floor)]) if floor and name != "floor.ipynb" else "–"
        mb = statistics.median(sizes[name]) / 1e6
        work = " | ".join(f"{statistics.median(w[part] for w in busy[name]):.2f}" for part in MAIN_THREAD)
        print(
            f"| {name} | {fmt(usable[name])} | {over} | {work} | {mb:.1f} | {statistics.median(requests[name]):.0f} |"
            f" {len(changes[name])} |"
        )
    print()
    print("| dashboard | control | control → chart, s | as driven, s |")
    print("|---|---|---|---|")
    for name in names:
        for label, values in changes[name].items():
            print(f"| {name} | {label} | {fmt([w for w, _ in values])} | {fmt([d for _, d in values])} |")


if __name__ == "__main__":
    main()
