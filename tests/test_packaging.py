"""pyproject.toml and environment.yml list the same dependencies; CI calls make test."""

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
