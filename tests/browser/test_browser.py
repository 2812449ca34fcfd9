"""The dashboards in a real browser: Debian's Chromium driven by Playwright, Voilà on localhost.

These tests never skip: without /usr/bin/chromium they fail (``make test`` installs it).
"""

import re
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, SHOTS
from pages import open_dashboard, set_slider, upload, wait_for_text
from voila_server import SHARED_SERVER_MAX_KERNELS, voila

from marketbooks.rules import capacity
from marketbooks.scenarios import load_scenario

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server():
    with voila(ROOT, ROOT / "outputs" / "voila-test.log", max_kernels=SHARED_SERVER_MAX_KERNELS) as base:
        yield base


class _PageAfterRaces:
    """A stand-in page whose first ``races`` visits show WIDGET_RACE instead of the widgets."""

    def __init__(self, races: int):
        self.races, self.visits = races, 0

    def goto(self, url, timeout):
        self.visits += 1

    def wait_for_function(self, script, arg, timeout):
        pass

    def locator(self, css):
        drawn = self.visits > self.races
        return type("Locator", (), {"first": property(lambda self: self), "count": lambda self: int(drawn)})()


def test_open_dashboard_reloads_once_after_the_upstream_widget_race_and_no_more():
    page = _PageAfterRaces(races=0)
    assert open_dashboard(page, "u", ".x").count() == 1 and page.visits == 1
    page = _PageAfterRaces(races=1)
    with pytest.warns(UserWarning, match="model not found"):
        open_dashboard(page, "u", ".x")
    assert page.visits == 2
    with pytest.warns(UserWarning), pytest.raises(AssertionError, match="two visits in a row"):
        open_dashboard(_PageAfterRaces(races=2), "u", ".x")


def test_acps_dashboard_recomputes_when_a_slider_moves(server, page):
    shown = open_dashboard(page, f"{server}/voila/render/notebooks/acps.ipynb", ".mb-acps-value")
    assert shown.inner_text() == "519,227,150"
    body = page.inner_text("body")
    assert "load_scenario" not in body and "explorer(p)" not in body, "sources must be stripped"

    expected = capacity.compute_acps(load_scenario("acps", "2017_decision"), capacity_requirement_mw=7000).acps
    set_slider(page, "mb-capreq", "7000")
    wait_for_text(page, ".mb-acps-value", f"{expected:,.0f}")
    assert shown.inner_text() == "500,150,000"

    set_slider(page, "mb-ds3", "5")  # the explore chart redraws: BNE cost 85.08 − 5.00 − 6.29
    page.locator(".widget-output .js-plotly-plot text", has_text="73.79").first.wait_for(timeout=30_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "acps_dashboard.png"), full_page=True)
    assert page.locator("text=Traceback").count() == 0


def test_a_dashboards_cells_stay_where_the_page_put_them(server, page):
    """Voilà's front end adopts the page's ``#rendered_cells`` into its shell once its scripts
    have loaded; cells inside it would be taken out of the page and styled and laid out
    again (52-99 ms of a visit). The template leaves that element empty: the cells, drawn as
    they arrived, stay where they are, and show."""
    page.add_init_script(
        """window.mbMovedCells = 0;
        new MutationObserver(records => records.forEach(r => r.removedNodes.forEach(n => {
          if (n.nodeType === 1 && (n.matches('.jp-Cell') || n.querySelector('.jp-Cell'))) window.mbMovedCells += 1;
        }))).observe(document, {childList: true, subtree: true});"""
    )
    open_dashboard(page, f"{server}/voila/render/notebooks/acps.ipynb", ".mb-acps-value")
    page.locator(".widget-output .mb-chart .main-svg").first.wait_for(timeout=30_000)
    assert page.evaluate("window.mbMovedCells") == 0
    assert page.locator(".mb-chart").first.is_visible() and page.locator(".mb-capreq").is_visible()
    assert page.evaluate("document.querySelector('#rendered_cells .jp-Cell')") is None


def test_explore_switches_to_another_scenario_and_back(server, page):
    open_dashboard(page, f"{server}/voila/render/notebooks/acps.ipynb", ".mb-acps-value")
    set_slider(page, "mb-capreq", "7000")
    wait_for_text(page, ".mb-acps-value", "500,150,000")
    page.locator(".mb-scenario select").select_option(index=0)  # Decision 2016
    wait_for_text(page, ".mb-acps-value", f"{capacity.compute_acps(load_scenario('acps', '2016_decision')).acps:,.0f}")
    assert page.locator(".mb-acps-value").count() == 1 and page.locator("text=Traceback").count() == 0
    # back: the page's scenario as the reader left it, its chart drawn again
    page.locator(".mb-scenario select").select_option(label="Decision 2017")
    wait_for_text(page, ".mb-acps-value", "500,150,000")
    page.locator(".widget-output .js-plotly-plot .main-svg").first.wait_for(timeout=30_000)
    assert page.locator(".mb-capreq .widget-readout").inner_text().replace(",", "") == "7000"
    assert page.locator(".mb-acps-value").count() == 1


def test_the_imbalance_deviation_is_aimed_by_typing_a_subjects_name(server, page):
    """The subject box suggests the month's subjects; a name typed in full aims the extra
    off-take at that subject, whose net payment the line then shows."""
    from marketbooks.rules import imbalance

    p = load_scenario("imbalance", "faq_worked_example")
    open_dashboard(page, f"{server}/voila/render/notebooks/imbalance.ipynb", ".mb-payment")
    box = page.locator(".mb-subject input")
    suggested = page.locator(".mb-subject datalist option").evaluate_all("os => os.map(o => o.value)")
    assert suggested == [f"S{i:05d}" for i in range(p.n_subjects)]
    set_slider(page, "mb-dev", "2.5")
    page.wait_for_function("() => !document.querySelector('.mb-subject input').disabled", timeout=30_000)
    box.fill("S00003")
    box.press("Enter")
    run = imbalance.run_month(p, deviation=("S00003", 1, 2.5))
    expected = run.summary.set_index("subject").loc["S00003", "net_payment_eur"]
    wait_for_text(page, ".mb-payment", f"{expected:,.2f}")
    assert "S00003 net payment" in page.locator(".mb-imbalance").inner_text()


ALIGNMENT = """(heading) => {
    const table = [...document.querySelectorAll('table')]
        .find(t => [...t.querySelectorAll('th')].some(th => th.innerText.trim() === heading));
    const row = table.querySelector('tbody tr');
    return Object.fromEntries([...table.querySelectorAll('thead th')].map((th, i) =>
        [th.innerText.trim(), [getComputedStyle(th).textAlign, getComputedStyle(row.children[i]).textAlign]]));
}"""


def test_tables_set_text_left_and_numbers_right_on_dashboards_and_reports(server, page, tmp_path):
    """Heading and cells of a text column flush left, of a number column flush right, as
    the browser lays them out under the Voilà page's and the report's own stylesheets."""
    import nbformat

    from marketbooks.run.html import html_report

    open_dashboard(page, f"{server}/voila/render/notebooks/acps.ipynb", ".mb-acps-value")
    expected = {
        "step": ["left", "left"],
        "published": ["right", "right"],
        "computed": ["right", "right"],
        "status": ["left", "left"],
        "source": ["left", "left"],
    }
    shown = page.evaluate(ALIGNMENT, "published")
    assert {k: shown[k] for k in expected} == expected
    report = tmp_path / "report.html"
    html_report(nbformat.read(ROOT / "tests/notebooks/golden/acps__2017_decision.ipynb", as_version=4), report)
    page.set_content(report.read_text(encoding="utf-8"))
    shown = page.evaluate(ALIGNMENT, "published")
    assert {k: shown[k] for k in expected} == expected


def test_a_dashboards_tables_download_as_csv_and_as_one_xlsx(server, page, tmp_path):
    from marketbooks.views.tables import write_csv

    open_dashboard(page, f"{server}/voila/render/notebooks/acps.ipynb", ".mb-acps-value")
    with page.expect_download(timeout=30_000) as download:
        page.locator("a", has_text="Download acps_2017_decision_inputs.csv").click()
    assert download.value.suggested_filename == "acps_2017_decision_inputs.csv"
    write_csv(capacity.inputs_table(load_scenario("acps", "2017_decision")), tmp_path / "inputs.csv")
    assert Path(download.value.path()).read_bytes() == (tmp_path / "inputs.csv").read_bytes()

    with page.expect_download(timeout=30_000) as download:  # every table, a sheet each
        page.locator("a", has_text="Download acps_2017_decision.xlsx").click()
    assert download.value.suggested_filename == "acps_2017_decision.xlsx"
    sheets = pd.read_excel(download.value.path(), sheet_name=None)
    assert {"inputs", "published_vs_computed", "monthly_cpps", "table_6_1"} <= set(sheets)
    assert 519227150 in sheets["published_vs_computed"]["computed"].tolist()


def test_landing_page_links_every_workbook(server, page):
    open_dashboard(page, f"{server}/voila/render/notebooks/index.ipynb", ".mb-card")
    link = page.locator("a.mb-dashboard-link", has_text="SEM Annual Capacity Payment Sum")
    assert link.count() == 1
    assert "underline" in link.evaluate("a => getComputedStyle(a).textDecorationLine")  # looks like a link
    link.click()
    page.locator(".mb-acps-value").wait_for(timeout=90_000)
    assert "/voila/render/notebooks/acps.ipynb" in page.url


def test_a_scenario_link_on_the_landing_page_opens_the_dashboard_on_that_scenario(server, page):
    from urllib.parse import urljoin

    open_dashboard(page, f"{server}/voila/render/notebooks/index.ipynb", ".mb-card")
    href = page.locator("a.mb-scenario-dashboard", has_text="dashboard").nth(0).get_attribute("href")
    assert href == "acps.ipynb?scenario=2016_decision"
    # followed as the browser resolves it; open_dashboard gets past the upstream widget race
    shown = open_dashboard(page, urljoin(page.url, href), ".mb-acps-value")
    expected = capacity.compute_acps(load_scenario("acps", "2016_decision")).acps
    assert shown.inner_text() == f"{expected:,.0f}" == "514,837,400"
    assert "Trading year 2016: Decision 2016" in page.inner_text("body")
    assert page.evaluate("document.querySelector('.mb-scenario select').selectedIndex") == 0  # Explore starts there


def test_an_address_naming_no_scenario_of_the_workbook_says_so(server, page):
    page.goto(f"{server}/voila/render/notebooks/ds3_revenue.ipynb?scenario=2019_decision", timeout=90_000)
    shown = page.locator(".mb-parameter-error")
    shown.wait_for(timeout=90_000)
    assert "?scenario=2019_decision" in shown.inner_text()
    assert "its scenarios are 2017_consultation, 2017_decision" in shown.inner_text()
    assert page.locator("text=Traceback").count() == 0


def test_ds3_dashboard_follows_the_performance_scalar(server, page):
    from marketbooks.rules import ds3

    shown = open_dashboard(page, f"{server}/voila/render/notebooks/ds3_revenue.ipynb", ".mb-ds3-value")
    assert shown.inner_text() == "7.34"
    expected = ds3.compute(load_scenario("ds3", "2017_decision"), performance_scalar=0.8).deduction
    set_slider(page, "mb-ps", "0.8")
    wait_for_text(page, ".mb-ds3-value", f"{expected:.2f}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "ds3_dashboard.png"), full_page=True)
    assert page.locator("text=Traceback").count() == 0


def test_imbalance_dashboard_payments_follow_the_clearing_price(server, page):
    from marketbooks.rules import imbalance

    p = load_scenario("imbalance", "faq_worked_example")
    shown = open_dashboard(page, f"{server}/voila/render/notebooks/imbalance.ipynb", ".mb-payment")
    before = shown.inner_text()
    run = imbalance.run_month(p, zc_shift=50, deviation=("S00000", 1, 0.0))
    expected = run.summary.set_index("subject").loc["S00000", "net_payment_eur"]
    set_slider(page, "mb-zc", "50")
    wait_for_text(page, ".mb-payment", f"{expected:,.2f}")
    assert shown.inner_text() != before
    assert page.locator(".mb-kzpo").inner_text() == f"{run.balance.kzpo:.4f}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "imbalance_dashboard.png"), full_page=True)


def test_auction_dashboard_clears_an_uploaded_csv(server, page, tmp_path):
    from marketbooks.rules.auction import clear_auction

    p = load_scenario("auction", "example_05")
    csv = tmp_path / "my_bids.csv"
    csv.write_text(
        "participant,price,volume_kw,connection_point\nAlpha,14.10,6000,B\nBeta,14.80,5000,C\nGamma,15.20,4000,A\n"
    )
    expected = clear_auction(p.auction, pd.read_csv(csv))
    open_dashboard(page, f"{server}/voila/render/notebooks/auction_walkthrough.ipynb", ".mb-upload")
    upload(page, csv)
    page.wait_for_function(
        "() => document.querySelector('.mb-auction')?.innerText.includes('my_bids.csv')", timeout=30_000
    )
    assert page.locator(".mb-volume-final").inner_text() == f"{expected.volume_kw:,.0f}"
    register = page.locator(".widget-output table").first  # the register is the Explore output's first table
    register.locator("td", has_text=expected.winners["participant"].iloc[0]).wait_for(timeout=30_000)
    for name in expected.winners["participant"]:
        assert register.locator("td", has_text=name).count() == 1
    assert register.locator("td", has_text="Gamma").count() == int("Gamma" in set(expected.winners["participant"]))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "auction_dashboard.png"), full_page=True)

    bad = tmp_path / "bad.csv"
    bad.write_text("participant,price\nAlpha,14.1\n")
    upload(page, bad)
    page.locator(".mb-error", has_text="bad.csv: volume_kw: column missing").wait_for(timeout=30_000)
    assert page.locator("text=Traceback").count() == 0


def test_rtp_dashboard_npvs_follow_the_discount_rate(server, page, tmp_path):
    from marketbooks.rules import rtp
    from marketbooks.views.tables import write_csv

    p = load_scenario("rtp", "2016_information_paper")
    b = open_dashboard(page, f"{server}/voila/render/notebooks/rtp_assessment.ipynb", ".mb-npv-b")
    assert b.inner_text() == "54.00"
    with page.expect_download(timeout=30_000) as download:  # the data behind the NPV chart
        page.locator("a", has_text="Download rtp_2016_information_paper_rate_sensitivity.csv").click()
    write_csv(rtp.rate_sensitivity(p), tmp_path / "rate_sensitivity.csv")
    assert Path(download.value.path()).read_bytes() == (tmp_path / "rate_sensitivity.csv").read_bytes()
    expected = rtp.assess_options(p, rate=0.08).set_index("option")["net_benefit"]
    set_slider(page, "mb-rate", "8")
    wait_for_text(page, ".mb-npv-b", f"{expected['B']:.2f}")
    assert page.locator(".mb-npv-c").inner_text() == f"{expected['C']:.2f}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "rtp_dashboard.png"), full_page=True)


def test_a_dashboard_opens_from_a_waiting_kernel_that_waited_past_the_cell_timeout(page):
    """Each dashboard's pre-heated kernel waits in its notebook's first cell for the visit;
    that cell has no time limit, so a kernel that waited longer than Voilà's limit for the
    other cells still serves a whole page, on the scenario the address names, and its
    widgets recompute through it."""
    log = ROOT / "outputs" / "voila-preheat-test.log"
    with voila(ROOT, log, options=("--VoilaExecutor.timeout=5",)) as base:
        time.sleep(12)  # the pool's kernels wait past the five seconds
        shown = open_dashboard(
            page, f"{base}/voila/render/notebooks/acps.ipynb?scenario=2016_decision", ".mb-acps-value"
        )
        assert shown.inner_text() == "514,837,400"
        assert "timed out" not in page.inner_text("body")
        used = [line for line in log.read_text().splitlines() if "Using pre-heated kernel" in line]
        assert used and used[0].endswith("for notebooks/acps.ipynb"), used
        set_slider(page, "mb-capreq", "7000")
        wait_for_text(
            page,
            ".mb-acps-value",
            f"{capacity.compute_acps(load_scenario('acps', '2016_decision'), capacity_requirement_mw=7000).acps:,.0f}",
        )
        assert page.locator("text=Traceback").count() == 0


def test_a_broken_parameter_file_is_named_on_the_dashboard(page, project_copy):
    """A dashboard hides tracebacks; a parameter file it cannot use must still be named,
    with the field and the reason, not only Voilà's "There was an error when executing cell"."""
    scenario = project_copy / "params/ds3/2017_decision.yaml"  # the ACPS dashboard's DS3 deduction
    scenario.write_text(scenario.read_text() + "label: [unclosed\n")
    with voila(project_copy, ROOT / "outputs" / "voila-broken-params-test.log") as base:
        page.goto(f"{base}/voila/render/notebooks/acps.ipynb", timeout=90_000)
        shown = page.locator(".mb-parameter-error")
        shown.wait_for(timeout=90_000)
        text = shown.inner_text()
        assert "params/ds3/2017_decision.yaml" in text and "not valid YAML at line" in text, text
        body = page.inner_text("body")
        # the message says what is wrong: no generic "could not be shown" line under it
        assert "This part of the page could not be shown" not in body
        assert "executing cell" not in body and "server's log" not in body
        assert "Traceback" not in body and str(project_copy) not in body


def test_dashboards_load_nothing_from_the_internet(server):
    """The `marketbooks` Voilà template drops the lab template's CDN stylesheets: a page
    served on localhost must not wait for a name lookup, nor break offline."""
    body = urllib.request.urlopen(f"{server}/voila/render/notebooks/ds3_revenue.ipynb", timeout=120).read().decode()
    assert "Revenue by service" in body
    assert re.findall(r'(?:href|src)="(?:https?:)?//[^"]*"', body) == []
