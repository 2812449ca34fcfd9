import json
import re
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


@pytest.fixture(scope="session")
def golden_figures() -> list[tuple[str, dict]]:
    """Every chart the golden notebooks show (tests/notebooks/golden), as (notebook, figure):
    what plotly.js is handed to draw."""
    from marketbooks.views.charts import PLOTLY_MIMETYPE

    figures = []
    for path in sorted((ROOT / "tests" / "notebooks" / "golden").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            for out in cell.get("outputs", []):
                if PLOTLY_MIMETYPE in out.get("data", {}):
                    figures.append((path.stem, out["data"][PLOTLY_MIMETYPE]))
    return figures


# The browser tests' Chromium and tabs (tests/browser/): Debian's Chromium driven by Playwright.
SHOTS = ROOT / "outputs" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    from voila_server import CHROMIUM, CHROMIUM_ARGS

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make test` (it installs chromium)"
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    """A browser tab; when its test fails, what the tab showed (screenshot, text, console)
    is kept under outputs/screenshots/failed-<test>.*, to tell a slow machine from a bug."""
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    # Nothing beyond localhost: Voilà's template links two font stylesheets on a CDN, and a
    # slow name lookup for them would hold the page back, which a test must not depend on.
    page.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/])"), lambda route: route.abort())
    console = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SHOTS.mkdir(parents=True, exist_ok=True)
        stem = SHOTS / f"failed-{request.node.name}"
        try:
            page.screenshot(path=str(stem.with_suffix(".png")), full_page=True)
            text = page.inner_text("body")
        except Exception as exc:  # noqa: BLE001 - the tab may be gone; keep what there is
            text = f"(page unreadable: {exc})"
        stem.with_suffix(".txt").write_text(
            f"url: {page.url}\n\n--- console ---\n" + "\n".join(console) + "\n\n--- page text ---\n" + text
        )
    page.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so a fixture can tell that its test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)
