"""Parameter overrides: a scenario with some fields replaced, validated like a file.

``marketbooks run -w acps -s 2017_decision -p rpi=0.02`` and every sweep point are a base
scenario plus overrides. A field is named by its path in the file (``rpi``,
``guarantee.po``, ``options.B.cost_pv``; a list item by its position or its ``code``:
``services.SIR.tariff``); a value is read as YAML reads it (``0.02`` a number, ``true`` a
flag, ``2016-04-03`` a date). The result goes through the workbook's model, so a bad
override gets the message a bad file would, naming the field.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

import yaml

from marketbooks.scenarios.loader import (
    ScenarioLoader,
    display_path,
    read_yaml,
    resolve_references,
    scenario_path,
    validate,
)
from marketbooks.scenarios.models import ParameterError
from marketbooks.scenarios.registry import WORKBOOKS

# Names a run with overrides may take as its folder: the scenario, then field=value pairs
SAFE_NAME = re.compile(r"[A-Za-z0-9_.=+-]{1,120}")
# Fields that choose another scenario to reference (an ACPS scenario's DS3 source)
REFERENCE_FIELDS = frozenset({"ancillary_source", "ds3_scenario"})
# Fields a scenario carries that no file gives (the loader attaches them)
EXCLUDED = frozenset({"ds3"})
# What a scenario's provenance calls a value the analyst chose (an override, a sweep point)
CHOSEN = "chosen"


def parse_override(text: str, where: str = "-p") -> tuple[str, Any]:
    """``"field=value"`` as (field, value), the value read as YAML reads it.

    >>> parse_override("rpi=0.02")
    ('rpi', 0.02)
    >>> parse_override("guarantee.first_contract=true")
    ('guarantee.first_contract', True)
    """
    field, sep, raw = text.partition("=")
    field = field.strip()
    if not sep or not field:
        raise ParameterError(where, [(text or "(empty)", "an override is field=value, e.g. rpi=0.02")])
    try:
        value = yaml.load(raw.strip(), Loader=ScenarioLoader) if raw.strip() else None
    except yaml.YAMLError as exc:
        raise ParameterError(where, [(field, f"{raw!r} is not a value: {getattr(exc, 'problem', exc)}")]) from None
    if value is None:
        raise ParameterError(where, [(field, "no value given (field=value)")])
    return field, value


def parse_overrides(texts: list[str], where: str = "-p") -> dict[str, Any]:
    """Several ``field=value`` texts; a field given twice is an error, not a silent last-wins."""
    out: dict[str, Any] = {}
    for text in texts:
        field, value = parse_override(text, where)
        if field in out:
            raise ParameterError(where, [(field, "given twice")])
        out[field] = value
    return out


def _child(node: Any, key: str, path: str) -> tuple[Any, Any]:
    """(container key, child) of ``node`` for one path part; KeyError names what exists."""
    if isinstance(node, dict):
        if key in node:
            return key, node[key]
        raise KeyError(_unknown(key, [str(k) for k in node], path))
    if isinstance(node, list):
        if key.isdigit() and int(key) < len(node):
            return int(key), node[int(key)]
        codes = [str(item.get("code")) for item in node if isinstance(item, dict) and "code" in item]
        for i, item in enumerate(node):
            if isinstance(item, dict) and str(item.get("code")) == key:
                return i, item
        raise KeyError(_unknown(key, codes or [str(i) for i in range(len(node))], path))
    raise KeyError(f"'{path}' holds a single value, which has no field '{key}'")


def _unknown(key: str, known: list[str], path: str) -> str:
    where = f" in '{path}'" if path else ""
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(known[:20])})" if known else ""
    return f"unknown field{where}{hint}"


def with_overrides(data: dict[str, Any], overrides: Mapping[str, Any], model_fields: list[str]) -> dict[str, Any]:
    """A copy of a scenario file's mapping with each ``field.path`` replaced.

    A top-level field the file leaves out (a default) may be given; anything else must
    exist in the file. Raises KeyError with the reason, for the caller to locate.

    >>> with_overrides({"a": 1, "b": {"c": 2}}, {"b.c": 3}, ["a", "b", "d"])
    {'a': 1, 'b': {'c': 3}}
    """
    # copies only along each overridden path: a sweep makes one such mapping per point
    out = dict(data)
    for field, value in overrides.items():
        parts = field.split(".")
        if len(parts) == 1:
            if parts[0] not in out and parts[0] not in model_fields:
                raise KeyError(f"{field}: {_unknown(parts[0], model_fields, '')}")
            out[parts[0]] = value
            continue
        node: Any = out
        for depth, part in enumerate(parts[:-1]):
            try:
                key, child = _child(node, part, ".".join(parts[:depth]))
            except KeyError as exc:
                raise KeyError(f"{field}: {exc.args[0]}") from None
            node[key] = copy.copy(child)
            node = node[key]
        try:
            key, _ = _child(node, parts[-1], ".".join(parts[:-1]))
        except KeyError as exc:
            raise KeyError(f"{field}: {exc.args[0]}") from None
        node[key] = value
    return out


def value_at(data: Any, field: str) -> Any:
    """The value at a field path of a scenario file's mapping, None where there is none.

    >>> value_at({"options": {"B": {"cost_pv": 6}}}, "options.B.cost_pv")
    6
    """
    node = data
    for part in field.split("."):
        try:
            _, node = _child(node, part, "")
        except KeyError:
            return None
    return node


def mark_chosen(data: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Every overridden field's provenance becomes *chosen* (a nested field's top-level
    field): a value the analyst set is no longer the published, derived or reconstructed
    one, whatever the file said.

    >>> mark_chosen({"status": {"rpi": "published"}}, {"rpi": 0.02, "guarantee.po": 1})["status"]
    {'rpi': 'chosen', 'guarantee': 'chosen'}
    """
    status = dict(data.get("status") or {})
    for field in overrides:
        top = field.split(".")[0]
        if top not in ("status", "notes"):
            status[top] = CHOSEN
    return {**data, "status": status}


def load_with_overrides(workbook: str, scenario: str, overrides: Mapping[str, Any] | None = None) -> Any:
    """``params/<workbook>/<scenario>.yaml`` with ``overrides`` applied, validated and resolved.

    A bad override is a ParameterError on ``<file> with overrides`` naming the field.
    """
    if workbook not in WORKBOOKS:
        raise KeyError(f"unknown workbook '{workbook}'")
    path = scenario_path(workbook, scenario)
    data = read_yaml(path)
    if not overrides:
        shown = display_path(path)
        return resolve_references(validate(workbook, data, shown), shown)
    return validated_point(workbook, data, overrides, f"{display_path(path)} with overrides")


def validated_point(workbook: str, data: Any, overrides: Mapping[str, Any], where: str, base: Any = None) -> Any:
    """``data`` (a scenario file's mapping) with ``overrides``, validated and resolved.

    ``base``, the scenario ``data`` gave, lends the point the scenarios it references when
    the overrides leave the reference alone (a sweep's points share one DS3 scenario rather
    than each reading its file) and, when every override is a top-level field, its
    validated values for the fields the overrides leave alone: the model takes a validated
    value as it is, so a point costs the validation of what it changes and the checks
    across fields, not of the whole file again."""
    if not isinstance(data, dict):
        raise ParameterError(where, [("(file)", "expected a mapping of parameter names to values")])
    fields = list(WORKBOOKS[workbook].model.model_fields)
    unchanged = None
    if base is not None and all("." not in field for field in overrides):
        data = unchanged = {name: value for name, value in base if name not in EXCLUDED}
    try:
        changed = with_overrides(data, overrides, fields)
    except KeyError as exc:
        field, _, reason = str(exc.args[0]).partition(": ")
        raise ParameterError(where, [(field, reason)]) from None
    point = validate(workbook, mark_chosen(changed, overrides), where, unchanged)
    tops = {field.split(".")[0] for field in overrides}
    if getattr(base, "ds3", None) is not None and not tops & REFERENCE_FIELDS:
        point = point.model_copy(update={"ds3": base.ds3})
    return resolve_references(point, where)


def canonical(value: Any) -> str:
    """A value as a run's name and the input hash write it: JSON, keys sorted.

    >>> canonical(0.02), canonical({"b": 1, "a": [True, None]})
    ('0.02', '{"a":[true,null],"b":1}')
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def run_name(scenario: str, overrides: Mapping[str, Any] | None) -> str:
    """The folder name of a run with overrides: ``<scenario>+field=value+…`` in the order
    given, or ``<scenario>+<hash>`` when that would be long or hold other characters.

    >>> run_name("2017_decision", {"rpi": 0.02, "capacity_requirement_mw": 7300})
    '2017_decision+rpi=0.02+capacity_requirement_mw=7300'
    >>> run_name("2017_decision", {})
    '2017_decision'
    """
    if not overrides:
        return scenario
    name = "+".join([scenario, *(f"{field}={canonical(value)}" for field, value in overrides.items())])
    if SAFE_NAME.fullmatch(name):
        return name
    digest = hashlib.sha256(canonical(dict(overrides)).encode()).hexdigest()[:10]
    return f"{scenario}+{digest}"
