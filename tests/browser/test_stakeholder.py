"""The dashboards as a stakeholder meets them (issue 25): in Chromium, against a local Voilà."""

import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT
from pages import open_dashboard, set_slider, upload, wait_for_text
from voila_server import voila

pytestmark = pytest.mark.browser
DEVELOPER_WORDS = ("make run", "make serve", "executing cell", "server's log", ".yaml", "marketbooks.", "Traceback")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A project copy with one scenario run (its report on the landing page) and a broken
    ACPS scenario to switch to; its own Voilà."""
    from marketbooks.run.runner import run_scenario

    root = tmp_path_factory.mktemp("served")
    for folder in ("notebooks", "params", "config"):
        shutil.copytree(ROOT / folder, root / folder)
    (root / "params/acps/broken_copy.yaml").write_text("label: Broken copy\nrpi: [unclosed\n")
    import os

    os.environ["MARKETBOOKS_ROOT"] = str(root)
    try:
        assert run_scenario("acps", "2017_decision").ok
    finally:
        os.environ.pop("MARKETBOOKS_ROOT")
    with voila(root, ROOT / "outputs" / "voila-stakeholder-test.log") as base:
        yield base, root


def test_a_report_linked_from_the_landing_page_draws_its_charts_and_loads_nothing_from_the_internet(served, page):
    base, _ = served
    open_dashboard(page, f"{base}/voila/render/notebooks/index.ipynb", ".mb-card")
    href = page.locator("a", has_text="report").first.get_attribute("href")
    assert href.endswith("outputs/acps/2017_decision/report.html")
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    statuses = {}
    page.on("response", lambda r: statuses.setdefault(r.url.split("?")[0].rsplit("/", 1)[-1], r.status))
    page.goto(re.sub(r"/voila/render/notebooks/index.ipynb.*", "", page.url) + "/voila/render/notebooks/" + href)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4", timeout=30_000)
    assert statuses.get("plotly-finance.min.js") == 200
    assert outside == []  # no require.js, MathJax or fonts from a CDN
    assert "519,227,150" in page.inner_text("body")


def test_the_server_refuses_files_other_than_the_runs_reports_and_tables(served):
    import urllib.error
    import urllib.request

    base, _ = served

    def status(path: str) -> int:
        try:
            return urllib.request.urlopen(f"{base}/voila/files/{path}", timeout=30).status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert status("outputs/acps/2017_decision/report.html") == 200
    assert status("outputs/acps/2017_decision/tables/inputs.csv") == 200
    assert status("outputs/_static/plotly-finance.min.js") == 200
    for refused in (
        "config/voila.py",
        "params/acps/2017_decision.yaml",
        "outputs/acps/2017_decision/acps_2017_decision.ipynb",
        "notebooks/acps.ipynb",
    ):
        assert status(refused) in (403, 404), refused


def test_pages_speak_to_a_stakeholder_not_a_developer(served, page):
    base, _ = served
    for name, title in (
        ("acps.ipynb", "Capacity payments (ACPS), SEM"),
        ("index.ipynb", "Market Workbooks"),
        ("rtp_assessment.ipynb", "Real-time pricing options, New Zealand 2016"),
    ):
        open_dashboard(
            page, f"{base}/voila/render/notebooks/{name}", ".mb-card" if name == "index.ipynb" else ".mb-scenario"
        )
        # an error message names the file it is about (the project's rule for bad input); the rest speaks plainly
        body = page.evaluate("""() => { const copy = document.body.cloneNode(true);
            copy.querySelectorAll('.mb-scenario-problem, .mb-error, .mb-parameter-error').forEach(e => e.remove());
            return copy.innerText; }""")
        assert [word for word in DEVELOPER_WORDS if word in body] == [], name
        assert page.title() == title


def test_switching_to_a_broken_scenario_names_it_and_keeps_the_drop_down_on_the_controls_scenario(served, page):
    base, _ = served
    open_dashboard(page, f"{base}/voila/render/notebooks/acps.ipynb", ".mb-acps-value")
    pick = page.locator(".mb-scenario select")
    labels = [text.replace("\xa0", " ") for text in pick.locator("option").all_inner_texts()]
    assert labels == ["Decision 2016", "Consultation 2017", "Decision 2017", "broken_copy (its file cannot be used)"]
    pick.select_option(index=3)
    page.locator(".mb-error", has_text="broken_copy.yaml cannot be used").wait_for(timeout=30_000)
    page.wait_for_function("() => document.querySelector('.mb-scenario select').selectedIndex === 2", timeout=30_000)
    assert page.locator(".mb-acps-value").inner_text() == "519,227,150"


def test_the_auction_upload_recovers_from_a_bad_file_clears_and_offers_samples(served, page, tmp_path):
    base, _ = served
    open_dashboard(page, f"{base}/voila/render/notebooks/auction_walkthrough.ipynb", ".mb-upload")
    page.locator(".mb-volume-final", has_text="12,000").wait_for(timeout=30_000)
    bad = tmp_path / "bad.csv"
    bad.write_text("participant,price\nAlpha,14.1\n")
    upload(page, bad)
    page.locator(".mb-error", has_text="bad.csv: volume_kw: column missing").wait_for(timeout=30_000)
    assert page.locator(".mb-volume-final").count() == 0  # the previous result is gone, not beside the new input
    with page.expect_download(timeout=30_000) as download:
        page.locator("a", has_text="sample bids (CSV)").click()
    sample = Path(download.value.path())
    assert sample.read_text().startswith("participant,price,volume_kw")
    good = tmp_path / "sample_bids.csv"
    good.write_bytes(sample.read_bytes())
    upload(page, good)
    page.locator(".mb-volume-final", has_text="12,000").wait_for(timeout=30_000)
    page.locator(".mb-error").wait_for(state="detached", timeout=30_000)  # and the message goes
    page.locator(".mb-clear-upload").click()
    page.locator(".mb-auction", has_text="this example's final orders").wait_for(timeout=30_000)
    volume = page.locator(".mb-volume input")
    volume.fill("-500")
    volume.press("Enter")
    page.locator(".mb-error", has_text="must be above zero (it is -500 kW)").wait_for(timeout=30_000)


def test_a_control_a_rule_overrides_is_disabled_with_its_reason(served, page):
    base, _ = served
    open_dashboard(page, f"{base}/voila/render/notebooks/imbalance.ipynb?scenario=market_scale", ".mb-fz")
    for css, reason in (("mb-po", "Po is 0.5 for a first contract"), ("mb-kg", "Kg is 1 in month 2")):
        slider = page.locator(f".{css}")
        assert "mod-disabled" in (slider.get_attribute("class") or "") or slider.locator("[disabled]").count()
        assert page.locator(".mb-disabled-reason", has_text=reason).count() == 1


def test_a_narrow_screen_scrolls_tables_wraps_controls_and_names_every_control_and_chart(served, browser):
    base, _ = served
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        open_dashboard(page, f"{base}/voila/render/notebooks/acps.ipynb", ".mb-acps-value")
        assert page.evaluate("document.documentElement.scrollWidth") <= 391  # the page itself never scrolls sideways
        wide = page.evaluate("""() => [...document.querySelectorAll('.jp-RenderedHTMLCommon table')]
            .filter(t => t.scrollWidth > t.clientWidth + 1).map(t => getComputedStyle(t).overflowX)""")
        assert wide and set(wide) == {"auto"}  # wide tables scroll within themselves
        label, track = page.locator(".mb-rpi .widget-label"), page.locator(".mb-rpi .slider-container")
        assert label.bounding_box()["y"] + label.bounding_box()["height"] <= track.bounding_box()["y"] + 1
        for name in ("RPI indexation (%)", "Capacity requirement (MW)"):
            assert page.get_by_role("slider", name=name).count() == 1
        charts = page.locator(".mb-chart")
        assert charts.count() >= 5
        assert all(
            label.startswith("Chart: ")
            for label in charts.evaluate_all("cs => cs.map(c => c.getAttribute('aria-label'))")
        )
    finally:
        context.close()


def test_a_slider_still_recomputes_after_the_visit_wait(served, page):
    base, _ = served
    open_dashboard(page, f"{base}/voila/render/notebooks/acps.ipynb", ".mb-acps-value")
    set_slider(page, "mb-capreq", "7000")
    wait_for_text(page, ".mb-acps-value", "500,150,000")
