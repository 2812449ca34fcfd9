"""Sweeps: one workbook's key results (:mod:`.evaluation`) over many points, each a base
scenario with some fields replaced.

Every point is validated before any is evaluated; a point that cannot be used stops the
sweep with its row and field named, and nothing is written. A point whose evaluation
fails is a row with its error. The points run in chunks on an executor: this process
(``local``) or a Dask cluster (``dask``: a ``LocalCluster`` of one worker per core, or
the scheduler at ``--scheduler``). Results go to ``outputs/sweeps/<name>/``:
``points.parquet`` and ``points.csv`` (one tidy row per point: inputs, key results,
status, error), ``sweep.json`` (what was swept and how it went) and the report.

A point whose inputs (base scenario, point, library source, package versions) match a
good row of the sweep's previous results is not evaluated again: its row is kept.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from marketbooks.scenarios.loader import load_scenario, read_yaml, scenario_path
from marketbooks.scenarios.models import ParameterError
from marketbooks.scenarios.overrides import REFERENCE_FIELDS, canonical, validated_point, value_at
from marketbooks.studies.evaluation import evaluate

SWEEPS = "sweeps"  # under outputs/
POINTS = "points"  # points.parquet, points.csv
SPEC_FILE = "sweep.json"
SAFE = re.compile(r"[A-Za-z0-9_.=+-]{1,120}")
# Status of a row: evaluated, failed while evaluated, or kept from the previous results
OK, ERROR = "ok", "error"


class SweepInvalid(ParameterError):
    """Points that cannot be used: nothing was evaluated. ``problems`` names each point's
    row (or grid point) and field."""


@dataclass(frozen=True)
class Sweep:
    """What to sweep: ``workbook``'s scenario ``base`` at each of ``points``."""

    workbook: str
    base: str
    points: list[dict[str, Any]]
    name: str
    source: str = "--grid"  # the grid arguments, or the points file, for messages
    rows: list[str] = field(default_factory=list)  # how messages name each point
    fields: list[str] = field(default_factory=list)  # every field some point sets, in order


def default_name(workbook: str, base: str, fields: Sequence[str]) -> str:
    """``<workbook>_<base>_<field>_<field>``: the same study gets the same folder, whose
    previous results it reuses.

    >>> default_name("acps", "2017_decision", ["rpi", "bid_price"])
    'acps_2017_decision_rpi_bid_price'
    """
    name = "_".join([workbook, base, *(f.replace(".", "-") for f in fields)])
    if SAFE.fullmatch(name):
        return name
    return f"{workbook}_{base}_{hashlib.sha256(name.encode()).hexdigest()[:10]}"


def plan(
    workbook: str,
    base: str,
    points: list[dict[str, Any]],
    name: str | None = None,
    source: str = "--grid",
    rows: list[str] | None = None,
) -> Sweep:
    """A sweep of ``points`` around ``base``; ValueError names a bad sweep name."""
    if not points:
        raise ParameterError(source, [("(points)", "no points to sweep")])
    fields = list(dict.fromkeys(f for point in points for f in point))
    name = name or default_name(workbook, base, fields)
    if not SAFE.fullmatch(name):
        raise ParameterError("--name", [(name, "a sweep name is letters, digits and _ . = + - (at most 120)")])
    return Sweep(
        workbook, base, points, name, source, rows or [f"grid point {i + 1}" for i in range(len(points))], fields
    )


# --- chunks: what an executor runs (module-level functions: Dask sends them by name) ---


def _kept(point: Any, fields: Sequence[str], workbook: str) -> dict[str, Any]:
    """What a validated point changes in its base: its top-level fields (a nested one's
    whole parent), the provenance, and the referenced scenario when it is the reference
    that changes. ``base.model_copy(update=kept)`` is then the validated point."""
    tops = {f.split(".")[0] for f in fields} | {"status"}
    if workbook == "acps" and tops & REFERENCE_FIELDS:
        tops.add("ds3")
    return {top: getattr(point, top) for top in tops}


def validate_chunk(
    workbook: str, base_data: dict, base: Any, chunk: list[tuple[int, str, dict]]
) -> list[tuple[int, dict | None, list[tuple[str, str]]]]:
    """Validate each (index, row name, point): (index, what it changes, problems)."""
    out: list[tuple[int, dict | None, list[tuple[str, str]]]] = []
    for index, where, point in chunk:
        try:
            valid = validated_point(workbook, base_data, point, where, base)
        except ParameterError as exc:
            out.append((index, None, exc.problems))
            continue
        except Exception as exc:  # a value the model's own checks choke on
            out.append((index, None, [("(point)", f"{type(exc).__name__}: {exc}")]))
            continue
        out.append((index, _kept(valid, list(point), workbook), []))
    return out


def evaluate_chunk(workbook: str, base: Any, chunk: list[tuple[int, dict]]) -> list[tuple[int, dict | None, str]]:
    """Evaluate each (index, what it changes): (index, key results, error)."""
    out: list[tuple[int, dict | None, str]] = []
    for index, kept in chunk:
        try:
            out.append((index, evaluate(workbook, base.model_copy(update=kept)), ""))
        except Exception as exc:  # a failed point is a row with its error, not a failed sweep
            out.append((index, None, f"{type(exc).__name__}: {exc}"))
    return out


# --- executors ---------------------------------------------------------------------------


@dataclass
class _ChunkLost:
    """A chunk whose task failed as a whole (its worker lost): its points and the error."""

    chunk: list
    error: BaseException


class LocalExecutor:
    """Runs chunks one after another in this process."""

    name = "local"
    workers = 1

    def map(self, fn: Callable, shared: tuple, chunks: list[list]) -> Iterator[list | _ChunkLost]:
        for chunk in chunks:
            yield fn(*shared, chunk)


class DaskExecutor:
    """Runs chunks on a Dask cluster: a ``LocalCluster`` (one single-threaded worker
    process per core) when no scheduler address is given, else the cluster at ``address``.
    The shared arguments go to every worker once; a chunk whose worker is lost comes back
    as the exception, which the sweep turns into rows with that error."""

    name = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None):
        self.address = address
        self.n_workers = workers or os.cpu_count() or 1
        self.client: Any = None
        self.cluster: Any = None

    def __enter__(self) -> DaskExecutor:
        import logging

        from distributed import Client, LocalCluster

        if self.address:
            try:
                self.client = Client(self.address, timeout="10s")
            except OSError as exc:
                raise ConnectionError(f"no Dask scheduler answers at {self.address}: {exc}") from None
        else:
            self.cluster = LocalCluster(
                n_workers=self.n_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",  # a free port: 8787 may be taken
                silence_logs=logging.ERROR,
            )
            self.client = Client(self.cluster)
        return self

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {}))) if self.client else self.n_workers

    def __exit__(self, *exc: Any) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def map(self, fn: Callable, shared: tuple, chunks: list[list]) -> Iterator[list | _ChunkLost]:
        from distributed import as_completed

        scattered = [self.client.scatter(arg, broadcast=True, hash=False) for arg in shared]
        futures = [self.client.submit(fn, *scattered, chunk, pure=False) for chunk in chunks]
        by_future = {f.key: chunk for f, chunk in zip(futures, chunks, strict=True)}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:
                yield _ChunkLost(by_future[future.key], exc)


@contextmanager
def executor(kind: str = "local", scheduler: str | None = None) -> Iterator[LocalExecutor | DaskExecutor]:
    """The executor ``--executor`` names (``--scheduler`` implies ``dask``)."""
    if scheduler or kind == "dask":
        with DaskExecutor(scheduler) as ex:
            yield ex
    elif kind == "local":
        yield LocalExecutor()
    else:
        raise ValueError(f"unknown executor '{kind}' (local or dask)")


def chunks_of(items: list, workers: int, size: int | None = None) -> list[list]:
    """``items`` in chunks: about eight per worker (so a slow chunk does not idle the
    others), at most 5,000 points each.

    >>> [len(c) for c in chunks_of(list(range(10)), 1, 4)]
    [4, 4, 2]
    """
    size = size or max(1, min(5000, math.ceil(len(items) / (workers * 8))))
    return [items[i : i + size] for i in range(0, len(items), size)]


# --- the sweep ---------------------------------------------------------------------------


def point_hashes(sweep: Sweep, base_data: dict, fingerprint: str) -> list[str]:
    """A content hash per point: the code, the workbook, the base scenario's file content
    and the point. Equal hashes, equal results."""
    prefix = hashlib.sha256(f"{fingerprint}|{sweep.workbook}|{canonical(base_data)}|".encode())
    out = []
    for point in sweep.points:
        h = prefix.copy()
        h.update(canonical(point).encode())
        out.append(h.hexdigest()[:32])
    return out


def sweep_dir(outputs: Path, name: str) -> Path:
    return outputs / SWEEPS / name


def previous_rows(folder: Path) -> dict[str, dict]:
    """The good rows of a sweep's previous results, by input hash."""
    path = folder / f"{POINTS}.parquet"
    if not path.exists():
        return {}
    try:
        old = pd.read_parquet(path)
    except Exception:  # an unreadable earlier result: evaluate everything again
        return {}
    if "input_hash" not in old or "status" not in old:
        return {}
    good = old[old["status"] == OK]
    return {row["input_hash"]: row for row in good.to_dict("records")}


@dataclass
class SweepOutcome:
    sweep: Sweep
    frame: pd.DataFrame
    folder: Path
    seconds: float
    executor: str
    base_data: dict
    validated: int
    evaluated: int
    cached: int

    @property
    def failed(self) -> int:
        return int((self.frame["status"] == ERROR).sum())


def run_sweep(
    sweep: Sweep,
    outputs: Path,
    *,
    kind: str = "local",
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool = True,
    force: bool = False,
) -> SweepOutcome:
    """Validate every point, evaluate the ones not already evaluated, write the results.

    Raises :class:`SweepInvalid` (nothing evaluated, nothing written) when a point cannot
    be used, ParameterError when the base scenario cannot.
    """
    from tqdm import tqdm

    from marketbooks.run.cache import code_fingerprint

    start = time.perf_counter()
    base = load_scenario(sweep.workbook, sweep.base)
    base_data = read_yaml(scenario_path(sweep.workbook, sweep.base))
    hashes = point_hashes(sweep, base_data, code_fingerprint())
    folder = sweep_dir(outputs, sweep.name)
    previous = {} if force else previous_rows(folder)
    todo = [i for i, h in enumerate(hashes) if h not in previous]
    kept: dict[int, dict] = {}
    results: dict[int, tuple[dict | None, str]] = {}
    with executor(kind, scheduler) as ex:
        chunks = chunks_of([(i, sweep.rows[i], sweep.points[i]) for i in todo], ex.workers, chunk_size)
        problems: list[tuple[str, str]] = []
        with tqdm(total=len(todo), desc="validating", unit="point", disable=not progress or not todo) as bar:
            for answer in ex.map(validate_chunk, (sweep.workbook, base_data, base), chunks):
                if isinstance(answer, _ChunkLost):
                    raise RuntimeError(f"validating points on {ex.name} failed: {answer.error}") from answer.error
                for index, change, issues in answer:
                    if issues:
                        problems += [(f"{sweep.rows[index]}, {fld}", reason) for fld, reason in issues]
                    else:
                        kept[index] = change
                bar.update(len(answer))
        if problems:
            raise SweepInvalid(sweep.source, sorted(problems, key=lambda p: _row_order(p[0]))[:50])
        chunks = chunks_of([(i, kept[i]) for i in todo], ex.workers, chunk_size)
        with tqdm(
            total=len(todo), desc=f"evaluating ({ex.name})", unit="point", disable=not progress or not todo
        ) as bar:
            for answer in ex.map(evaluate_chunk, (sweep.workbook, base), chunks):
                if isinstance(answer, _ChunkLost):
                    lost = f"the worker running it was lost: {type(answer.error).__name__}: {answer.error}"
                    answer = [(index, None, lost) for index, _ in answer.chunk]
                for index, values, error in answer:
                    results[index] = (values, error)
                bar.update(len(answer))
        executor_name = ex.name
    frame = tidy_frame(sweep, hashes, results, previous)
    outcome = SweepOutcome(
        sweep,
        frame,
        folder,
        time.perf_counter() - start,
        executor_name,
        base_data,
        len(todo),
        len(todo),
        len(hashes) - len(todo),
    )
    write_sweep(outcome, outputs)
    return outcome


def _row_order(label: str) -> tuple[int, str]:
    found = re.search(r"(\d+)", label)
    return (int(found.group(1)) if found else 0, label)


def tidy_frame(
    sweep: Sweep, hashes: list[str], results: dict[int, tuple[dict | None, str]], previous: dict[str, dict]
) -> pd.DataFrame:
    """One row per point, in the points' order: ``point``, the swept fields, the key
    results, ``status``, ``error``, ``input_hash``."""
    records = []
    for i, (point, digest) in enumerate(zip(sweep.points, hashes, strict=True)):
        if i in results:
            values, error = results[i]
            row = {**(values or {}), "status": OK if values is not None else ERROR, "error": error}
        else:
            old = previous[digest]
            row = {k: v for k, v in old.items() if k not in ("point", "input_hash", *sweep.fields)}
        records.append({"point": i + 1, **{f: point.get(f) for f in sweep.fields}, **row, "input_hash": digest})
    frame = pd.DataFrame.from_records(records)
    ordered = ["point", *sweep.fields]
    rest = [c for c in frame.columns if c not in (*ordered, "status", "error", "input_hash")]
    return frame[[*ordered, *rest, "status", "error", "input_hash"]]


def write_sweep(outcome: SweepOutcome, outputs: Path) -> None:
    """Write the points (parquet, CSV) and ``sweep.json`` into a fresh folder, then put it
    in place of the previous results (kept until then: a failure leaves them whole)."""
    from marketbooks.outputs import replace_dir
    from marketbooks.views.tables import write_csv

    sweep = outcome.sweep
    folder = outcome.folder
    tmp = folder.with_name(f".{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        frame = outcome.frame.copy()
        for column in sweep.fields:  # a swept field may hold numbers in one row and words in another
            if frame[column].map(type).nunique() > 1:
                frame[column] = frame[column].astype(str)
        frame.to_parquet(tmp / f"{POINTS}.parquet", index=False)
        write_csv(outcome.frame, tmp / f"{POINTS}.csv")
        spec = {
            "name": sweep.name,
            "workbook": sweep.workbook,
            "base": sweep.base,
            "fields": sweep.fields,
            "base_values": {f: value_at(outcome.base_data, f) for f in sweep.fields},
            "source": sweep.source,
            "points": len(sweep.points),
            "ok": int((outcome.frame["status"] == OK).sum()),
            "failed": outcome.failed,
            "cached": outcome.cached,
            "evaluated": outcome.evaluated,
            "executor": outcome.executor,
            "seconds": round(outcome.seconds, 3),
        }
        (tmp / SPEC_FILE).write_text(json.dumps(spec, indent=2, default=str) + "\n", encoding="utf-8")
        old_report = folder / "report.html"
        if old_report.exists():  # kept until the new report replaces it
            shutil.copy2(old_report, tmp / "report.html")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replace_dir(tmp, folder)


def load_sweep(name: str, outputs: Path | str | None = None) -> tuple[dict, pd.DataFrame]:
    """A written sweep's ``sweep.json`` and points; ParameterError names the sweeps there are."""
    from marketbooks.outputs import outputs_dir

    outputs = Path(outputs) if outputs else outputs_dir()
    folder = sweep_dir(outputs, name)
    if not SAFE.fullmatch(name or "") or not (folder / SPEC_FILE).exists():
        known = sorted(p.parent.name for p in (outputs / SWEEPS).glob(f"*/{SPEC_FILE}"))
        said = f"no sweep named {name!r}" if name else "no sweep named"
        raise ParameterError(
            "sweep", [("sweep", f"{said}; sweeps run so far: {', '.join(known) or 'none (marketbooks sweep …)'}")]
        )
    spec = json.loads((folder / SPEC_FILE).read_text(encoding="utf-8"))
    return spec, pd.read_parquet(folder / f"{POINTS}.parquet")


def list_sweeps(outputs: Path | None = None) -> list[dict]:
    """Every written sweep's ``sweep.json``, newest first."""
    from marketbooks.outputs import outputs_dir

    outputs = outputs or outputs_dir()
    specs = []
    for path in sorted((outputs / SWEEPS).glob(f"*/{SPEC_FILE}"), key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            specs.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return specs
