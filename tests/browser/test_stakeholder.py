"""The dashboards as a stakeholder meets them (issue 25): in Chromium, against a local Voilà."""

import shutil
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import ROOT
from pages import open_dashboard, set_slider, upload, wait_for_text
from voila_server import SHARED_SERVER_MAX_KERNELS, voila

pytestmark = pytest.mark.browser
XSS = '<script>window.mbPwned = 1</script><img src=x onerror="window.mbPwned = 2"> *A & B*'
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
    import yaml

    data = yaml.safe_load((root / "params/acps/2017_decision.yaml").read_text())
    data["label"] = XSS
    data["rpi_label"] = XSS
    (root / "params/acps/hostile.yaml").write_text(yaml.safe_dump(data))
    import os

    os.environ["MARKETBOOKS_ROOT"] = str(root)
    try:
        assert run_scenario("acps", "2017_decision").ok
        assert run_scenario("acps", "hostile").ok
        from marketbooks.studies.grid import grid_points
        from marketbooks.studies.report import write_sweep_report
        from marketbooks.studies.sweep import plan, run_sweep

        grid = grid_points(["capacity_requirement_mw=7000:7400:200", "bid_price=100,150,200"])
        run_sweep(plan("acps", "2017_decision", grid, "cap_price"), root / "outputs", progress=False)
        assert write_sweep_report("cap_price", root / "outputs").ok
    finally:
        os.environ.pop("MARKETBOOKS_ROOT")
    with voila(root, ROOT / "outputs" / "voila-stakeholder-test.log", max_kernels=SHARED_SERVER_MAX_KERNELS) as base:
        yield base, root


def test_a_report_linked_from_the_landing_page_draws_its_charts_and_loads_nothing_from_the_internet(served, page):
    base, _ = served
    open_dashboard(page, f"{base}/voila/render/notebooks/index.ipynb", ".mb-card")
    href = page.locator("a", has_text="report").first.get_attribute("href")
    assert href == "../../files/outputs/acps/2017_decision/report.html"
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    statuses = {}
    page.on("response", lambda r: statuses.setdefault(r.url.split("?")[0].rsplit("/", 1)[-1], r.status))
    page.goto(urljoin(page.url, href))
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4", timeout=30_000)
    assert statuses.get("plotly-marketbooks.min.js") == 200
    assert outside == []  # no require.js, MathJax or fonts from a CDN
    assert "519,227,150" in page.inner_text("body")


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
    broken = "broken_copy (its file cannot be used)"
    respondents = [
        "Respondents: 2016 HAS deduction indexed",
        "Respondents: no IMR deduction",
        "Respondents: industry-average performance scalar 0.9",
    ]
    assert labels == ["Decision 2016", "Consultation 2017", "Decision 2017", broken, XSS, *respondents]  # as text
    pick.select_option(index=labels.index(broken))
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


def test_another_auction_scenario_starts_without_the_upload_and_coming_back_shows_it(served, page, tmp_path):
    """The scenario drop-down gives the same controls another example: no upload there
    (its own bids), and the reader's file again when they come back."""
    base, _ = served
    open_dashboard(page, f"{base}/voila/render/notebooks/auction_walkthrough.ipynb", ".mb-upload")
    page.locator(".mb-volume-final", has_text="12,000").wait_for(timeout=30_000)
    with page.expect_download(timeout=30_000) as download:
        page.locator("a", has_text="sample bids (CSV)").click()
    mine = tmp_path / "my_bids.csv"
    mine.write_bytes(Path(download.value.path()).read_bytes())
    upload(page, mine)
    page.locator(".mb-auction", has_text="my_bids.csv").wait_for(timeout=30_000)
    pick = page.locator(".mb-scenario select")
    own = pick.evaluate("s => s.options[s.selectedIndex].text")
    pick.select_option(index=0)
    page.locator(".mb-auction", has_text="this example's final orders").wait_for(timeout=30_000)
    assert page.locator(".mb-upload").inner_text().endswith("(0)")
    pick.select_option(label=own)
    page.locator(".mb-auction", has_text="my_bids.csv").wait_for(timeout=30_000)
    assert page.locator(".mb-upload").inner_text().endswith("(1)")
    page.locator(".mb-volume-final", has_text="12,000").wait_for(timeout=30_000)


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
        # each chart's plot takes at least half its width: legends stand in a row above the plot
        # (at the right, plotly's default, a legend took 200 of the 390 px)
        plot_share = charts.evaluate_all(
            "cs => cs.map(c => c.querySelector('.nsewdrag').getBoundingClientRect().width / c.clientWidth)"
        )
        assert min(plot_share) > 0.5, plot_share  # the sensitivity chart's driver names take the most
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


def test_a_page_whose_kernel_dies_says_so_and_offers_a_reload(served, page):
    import json
    import os
    import signal

    base, _ = served
    open_dashboard(page, f"{base}/voila/render/notebooks/ds3_revenue.ipynb", ".mb-ds3-value")
    kernel = json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]
    pids = [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and kernel in (p / "cmdline").read_bytes().decode(errors="replace")
    ]
    assert len(pids) == 1
    os.kill(pids[0], signal.SIGKILL)
    banner = page.locator("#mb-lost")
    banner.wait_for(timeout=30_000)
    assert "lost its connection to its calculations" in banner.inner_text()
    assert page.locator("#mb-lost button", has_text="Reload the page").count() == 1


def test_text_from_a_scenario_file_is_shown_as_text_on_the_dashboard_the_report_and_the_landing_page(served, page):
    """A label with a script in it: shown as the characters it is, run nowhere."""
    base, _ = served
    for url, ready in (
        (f"{base}/voila/render/notebooks/acps.ipynb?scenario=hostile", ".mb-acps-value"),
        (f"{base}/voila/files/outputs/acps/hostile/report.html", "body"),
        (f"{base}/voila/render/notebooks/index.ipynb", ".mb-card"),
    ):
        if ready == "body":
            page.goto(url)
            page.wait_for_function(
                "() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3", timeout=30_000
            )
        else:
            open_dashboard(page, url, ready)
        page.wait_for_timeout(500)
        assert page.evaluate("window.mbPwned") is None, url
        if "index" not in url:
            assert "<script>window.mbPwned = 1</script>" in page.inner_text("body"), url


# A sweep page's charts of two inputs: one heat map and one level (contour) chart, drawn.
HEAT_MAP_AND_LEVEL_CHART = (
    "() => document.querySelectorAll('.heatmaplayer > .hm').length === 1"
    " && document.querySelectorAll('.contourlayer > .contour').length === 1"
)


def test_a_sweep_on_the_landing_page_opens_as_a_dashboard_and_as_a_report(served, page):
    base, _ = served
    open_dashboard(page, f"{base}/voila/render/notebooks/index.ipynb", ".mb-sweeps")
    sweeps = page.locator(".mb-sweeps")
    assert "9 points of acps/2017_decision over capacity_requirement_mw, bid_price" in sweeps.inner_text()
    report = sweeps.locator("a", has_text="report").first.get_attribute("href")
    page.locator(".mb-sweep-dashboard").first.click()
    page.wait_for_url("**/sweep_report.ipynb?sweep=cap_price")
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3", timeout=60_000)
    text = page.inner_text("body")
    assert "Sweep cap_price: 9 points" in text and "No point failed." in text
    # the heat map and the level chart are drawn as such (a plotly.js without their trace
    # types draws them as scatter charts, or not at all)
    page.wait_for_function(HEAT_MAP_AND_LEVEL_CHART, timeout=30_000)
    page.goto(f"{base}/voila/render/notebooks/index.ipynb".rsplit("/", 1)[0] + "/" + report)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3", timeout=30_000)
    page.wait_for_function(HEAT_MAP_AND_LEVEL_CHART, timeout=30_000)
    assert page.locator("a", has_text="points.csv").count() == 1


def test_the_landing_page_compares_two_scenarios(served, page):
    from marketbooks.scenarios import load_scenario
    from marketbooks.studies.evaluation import evaluate

    base, _ = served
    open_dashboard(page, f"{base}/voila/render/notebooks/index.ipynb", "#T_results")
    first = page.locator("select").nth(1)
    second = page.locator("select").nth(2)
    first.select_option("2016_decision")
    second.select_option("2017_decision")
    a = evaluate("acps", load_scenario("acps", "2016_decision"))["acps_eur"]
    b = evaluate("acps", load_scenario("acps", "2017_decision"))["acps_eur"]
    page.wait_for_function(
        "want => document.querySelector('#T_results')?.innerText.includes(want)", arg=f"{b - a:,.0f}", timeout=30_000
    )
    assert "rpi" in page.inner_text("#T_inputs")
