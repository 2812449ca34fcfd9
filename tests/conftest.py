import os
import shutil
from pathlib import Path

import pytest

from marketbooks import KERNEL_ENV, charts

ROOT = Path(__file__).resolve().parents[1]
os.environ.update(KERNEL_ENV)  # nbval's kernels too: the golden copies hold what the runner's kernels show
charts.VALIDATE = True  # every figure a test builds goes through plotly's validators; the runner skips them


@pytest.fixture
def project_copy(tmp_path, monkeypatch):
    """A throw-away copy of notebooks/ and params/ that MARKETBOOKS_ROOT points at."""
    for folder in ("notebooks", "params"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.setenv("MARKETBOOKS_ROOT", str(tmp_path))
    return tmp_path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so a fixture can tell that its test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)
