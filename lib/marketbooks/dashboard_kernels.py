"""Warm kernels for the dashboards (``VoilaConfiguration.multi_kernel_manager_class`` in
``voila.json``).

Voilà starts a kernel for every visit of a dashboard and runs the notebook in it. A fresh
kernel first imports ipykernel, pandas, plotly, ipywidgets and marketbooks, which is most
of a visit's wait. Here every visit's kernel is forked from a zygote that the server starts
with itself (:mod:`marketbooks.warm_kernels`, as the batch runner's are), so the visit only
runs the notebook. Nothing is run ahead: the notebook reads the parameter files at each
visit, as with a fresh kernel, and an edit to marketbooks' code gets a new zygote. The
client that runs the notebook skips jupyter_client's wait for IOPub silence
(:class:`QuickReadyClient`). A page takes about a quarter of the time it took.

Kept apart from :mod:`marketbooks.warm_kernels` because it imports jupyter_server, which the
runner's processes and the zygote do not need.
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager, ServerKernelManager
from traitlets import default

from marketbooks.warm_kernels import ForkedOverUnixSockets, Zygote


class QuickReadyClient(AsyncKernelClient):
    """The client that runs a dashboard's notebook (Voilà's executor asks for it).

    jupyter_client's ``wait_for_ready`` ends with 0.2 s of waiting for IOPub to fall silent,
    to swallow the status messages of its ``kernel_info`` request: a fifth of a visit's
    wait. Every later reader (nbclient, for the cells) keeps only the messages answering its
    own requests, so here what has arrived is drained and the rest left to be ignored.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                pass
            else:
                if reply["msg_type"] == "kernel_info_reply":
                    # a status message on IOPub shows the subscription is connected; a
                    # message sent before it connected is lost, so ask again without one
                    try:
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(reply)
                        break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
        while True:
            try:
                await self.iopub_channel.get_msg(timeout=0)
            except Empty:
                break


class DashboardKernelManager(ForkedOverUnixSockets, ServerKernelManager):
    """One dashboard's kernel: forked from the server's zygote, over Unix sockets (a batch
    run on the same machine cannot take its ports), talked to by a :class:`QuickReadyClient`."""

    fork_from_zygote = True

    @default("client_class")
    def _default_client_class(self) -> str:
        return f"{QuickReadyClient.__module__}.{QuickReadyClient.__qualname__}"

    @default("client_factory")  # what client() uses; its base default is not derived from client_class
    def _default_client_factory(self) -> type:
        return QuickReadyClient


class DashboardKernels(AsyncMappingKernelManager):
    """The server's kernels, each a :class:`DashboardKernelManager`. The zygote starts with
    the server, so that the first visit finds it preloaded."""

    @default("kernel_manager_class")
    def _default_kernel_manager_class(self) -> str:
        return f"{DashboardKernelManager.__module__}.{DashboardKernelManager.__qualname__}"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        Zygote.start()
