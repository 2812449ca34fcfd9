"""Market Workbooks: electricity-market rules as tested library code behind notebooks."""

import sys

# plotly.io imports nbformat, which imports jsonschema, which imports rfc3987_syntax when
# present; that module compiles a Lark grammar at import (2–3 s in every kernel) only to
# check the JSON-schema "iri" format, which nothing here uses. jsonschema guards the import
# with suppress(ImportError), so marking it absent skips the cost and changes no result.
if "rfc3987_syntax" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]

# What every kernel that runs a workbook sees, whatever the user's shell sets (the runner's,
# nbval's and Voilà's): the reports, the golden copies and the dashboards all hold plotly's
# mimetype bundle (another renderer, such as "browser", would open tabs instead), and the
# debugger that ipykernel imports does not warn about frozen modules on stderr.
KERNEL_ENV = {"PLOTLY_RENDERER": "plotly_mimetype", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}

# Set ("1") for every kernel of a dashboard server that pre-runs its pages (`serve --preheat`):
# a pre-run page shows its default scenario whatever its address asks for, so the landing
# page then links no other scenario.
PREHEATED_ENV = "MARKETBOOKS_PREHEATED"

__version__ = "0.1.0"
