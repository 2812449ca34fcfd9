"""Cached runs: a scenario whose inputs have not changed since its last good run is not run again.

A run's inputs are its notebook, the scenario files the run read (its own, and those it
references or compares with: an ACPS scenario's DS3 scenario, the scenarios of Table 6.1),
its overrides, the library's source and the versions of every installed package. After a
good run the runner writes their content hash and the list of files to
``outputs/<workbook>/<scenario>/inputs.json``; the next run computes the hash again from
the files as they are and skips the scenario when it is the same. ``--force`` runs anyway.
"""

from __future__ import annotations

import hashlib
import json
import platform
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

INPUTS_FILE = "inputs.json"  # in a scenario's output folder
LIBRARY = Path(__file__).resolve().parents[1]  # lib/marketbooks


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of what computes every number: the library's files, Python's version and every
    installed distribution's name and version (one changed dependency re-runs everything).
    Computed once per process."""
    digest = hashlib.sha256(platform.python_version().encode())
    for path in sorted(p for p in LIBRARY.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(LIBRARY).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    versions = sorted(f"{d.metadata['Name']}=={d.version}".lower() for d in metadata.distributions())
    digest.update("\n".join(versions).encode())
    return digest.hexdigest()


def inputs_hash(notebook: Path, files: list[str], root: Path, overrides: dict[str, Any] | None) -> str | None:
    """The content hash of a run's inputs; None when one of ``files`` (project-relative)
    is gone or unreadable (the run must happen, and will say what is missing)."""
    from marketbooks.scenarios.overrides import canonical

    digest = hashlib.sha256(code_fingerprint().encode())
    digest.update(canonical(overrides or {}).encode())
    try:
        digest.update(notebook.read_bytes())
        for name in sorted(files):
            digest.update(name.encode() + b"\0")
            digest.update((root / name).read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


def recorded(output: Path) -> dict[str, Any] | None:
    """What the last good run in ``output`` recorded (:data:`INPUTS_FILE`), if anything usable."""
    try:
        record = json.loads((output / INPUTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("files"), list) or "hash" not in record:
        return None
    return record


def is_current(output: Path, notebook: Path, root: Path, overrides: dict[str, Any] | None) -> bool:
    """Whether ``output`` holds a good run of exactly these inputs."""
    record = recorded(output)
    if record is None or not (output / "report.html").exists():
        return False
    return record["hash"] == inputs_hash(notebook, record["files"], root, overrides)


def record_inputs(output: Path, notebook: Path, root: Path, overrides: dict[str, Any] | None) -> None:
    """Complete the record a run's kernel left (the files it read) with their hash."""
    path = output / INPUTS_FILE
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return  # a notebook that records nothing is never cached
    digest = inputs_hash(notebook, files, root, overrides)
    if digest is None:
        return
    record = {"hash": digest, "files": sorted(files), "overrides": overrides or {}}
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
