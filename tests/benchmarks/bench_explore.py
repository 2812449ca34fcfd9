"""How fast each dashboard's Explore section answers a widget change (not collected by `make test`).

Builds every workbook's Explore section for its default scenario (and the market-scale
imbalance month), then moves each of its controls to two other values and times the
recomputation each change triggers: the library call, the tables and the charts, up to
the widget state a browser would receive. The browser's own drawing is not included
(`tests/test_browser.py` drives that in Chromium).

``--open`` also times opening each dashboard (the complete page from Voilà, as a browser
requests it) with a kernel per visit forked from the server's zygote, as `make serve` does;
with a fresh Python per visit (`marketbooks serve --fresh-kernels`, Voilà's default); and
with pre-heated kernels (`make serve PREHEAT=1`) once their pool is ready.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import ipywidgets as w

from marketbooks import params
from marketbooks.dashboards import acps, auction, ds3, imbalance, rtp

DASHBOARDS = (
    (acps, "acps", "2017_decision"),
    (ds3, "ds3", "2017_decision"),
    (imbalance, "imbalance", "faq_worked_example"),
    (imbalance, "imbalance", "market_scale"),
    (auction, "auction", "example_05"),
    (rtp, "rtp", "2016_information_paper"),
)


def controls(widget: w.Widget) -> list[w.Widget]:
    """The value widgets a reader can change (sliders, numbers, drop-downs), in page order."""
    found = []
    if isinstance(widget, (w.FloatSlider, w.IntSlider, w.BoundedFloatText, w.Dropdown)):
        found.append(widget)
    for child in getattr(widget, "children", ()):
        found.extend(controls(child))
    return found


def other_values(c: w.Widget) -> list:
    """Two values other than the current one, within the control's range."""
    if isinstance(c, w.Dropdown):
        return [v for v in c.options if v != c.value][:2]
    return [c.min + (c.max - c.min) * f for f in (0.3, 0.6)] if isinstance(c, (w.FloatSlider, w.IntSlider)) \
        else [min(c.max, max(c.min, c.value * f)) for f in (0.8, 1.2)]


def measure(module, workbook: str, scenario: str, rounds: int) -> tuple[float, list[float], int]:
    p = params.load_scenario(workbook, scenario)
    start = time.perf_counter()
    box = module.explorer(p)
    built = time.perf_counter() - start
    changes = []
    cs = controls(box)
    for _ in range(rounds):
        for c in cs:
            original = c.value
            for value in [*other_values(c), original]:
                start = time.perf_counter()
                c.value = value
                changes.append(time.perf_counter() - start)
    return built, changes, len(cs)


def open_times(preheat: bool, rounds: int, fresh_kernels: bool = False) -> dict[str, float]:
    """Median seconds to fetch each workbook's dashboard page from a fresh Voilà server."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from voila_server import voila

    from marketbooks.params import WORKBOOKS, project_root

    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp, voila(project_root(), Path(tmp) / "voila.log", preheat=preheat,
                                                         fresh_kernels=fresh_kernels) as base:
        for rnd in range(rounds + 1):
            for wb in WORKBOOKS.values():
                if preheat:
                    time.sleep(8)  # the pool refills after each visit: a reader does not open a page a second
                start = time.perf_counter()
                urllib.request.urlopen(f"{base}/voila/render/notebooks/{wb.notebook}", timeout=180).read()
                if rnd:  # the first round waits for start-up (and, pre-heated, for the first pool)
                    times.setdefault(wb.notebook, []).append(time.perf_counter() - start)
    return {nb: statistics.median(t) for nb, t in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=2, help="times every control is moved through its values (and, with --open, each page is opened)")
    ap.add_argument("--open", action="store_true",
                    help="also time opening each dashboard: fresh kernels, warm kernels, pre-heated")
    args = ap.parse_args()
    print(f"{'dashboard (scenario)':<42} {'build':>8} {'median':>8} {'slowest':>8}  per change, {args.rounds} rounds")
    for module, workbook, scenario in DASHBOARDS:
        built, changes, n = measure(module, workbook, scenario, args.rounds)
        print(f"{workbook + ' (' + scenario + ')':<42} {built * 1000:6.0f} ms {statistics.median(changes) * 1000:5.0f} ms "
              f"{max(changes) * 1000:5.0f} ms  {n} controls")
    if args.open:
        fresh = open_times(False, args.rounds, fresh_kernels=True)
        plain, warm = open_times(False, args.rounds), open_times(True, args.rounds)
        print(f"\n{'opening the dashboard':<34} {'fresh kernels':>13} {'make serve':>10} {'PREHEAT=1':>10}")
        for nb in plain:
            print(f"{nb:<34} {fresh[nb]:11.2f} s {plain[nb]:8.2f} s {warm[nb]:8.2f} s")


if __name__ == "__main__":
    main()
