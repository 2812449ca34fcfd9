"""Market Workbooks: electricity-market rules as tested library code behind notebooks.

``rules`` holds the rule sets (pure functions), ``scenarios`` the parameter files' models
and loader, ``data`` readers of published data files and uploads, ``views`` charts and
tables, ``explore`` the dashboards' interactive sections, and ``run`` the batch runner,
the reports and the command line.
"""

__version__ = "0.1.0"
