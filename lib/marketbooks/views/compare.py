"""A comparison of two scenarios as a page: the inputs that differ, the key results."""

from __future__ import annotations

import pandas as pd

from marketbooks.views.tables import styled
from marketbooks.views.text import esc_html

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}}
table{{border-collapse:collapse;margin:.5rem 0 1.5rem}}
td,th{{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:right}}
th{{background:#f4f4f4}}</style></head>
<body><h1>{title}</h1>{body}</body></html>
"""


def comparison_tables(first: str, second: str, inputs: pd.DataFrame, results: pd.DataFrame) -> str:
    """The two tables as HTML (escaped), the columns named after the scenarios."""
    names = {"first": first, "second": second}
    shown_results = results.rename(columns={**names, "difference": "second − first", "change_pct": "change, %"})
    parts = [
        f"<h2>Key results</h2>{styled(shown_results, 'results', {'change, %': '{:+.2f}'}).html}",
        "<h2>Inputs that differ</h2>"
        + (
            styled(inputs.rename(columns=names).astype({first: str, second: str}), "inputs").html
            if len(inputs)
            else "<p>None: the two scenarios have the same inputs.</p>"
        ),
    ]
    return "".join(parts)


def comparison_page(first: str, second: str, inputs: pd.DataFrame, results: pd.DataFrame) -> str:
    """A whole HTML page: ``first`` against ``second``."""
    title = esc_html(f"{first} against {second}")
    return PAGE.format(title=title, body=comparison_tables(first, second, inputs, results))
