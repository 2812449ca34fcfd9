"""Warm kernels for the dashboards (``VoilaConfiguration.multi_kernel_manager_class`` in
``voila.json``).

Voilà starts a kernel for every visit of a dashboard and runs the notebook in it. A fresh
kernel first imports ipykernel, pandas, plotly, ipywidgets and marketbooks, which is most
of a visit's wait. Here every visit's kernel is forked from a zygote that the server starts
with itself (:mod:`marketbooks.warm_kernels`, as the batch runner's are), so the visit only
runs the notebook. Nothing is run ahead: the notebook reads the parameter files at each
visit, as with a fresh kernel, and an edit to marketbooks' code gets a new zygote.

Kept apart from :mod:`marketbooks.warm_kernels` because it imports jupyter_server, which the
runner's processes and the zygote do not need.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager, ServerKernelManager
from traitlets import default

from marketbooks.warm_kernels import ForkedOverUnixSockets, Zygote


class DashboardKernelManager(ForkedOverUnixSockets, ServerKernelManager):
    """One dashboard's kernel: forked from the server's zygote, over Unix sockets (a batch
    run on the same machine cannot take its ports)."""

    fork_from_zygote = True


class DashboardKernels(AsyncMappingKernelManager):
    """The server's kernels, each a :class:`DashboardKernelManager`. The zygote starts with
    the server, so that the first visit finds it preloaded."""

    @default("kernel_manager_class")
    def _default_kernel_manager_class(self) -> str:
        return f"{DashboardKernelManager.__module__}.{DashboardKernelManager.__qualname__}"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        Zygote.start()
