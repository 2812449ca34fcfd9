"""How fast each dashboard's Explore section answers a widget change (not collected by `make test`).

Builds every workbook's Explore section for its default scenario (and the market-scale
imbalance month), then moves each of its controls to two other values and times the
recomputation each change triggers: the library call, the tables and the charts, up to
the widget state a browser would receive. The browser's own drawing is not included
(``bench_dashboards.py`` measures that in Chromium).
"""

from __future__ import annotations

import argparse
import statistics
import time

import ipywidgets as w

from marketbooks import scenarios as params
from marketbooks.explore import acps, auction, ds3, imbalance, rtp

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
        # options given as (label, value) pairs: the values
        values = [o[1] if isinstance(o, tuple) else o for o in c.options]
        return [v for v in values if v != c.value][:2]
    return (
        [c.min + (c.max - c.min) * f for f in (0.3, 0.6)]
        if isinstance(c, (w.FloatSlider, w.IntSlider))
        else [min(c.max, max(c.min, c.value * f)) for f in (0.8, 1.2)]
    )


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="times every control is moved through its values (and, with --open, each page is opened)",
    )
    args = ap.parse_args()
    print(f"{'dashboard (scenario)':<42} {'build':>8} {'median':>8} {'slowest':>8}  per change, {args.rounds} rounds")
    for module, workbook, scenario in DASHBOARDS:
        built, changes, n = measure(module, workbook, scenario, args.rounds)
        name = f"{workbook} ({scenario})"
        median, slowest = statistics.median(changes) * 1000, max(changes) * 1000
        print(f"{name:<42} {built * 1000:6.0f} ms {median:5.0f} ms {slowest:5.0f} ms  {n} controls")


if __name__ == "__main__":
    main()
