"""Voilà's settings for the dashboards (`make serve` starts Voilà with this folder as its
config path; see marketbooks.run.serve).

Every workbook's dashboard, and the landing page, keeps one kernel that has already
imported what its notebook needs and waits for the next visit (Voilà's pre-heated kernel
pools); the visit's address (``?scenario=…``) reaches the notebook through
``voila.utils.get_query_string``, so a visit runs only the scenario's own cells.
"""

from marketbooks.run.serve import cell_timeout

c = get_config()  # noqa: F821 - traitlets provides it to config files

c.ServerApp.ip = "127.0.0.1"
c.ServerApp.open_browser = False

c.VoilaConfiguration.strip_sources = True
c.VoilaConfiguration.show_tracebacks = False
c.VoilaConfiguration.preheat_kernel = True
c.VoilaConfiguration.file_allowlist = [r".*\.(png|jpg|gif|svg|csv|xlsx|json|html)"]

# A pre-heated kernel waits in its notebook's first cell until someone visits: that cell
# has no time limit, every other cell two minutes.
c.VoilaExecutor.timeout_func = cell_timeout
c.VoilaExecutor.cell_error_instruction = "The server's log has the details."

# One waiting kernel per notebook under notebooks/, none for anything else the root holds
# (executed copies under outputs/, the golden copies, the virtual environment).
c.VoilaKernelManager.preheat_denylist = [r"^(?!(.*/)?notebooks/[^/]+\.ipynb$)", "/.venv/"]
c.VoilaKernelManager.kernel_pools_config = {"default": {"pool_size": 1}}

c.MappingKernelManager.cull_idle_timeout = 900
c.MappingKernelManager.cull_interval = 60
c.MappingKernelManager.cull_connected = False
