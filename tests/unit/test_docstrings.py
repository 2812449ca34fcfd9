"""Every public rule function documents itself the numpydoc way, with a doctest as its example.

numpydoc's own validator checks each docstring: every parameter described (PR01, PR02, PR07),
a Returns section with a description (RT01, RT03) and an Examples section (EX01); the
examples themselves run with ``pytest --doctest-modules`` (``make unit``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from numpydoc.validate import validate

import marketbooks.rules

CHECKS = {"GL08", "PR01", "PR02", "PR07", "RT01", "RT03", "EX01"}


def rule_functions() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(marketbooks.rules.__path__, "marketbooks.rules."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if not name.startswith("_") and inspect.isfunction(obj) and obj.__module__ == info.name:
                names.append(f"{info.name}.{name}")
    return sorted(names)


def test_the_rules_have_functions_to_check():
    names = rule_functions()
    assert len(names) > 100
    assert "marketbooks.rules.capacity.imr_deduction" in names
    assert "marketbooks.rules.auction.clearing.clear_auction" in names


def doc_problems(name: str) -> list[str]:
    """numpydoc's findings on the function ``name`` among :data:`CHECKS`, and a missing doctest."""
    problems = [f"{code}: {text}" for code, text in validate(name)["errors"] if code in CHECKS]
    if ">>> " not in (inspect.getdoc(pkgutil.resolve_name(name)) or ""):
        problems.append("no doctest")
    return problems


@pytest.mark.parametrize("name", rule_functions())
def test_numpydoc_sections_and_an_example(name):
    assert not doc_problems(name), f"{name}: " + "; ".join(doc_problems(name))


def bare_price(price_eur_mwh: float) -> float:
    """A price, documented as most functions were before this test."""
    return price_eur_mwh


def test_the_check_fails_on_a_bare_docstring():
    found = doc_problems(f"{__name__}.bare_price")
    assert {p.split(":")[0] for p in found} >= {"PR01", "RT01", "EX01", "no doctest"}
