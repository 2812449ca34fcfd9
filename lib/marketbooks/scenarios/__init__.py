"""Scenarios: the parameter files' models (:mod:`.models`), the workbook registry
(:mod:`.registry`) and the loader (:mod:`.loader`)."""

from marketbooks.scenarios.loader import (
    check_all,
    list_scenarios,
    load_file,
    load_scenario,
    load_scenarios,
    project_root,
    scenario_path,
    validate,
)
from marketbooks.scenarios.models import MONTHS, ParameterError, validate_model
from marketbooks.scenarios.registry import WORKBOOKS, Workbook

__all__ = [
    "MONTHS",
    "WORKBOOKS",
    "ParameterError",
    "Workbook",
    "check_all",
    "list_scenarios",
    "load_file",
    "load_scenario",
    "load_scenarios",
    "project_root",
    "scenario_path",
    "validate",
    "validate_model",
]
