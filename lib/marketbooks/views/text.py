"""Text from a scenario file or an upload, made safe to show.

A scenario's label, an auction's text or a participant's name goes into Markdown and HTML
that reports and dashboards render: there it must read as text, never as markup (a
``<script>`` in a label would run in the report, on the same site as the dashboards).
"""

from __future__ import annotations

import html
import re
from typing import Any

_MARKDOWN = re.compile(r"([\\`*_\[\]#|~])")


def esc(value: Any) -> str:
    """``value`` as text inside Markdown: HTML's special characters escaped, and the
    characters Markdown reads as formatting escaped with a backslash.

    >>> esc("<script>alert(1)</script> *bold* A & B")
    '&lt;script&gt;alert(1)&lt;/script&gt; \\\\*bold\\\\* A &amp; B'
    """
    return _MARKDOWN.sub(r"\\\1", html.escape(str(value), quote=False))


def esc_html(value: Any) -> str:
    """``value`` as text inside HTML (an element's content or an attribute).

    >>> esc_html('<b>"x"</b>')
    '&lt;b&gt;&quot;x&quot;&lt;/b&gt;'
    """
    return html.escape(str(value), quote=True)


def overrides_text(overrides: dict | None) -> str:
    """The words a page adds after its scenario's label for a run with overrides (escaped
    Markdown), or nothing.

    >>> overrides_text({"rpi": 0.02})
    '; **overrides** (values chosen for this run): rpi = 0.02'
    >>> overrides_text({})
    ''
    """
    if not overrides:
        return ""
    shown = ", ".join(f"{esc(field)} = {esc(value)}" for field, value in overrides.items())
    return f"; **overrides** (values chosen for this run): {shown}"
