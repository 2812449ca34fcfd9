"""``marketbooks run | sweep | compare | list | check | serve | lab | golden``."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from marketbooks.scenarios import WORKBOOKS, check_all, list_scenarios, project_root


def cmd_list(_: argparse.Namespace) -> int:
    for wb, sc in list_scenarios():
        print(f"{wb:10s} {sc:24s} params/{wb}/{sc}.yaml -> notebooks/{WORKBOOKS[wb].notebook}")
    return 0


def cmd_check(_: argparse.Namespace) -> int:
    errors = check_all()
    n = len(list_scenarios())
    for e in errors:
        print(e, file=sys.stderr)
    print(f"{n - len(errors)} of {n} parameter files valid")
    return 1 if errors else 0


def _selected_pairs(args: argparse.Namespace) -> list[tuple[str, str]] | None:
    """The pairs ``--workbook``/``--scenario`` select, or None after saying what is unknown."""
    from marketbooks.run.runner import selected_pairs

    try:
        return selected_pairs(args.workbook, args.scenario)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return None


def _kernel_log_hint() -> None:
    from marketbooks.run.runner import STDERR_LOG

    print(f"Kernels' own messages: {os.path.relpath(project_root() / 'outputs' / STDERR_LOG)}", file=sys.stderr)


def _overrides(args: argparse.Namespace, pairs: list[tuple[str, str]]) -> dict | None:
    """The ``-p field=value`` overrides, validated against the one scenario they apply to;
    None after saying what is wrong."""
    from marketbooks.scenarios import ParameterError, load_scenario
    from marketbooks.scenarios.overrides import parse_overrides

    if not args.param:
        return {}
    if len(pairs) != 1:
        print("error: -p overrides apply to one scenario: give --workbook and --scenario", file=sys.stderr)
        return None
    try:
        overrides = parse_overrides(args.param)
        load_scenario(*pairs[0], overrides)
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    return overrides


def cmd_run(args: argparse.Namespace) -> int:
    from marketbooks.run.runner import OutputsBusy, run_batch, summary_table

    pairs = _selected_pairs(args)
    if pairs is None:
        return 2
    overrides = _overrides(args, pairs)
    if overrides is None:
        return 2
    try:
        results = run_batch(pairs, jobs=args.jobs, progress=not args.quiet, overrides=overrides, force=args.force)
    except OutputsBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary_table(results))
    failed = [r for r in results if not r.ok]
    print(
        f"\nOutputs: {os.path.relpath(project_root() / 'outputs')}/<workbook>/<scenario>/ "
        "(report.html, results.json, tables/*.csv, one .xlsx, the executed notebook)"
    )
    print("Dashboards: `make serve`, then open http://127.0.0.1:8866/voila/render/notebooks/index.ipynb")
    if failed:
        print(f"\n{len(failed)} of {len(results)} scenarios FAILED:", file=sys.stderr)
        for r in failed:
            print(f"  {r.workbook}/{r.scenario}: {r.error}", file=sys.stderr)
        _kernel_log_hint()
        return 1
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from marketbooks.run.serve import dashboard_url, port_in_use, prepare, voila_command, voila_env

    if port_in_use(args.port):
        print(
            f"Port {args.port} on 127.0.0.1 is in use (another `make serve`?). Stop it, or choose another port: "
            f"`.venv/bin/marketbooks serve --port {args.port + 1}` or `make serve PORT={args.port + 1}`.",
            file=sys.stderr,
        )
        return 1
    prepare(project_root())
    print(f"Voilà on {dashboard_url(args.port)} (Ctrl-C stops it)")
    try:
        return subprocess.call(voila_command(args.port), cwd=project_root(), env=voila_env())
    except KeyboardInterrupt:
        return 0


def cmd_lab(args: argparse.Namespace) -> int:
    from marketbooks.run.lab import lab_command, lab_env, prepare_workspace
    from marketbooks.run.serve import port_in_use

    if port_in_use(args.port):
        print(
            f"Port {args.port} on 127.0.0.1 is in use. Choose another: `make lab PORT={args.port + 1}`.",
            file=sys.stderr,
        )
        return 1
    root = project_root()
    workspace, copied = prepare_workspace(root)
    if copied:
        print(f"Copied into {os.path.relpath(workspace)}/: {', '.join(copied)}")
    print(
        f"JupyterLab in {os.path.relpath(workspace)}/ (your copies; the dashboards keep notebooks/). "
        "Change `scenario` in a notebook's first cell to switch scenario. Ctrl-C stops it."
    )
    try:
        return subprocess.call(lab_command(args.port, root), cwd=workspace, env=lab_env(root))
    except KeyboardInterrupt:
        return 0


def cmd_golden(args: argparse.Namespace) -> int:
    from marketbooks.run.runner import golden_dir, summary_table, write_goldens

    pairs = _selected_pairs(args)
    if pairs is None:
        return 2
    results = write_goldens(pairs, golden_dir(), jobs=args.jobs, progress=not args.quiet)
    print(summary_table(results))
    failed = [r for r in results if not r.ok]
    if failed:
        print(
            f"\n{len(failed)} golden cop{'y' if len(failed) == 1 else 'ies'} not regenerated (kept as they were): "
            + ", ".join(f"{r.workbook}/{r.scenario}" for r in failed),
            file=sys.stderr,
        )
        _kernel_log_hint()
    return 1 if failed else 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from marketbooks.studies.cli import sweep_command

    return sweep_command(args)


def cmd_compare(args: argparse.Namespace) -> int:
    from marketbooks.studies.cli import compare_command

    return compare_command(args)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="marketbooks", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="execute scenarios into outputs/")
    run.add_argument("--workbook", "-w")
    run.add_argument("--scenario", "-s")
    run.add_argument("--jobs", "-j", type=int, default=None, help="parallel runs (default: cores)")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    run.add_argument(
        "--param", "-p", action="append", default=[], metavar="FIELD=VALUE", help="override a field (repeatable)"
    )
    run.add_argument("--force", action="store_true", help="run even scenarios whose inputs have not changed")
    sweep = sub.add_parser("sweep", help="one workbook's key results over a grid or a table of points")
    sweep.add_argument("workbook")
    sweep.add_argument("--base", "-b", help="the scenario the points change (default: the workbook's default)")
    sweep.add_argument("--grid", "-g", action="append", default=[], metavar="FIELD=START:STOP:STEP|FIELD=V1,V2")
    sweep.add_argument("--points", type=Path, help="a CSV file: a header of fields, one point per row")
    sweep.add_argument("--executor", "-e", choices=["local", "dask"], default="local")
    sweep.add_argument("--scheduler", help="a Dask scheduler's address, tcp://host:port (implies --executor dask)")
    sweep.add_argument("--name", help="the sweep's folder under outputs/sweeps/ (default: from workbook, base, fields)")
    sweep.add_argument("--chunk-size", type=int, default=None, help="points per task (default: about 8 per worker)")
    sweep.add_argument("--notebooks", action="store_true", help="also run the workbook's notebook for each point")
    sweep.add_argument("--no-report", action="store_true", help="skip the sweep report notebook")
    sweep.add_argument("--force", action="store_true", help="evaluate every point, even those already evaluated")
    sweep.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    compare = sub.add_parser("compare", help="two scenarios side by side: inputs that differ, key results")
    compare.add_argument("first", metavar="WORKBOOK/SCENARIO")
    compare.add_argument("second", metavar="WORKBOOK/SCENARIO")
    sub.add_parser("list", help="list workbooks and scenarios")
    sub.add_parser("check", help="validate every parameter file without executing")
    serve = sub.add_parser("serve", help="start the Voilà dashboards on localhost")
    serve.add_argument("--port", type=int, default=8866)
    lab = sub.add_parser("lab", help="JupyterLab on copies of the notebooks in workspace/")
    lab.add_argument("--port", type=int, default=8888)
    golden = sub.add_parser("golden", help="regenerate tests/notebooks/golden (nbval baselines)")
    golden.add_argument("--workbook", "-w")
    golden.add_argument("--scenario", "-s")
    golden.add_argument("--jobs", "-j", type=int, default=None, help="parallel runs (default: cores)")
    golden.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    args = ap.parse_args(argv)
    handlers = {
        "run": cmd_run,
        "sweep": cmd_sweep,
        "compare": cmd_compare,
        "list": cmd_list,
        "check": cmd_check,
        "serve": cmd_serve,
        "lab": cmd_lab,
        "golden": cmd_golden,
    }
    return handlers[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
