"""A dashboard kernel rehearses its pages while it waits (marketbooks.explore.rehearsal):
a visit sees what the scenario file says at the visit, whatever it said at the rehearsal,
and the scenario it asks for, whichever was rehearsed last."""

import shutil
import time

import pytest
from conftest import ROOT
from pages import open_dashboard
from voila_server import voila

pytestmark = pytest.mark.browser


def test_a_rehearsed_page_shows_the_scenario_file_as_it_reads_at_the_visit(tmp_path, page):
    for folder in ("notebooks", "params", "config"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    scenario = tmp_path / "params" / "acps" / "2017_decision.yaml"
    with voila(tmp_path, ROOT / "outputs" / "voila-rehearsal-test.log") as base:
        # the imbalance kernel rehearses its own page, then the market-scale month's
        from marketbooks.rules import imbalance
        from marketbooks.scenarios import load_scenario

        for scenario_name, subjects in (("market_scale", "2,000 subjects"), ("faq_worked_example", "5 subjects")):
            kzpo = imbalance.run_month(load_scenario("imbalance", scenario_name)).balance.kzpo
            open_dashboard(page, f"{base}/voila/render/notebooks/imbalance.ipynb?scenario={scenario_name}", ".mb-kzpo")
            assert f"{subjects}, " in page.locator("#mb-cells").inner_text()
            assert page.locator(".mb-kzpo").inner_text() == f"{kzpo:.4f}"  # the Explore section's own
            time.sleep(12)  # the next waiting kernel rehearses both again

        url = f"{base}/voila/render/notebooks/acps.ipynb"
        open_dashboard(page, url, ".mb-acps-value")
        computed = page.locator("#T_published_vs_computed").inner_text()
        assert "519,227,150" in computed and "500,150,000" not in computed

        # the next kernel has rehearsed the page from the file as published (Voilà refills
        # the pool 4 s after a visit; the kernel starts, warms up and rehearses in a few s)
        time.sleep(25)
        text = scenario.read_text()
        assert "capacity_requirement_mw: 7267\n" in text
        scenario.write_text(text.replace("capacity_requirement_mw: 7267\n", "capacity_requirement_mw: 7000\n"))

        open_dashboard(page, url, ".mb-acps-value")
        computed = page.locator("#T_published_vs_computed").inner_text()
        assert "500,150,000" in computed  # 71.45 EUR/kW/yr × 7,000 MW × 1,000
        assert page.locator(".mb-acps-value").inner_text() == "500,150,000"  # the Explore section's too
