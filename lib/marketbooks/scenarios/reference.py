"""The scenario file reference (``docs/scenarios.md``), generated from the pydantic models.

``python -m marketbooks.scenarios.reference > docs/scenarios.md`` writes it; a test checks
that the committed file is what the models give, so the reference never drifts from them.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from marketbooks.scenarios.registry import WORKBOOKS

_CONSTRAINTS = {
    "ge": "≥",
    "gt": ">",
    "le": "≤",
    "lt": "<",
    "min_length": "length ≥",
    "max_length": "length ≤",
    "pattern": "matches",
}


def _type_name(annotation: Any) -> str:
    """A field's type as a reader of a YAML file needs it."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args)
    if origin is dict:
        return f"mapping of {_type_name(args[0])} to {_type_name(args[1])}"
    if origin in (list, tuple):
        inner = ", ".join(_type_name(a) for a in args if a is not Ellipsis)
        return f"list of {inner}"
    if annotation is type(None):
        return "null"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return {str: "text", int: "whole number", float: "number", bool: "yes/no"}.get(annotation, str(annotation))


def _rules(field: FieldInfo) -> str:
    parts = []
    for item in field.metadata:
        for attribute, word in _CONSTRAINTS.items():
            value = getattr(item, attribute, None)
            if value is not None:
                parts.append(f"{word} {value}")
    return ", ".join(parts)


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        return "empty"
    if field.default is None:
        return "none"
    return f"`{field.default}`" if field.default != "" else "empty text"


def _models(model: type[BaseModel], seen: dict[str, type[BaseModel]]) -> None:
    """``model`` and every model its fields hold, in the order a reader meets them."""
    if model.__name__ in seen:
        return
    seen[model.__name__] = model
    for field in model.model_fields.values():
        for part in re.findall(r"\w+", repr(field.annotation)):
            nested = _nested(model, part)
            if nested is not None:
                _models(nested, seen)


def _nested(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    module = typing.cast(Any, __import__(model.__module__, fromlist=[name]))
    candidate = getattr(module, name, None)
    if isinstance(candidate, type) and issubclass(candidate, BaseModel) and candidate is not BaseModel:
        return candidate
    return None


def _table(model: type[BaseModel]) -> list[str]:
    lines = [
        f"### {model.__name__}",
        "",
        (model.__doc__ or "").strip().splitlines()[0],
        "",
        "| field | type | default | rule | meaning |",
        "|---|---|---|---|---|",
    ]
    for name, field in model.model_fields.items():
        if field.exclude:
            continue  # filled by the loader, never written in a file
        lines.append(
            f"| `{name}` | {_type_name(field.annotation)} | {_default(field)} | {_rules(field)} | "
            f"{field.description or ''} |"
        )
    return [*lines, ""]


def limits() -> list[str]:
    """The limits every file and upload is held to, from the constants that enforce them."""
    from marketbooks.data.bid_files import MAX_UPLOAD_BYTES
    from marketbooks.scenarios.loader import MAX_FILE_BYTES
    from marketbooks.scenarios.models import MAGNITUDE_LIMIT, MAX_ORDERS, MAX_SUBJECT_PERIODS

    return [
        "## Limits",
        "",
        f"- A scenario file is UTF-8 text of at most {MAX_FILE_BYTES:,} bytes; a key given twice in one "
        "mapping is an error (YAML would keep the last silently).",
        f"- Every number is finite (no `.inf`, `.nan`) and at most {MAGNITUDE_LIMIT:g} in size.",
        "- Dates are written `YYYY-MM-DD`, and must exist in the calendar.",
        f"- An imbalance month has at most {MAX_SUBJECT_PERIODS:,} subject-periods "
        "(`n_subjects` × periods a day × `days`).",
        f"- An auction scenario has at most {MAX_ORDERS:,} orders; an uploaded bid file or order log at "
        f"most {MAX_ORDERS:,} rows and {MAX_UPLOAD_BYTES:,} bytes.",
        "",
    ]


def reference() -> str:
    """The whole reference as Markdown."""
    out = [
        "# Scenario files",
        "",
        "Generated from the pydantic models in `lib/marketbooks/scenarios/models.py` by "
        "`python -m marketbooks.scenarios.reference`; do not edit by hand.",
        "",
        "A scenario is `params/<workbook>/<scenario>.yaml`. Every file is checked against its "
        "workbook's model before anything runs (`make check`); a field that is not listed is an error, "
        "and every error names the file, the field and the reason. `status:` and `notes:` map a "
        "parameter's name to its provenance (published, derived, reconstructed, calibrated, "
        "illustrative) and a note.",
        "",
    ]
    out += limits()
    for name, workbook in WORKBOOKS.items():
        seen: dict[str, type[BaseModel]] = {}
        _models(workbook.model, seen)
        out += [f"## {workbook.title} (`params/{name}/`)", ""]
        for model in seen.values():
            out += _table(model)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(reference(), end="")
