"""The folder tree is the design: rules depend on nothing that shows or runs them."""

import ast
from pathlib import Path

import pytest
from conftest import ROOT

LIB = ROOT / "lib" / "marketbooks"
RULES = sorted((LIB / "rules").rglob("*.py"))


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", RULES, ids=lambda p: str(p.relative_to(LIB)))
def test_rules_import_no_views_explore_run_or_readers(path):
    forbidden = (
        "marketbooks.views",
        "marketbooks.explore",
        "marketbooks.run",
        "marketbooks.data",
        "marketbooks.outputs",
        "marketbooks.scenarios.loader",
        "ipywidgets",
        "plotly",
        "IPython",
    )
    bad = sorted(name for name in _imports(path) if name.startswith(forbidden))
    assert bad == []


@pytest.mark.parametrize("path", RULES, ids=lambda p: str(p.relative_to(LIB)))
def test_rules_read_no_files(path):
    """No open(), read_text, read_csv or YAML loading in a rule module's code: inputs arrive
    as values. (A docstring's example may load a scenario to show a call.)"""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            body[0] = ast.Pass()  # the docstring
    code = ast.unparse(tree)
    for call in ("open(", ".read_text(", ".read_bytes(", "read_csv(", "yaml.", "load_scenario("):
        assert call not in code, call


def test_views_do_not_import_the_runner_or_the_explore_sections():
    for path in sorted((LIB / "views").glob("*.py")):
        bad = sorted(n for n in _imports(path) if n.startswith(("marketbooks.run", "marketbooks.explore")))
        assert bad == [], path.name


def test_importing_marketbooks_changes_no_other_package():
    """No import-time side effects: importing every module leaves sys.modules' entries of
    other packages alone and plotly's default renderer as it was."""
    import subprocess
    import sys

    code = (
        "import sys, importlib, pkgutil\n"
        "import plotly.io as pio\n"
        "before = pio.renderers.default\n"
        "import marketbooks\n"
        "for m in pkgutil.walk_packages(marketbooks.__path__, 'marketbooks.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "assert pio.renderers.default == before, (before, pio.renderers.default)\n"
        "assert all(v is not None for v in sys.modules.values()), [k for k, v in sys.modules.items() if v is None]\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "assert not InteractiveShell.initialized()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_no_private_names_of_other_packages_in_lib():
    """ruff's private-member rule (SLF001) over lib/, as `make lint` runs it."""
    import subprocess
    import sys

    ruff = Path(sys.executable).parent / "ruff"
    done = subprocess.run(
        [str(ruff), "check", "--select", "SLF001", "--output-format", "concise", str(LIB)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout
