"""The cell tags a workbook's notebook carries, which the runner, the dashboard server and
the dashboards themselves agree on."""

# The cells only someone looking can use (a workbook's Explore section): a batch run skips
# them, since a saved report cannot run widgets. The section's text says so.
INTERACTIVE_TAG = "explore"

# The cell of a workbook's notebook that waits for the visit's address in a pre-heated
# kernel (marketbooks.explore.common.requested_scenario): it may wait as long as nobody comes.
VISIT_TAG = "visit"
