"""Packaging: pyproject, environment.yml and the lock agree; CI calls make test; Voilà pre-heats notebooks only."""

import re
import tomllib

import pytest
import yaml
from conftest import ROOT


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ]", req.strip(), maxsplit=1)[0].lower()


def _names(req: str) -> set[str]:
    """A requirement's package and, for an extra that is a package of its own on conda
    (``dask[distributed]``), that package too."""
    extras = re.search(r"\[([^]]+)\]", req)
    return {_name(req)} | ({e.strip().lower() for e in extras.group(1).split(",")} if extras else set())


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_deps = set().union(
        *(_names(d) for d in project["dependencies"] + sum(project["optional-dependencies"].values(), []))
    )
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, nested = set(), set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            nested |= {_name(d) for d in dep["pip"] if not d.startswith("-e")}
        else:
            conda.add(_name(dep))
    assert conda - {"python", "pip"} | nested == pip_deps


def _locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            name, version = line.split("==")
            pins[_name(name).replace("_", "-")] = version.strip()
    return pins


def test_the_lock_pins_every_dependency_and_the_environment_has_its_versions():
    """A fresh machine gets the versions the tests passed with: `make` installs
    requirements.lock, which pins every dependency (and theirs) to one version."""
    from importlib.metadata import PackageNotFoundError, version

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    every = project["dependencies"] + sum(project["optional-dependencies"].values(), [])
    declared = {_name(d).replace("_", "-") for d in every}
    locked = _locked()
    assert declared <= set(locked), declared - set(locked)
    wrong = {}
    for name, pinned in locked.items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = None
        if installed != pinned:
            wrong[name] = (pinned, installed)
    assert wrong == {}, "the environment differs from requirements.lock (make installs it; `make lock` renews it)"


def test_ci_calls_the_readme_test_command():
    assert "make test" in (ROOT / ".ci/run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme


def voila_config():
    """``config/voila.py`` as Voilà loads it (traitlets' config file loader)."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("voila.py", path=str(ROOT / "config")).load_config()


@pytest.mark.parametrize(
    "path, preheated",
    [
        *(
            (f"notebooks/{name}", True)
            for name in [
                "index.ipynb",
                "acps.ipynb",
                "ds3_revenue.ipynb",
                "imbalance.ipynb",
                "auction_walkthrough.ipynb",
                "rtp_assessment.ipynb",
            ]
        ),
        ("outputs/acps/2017_decision/acps_2017_decision.ipynb", False),
        ("tests/notebooks/golden/acps__2017_decision.ipynb", False),
        (".venv/share/jupyter/some.ipynb", False),
        (".venv/lib/python3.11/site-packages/pkg/notebooks/demo.ipynb", False),
        ("workspace/acps.ipynb", False),
        ("notebooks/sub/other.ipynb", False),
    ],
)
def test_preheating_covers_the_notebooks_and_nothing_else(path, preheated):
    """Voilà skips pre-heating a notebook whose absolute path a deny-list pattern matches
    (``re.match``) or contains."""
    import re

    denylist = voila_config().VoilaKernelManager.preheat_denylist
    absolute = str(ROOT / path)
    denied = any(pattern in absolute or re.match(pattern, absolute) for pattern in denylist)
    assert denied != preheated


def test_the_visit_cell_waits_without_a_time_limit_and_every_other_cell_has_one():
    from marketbooks.run.serve import CELL_TIMEOUT_S, VISIT_TAG, cell_timeout

    timeout = voila_config().VoilaExecutor.timeout_func
    assert timeout is cell_timeout
    assert timeout({"metadata": {"tags": [VISIT_TAG]}}) is None
    assert timeout({"metadata": {}}) == CELL_TIMEOUT_S


def test_the_dashboards_kernels_start_through_the_waiting_provisioner():
    """config/voila.py names a provisioner the installed package registers (an entry point
    of ``jupyter_client.kernel_provisioners``): a name nothing registers fails every kernel."""
    from jupyter_client.provisioning import KernelProvisionerFactory

    from marketbooks.run.waiting import WaitingKernelProvisioner

    name = voila_config().KernelProvisionerFactory.default_provisioner_name
    entry = KernelProvisionerFactory.instance().provisioners[name]
    assert entry.load() is WaitingKernelProvisioner
