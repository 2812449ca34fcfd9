"""``marketbooks sweep`` and ``marketbooks compare``: what they print and write."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from marketbooks.outputs import outputs_dir
from marketbooks.scenarios import WORKBOOKS, ParameterError, load_scenario

if TYPE_CHECKING:
    from marketbooks.run.runner import RunResult
    from marketbooks.studies.sweep import Sweep


def _points(args: argparse.Namespace) -> tuple[list[dict], str, list[str]]:
    from marketbooks.scenarios.loader import display_path
    from marketbooks.studies.grid import grid_points, read_points

    if bool(args.grid) == bool(args.points):
        raise ParameterError("sweep", [("--grid/--points", "give --grid (one or more) or --points, not both")])
    if args.points:
        points = read_points(args.points)
        shown = display_path(args.points)
        return points, shown, [f"row {i + 2}" for i in range(len(points))]
    points = grid_points(args.grid)
    return points, "--grid", [f"grid point {i + 1} ({_brief(p)})" for i, p in enumerate(points)]


def _brief(point: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in point.items())


def sweep_command(args: argparse.Namespace) -> int:
    from marketbooks.run.runner import OutputsBusy, outputs_lock, recover
    from marketbooks.studies.sweep import SweepInvalid, plan, run_sweep

    if args.workbook not in WORKBOOKS:
        print(f"error: unknown workbook '{args.workbook}' (known: {', '.join(sorted(WORKBOOKS))})", file=sys.stderr)
        return 2
    base = args.base or WORKBOOKS[args.workbook].default
    outputs = outputs_dir()
    try:
        load_scenario(args.workbook, base)
        points, source, rows = _points(args)
        sweep = plan(args.workbook, base, points, args.name, source, rows)
    except (ParameterError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Sweep {sweep.name}: {len(points):,} points of {args.workbook}/{base} over {', '.join(sweep.fields)}")
    try:
        with outputs_lock(outputs):
            recover(outputs)
            outcome = run_sweep(
                sweep,
                outputs,
                kind=args.executor,
                scheduler=args.scheduler,
                chunk_size=args.chunk_size,
                progress=not args.quiet,
                force=args.force,
            )
            if args.notebooks:
                _point_notebooks(sweep, outcome.folder, outputs, not args.quiet)
            if not args.no_report:
                from marketbooks.studies.report import write_sweep_report

                report = write_sweep_report(sweep.name, outputs)
                if not report.ok:
                    print(f"error: the sweep report failed: {report.error}", file=sys.stderr)
    except SweepInvalid as exc:
        print(f"error: nothing was evaluated; these points cannot be used:\n{exc}", file=sys.stderr)
        return 2
    except (OutputsBusy, ConnectionError, ParameterError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rel = os.path.relpath(outcome.folder)
    rate = outcome.evaluated / outcome.seconds if outcome.seconds else 0.0
    print(
        f"{len(points):,} points: {len(points) - outcome.failed:,} ok, {outcome.failed:,} failed, "
        f"{outcome.cached:,} cached (already evaluated); {outcome.evaluated:,} evaluated on {outcome.executor} "
        f"in {outcome.seconds:.1f} s ({rate:,.0f} points/s)"
    )
    print(f"Results: {rel}/points.parquet, {rel}/points.csv" + ("" if args.no_report else f", {rel}/report.html"))
    if outcome.failed:
        errors = outcome.frame[outcome.frame["status"] == "error"]
        for _, row in errors.head(5).iterrows():
            print(f"  point {row['point']}: {row['error']}", file=sys.stderr)
        return 1
    return 0


# More notebooks than this per sweep is hours of papermill: the key results are the sweep
MAX_POINT_NOTEBOOKS = 500


def _point_notebooks(sweep: Sweep, folder: Path, outputs: Path, progress: bool) -> None:
    """Each point's notebook, run with the point as overrides, under ``<sweep>/notebooks/``."""
    from marketbooks.run.runner import in_pool

    if len(sweep.points) > MAX_POINT_NOTEBOOKS:
        raise ParameterError(
            "--notebooks", [("(points)", f"{len(sweep.points):,} notebooks; at most {MAX_POINT_NOTEBOOKS}")]
        )
    target = folder / "notebooks"
    for i, point in enumerate(sweep.points):
        result = in_pool(
            _point_run, [(sweep.workbook, sweep.base)], (target, point), 1, outputs, progress and i == 0, "notebooks"
        )[0]
        if not result.ok:
            print(f"  notebook of point {i + 1} failed: {result.error}", file=sys.stderr)


def _point_run(args: tuple) -> RunResult:
    from marketbooks.run.runner import run_scenario

    workbook, base, target, point = args
    return run_scenario(workbook, base, target, overrides=point)


def compare_command(args: argparse.Namespace) -> int:
    from marketbooks.studies.compare import input_differences, parse_ref, result_differences
    from marketbooks.views.compare import comparison_page
    from marketbooks.views.tables import write_csv

    try:
        (wa, sa), (wb, sb) = parse_ref(args.first), parse_ref(args.second)
        for wbk in (wa, wb):
            if wbk not in WORKBOOKS:
                raise ValueError(f"unknown workbook '{wbk}' (known: {', '.join(sorted(WORKBOOKS))})")
        a, b = load_scenario(wa, sa), load_scenario(wb, sb)
    except (ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if wa != wb:
        print(f"error: {args.first} and {args.second} are scenarios of different workbooks", file=sys.stderr)
        return 2
    inputs = input_differences(a, b)
    results = result_differences(wa, a, wb, b)
    first, second = f"{wa}/{sa}", f"{wb}/{sb}"
    folder = outputs_dir() / "compare" / f"{wa}__{sa}__vs__{sb}"
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(results, folder / "results.csv")
    write_csv(inputs, folder / "inputs.csv")
    (folder / "comparison.html").write_text(comparison_page(first, second, inputs, results), encoding="utf-8")
    import pandas as pd

    with pd.option_context("display.width", 160, "display.max_columns", 10, "display.max_colwidth", 40):
        print(f"Key results, {first} → {second}:\n{results.to_string(index=False)}\n")
        print(f"Inputs that differ ({len(inputs)}):\n{inputs.to_string(index=False) if len(inputs) else 'none'}\n")
    print(f"Written: {os.path.relpath(folder)}/comparison.html, results.csv, inputs.csv")
    return 0
