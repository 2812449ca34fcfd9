"""The workbooks' IPython extension: ``%load_ext marketbooks.explore.notebook``.

A parameter file (or a dashboard address) that cannot be used raises
:class:`~marketbooks.scenarios.models.ParameterError`. With this extension loaded, a notebook
shows it as a message naming the file, each field and the reason, above the usual error
output: a dashboard hides tracebacks, and without the message a stakeholder would see only
that a cell failed. The error output stays, so papermill and nbclient still see the cell
fail.
"""

from __future__ import annotations

import os
from typing import Any

from marketbooks.explore.common import ServerBusy
from marketbooks.scenarios.models import ParameterError


def show_parameter_error(shell: Any, etype: type, evalue: BaseException, tb: Any, tb_offset: int | None = None) -> None:
    """IPython's custom exception handler for :class:`ParameterError` (and the server's
    "busy" page): the message, then the usual error output, which stops the notebook."""
    from IPython.display import display

    display(evalue)
    shell.showtraceback((etype, evalue, tb), tb_offset=tb_offset)


def load_ipython_extension(ipython: Any) -> None:
    """Called by ``%load_ext``: show ParameterErrors as located messages."""
    ipython.set_custom_exc((ParameterError, ServerBusy), show_parameter_error)


def unload_ipython_extension(ipython: Any) -> None:
    """Called by ``%unload_ext``: back to IPython's plain error display."""
    ipython.set_custom_exc((), None)


def start_afresh(cwd: str) -> None:
    """Clear this kernel to what a new one holds, working in ``cwd``: what a batch worker's
    kernel runs before its next scenario (:class:`marketbooks.run.runner.BatchKernel`).

    The extension is unloaded (the notebook loads it again), the namespace, the prompt count
    and the input history start anew (IPython's ``reset``), and the record of the scenario
    files read (which a run writes beside its outputs) is emptied. Imported modules stay.
    """
    from IPython import get_ipython

    from marketbooks.scenarios.loader import FILES_READ

    shell = get_ipython()
    shell.extension_manager.unload_extension(__name__)
    shell.reset(new_session=True)
    FILES_READ.clear()
    os.chdir(cwd)
