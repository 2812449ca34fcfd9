"""``marketbooks run | list | check | serve | golden``."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

from marketbooks import KERNEL_ENV, PREHEATED_ENV
from marketbooks.params import WORKBOOKS, check_all, list_scenarios, project_root


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
    from marketbooks.runner import selected_pairs

    try:
        return selected_pairs(args.workbook, args.scenario)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return None


def _kernel_log_hint() -> None:
    from marketbooks.runner import STDERR_LOG

    print(f"Kernels' own messages: {os.path.relpath(project_root() / 'outputs' / STDERR_LOG)}", file=sys.stderr)


def cmd_run(args: argparse.Namespace) -> int:
    from marketbooks.runner import run_batch, summary_table

    pairs = _selected_pairs(args)
    if pairs is None:
        return 2
    results = run_batch(pairs, jobs=args.jobs, progress=not args.quiet, warm=not args.fresh_kernels)
    print(summary_table(results))
    failed = [r for r in results if not r.ok]
    root = project_root()
    print(f"\nOutputs: {os.path.relpath(root / 'outputs')}/<workbook>/<scenario>/ "
          "(report.html, results.json, tables/*.csv, one .xlsx, the executed notebook)")
    print("Dashboards: `make serve`, then open http://127.0.0.1:8866/voila/render/notebooks/index.ipynb")
    if failed:
        print(f"\n{len(failed)} of {len(results)} scenarios FAILED:", file=sys.stderr)
        for r in failed:
            print(f"  {r.workbook}/{r.scenario}: {r.error}", file=sys.stderr)
        _kernel_log_hint()
        return 1
    return 0


# Voilà's own kernels, a fresh Python per visit (voila.json names the warm ones)
FRESH_KERNELS = "jupyter_server.services.kernels.kernelmanager.AsyncMappingKernelManager"


def voila_command(port: int, preheat: bool = False, fresh_kernels: bool = False) -> list[str]:
    """Voilà serving the project on localhost with ``voila.json``: each visit's kernel is
    forked from a preloaded zygote (:mod:`marketbooks.dashboard_kernels`), or with
    ``fresh_kernels`` started as a fresh Python, as Voilà does by default.

    ``preheat``: keep one kernel per workbook that has already run its notebook (Voilà's
    ``preheat_kernel``; ``voila.json`` says which notebooks and how many), so a dashboard
    opens at once instead of after its cells run. It runs before anyone asks for it, so it
    shows the default scenario whatever the address asks for (give the server's environment
    :func:`voila_env` with ``preheat``, so that the landing page links no other scenario).
    A pre-run kernel shows the parameter files as they were when it ran: after an edit, the
    next opening is the old run once.
    """
    root = project_root()
    # port_retries=0: Voilà would otherwise move to another port and the address printed
    # (and the tests' server URL) would lead to whatever holds the one asked for
    return [sys.executable, "-m", "voila", "--no-browser", f"--port={port}", "--Voila.port_retries=0",
            "--Voila.ip=127.0.0.1",
            f"--Voila.root_dir={root}", f"--Voila.config_file_paths={root}", "--template=marketbooks",
            *(["--VoilaConfiguration.preheat_kernel=True"] if preheat else []),
            *([f"--VoilaConfiguration.multi_kernel_manager_class={FRESH_KERNELS}"] if fresh_kernels else [])]


def voila_env(preheat: bool = False) -> dict[str, str]:
    """The environment :func:`voila_command` runs in: the kernels' :data:`KERNEL_ENV`, as
    for the runner's, and the project's ``share/jupyter`` first on ``JUPYTER_PATH`` so Voilà
    finds the ``marketbooks`` template (the lab template without its CDN stylesheets).
    ``preheat`` sets :data:`marketbooks.PREHEATED_ENV` for every kernel."""
    share = str(Path(__file__).resolve().parents[2] / "share" / "jupyter")
    path = os.pathsep.join([share, *filter(None, [os.environ.get("JUPYTER_PATH")])])
    env = {k: v for k, v in os.environ.items() if k != PREHEATED_ENV}
    return {**env, **KERNEL_ENV, "JUPYTER_PATH": path, **({PREHEATED_ENV: "1"} if preheat else {})}


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something listens on ``host:port`` (bound as Tornado binds, with SO_REUSEADDR,
    so a closed server's lingering connections do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def cmd_serve(args: argparse.Namespace) -> int:
    root = project_root()
    if port_in_use(args.port):
        print(f"Port {args.port} on 127.0.0.1 is in use (another `make serve`?). Stop it, or choose another port: "
              f"`.venv/bin/marketbooks serve --port {args.port + 1}` or `make serve PORT={args.port + 1}`.",
              file=sys.stderr)
        return 1
    print(f"Voilà on http://127.0.0.1:{args.port}/voila/render/notebooks/index.ipynb (Ctrl-C stops it)")
    if args.preheat:
        print("Pre-heated: each workbook's dashboard is run ahead on its default scenario and opens at once (the "
              "first after start-up waits for it); after editing a parameter file, open a dashboard twice to see "
              "the change. Other scenarios: `make serve` without PREHEAT.")
    try:
        return subprocess.call(voila_command(args.port, args.preheat, args.fresh_kernels), cwd=root,
                               env=voila_env(args.preheat))
    except KeyboardInterrupt:
        return 0


def cmd_golden(args: argparse.Namespace) -> int:
    from marketbooks.runner import summary_table, write_goldens

    pairs = _selected_pairs(args)
    if pairs is None:
        return 2
    results = write_goldens(pairs, project_root() / "tests" / "golden", jobs=args.jobs, progress=not args.quiet)
    print(summary_table(results))
    failed = [r for r in results if not r.ok]
    if failed:
        print(f"\n{len(failed)} golden cop{'y' if len(failed) == 1 else 'ies'} not regenerated (kept as they were): "
              + ", ".join(f"{r.workbook}/{r.scenario}" for r in failed), file=sys.stderr)
        _kernel_log_hint()
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="marketbooks", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="execute scenarios into outputs/")
    run.add_argument("--workbook", "-w")
    run.add_argument("--scenario", "-s")
    run.add_argument("--jobs", "-j", type=int, default=None, help="parallel runs (default: cores)")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    run.add_argument("--fresh-kernels", action="store_true",
                     help="start a fresh Python per kernel instead of forking preloaded ones (slower)")
    sub.add_parser("list", help="list workbooks and scenarios")
    sub.add_parser("check", help="validate every parameter file without executing")
    serve = sub.add_parser("serve", help="start the Voilà dashboards on localhost")
    serve.add_argument("--port", type=int, default=8866)
    serve.add_argument("--preheat", action="store_true",
                       help="run each dashboard ahead on its default scenario in a waiting kernel, so it opens at once")
    serve.add_argument("--fresh-kernels", action="store_true",
                       help="start a fresh Python per visit instead of forking preloaded ones (slower)")
    golden = sub.add_parser("golden", help="regenerate tests/golden (nbval baselines)")
    golden.add_argument("--workbook", "-w")
    golden.add_argument("--scenario", "-s")
    golden.add_argument("--jobs", "-j", type=int, default=None, help="parallel runs (default: cores)")
    golden.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    args = ap.parse_args(argv)
    handler = {"run": cmd_run, "list": cmd_list, "check": cmd_check, "serve": cmd_serve,
               "golden": cmd_golden}[args.cmd]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
