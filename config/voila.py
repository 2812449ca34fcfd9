"""Voilà's settings for the dashboards (`make serve` starts Voilà with this folder as its
config path; see marketbooks.run.serve).

Every workbook's dashboard, and the landing page, keeps one kernel that has already
imported what its notebook needs and waits for the next visit (Voilà's pre-heated kernel
pools); the visit's address (``?scenario=…``) reaches the notebook through
``voila.utils.get_query_string``, so a visit runs only the scenario's own cells.
"""

from marketbooks.run.serve import FILE_ALLOWLIST, cell_timeout

c = get_config()  # noqa: F821 - traitlets provides it to config files

c.ServerApp.ip = "127.0.0.1"
c.ServerApp.open_browser = False

c.VoilaConfiguration.strip_sources = True
c.VoilaConfiguration.show_tracebacks = False
c.VoilaConfiguration.preheat_kernel = True
# What /voila/files/ may serve: the runs' reports, tables and key figures, and the one copy
# of plotly.js that reports and dashboards load (see marketbooks.run.serve).
c.VoilaConfiguration.file_allowlist = FILE_ALLOWLIST
c.VoilaConfiguration.file_denylist = [r"(.*/)?\..*"]  # nothing in a hidden folder or file
# Dashboards draw charts with plotly.js's finance bundle (the marketbooks template), not
# JupyterLab's 4.7 MB plotly extension.
c.VoilaConfiguration.extension_denylist = ["jupyterlab-plotly"]

# A pre-heated kernel waits in its notebook's first cell until someone visits: that cell
# has no time limit, every other cell two minutes.
c.VoilaExecutor.timeout_func = cell_timeout
c.VoilaExecutor.cell_error_instruction = "The server's log has the details."

# One waiting kernel per notebook under notebooks/, none for anything else the root holds
# (executed copies under outputs/, the golden copies, the virtual environment).
c.VoilaKernelManager.preheat_denylist = [r"^(?!(.*/)?notebooks/[^/]+\.ipynb$)", "/.venv/"]
c.VoilaKernelManager.kernel_pools_config = {"default": {"pool_size": 1}}
# A used kernel's replacement starts a few seconds after the visit: starting it at once
# (Voilà's default, one second) takes a core while the visitor's browser builds the page.
c.VoilaKernelManager.fill_delay = 4

c.MappingKernelManager.cull_idle_timeout = 900
c.MappingKernelManager.cull_interval = 60
c.MappingKernelManager.cull_connected = False
