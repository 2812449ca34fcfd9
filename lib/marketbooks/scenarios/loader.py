"""Reading scenario files: where they are, parsing, validation, and references between them.

Every scenario is a YAML file ``params/<workbook>/<scenario>.yaml``, validated by the
workbook's model (:mod:`marketbooks.scenarios.models`) before anything runs. A reference
to another workbook's scenario (an ACPS scenario taking its ancillary deduction from a DS3
scenario) is resolved here, when the scenario is loaded, so that no rule reads a file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from marketbooks.scenarios.models import AcpsParams, ParameterError, validate_model
from marketbooks.scenarios.registry import WORKBOOKS


def project_root() -> Path:
    """The checkout holding ``params/`` and ``notebooks/``.

    ``MARKETBOOKS_ROOT`` wins; otherwise the folder above ``lib/`` (editable install), then
    the working directory and its parents, the first that has both folders.
    """
    env = os.environ.get("MARKETBOOKS_ROOT")
    if env:
        return Path(env).resolve()
    cwd = Path.cwd().resolve()
    for candidate in (Path(__file__).resolve().parents[3], cwd, *cwd.parents):
        if (candidate / "params").is_dir() and (candidate / "notebooks").is_dir():
            return candidate
    raise FileNotFoundError("cannot find the project root (a folder with params/ and notebooks/); set MARKETBOOKS_ROOT")


def scenario_path(workbook: str, scenario: str) -> Path:
    """``params/<workbook>/<scenario>.yaml`` in the project."""
    return project_root() / "params" / workbook / f"{scenario}.yaml"


def list_scenarios(workbook: str | None = None) -> list[tuple[str, str]]:
    """(workbook, scenario) pairs for every parameter file, in a stable order."""
    root = project_root() / "params"
    names = [workbook] if workbook else sorted(WORKBOOKS)
    pairs = []
    for wb in names:
        if wb not in WORKBOOKS:
            raise KeyError(f"unknown workbook '{wb}' (known: {', '.join(sorted(WORKBOOKS))})")
        # every *.yaml, a folder so named included: check and run then name it, rather than skip it
        pairs += [(wb, p.stem) for p in sorted((root / wb).glob("*.yaml")) if not p.name.startswith(".")]
    return pairs


def validate(workbook: str, data: Any, path: Path | str = "<memory>", unchanged: dict[str, Any] | None = None) -> Any:
    """Validate a mapping against the workbook's model; ParameterError names every problem.

    References to other scenarios are not resolved (see :func:`resolve_references`);
    ``unchanged`` as :func:`~marketbooks.scenarios.models.validate_model` has it.
    """
    return validate_model(WORKBOOKS[workbook].model, data, path, unchanged)


def display_path(path: Path) -> str:
    """``path`` relative to the project when inside it (messages name no machine paths)."""
    try:
        return str(path.resolve().relative_to(project_root()))
    except (ValueError, FileNotFoundError):
        return str(path)


# A scenario file larger than this is not a scenario (a log pasted in, or the wrong file).
MAX_FILE_BYTES = 5_000_000


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping that gives the same key twice: YAML itself would keep the last silently."""


class ScenarioLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader (libyaml's, about twenty times faster to parse, where PyYAML was
    built with it) that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise DuplicateKeyError(
                    None,
                    None,
                    f"key {key!r} appears twice (first at line {seen[key].start_mark.line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


# Every scenario file this process has read, as the project shows it: a run records them
# beside its outputs, and the runner's cache knows what a run depended on.
FILES_READ: set[str] = set()


def read_text(path: Path) -> str:
    """A scenario file's text: UTF-8, not too large; ParameterError names what is wrong."""
    shown = display_path(path)
    FILES_READ.add(shown)
    try:
        if path.is_dir():
            raise ParameterError(shown, [("(file)", "is a folder, not a file")])
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ParameterError(
                shown,
                [("(file)", f"is {path.stat().st_size:,} bytes; a scenario file may have at most {MAX_FILE_BYTES:,}")],
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ParameterError(shown, [("(file)", "file not found")]) from None
    except OSError as exc:
        raise ParameterError(shown, [("(file)", f"cannot be read: {exc.strerror or exc}")]) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParameterError(shown, [("(file)", "is UTF-16 text: save it as UTF-8")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ParameterError(
            shown,
            [("(file)", f"is not UTF-8 text (a byte that UTF-8 does not allow at line {line}): save it as UTF-8")],
        ) from None


def read_yaml(path: Path) -> Any:
    """The parsed content of a YAML file; ParameterError names the file and the problem."""
    text = read_text(path)
    try:
        return yaml.load(text, Loader=ScenarioLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = f"not valid YAML{where}: {getattr(exc, 'problem', exc)}"
        raise ParameterError(display_path(path), [("(file)", problem)]) from None


def resolve_references(scenario: Any, path: str = "<memory>") -> Any:
    """``scenario`` with the scenarios it names attached: an ACPS scenario whose deduction
    comes from the DS3 model (``ancillary_source: ds3_model``) gets ``ds3``, the loaded
    ``params/ds3/<ds3_scenario>.yaml``. A missing or broken reference is a ParameterError
    of the referring file, on its ``ds3_scenario`` field."""
    if not isinstance(scenario, AcpsParams) or scenario.ancillary_source != "ds3_model" or scenario.ds3 is not None:
        return scenario
    name = scenario.ds3_scenario
    known = [sc for _, sc in list_scenarios("ds3")]
    if name not in known:
        raise ParameterError(
            path, [("ds3_scenario", f"no params/ds3/{name}.yaml (DS3 scenarios: {', '.join(known) or 'none'})")]
        )
    try:
        ds3 = load_scenario("ds3", name)
    except ParameterError as exc:
        raise ParameterError(
            path,
            [("ds3_scenario", f"params/ds3/{name}.yaml cannot be used: {reason}") for reason in str(exc).splitlines()],
        ) from None
    return scenario.model_copy(update={"ds3": ds3})


# Keys that describe a scenario rather than give it an input
NOT_INPUTS = {
    "label",
    "rpi_label",
    "ancillary_label",
    "status",
    "notes",
    "published",
    "sensitivity",
    "reproduces",
    "text",
    "calibration",
}


def mark_user_inputs(data: Any, reference: Any) -> Any:
    """A scenario's data with every input that differs from the publication's scenario
    (``reference``) labelled ``user input``: "published", "derived" or "calibrated" belong
    to the figures the publication gives, not to a copy someone edited. Items of a list
    keyed by ``code`` (DS3 services) are compared one by one.

    >>> mark_user_inputs({"rpi": 0.02, "price_cap": 1000}, {"rpi": 0.016, "price_cap": 1000})["status"]
    {'rpi': 'user input'}
    """
    if not isinstance(data, dict) or not isinstance(reference, dict):
        return data
    out = dict(data)
    status = dict(out.get("status") or {})
    for key, value in out.items():
        if key in NOT_INPUTS or reference.get(key) == value:
            continue
        if isinstance(value, list) and all(isinstance(v, dict) and "code" in v for v in value):
            theirs = {v.get("code"): v for v in reference.get(key) or [] if isinstance(v, dict)}
            out[key] = [v if theirs.get(v["code"]) == v else {**v, "status": "user input"} for v in value]
            continue
        status[key] = "user input"
    out["status"] = status
    return out


def load_file(workbook: str, path: Path | str) -> Any:
    """Load, validate and resolve the scenario file ``path`` of ``workbook``.

    A file whose ``reproduces`` names another scenario of the workbook (a copy of a
    publication's scenario) has the inputs it changed labelled ``user input``.
    """
    path = Path(path)
    shown = display_path(path)
    data = read_yaml(path)
    source = data.get("reproduces") if isinstance(data, dict) else None
    if isinstance(source, str) and source != path.stem:
        original = scenario_path(workbook, source)
        if not original.is_file():
            known = ", ".join(sc for _, sc in list_scenarios(workbook))
            raise ParameterError(shown, [("reproduces", f"no params/{workbook}/{source}.yaml (scenarios: {known})")])
        data = mark_user_inputs(data, read_yaml(original))
    return resolve_references(validate(workbook, data, shown), shown)


def load_scenario(workbook: str, scenario: str, overrides: dict[str, Any] | None = None) -> Any:
    """Load, validate and resolve ``params/<workbook>/<scenario>.yaml``, with ``overrides``
    (``{"rpi": 0.02, "guarantee.po": 0.1}``) replacing fields first
    (:mod:`marketbooks.scenarios.overrides`)."""
    if workbook not in WORKBOOKS:
        raise KeyError(f"unknown workbook '{workbook}'")
    if overrides:
        from marketbooks.scenarios.overrides import load_with_overrides

        return load_with_overrides(workbook, scenario, overrides)
    return load_file(workbook, scenario_path(workbook, scenario))


def load_scenarios(workbook: str, scenarios: list[str]) -> list[Any]:
    """:func:`load_scenario` for each name, in order."""
    return [load_scenario(workbook, name) for name in scenarios]


def check_all() -> list[ParameterError]:
    """Validate every parameter file; return the errors (empty when all are good)."""
    errors = []
    for wb, sc in list_scenarios():
        try:
            load_scenario(wb, sc)
        except ParameterError as exc:
            errors.append(exc)
    return errors
