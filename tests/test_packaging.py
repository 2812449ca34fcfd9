"""pyproject.toml and environment.yml list the same dependencies; CI calls make test; Voilà preheats the workbooks only."""

import re
import tomllib

import yaml

from conftest import ROOT


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ]", req.strip(), maxsplit=1)[0].lower()


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_deps = {_name(d) for d in project["dependencies"] + project["optional-dependencies"]["test"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, nested = set(), set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            nested |= {_name(d) for d in dep["pip"] if not d.startswith("-e")}
        else:
            conda.add(_name(dep))
    assert conda - {"python", "pip"} | nested == pip_deps


def test_ci_calls_the_readme_test_command():
    assert "make test" in (ROOT / ".ci/run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme


def test_preheating_covers_the_five_workbooks_and_nothing_else():
    """``voila.json``'s deny-list, read by Voilà's own matching, against every notebook the
    server's root holds: index (its headlines follow `make run`), goldens, outputs, the venv."""
    import json
    from types import SimpleNamespace

    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from voila.voila_kernel_manager import voila_kernel_manager_factory

    from marketbooks.params import WORKBOOKS

    denylist = json.loads((ROOT / "voila.json").read_text())["VoilaKernelManager"]["preheat_denylist"]
    manager = voila_kernel_manager_factory(AsyncMappingKernelManager, True, 1)
    preheated = {str(path.relative_to(ROOT)) for path in ROOT.rglob("*.ipynb")
                 if manager._notebook_filter(SimpleNamespace(preheat_denylist=denylist), path)}
    assert preheated == {f"notebooks/{wb.notebook}" for wb in WORKBOOKS.values()}
