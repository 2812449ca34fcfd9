"""Kernels that wait for a visit run behind the visitors' kernels.

After a visit takes a dashboard's pre-heated kernel, Voilà starts its replacement
(``fill_delay`` in ``config/voila.py``), which imports, runs the page and rehearses it
(:mod:`marketbooks.explore.rehearsal`): for the imbalance workbook several seconds of a
core, while the visitor's first changes ask their own kernel for answers. Started at the
lowest CPU priority (``nice`` 19), a waiting kernel gets what the visitors leave; the
visit that takes it gives it back the server's own priority (:func:`wake`).

A waiting kernel also keeps the memory it frees (:data:`KEEP_FREED_MEMORY`): its rehearsal
computes what the visit's first changes will ask for and throws it away
(:func:`marketbooks.explore.rehearsal.rehearse_what_ifs`), so the memory those changes take
is already the kernel's when the visitor moves a control. On this project's virtual machine
a page of memory new to a process costs about 40 µs; a market-scale month's change took
2,000–8,000 of them before they were there already. And it leaves what it holds out of the
garbage collector's later passes (:func:`settle`), so that the visit's collections traverse
only the visit's own objects.

:class:`WaitingKernelProvisioner` is a kernel provisioner (jupyter_client's documented
extension point, registered under ``jupyter_client.kernel_provisioners`` and named in
``config/voila.py``): a local provisioner that lowers the priority of Voilà's pool kernels
only (``VOILA_PREHEAT``), and only when the kernel will be able to raise it again (a
process needs ``CAP_SYS_NICE`` or a high enough ``RLIMIT_NICE`` for that). Any other
kernel starts as jupyter_client's local provisioner starts it.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

#: The niceness a waiting kernel starts with (19, the lowest priority).
WAITING_NICENESS = 19
#: The kernel's environment variable holding the niceness a visit gives back.
VISIT_NICENESS = "MARKETBOOKS_VISIT_NICENESS"
CAP_SYS_NICE = 23  # linux/capability.h
#: glibc's allocator settings for a waiting kernel (``GLIBC_TUNABLES``): arrays up to 32 MB
#: from the heap, and the heap's freed memory kept for the next arrays rather than handed
#: back to the system (``mmap_threshold``, ``trim_threshold``).
KEEP_FREED_MEMORY = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824"


def can_raise_priority_to(niceness: int, status: str | None = None) -> bool:
    """Whether this process could lower its niceness back to ``niceness`` once raised:
    with ``CAP_SYS_NICE`` (``status``: the text of /proc/self/status), or an
    ``RLIMIT_NICE`` of at least ``20 - niceness`` (setpriority(2)).

    Examples
    --------
    >>> can_raise_priority_to(0, "CapEff:\\t0000000000800000\\n")
    True
    """
    if status is None:
        try:
            status = Path("/proc/self/status").read_text()
        except OSError:
            status = ""
    for line in status.splitlines():
        if line.startswith("CapEff:") and int(line.split()[1], 16) >> CAP_SYS_NICE & 1:
            return True
    soft, _ = resource.getrlimit(resource.RLIMIT_NICE)
    return soft == resource.RLIM_INFINITY or soft >= 20 - niceness


def waiting_command(cmd: list[str], env: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
    """The command and environment that start kernel ``cmd`` (environment ``env``): Voilà's
    pool kernels keeping the memory they free (:data:`KEEP_FREED_MEMORY`, unless the server
    sets ``GLIBC_TUNABLES`` itself) and at niceness :data:`WAITING_NICENESS`, telling the
    kernel the niceness to go back to, when it will be able to; any other kernel unchanged.

    Examples
    --------
    >>> waiting_command(["python", "-m", "ipykernel_launcher"], {})[0]
    ['python', '-m', 'ipykernel_launcher']
    """
    env = dict(env)
    if env.get("VOILA_PREHEAT") != "True":
        return cmd, env
    env.setdefault("GLIBC_TUNABLES", KEEP_FREED_MEMORY)
    niceness = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness >= WAITING_NICENESS or not can_raise_priority_to(niceness):
        return cmd, env
    env[VISIT_NICENESS] = str(niceness)
    return ["nice", "-n", str(WAITING_NICENESS - niceness), *cmd], env


class WaitingKernelProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, starting Voilà's pool kernels at the lowest CPU
    priority (:func:`waiting_command`)."""

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        kwargs = await super().pre_launch(**kwargs)
        kwargs["cmd"], kwargs["env"] = waiting_command(kwargs["cmd"], kwargs.get("env") or os.environ)
        return kwargs


def settle() -> None:
    """In a waiting kernel, once its rehearsal is done: collect the garbage the rehearsal
    left, then leave every object the kernel holds out of the collector's later passes
    (:func:`gc.freeze`).

    A waiting kernel holds well over 120,000 objects (plotly's validators, pandas, the
    widgets, the rehearsed pages), and a full collection traverses them all: 150-200 ms in
    a dashboard kernel on this project's virtual machine. The visit's first Explore work
    creates enough objects to start one, and the imbalance page's first switch to the
    market-scale month waited for it. Frozen, they are still freed when their last
    reference goes; only a cycle among them is never collected, and a kernel serves one
    visit.
    """
    import gc

    gc.collect()
    gc.freeze()


def wake() -> None:
    """In a kernel that waited at a lower priority: every thread back to the niceness the
    server gave (:data:`VISIT_NICENESS`); nothing in any other kernel. Threads started later
    inherit it from the thread that starts them."""
    niceness = os.environ.pop(VISIT_NICENESS, None)
    if niceness is None:
        return
    for thread in os.listdir("/proc/self/task"):
        try:
            os.setpriority(os.PRIO_PROCESS, int(thread), int(niceness))
        except ProcessLookupError:  # a thread that has ended since
            continue
        except PermissionError:  # refused after all: the visit runs, at the waiting priority
            return
