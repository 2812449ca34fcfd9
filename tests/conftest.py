import shutil
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]

# No per-example deadline: on a loaded 2-core machine an example that usually takes 20 ms
# can take 300, and a flaky suite keeps good work from landing. Examples still stop the
# run when they fail.
settings.register_profile("marketbooks", deadline=None)
settings.load_profile("marketbooks")


@pytest.fixture
def project_copy(tmp_path, monkeypatch):
    """A throw-away copy of notebooks/, params/ and config/ that MARKETBOOKS_ROOT points at."""
    for folder in ("notebooks", "params", "config"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.setenv("MARKETBOOKS_ROOT", str(tmp_path))
    return tmp_path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so a fixture can tell that its test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)
