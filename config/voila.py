"""Voilà's settings for the dashboards (`make serve` starts Voilà with this folder as its
config path; see marketbooks.run.serve).

Every workbook's dashboard, and the landing page, keeps one kernel that has already
imported what its notebook needs and waits for the next visit (Voilà's pre-heated kernel
pools); the visit's address (``?scenario=…``) reaches the notebook through
``voila.utils.get_query_string``, so a visit runs only the scenario's own cells.
"""

from marketbooks.run.not_found import NoSuchPage
from marketbooks.run.serve import FILE_ALLOWLIST, FILE_DENYLIST, cell_timeout, only_dashboards

c = get_config()  # noqa: F821 - traitlets provides it to config files

c.ServerApp.ip = "127.0.0.1"
c.ServerApp.open_browser = False
# Requests must name this machine: a page of another site whose name resolves here (DNS
# rebinding) is refused, its websockets too. An address no handler serves gets the
# template's "no such page", not tornado's bare "404: Not Found" (marketbooks.run.not_found).
c.Voila.tornado_settings = {
    "allow_remote_access": False,
    "local_hostnames": ["localhost"],
    "default_handler_class": NoSuchPage,
}

c.VoilaConfiguration.strip_sources = True
c.VoilaConfiguration.show_tracebacks = False
c.VoilaConfiguration.preheat_kernel = True
# Voilà renders the dashboards under notebooks/ and nothing else (see marketbooks.run.serve).
c.VoilaConfiguration.page_config_hook = only_dashboards
# What /voila/files/ may serve: the runs' reports, tables and key figures, and the one copy
# of plotly.js that reports and dashboards load (see marketbooks.run.serve).
c.VoilaConfiguration.file_allowlist = FILE_ALLOWLIST
c.VoilaConfiguration.file_denylist = FILE_DENYLIST
# Dashboards draw charts with a plotly.js of the workbooks' trace types (the marketbooks
# template; tools/plotly-js), not JupyterLab's 4.7 MB plotly extension.
c.VoilaConfiguration.extension_denylist = ["jupyterlab-plotly"]

# A pre-heated kernel waits in its notebook's first cell until someone visits: that cell
# has no time limit, every other cell two minutes.
c.VoilaExecutor.timeout_func = cell_timeout
c.VoilaExecutor.cell_error_instruction = "The server's log has the details."

# One waiting kernel per dashboard, none for anything else under the root (Voilà matches
# these against each notebook's absolute path, and skips one that contains a pattern).
c.VoilaKernelManager.preheat_denylist = [
    r"^(?!(.*/)?notebooks/[A-Za-z0-9_-]+\.ipynb$)",
    "/.venv/",
    # an analyst's page, opened now and then: no kernel waits for it (its visit starts one)
    r"sweep_report\.ipynb$",
]
c.VoilaKernelManager.kernel_pools_config = {"default": {"pool_size": 1}}
# A used kernel's replacement starts a few seconds after the visit: starting it at once
# (Voilà's default, one second) takes a core while the visitor's browser builds the page.
c.VoilaKernelManager.fill_delay = 4
# and waits at the lowest CPU priority until its visit (marketbooks.run.waiting): its page
# and rehearsals take what the visitors' kernels and browsers leave of the cores.
c.KernelProvisionerFactory.default_provisioner_name = "marketbooks-waiting"
# The server talks to its kernels over Unix sockets next to their connection files, not TCP
# ports: a TCP port is picked, let go and only later bound by the kernel, and in between
# another connection may take it (a known race in jupyter_client, which JEP 66 would close).
# The kernel then dies before its page is drawn, and its visitor gets half a page. A waiting
# kernel, started at the lowest priority, leaves that gap open longest.
c.KernelManager.transport = "ipc"

# At most marketbooks.run.serve.max_kernels() kernels (half the memory in the heaviest
# visits), the waiting ones (one per dashboard) included (MARKETBOOKS_MAX_KERNELS): a visit beyond gets a
# "busy, try again" page. A page that closes shuts its kernel down; one left
# idle and unconnected goes within two minutes. A kernel that dies is not restarted behind
# its page (which would show controls that no longer answer): the restarter watches it but
# may restart it zero times, so its death is reported ("dead") and the server forgets the
# kernel; the page, which polls it, says so and offers a reload.
c.MappingKernelManager.cull_idle_timeout = 90
c.MappingKernelManager.cull_interval = 15
c.MappingKernelManager.cull_connected = False
c.KernelManager.autorestart = True
c.KernelRestarter.restart_limit = 0
