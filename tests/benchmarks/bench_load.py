"""The dashboard server under concurrent visits, on 127.0.0.1 only (not run by `make test`).

Starts Voilà as `make serve` does, waits for its pre-heated kernels, then:

- **per-visit memory**: visits each dashboard once and reads the resident memory of the
  kernel that served it (the server's newest kernel);
- **load**: for 5, 10 and 20 visits at once (threads fetching the ACPS dashboard page, as a
  browser's first request does), the share that got the dashboard (the rest get the
  "busy, try again" page), the median and 95th-percentile time to the whole page, the peak
  memory of the server and its kernels, and how many kernels are left a little after the
  visits (a visit that only fetches the page never connects, so its kernel goes when the
  server culls idle kernels: within two minutes).

Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from voila_server import voila  # noqa: E402

DASHBOARDS = [
    "index.ipynb",
    "acps.ipynb",
    "ds3_revenue.ipynb",
    "imbalance.ipynb",
    "imbalance.ipynb?scenario=market_scale",
    "auction_walkthrough.ipynb",
    "rtp_assessment.ipynb",
]


def server_process(port: int) -> psutil.Process:
    for proc in psutil.process_iter(["cmdline"]):
        if f"--port={port}" in " ".join(proc.info["cmdline"] or []):
            return proc
    raise RuntimeError("no Voilà process")


def kernels(server: psutil.Process) -> list[psutil.Process]:
    found = []
    for proc in server.children():
        try:
            if "ipykernel" in " ".join(proc.cmdline()):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue  # a kernel culled while we looked
    return found


def rss(proc: psutil.Process) -> int:
    try:
        return proc.memory_info().rss
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return 0


def memory_mb(server: psutil.Process) -> float:
    return sum(rss(proc) for proc in [server, *server.children(recursive=True)]) / 2**20


def fetch(url: str) -> tuple[bool, float, str]:
    """(got the dashboard, seconds, the page) for one visit."""
    start = time.perf_counter()
    try:
        body = urllib.request.urlopen(url, timeout=300).read().decode()
    except (urllib.error.URLError, OSError):
        return False, time.perf_counter() - start, ""
    return (
        "The dashboards are busy right now" not in body and "mb-page-error" not in body,
        time.perf_counter() - start,
        body,
    )


def kernel_of(server: psutil.Process, page: str) -> psutil.Process | None:
    """The kernel that served ``page``: its id is in the page's config, and in the name of
    the connection file on the kernel's command line."""
    found = re.search(r'"kernelId": "([0-9a-f-]+)"', page)
    if not found:
        return None
    for proc in kernels(server):
        try:
            if found.group(1) in " ".join(proc.cmdline()):
                return proc
        except psutil.Error:
            continue
    return None


def visit_once(url: str, results: list[tuple[bool, float]]) -> None:
    results.append(fetch(url)[:2])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--loads", type=int, nargs="*", default=[5, 10, 20])
    ap.add_argument("--settle", type=float, default=30.0, help="seconds for the pools to fill")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, voila(ROOT, Path(tmp) / "voila.log") as base:
        port = int(base.rsplit(":", 1)[1])
        server = server_process(port)
        time.sleep(args.settle)
        print("| dashboard | kernel memory after one visit, MB |")
        print("|---|---|")
        for name in DASHBOARDS:
            ok, _, page = fetch(f"{base}/voila/render/notebooks/{name}")
            visit = kernel_of(server, page)
            print(f"| {name} | {rss(visit) / 2**20:.0f} |" if ok and visit else f"| {name} | failed |")
            time.sleep(6)
        print()
        print(
            "| visits at once | got the dashboard | p50, s | p95, s | peak memory, MB | kernels 10 s after | "
            "kernels 120 s after |"
        )
        print("|---|---|---|---|---|---|---|")
        for load in args.loads:
            # each load starts from an idle server: the earlier visits' kernels culled, the
            # pools full (one waiting kernel per dashboard)
            deadline = time.monotonic() + 180
            while len(kernels(server)) > len(DASHBOARDS) - 1 and time.monotonic() < deadline:
                time.sleep(2)
            results: list[tuple[bool, float]] = []
            peak = memory_mb(server)
            url = f"{base}/voila/render/notebooks/acps.ipynb"
            threads = [threading.Thread(target=visit_once, args=(url, results)) for _ in range(load)]
            for thread in threads:
                thread.start()
            while any(t.is_alive() for t in threads):
                peak = max(peak, memory_mb(server))
                time.sleep(0.2)
            times = [t for ok, t in results if ok]
            time.sleep(10)
            after_10 = len(kernels(server))
            time.sleep(110)
            after_120 = len(kernels(server))
            print(
                f"| {load} | {len(times)}/{load} | {statistics.median(times) if times else float('nan'):.2f} | "
                f"{percentile(times, 0.95) if times else float('nan'):.2f} | {peak:.0f} | {after_10} | {after_120} |"
            )


if __name__ == "__main__":
    main()
