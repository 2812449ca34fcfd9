"""docs/rules.md: for each seed, every clause, section or table the project implements →
the rule functions whose docstrings cite it → their tests → the notebook section that shows
it, and the clauses it does not implement with the reason.

Generated from the code: ``python -m marketbooks.run.rules_index > docs/rules.md``. A test
(``tests/unit/test_docs.py``) keeps the file current, fails when a docstring cites a clause
the catalogue below lacks, and when an implemented clause has no function or no test.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from marketbooks.scenarios.loader import project_root

# What each seed's text numbers, as the docstrings cite it; None = implemented, text = why not.
CATALOGUE: dict[str, dict[str, str | None]] = {
    "001": {
        "§1": None,
        "§4.2": None,
        "§4.3": None,
        "§5.1": None,
        "§5.2": None,
        "§6": None,
        "§6.1": None,
        "§6.2": None,
        "Table 1.1": None,
        "Table 1.2": None,
        "Table 4.1": None,
        "Table 5.1": None,
        "Table 6.1": None,
        "Table A1.1": None,
        "Appendix 1": None,
        "Appendix 2": "the median demand forecast table was lost in transcription; §5.1's TER is used instead",
        "Appendix 3": None,
        "Table A3.1": None,
    },
    "002": {
        "§3.8": None,
        "§4.2": None,
        "Appendix D": None,
        "Appendix E": None,
        "Appendix F": "lost in transcription (pages after 23)",
        "Table 1": None,
        "Table 2": None,
        "Table 5": None,
    },
    "003": {
        **{str(n): None for n in (40, 67, 68, 73, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87)},
        **{str(n): None for n in range(93, 104)},
        "101.1": None,
        "101.2": None,
        "105": None,
        **{str(n): "the organiser's preparations before the session: no computation" for n in (64, 65, 66)},
        **{str(n): "access to and information shown in the trading system: no computation" for n in (69, 70, 71, 72)},
        **{str(n): "what an application contains: the bid table's columns" for n in (74, 75)},
        "76": "security is checked per bid (clause 40); holding security is the participant's obligation",
        "83": "several plots and points: one lot per connection point (82)",
        **{str(n): "legal effect and submission channel of an application: no computation" for n in (88, 89, 90, 91)},
        "92": "the auction's form (unilateral): the whole engine",
        "104": "the 20-minute answer window: the answers are a parameter (accepted)",
        **{str(n): "after the auction: reimbursement, confidentiality, publication" for n in (106, 107, 108, 109)},
    },
    "004": {
        "FAQ": None,
    },
}
SEEDS = {
    "001": ("SEM capacity payments and DS3 revenues", ["marketbooks.rules.capacity", "marketbooks.rules.ds3"]),
    "002": ("NZ real-time pricing assessment", ["marketbooks.rules.rtp", "marketbooks.data.nz_prices"]),
    "003": (
        "KOREM renewable-energy auction",
        [
            "marketbooks.rules.auction.bids",
            "marketbooks.rules.auction.session",
            "marketbooks.rules.auction.clearing",
            "marketbooks.data.bid_files",
        ],
    ),
    "004": ("OKTE imbalance settlement (with KOREM balancing prices, seed 000)", ["marketbooks.rules.imbalance"]),
}
_NUMBER = r"\d+(?:\.\d+)?"
_RANGE = rf"{_NUMBER}(?:\s*[–-]\s*{_NUMBER})?"
_CITATIONS = {
    "clause": re.compile(rf"[Cc]lauses? ({_RANGE}(?:(?:, | and ){_RANGE})*)"),
    "section": re.compile(rf"§\s?({_NUMBER})"),
    "table": re.compile(r"\b(Table [A-Z]?\d+(?:\.\d+)?)"),
    "appendix": re.compile(r"\b(Appendix [A-Z0-9]+)"),
    "faq": re.compile(r"\b(FAQ)\b"),
}


def citations(text: str) -> set[str]:
    """The clauses, sections, tables and appendices a docstring cites.

    >>> sorted(citations("Clauses 97–99 and §5.2, Table A3.1; clause 101.1"))
    ['101.1', '97', '98', '99', 'Table A3.1', '§5.2']
    """
    found: set[str] = set()
    for kind, pattern in _CITATIONS.items():
        for match in pattern.finditer(text):
            if kind != "clause":
                found.add(("§" + match.group(1)) if kind == "section" else match.group(1))
                continue
            for part in re.split(r", | and ", match.group(1)):
                ends = [p.strip() for p in re.split(r"[–-]", part)]
                if len(ends) == 2 and "." not in part:
                    found.update(str(n) for n in range(int(ends[0]), int(ends[1]) + 1))
                else:
                    found.update(ends)
    return found


@dataclass
class Entry:
    seed: str
    ref: str
    functions: list[str] = field(default_factory=list)
    tests: set[str] = field(default_factory=set)
    sections: set[str] = field(default_factory=set)


def public_functions(module_name: str) -> dict[str, str]:
    """``module.function`` → docstring, for the public functions a rule module defines."""
    module = importlib.import_module(module_name)
    out = {}
    for name, obj in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(obj) or obj.__module__ != module_name:
            continue
        out[f"{module_name.removeprefix('marketbooks.')}.{name}"] = inspect.getdoc(obj) or ""
    return out


def _tests_by_name(root: Path) -> dict[str, set[str]]:
    """Identifier → the unit tests whose body names it."""
    found: dict[str, set[str]] = {}
    for path in sorted((root / "tests" / "unit").glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                names |= {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
                for name in names:
                    found.setdefault(name, set()).add(f"{path.stem}::{node.name}")
    return found


def _sections_by_name(root: Path) -> dict[str, set[str]]:
    """Identifier → the notebook sections (``notebook › heading``) whose code calls it."""
    found: dict[str, set[str]] = {}
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        heading = path.stem
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            text = "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                titles = [line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("## ")]
                heading = titles[-1] if titles else heading
                continue
            for name in set(re.findall(r"\b([a-z_][a-z0-9_]*)\(", text)):
                found.setdefault(name, set()).add(f"{path.stem} › {heading}")
    return found


def build(root: Path | None = None) -> dict[str, dict[str, Entry]]:
    """Every catalogue entry with the functions citing it, their tests and notebook sections."""
    root = project_root() if root is None else root
    tests, sections = _tests_by_name(root), _sections_by_name(root)
    index: dict[str, dict[str, Entry]] = {}
    for seed, (_, modules) in SEEDS.items():
        entries = {ref: Entry(seed, ref) for ref in CATALOGUE[seed]}
        for module in modules:
            for qualname, doc in public_functions(module).items():
                name = qualname.rsplit(".", 1)[1]
                for ref in sorted(citations(doc)):
                    if ref not in entries:
                        raise KeyError(f"{qualname} cites {ref!r}, which the catalogue of seed {seed} lacks")
                    entry = entries[ref]
                    entry.functions.append(qualname)
                    entry.tests |= tests.get(name, set())
                    entry.sections |= sections.get(name, set())
        index[seed] = entries
    return index


def problems(index: dict[str, dict[str, Entry]]) -> list[str]:
    """Implemented catalogue entries without a citing function or without a test."""
    out = []
    for seed, entries in index.items():
        for ref, entry in entries.items():
            if CATALOGUE[seed][ref] is not None:
                continue
            if not entry.functions:
                out.append(f"seed {seed}: {ref} is marked implemented but no docstring cites it")
            elif not entry.tests:
                out.append(f"seed {seed}: {ref} has no unit test of {', '.join(entry.functions)}")
    return out


def _key(ref: str) -> tuple:
    number = re.match(r"(\d+)(?:\.(\d+))?$", ref)
    return (0, int(number[1]), int(number[2] or 0), "") if number else (1, 0, 0, ref)


def reference() -> str:
    """docs/rules.md."""
    index = build()
    lines = [
        "# Rules: clause by clause",
        "",
        "Generated from the rule functions' docstrings (`python -m marketbooks.run.rules_index >",
        "docs/rules.md`); `tests/unit/test_docs.py` keeps it current. For each seed: what its text",
        "numbers, the functions that implement it, their unit tests, the notebook section that shows",
        "it; and what is not implemented, with the reason.",
    ]
    for seed, (title, _) in SEEDS.items():
        lines += [
            "",
            f"## Seed {seed}: {title}",
            "",
            "| clause / table | functions | tests | notebook |",
            "|---|---|---|---|",
        ]
        skipped = []
        for ref in sorted(index[seed], key=_key):
            entry, why = index[seed][ref], CATALOGUE[seed][ref]
            if why is not None:
                skipped.append(f"- **{ref}**: {why}")
                continue
            funcs = ", ".join(f"`{f}`" for f in sorted(set(entry.functions)))
            tests = f"{len(entry.tests)} ({', '.join(sorted(entry.tests)[:2])}{', …' if len(entry.tests) > 2 else ''})"
            notebook = "; ".join(sorted(entry.sections)[:2]) or "—"
            lines.append(f"| {ref} | {funcs} | {tests} | {notebook} |")
        if skipped:
            lines += ["", "Not implemented:", "", *skipped]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(reference(), end="")
