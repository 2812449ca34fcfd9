"""The dashboard server's answer to an address none of Voilà's handlers serves.

Tornado answers such an address with its bare "404: Not Found"; Jupyter's own server
registers jupyter_server's ``Template404`` for it. Voilà registers nothing, so
``config/voila.py`` names :class:`NoSuchPage` as tornado's ``default_handler_class``: the
visitor gets the dashboards' template page (``error.html``: "There is no such page here",
with a link to the landing page), as for a notebook that is not there.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.base.handlers import Template404


class NoSuchPage(Template404):
    """jupyter_server's 404 handler, its page from the dashboards' template (Voilà's
    templates, as Voilà's own handlers read them) rather than Jupyter's."""

    def get_template(self, name: str) -> Any:
        return self.settings["voila_jinja2_env"].get_template(name)
