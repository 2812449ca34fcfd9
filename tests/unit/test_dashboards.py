"""Explore sections without a browser: widgets recompute through the library; bad input is a message."""

from datetime import UTC, datetime

import ipywidgets as w
import pytest

from marketbooks.explore.acps import explorer
from marketbooks.explore.common import reactive, requested_scenario
from marketbooks.rules import capacity
from marketbooks.run import waiting
from marketbooks.scenarios import ParameterError, list_scenarios, load_scenario
from marketbooks.views.landing import cards_html


def _nested(widget, css):
    """The widget with ``css`` anywhere under ``widget``."""
    if isinstance(widget, w.DOMWidget) and css in widget.get_state()["_dom_classes"]:
        return widget
    return next((found for child in getattr(widget, "children", ()) if (found := _nested(child, css))), None)


def _find(box, css):
    found = _nested(box, css)
    assert found is not None, f"no widget .{css}"
    return found


def test_acps_explorer_recomputes_on_slider_change():
    p = load_scenario("acps", "2017_decision")
    box = explorer(p)
    shown = _find(box, "mb-acps")
    assert "519,227,150" in shown.value
    _find(box, "mb-capreq").value = 7000
    assert f"{capacity.compute_acps(p, capacity_requirement_mw=7000).acps:,.0f}" in shown.value
    _find(box, "mb-rpi").value = 2.0
    expected = capacity.compute_acps(p, capacity_requirement_mw=7000, rpi=0.02).acps
    assert f"{expected:,.0f}" in shown.value


def test_bad_input_becomes_a_message_not_a_traceback():
    control, status, out = w.FloatText(value=1.0), w.HTML(), w.Output()
    calls = []

    def render():
        if control.value == -2:
            raise ParameterError("overrides", [("(file)", "implementation_years must be shorter than the horizon")])
        if control.value < 0:
            raise ParameterError("overrides", [("capacity_requirement_mw", "must be positive")])
        if control.value > 100:
            raise ValueError("too large")
        calls.append(control.value)
        return ["ok"]

    reactive([control], render, status, out)
    control.value = -1
    assert "mb-error" in status.value and "capacity_requirement_mw: must be positive" in status.value
    control.value = -2  # a rule across fields has no field to name: its reason alone
    assert status.value.endswith(">implementation_years must be shorter than the horizon</div>"), status.value
    control.value = 1000
    assert "too large" in status.value
    control.value = 2
    assert status.value == "" and calls == [1.0, 2]
    assert len(out.outputs) == 1


def test_controls_changed_together_render_once():
    first, second, status, out = w.FloatText(value=1.0), w.FloatText(value=2.0), w.HTML(), w.Output()
    calls = []
    together = reactive([first, second], lambda: calls.append((first.value, second.value)) or ["ok"], status, out)
    with together.held():
        first.value, second.value = 3.0, 4.0
        with together.held():  # held inside held: still one render, after the outer
            first.value = 5.0
        assert calls == [(1.0, 2.0)]
    assert calls == [(1.0, 2.0), (5.0, 4.0)]
    second.value = 6.0
    assert calls[-1] == (5.0, 6.0)


def test_a_control_that_moves_another_renders_once():
    """A control whose observer moves another before the results' (the auction's kind and
    technology) renders once, at both new values; held changes render again even at the
    same values, since what changed there may be more than the controls (a scenario)."""
    lead, follower, status, out = w.FloatText(value=1.0), w.FloatText(value=1.0), w.HTML(), w.Output()
    lead.observe(lambda change: setattr(follower, "value", change["new"]), names="value")
    calls = []
    together = reactive([lead, follower], lambda: calls.append((lead.value, follower.value)) or ["ok"], status, out)
    lead.value = 2.0
    assert calls == [(1.0, 1.0), (2.0, 2.0)]
    with together.held():
        pass
    assert calls[-1] == (2.0, 2.0) and len(calls) == 3
    follower.value = 3.0
    assert calls[-1] == (2.0, 3.0) and len(calls) == 4


def test_the_same_values_after_an_error_are_computed_again():
    control, status, out = w.FloatText(value=1.0), w.HTML(), w.Output()
    failing = {"now": False}

    def render():
        if failing["now"]:
            raise ValueError("cannot")
        return ["ok"]

    together = reactive([control], render, status, out)
    failing["now"] = True
    control.value = 2.0
    assert "cannot" in status.value and out.outputs == ()
    failing["now"] = False
    control.value = 1.0  # the values of the last results shown, which the error cleared
    assert status.value == "" and len(out.outputs) == 1
    assert together.shown_for == [1.0]


def test_the_warm_up_leaves_no_widget_for_the_visits_page():
    """A waiting kernel warms the libraries up before its visit: a widget left open then is
    sent to the visit's page with the page's own (thirteen models, with layouts and styles)."""
    from marketbooks.explore.common import warm_up

    built = []
    w.Widget.on_widget_constructed(built.append)
    try:
        warm_up()
    finally:
        w.Widget.on_widget_constructed(None)
    assert len(built) >= 4 and all(widget.comm is None for widget in built)


def test_landing_page_has_a_card_per_workbook_with_links(tmp_path, monkeypatch):
    import shutil

    from conftest import ROOT

    from marketbooks.scenarios import WORKBOOKS, list_scenarios

    for folder in ("notebooks", "params"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    ran = tmp_path / "outputs/acps/2017_decision"
    ran.mkdir(parents=True)
    for name in ("report.html", "acps_2017_decision.xlsx"):
        (ran / name).write_text("x")
    (ran / "results.json").write_text('{"headline": "ACPS 519,227,150 EUR"}')
    monkeypatch.setenv("MARKETBOOKS_ROOT", str(tmp_path))
    html = cards_html()

    assert html.count('class="mb-card"') == len(WORKBOOKS)
    assert 'href="acps.ipynb"' in html
    rows = [row.split("</li>")[0] for row in html.split("<li>")[1:]]
    (decision,) = [row for row in rows if row.startswith("<code>2017_decision</code> · ACPS")]
    assert "ACPS 519,227,150 EUR" in decision
    for file in ("report.html", "acps_2017_decision.xlsx", "results.json"):
        assert f'href="../../files/outputs/acps/2017_decision/{file}"' in decision
    others = [row for row in rows if row != decision]  # not run: no links to missing pages
    assert len(others) == len(rows) - 1
    assert all("no saved report yet" in row and "../../files/" not in row for row in others), others
    cards = html.split('class="mb-card"')[1:]
    for card, (name, wb) in zip(cards, WORKBOOKS.items(), strict=True):  # a dashboard computes live:
        for scenario in [
            sc for wb_name, sc in list_scenarios() if wb_name == name
        ]:  # every scenario opens it, run or not
            assert f'<a href="{wb.notebook}?scenario={scenario}" class="mb-scenario-dashboard"' in card
    assert "mb-scenario-problem" not in html


def test_landing_page_says_which_scenarios_cannot_run_or_failed_last(tmp_path, monkeypatch):
    import shutil

    from conftest import ROOT

    for folder in ("notebooks", "params"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    broken = tmp_path / "params/ds3/2017_consultation.yaml"
    broken.write_text(broken.read_text() + "\n<i>x</i>: 1\n")
    failed = tmp_path / "outputs/acps/2016_decision.failed"
    failed.mkdir(parents=True)
    reason = "ValueError: the known monthly sums (101) already exceed the total (100) by 1: Dec cannot be derived"
    (failed / "reason.txt").write_text(reason + "\n")
    monkeypatch.setenv("MARKETBOOKS_ROOT", str(tmp_path))
    rows = [row.split("</li>")[0] for row in cards_html().split("<li>")[1:]]

    problems = [row for row in rows if "mb-scenario-problem" in row]
    assert len(problems) == 3, problems
    # the cards' order: ACPS, then DS3; the ACPS consultation takes its deduction from the broken DS3 file
    acps, acps_consultation, ds3 = problems
    assert acps.startswith("<code>2016_decision</code> · no saved report yet")
    assert f"last run failed: {reason}" in acps
    assert acps_consultation.startswith("<code>2017_consultation</code>")
    assert (
        "params/acps/2017_consultation.yaml: field &#x27;ds3_scenario&#x27;: "
        "params/ds3/2017_consultation.yaml cannot be used"
    ) in acps_consultation
    assert ds3.startswith("<code>2017_consultation</code>")
    assert (
        "parameter file cannot be used: params/ds3/2017_consultation.yaml: "
        "field &#x27;&lt;i&gt;x&lt;/i&gt;&#x27;: unknown field"
    ) in ds3 and "<i>" not in ds3


def test_ds3_explorer_recomputes_and_switches_services():
    from marketbooks.explore.ds3 import explorer as ds3_explorer
    from marketbooks.rules import ds3

    p = load_scenario("ds3", "2017_decision")
    box = ds3_explorer(p)
    shown = _find(box, "mb-ds3")
    assert ">7.34<" in shown.value
    _find(box, "mb-ps").value = 0.7
    assert f">{ds3.compute(p, performance_scalar=0.7).deduction:.2f}<" in shown.value
    ffr = next(c for c in box.children if isinstance(c, w.HBox)).children[0]
    ffr.value = True
    with_ffr = ds3.compute(ds3.with_services(p, FFR={"procured": True}), performance_scalar=0.7).deduction
    assert f">{with_ffr:.2f}<" in shown.value


def test_explore_chart_lives_in_the_widget_and_follows_the_controls():
    p = load_scenario("acps", "2017_decision")
    box = explorer(p)
    out = box.children[-1]
    bundle = out.outputs[0]["data"]["application/vnd.plotly.v1+json"]
    assert bundle["data"][0]["y"][-1] == 71.45
    _find(box, "mb-ds3").value = 5.0
    assert out.outputs[0]["data"]["application/vnd.plotly.v1+json"]["data"][0]["y"][-1] == 73.79


def test_imbalance_explorer_recomputes_payment_kzpo_and_guarantee():
    from marketbooks.explore.imbalance import explorer as imb_explorer
    from marketbooks.rules import imbalance

    p = load_scenario("imbalance", "faq_worked_example")
    box = imb_explorer(p)
    shown = _find(box, "mb-imbalance")
    _find(box, "mb-nre").value = 3000
    run = imbalance.run_month(p, nre=3000, deviation=("S00000", 1, 0.0))
    assert f">{run.balance.kzpo:.4f}<" in shown.value
    assert f">{run.summary.set_index('subject').loc['S00000', 'net_payment_eur']:,.2f}<" in shown.value
    _find(box, "mb-po").value = 0.001
    assert "raised to 0.005" in shown.value


def test_imbalance_explorer_redoes_only_what_a_control_changes(monkeypatch):
    """Po and Kg change only the guarantee: moving them must not touch the month; NRE and
    PRE price the same imbalances again; ZC reprices the same imbalances; the deviation finds
    one row's imbalance again; none finds the whole month's imbalances afresh. Every step shows
    what a full settlement of that state shows."""
    from marketbooks.explore.imbalance import explorer as imb_explorer
    from marketbooks.rules import imbalance

    p = load_scenario("imbalance", "faq_worked_example")
    calls = {name: [] for name in ("scenario_volumes", "deviate", "shift_prices", "price_run")}
    unwrapped = {name: getattr(imbalance, name) for name in calls}

    def counted(name):
        return lambda *a, **k: calls[name].append(a[1:]) or unwrapped[name](*a, **k)

    for name in calls:
        monkeypatch.setattr(imbalance, name, counted(name))

    def count():
        return tuple(len(calls[name]) for name in ("scenario_volumes", "deviate", "shift_prices", "price_run"))

    imbalance.scenario_run.cache_clear()
    box = imb_explorer(p)
    shown = _find(box, "mb-imbalance")
    # scenario_volumes shifts by nothing; the first render is the scenario's own settlement
    assert count() == (1, 0, 1, 1)
    _find(box, "mb-po").value = 0.2
    _find(box, "mb-kg").value = 0.5
    assert count() == (1, 0, 1, 1)
    _, fz = imbalance.guarantee_table(p.guarantee.model_copy(update={"po": 0.2, "kg": 0.5}))
    assert f'<span class="mb-fz">{float(fz):,.2f}</span>' in shown.value

    def shows(nre=p.nre_eur, pre=p.pre_eur, zc=0.0, dev=0.0):  # the month changed and settled afresh, not counted
        periods = imbalance.synthetic_periods(
            p.n_subjects, p.days, p.period_minutes, p.seed, p.base_price, p.price_spread
        )
        periods["zc"] = (periods["zc"] + zc).round(2)
        hit = (periods["subject"] == "S00000") & (periods["period"] == 1)
        periods.loc[hit, "actual_mwh"] = (periods.loc[hit, "actual_mwh"] + dev).round(3)
        run = unwrapped["price_run"](imbalance.month_volumes(periods), nre, pre)
        payment = run.summary.set_index("subject").loc["S00000", "net_payment_eur"]
        return f">{run.balance.kzpo:.4f}<" in shown.value and f">{payment:,.2f}<" in shown.value

    _find(box, "mb-nre").value = 3000
    _find(box, "mb-pre").value = -500
    assert count() == (1, 0, 2, 3) and calls["price_run"][-1] == (3000, -500)
    assert shows(nre=3000, pre=-500)
    _find(box, "mb-zc").value = 20
    assert count() == (1, 0, 3, 4) and calls["shift_prices"][-1] == (20,)
    assert shows(nre=3000, pre=-500, zc=20)
    _find(box, "mb-dev").value = 4.5
    assert count() == (1, 1, 3, 5) and calls["deviate"][-1] == ("S00000", 1, 4.5)
    assert shows(nre=3000, pre=-500, zc=20, dev=4.5)
    _find(box, "mb-nre").value = 100  # on the new imbalances, not the first ones
    assert count() == (1, 1, 3, 6)
    assert shows(nre=100, pre=-500, zc=20, dev=4.5)


def test_an_explore_step_lets_its_last_result_go_before_computing_the_next():
    """A market-scale step's result is 25-50 MB: never two at once (lru_cache(maxsize=1)
    holds the old one until the new one is computed)."""
    import weakref

    from marketbooks.explore.common import keep_last

    class Month:
        pass

    alive: weakref.WeakSet = weakref.WeakSet()
    held_while_computing = []

    def compute(zc: float) -> Month:
        held_while_computing.append(len(alive))
        month = Month()
        alive.add(month)
        return month

    step = keep_last(compute)
    first = step(1.0)
    assert step(1.0) is first  # the same arguments: the kept result
    del first
    step(2.0)
    assert held_while_computing == [0, 0] and len(alive) == 1


def test_imbalance_explorer_shows_the_pages_settlement_without_settling_again(monkeypatch):
    """Given the page's run of the scenario, the Explore section starts from it (no month
    found or priced again) and shows what it shows when it settles the month itself; a
    control then prices that run's imbalances, as it would its own."""
    from marketbooks.explore import common
    from marketbooks.explore.imbalance import explorer as imb_explorer
    from marketbooks.rules import imbalance

    p = load_scenario("imbalance", "faq_worked_example")
    run = imbalance.run_month(p)
    own = imb_explorer(p)

    def refused(*args, **kwargs):
        raise AssertionError("the month was settled again")

    monkeypatch.setattr(imbalance, "scenario_volumes", refused)
    monkeypatch.setattr(imbalance, "price_run", refused)
    given = common.explore(imb_explorer, p, True, "faq_worked_example", run=run).children[1]
    shown = _find(given, "mb-imbalance").value
    assert shown == _find(own, "mb-imbalance").value and f">{run.balance.kzpo:.4f}<" in shown
    assert given.children[-1].outputs == own.children[-1].outputs  # the Explore chart
    monkeypatch.undo()
    for box in (own, given):
        _find(box, "mb-nre").value = 3000
        _find(box, "mb-zc").value = 20
    assert _find(given, "mb-imbalance").value == _find(own, "mb-imbalance").value
    assert _find(given, "mb-imbalance").value != shown
    # a run that does not keep its imbalances (built by hand) is settled again, not trusted
    bare = imbalance.ImbalanceRun(run.settled, run.balance, run.summary)
    assert _find(imb_explorer(p, bare), "mb-imbalance").value == shown


def test_the_imbalance_controls_show_another_scenario_as_a_fresh_section_would_without_new_widgets(
    project_copy, monkeypatch
):
    """The scenario drop-down gives the imbalance section's controls the other scenario's
    values, ranges and overrides: what it then shows is what a section built for that
    scenario shows, the month priced once, and no widget is built (a browser builds a
    widget far slower than it updates one). Coming back shows the controls as the reader
    left them, unless the scenario's file reads otherwise now."""
    from marketbooks.explore import common
    from marketbooks.explore.imbalance import explorer as imb_explorer
    from marketbooks.rules import imbalance

    def seen(box):
        sliders = {css: _find(box, css) for css in ("mb-zc", "mb-nre", "mb-pre", "mb-dev", "mb-po", "mb-kg")}
        return (
            _find(box, "mb-imbalance").value,
            box.children[-1].outputs,
            {css: (s.value, s.min, s.max, s.disabled) for css, s in sliders.items()},
            list(_find(box, "mb-subject").options),
            (_find(box, "mb-period").min, _find(box, "mb-period").max),
            _reasons(box),
        )

    faq, market = load_scenario("imbalance", "faq_worked_example"), load_scenario("imbalance", "market_scale")
    fresh = {"faq_worked_example": seen(imb_explorer(faq)), "market_scale": seen(imb_explorer(market))}
    box = common.explore(imb_explorer, faq, True, "faq_worked_example", run=imbalance.run_month(faq))
    pick, section = box.children[0].children[0], box.children[1]
    _find(section, "mb-nre").value = 3000
    left = seen(section)

    built, priced = [], []
    w.Widget.on_widget_constructed(built.append)
    price_run = imbalance.price_run
    monkeypatch.setattr(imbalance, "price_run", lambda *a, **k: priced.append(a[1:]) or price_run(*a, **k))
    try:
        pick.value = "market_scale"
        assert seen(section) == fresh["market_scale"] and box.children[1] is section
        assert priced == []  # its own settlement, kept since the fresh section's (scenario_run)
        assert len(_reasons(section)) == 2  # Po and Kg: a first contract in its second month
        _find(section, "mb-zc").value = 5
        moved = seen(section)
        pick.value = "faq_worked_example"
        assert seen(section) == left and _reasons(section) == []
        pick.value = "market_scale"
        assert seen(section) == moved
    finally:
        w.Widget.on_widget_constructed(None)
    assert built == []

    path = project_copy / "params/imbalance/faq_worked_example.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("\nnre_eur: 1500", "\nnre_eur: 2500"), encoding="utf-8")
    pick.value = "faq_worked_example"  # its file reads otherwise now: its own values, not those left
    revised = load_scenario("imbalance", "faq_worked_example")
    assert revised.nre_eur == 2500 and seen(section) == seen(imb_explorer(revised))


def test_each_imbalance_scenarios_own_settlement_is_priced_once_while_switching(monkeypatch):
    """A scenario's month at its own NRE and PRE is settled once and kept
    (:func:`marketbooks.rules.imbalance.scenario_run`): switching between scenarios, and
    coming back to the page's, shows it again without pricing the month again."""
    from marketbooks.explore import common
    from marketbooks.explore.imbalance import explorer as imb_explorer
    from marketbooks.rules import imbalance

    imbalance.scenario_run.cache_clear()
    faq, market = load_scenario("imbalance", "faq_worked_example"), load_scenario("imbalance", "market_scale")
    box = common.explore(imb_explorer, faq, True, "faq_worked_example", run=imbalance.run_month(faq))
    pick, section = box.children[0].children[0], box.children[1]
    first = (_find(section, "mb-imbalance").value, section.children[-1].outputs)
    priced = []
    price_run = imbalance.price_run
    monkeypatch.setattr(imbalance, "price_run", lambda *a, **k: priced.append(a[1:]) or price_run(*a, **k))
    pick.value = "market_scale"
    shown = _find(section, "mb-imbalance").value
    pick.value = "faq_worked_example"
    assert (_find(section, "mb-imbalance").value, section.children[-1].outputs) == first
    pick.value = "market_scale"
    assert _find(section, "mb-imbalance").value == shown
    assert priced == [(market.nre_eur, market.pre_eur)]
    assert imbalance.run_month(market) is imbalance.run_month(market)
    assert imbalance.run_month(faq, zc_shift=1.0) is not imbalance.run_month(faq, zc_shift=1.0)  # what-ifs: anew


def test_coming_back_to_an_imbalance_scenario_shows_its_last_what_if_without_pricing_it_again(
    project_copy, monkeypatch
):
    """The reader moves the market-scale month's controls, looks at the FAQ month and comes
    back: the what-if shown before is shown again, not priced again (60-75 ms of the
    kernel's for a market-scale month), and equals what a fresh section shows at those values; once the
    scenario's file reads otherwise, the month is priced afresh."""
    from marketbooks.explore import common
    from marketbooks.explore.imbalance import KEPT_SCENARIOS
    from marketbooks.explore.imbalance import explorer as imb_explorer
    from marketbooks.rules import imbalance

    faq = load_scenario("imbalance", "faq_worked_example")
    box = common.explore(imb_explorer, faq, True, "faq_worked_example", run=imbalance.run_month(faq))
    pick, section = box.children[0].children[0], box.children[1]
    pick.value = "market_scale"
    _find(section, "mb-nre").value = 3000
    _find(section, "mb-zc").value = 7
    what_if = _find(section, "mb-imbalance").value
    priced, shifted = [], []
    price_run, shift_prices = imbalance.price_run, imbalance.shift_prices
    monkeypatch.setattr(imbalance, "price_run", lambda *a, **k: priced.append(a[1:]) or price_run(*a, **k))
    monkeypatch.setattr(imbalance, "shift_prices", lambda *a, **k: shifted.append(a[1:]) or shift_prices(*a, **k))
    pick.value = "faq_worked_example"
    _find(section, "mb-pre").value = faq.pre_eur - 100  # the FAQ month's own what-if, priced
    assert priced == [(faq.nre_eur, faq.pre_eur - 100)]
    pick.value = "market_scale"
    assert _find(section, "mb-imbalance").value == what_if and len(priced) == 1
    assert (7,) not in shifted  # only scenario_volumes' shift by nothing, which gives the month back
    market = load_scenario("imbalance", "market_scale")
    fresh = imb_explorer(market)
    _find(fresh, "mb-nre").value = 3000
    _find(fresh, "mb-zc").value = 7
    assert _find(fresh, "mb-imbalance").value == what_if
    assert KEPT_SCENARIOS >= 2 and len(section.steps) == 2

    path = project_copy / "params/imbalance/market_scale.yaml"
    text = path.read_text(encoding="utf-8")
    assert "\nnre_eur: " in text
    path.write_text(text.replace("\nnre_eur: ", "\nnre_eur: 1"), encoding="utf-8")
    pick.value = "faq_worked_example"
    priced.clear()
    pick.value = "market_scale"  # its file reads otherwise: its own values, settled afresh
    assert priced and _find(section, "mb-nre").value == load_scenario("imbalance", "market_scale").nre_eur


def _upload(content: bytes, name: str) -> tuple:
    return (
        {
            "name": name,
            "type": "text/csv",
            "size": len(content),
            "content": memoryview(content),
            "last_modified": datetime(2026, 1, 1, tzinfo=UTC),
        },
    )


def test_auction_explorer_upload_clears_and_reports_bad_files():
    from marketbooks.explore.auction import explorer as auction_explorer
    from marketbooks.rules.auction import clear_auction

    p = load_scenario("auction", "example_05")
    box = auction_explorer(p)
    upload = box.children[1].children[0]
    summary = _find(box, "mb-auction")
    assert "this example's final orders" in summary.value and ">12,000<" in summary.value
    csv = b"participant,price,volume_kw,connection_point\nA1,14.10,6000,B\nB1,14.80,5000,C\nC1,15.20,4000,A\n"
    upload.value = _upload(csv, "mine.csv")
    expected = clear_auction(p.auction, __import__("pandas").read_csv(__import__("io").BytesIO(csv)))
    assert "mine.csv" in summary.value and f">{expected.volume_kw:,.0f}<" in summary.value
    assert "data:text/csv;base64," in summary.value
    status, out = box.children[-2], box.children[-1]
    upload.value = _upload(b"participant,price\nA,1\n", "broken.csv")
    assert "broken.csv: volume_kw: column missing" in status.value
    # nothing of the earlier result stays beside the controls
    assert summary.value == "" and out.outputs == ()
    upload.value = _upload(csv, "mine.csv")  # the next valid input shows its results again
    assert "mine.csv" in summary.value and status.value == "" and out.outputs


def test_auction_explorer_clears_the_upload_and_offers_sample_files():
    import base64
    import re

    import pandas as pd

    from marketbooks.explore.auction import explorer as auction_explorer
    from marketbooks.rules.auction import run_session

    p = load_scenario("auction", "example_05")
    box = auction_explorer(p)
    upload, _, clear = box.children[1].children
    summary = _find(box, "mb-auction")
    upload.value = _upload(b"participant,price\nA,1\n", "broken.csv")
    clear.click()
    assert upload.value == () and "this example's final orders" in summary.value
    samples = box.children[0].value
    bids_csv = re.search(r'href="data:text/csv;base64,([^"]+)" download="sample_bids.csv"', samples)[1]
    bids = pd.read_csv(__import__("io").BytesIO(base64.b64decode(bids_csv)))
    standing = run_session(p.auction, [o.model_dump() for o in p.orders]).standing
    assert bids["participant"].tolist() == standing["participant"].tolist()
    assert bids["price"].tolist() == standing["price"].tolist()
    assert re.search(r'download="sample_order_log.csv"', samples)
    upload.value = _upload(base64.b64decode(bids_csv), "sample_bids.csv")  # the sample clears as the example
    assert ">12,000<" in summary.value


@pytest.mark.parametrize("field, value", [("mb-volume", -5.0), ("mb-volume", 0.0), ("mb-maxprice", -1.0)])
def test_auction_explorer_refuses_a_volume_or_price_at_or_below_zero(field, value):
    from marketbooks.explore.auction import explorer as auction_explorer

    box = auction_explorer(load_scenario("auction", "example_05"))
    summary, status = _find(box, "mb-auction"), box.children[-2]
    _nested(box, field).value = value
    assert "must be above zero" in status.value and f"{value:g}" in status.value
    assert summary.value == ""


def test_rtp_explorer_recomputes_npvs():
    from marketbooks.explore.rtp import explorer as rtp_explorer
    from marketbooks.rules import rtp

    p = load_scenario("rtp", "2016_information_paper")
    box = rtp_explorer(p)
    shown = _find(box, "mb-rtp")
    assert ">54.00<" in shown.value and ">33.00<" in shown.value
    _find(box, "mb-rate").value = 4.0
    expected = rtp.assess_options(p, rate=0.04).set_index("option")["net_benefit"]
    assert f">{expected['B']:.2f}<" in shown.value
    _find(box, "mb-cost-c").value = 10.0
    data = p.model_dump()
    data["options"]["C"]["cost_pv"] = 10.0
    from marketbooks.scenarios import validate

    table = rtp.assess_options(validate("rtp", data), rate=0.04).set_index("option")
    cheaper_c = table["net_benefit"]["C"]
    assert f">{cheaper_c:.2f}<" in shown.value and cheaper_c < expected["C"]
    (chart,) = [
        o["data"]["application/vnd.plotly.v1+json"]
        for o in _find(box, "mb-rtp-out").outputs
        if "application/vnd.plotly.v1+json" in o["data"]
    ]
    net = next(t for t in chart["data"] if t["name"] == "net benefit")
    assert list(net["y"]) == [expected["B"], cheaper_c] and chart["layout"]["barmode"] == "relative"
    cost = next(t for t in chart["data"] if t["name"] == "cost")
    assert list(cost["y"]) == [-table["cost"]["B"], -table["cost"]["C"]]  # drawn downwards


def test_auction_explorer_replays_an_uploaded_order_log():
    from marketbooks.explore.auction import explorer as auction_explorer

    p = load_scenario("auction", "example_05")
    box = auction_explorer(p)
    orders_upload = box.children[1].children[1]
    summary = _find(box, "mb-auction")
    log = (
        b"time,participant,price,volume_kw,connection_point\n"
        b"10,A1,14.10,6000,B\n20,B1,14.80,5000,C\n30,A1,14.08,6000,B\n1790,C1,13.90,4000,A\n"
    )
    orders_upload.value = _upload(log, "log.csv")
    assert "log.csv (order log, closed at 35 min)" in summary.value
    out = box.children[-1]
    html = "".join(o["data"].get("text/html", "") for o in out.outputs)
    assert "rejected" in html and "85, 86" in html  # a 0.02 cut is rejected and kept in the log
    orders_upload.value = _upload(b"participant,price,volume_kw\nA,1,100\n", "notime.csv")
    assert "notime.csv: time: column missing" in box.children[-2].value


def test_links_look_like_links_and_escape_what_they_show():
    from marketbooks.views.tables import LINK_STYLE, link

    a = link("x.csv", "a <b>", "mb-x", download="x.csv")
    assert a == f'<a href="x.csv" class="mb-x" download="x.csv" style="{LINK_STYLE}">a &lt;b&gt;</a>'
    assert "underline" in LINK_STYLE


def _downloads(html: str) -> dict[str, str]:
    """filename -> the CSV text of every data: link in ``html``."""
    import base64
    import re

    return {
        name: base64.b64decode(data).decode()
        for data, name in re.findall(r'href="data:text/csv;base64,([^"]+)" download="([^"]+)"', html)
    }


def test_an_explore_table_comes_with_its_csv():
    import pandas as pd

    from marketbooks.explore.common import downloadable

    df = pd.DataFrame({"option": ["B", "C <x>"], "npv": [54.0, 33.25]})
    html = downloadable(df, "explore_t", "t.csv")._repr_html_()
    assert '<table id="T_explore_t">' in html and "C &lt;x&gt;" in html
    assert _downloads(html) == {"t.csv": df.to_csv(index=False)}
    assert '<p class="mb-data">' in html and ">Download t.csv</a>" in html


def test_every_table_the_explore_sections_show_can_be_downloaded():
    """Each table in an Explore output has its own CSV link, holding what the table shows."""
    import io

    import pandas as pd

    from marketbooks.explore.auction import explorer as auction_explorer
    from marketbooks.explore.rtp import explorer as rtp_explorer
    from marketbooks.rules import rtp
    from marketbooks.rules.auction import clear_auction
    from marketbooks.rules.auction.clearing import register_of_winners

    def tables_and_downloads(out) -> tuple[int, dict[str, str]]:
        html = "".join(o["data"].get("text/html", "") for o in out.outputs)
        return html.count("<table") + html.count('class="mb-empty"'), _downloads(html)  # an empty table: "none"

    p = load_scenario("rtp", "2016_information_paper")
    box = rtp_explorer(p)
    _find(box, "mb-rate").value = 4.0
    count, files = tables_and_downloads(_find(box, "mb-rtp-out"))
    assert count == 1 and list(files) == ["rtp_cost_benefit.csv"]
    assert files["rtp_cost_benefit.csv"] == rtp.assess_options(p, rate=0.04).to_csv(index=False)

    p = load_scenario("auction", "example_05")
    box = auction_explorer(p)
    csv = b"participant,price,volume_kw,connection_point\nA1,14.10,6000,B\nB1,14.80,5000,C\nC1,15.20,40,A\n"
    box.children[1].children[0].value = _upload(csv, "mine.csv")
    out = [c for c in box.children if isinstance(c, w.Output)][0]
    count, files = tables_and_downloads(out)
    expected = clear_auction(p.auction, pd.read_csv(io.BytesIO(csv)))
    assert len(expected.rejected) and count == len(files) == 2  # the register and the rejected bids
    assert files["register_of_winners.csv"] == register_of_winners(expected).to_csv(index=False)
    assert files["rejected_bids.csv"] == expected.rejected[
        ["participant", "price", "volume_kw", "clause", "reason"]
    ].to_csv(index=False)


def test_imbalance_zc_control_stops_where_prices_would_turn_negative():
    from marketbooks.explore.imbalance import explorer as imb_explorer
    from marketbooks.explore.imbalance import lowest_shift
    from marketbooks.rules import imbalance

    p = load_scenario("imbalance", "faq_worked_example")
    volumes = imbalance.scenario_volumes(p)
    assert volumes.settled["zc"].min() == 40.25 and lowest_shift(volumes) == -40.0
    assert lowest_shift(imbalance.shift_prices(volumes, -40.25)) == 0.0  # a price at zero: no lower
    box = imb_explorer(p)
    zc = _find(box, "mb-zc")
    assert zc.min == -40.0
    zc.value = zc.min  # the lowest prices reach 0.25 EUR/MWh, and the month still settles
    status = box.children[-2]
    assert status.value == "" and "mb-kzpo" in _find(box, "mb-imbalance").value


def test_auction_kind_and_technology_move_together_for_waste(monkeypatch):
    """Choosing 'waste' on either side moves the other with it, and leaving it moves the
    other back: the clearing never sees a combination the auction's rule refuses."""
    from marketbooks.explore import auction as dashboard

    p = load_scenario("auction", "example_05")
    cleared = []
    clear = dashboard.clear_auction
    monkeypatch.setattr(
        dashboard,
        "clear_auction",
        lambda spec, bids: cleared.append((spec["kind"], spec["technology"])) or clear(spec, bids),
    )
    box = dashboard.explorer(p)

    def nested(widget, css):
        if isinstance(widget, w.DOMWidget) and css in widget.get_state()["_dom_classes"]:
            return widget
        return next((found for child in getattr(widget, "children", ()) if (found := nested(child, css))), None)

    kind, tech, status = nested(box, "mb-kind"), nested(box, "mb-tech"), box.children[-2]
    start = (kind.value, tech.value)
    assert "waste" not in start
    kind.value = "waste"
    assert tech.value == "waste" and status.value == ""
    tech.value = "wind"
    assert kind.value == start[0] and status.value == ""
    tech.value = "waste"
    assert kind.value == "waste" and status.value == ""
    kind.value = "with_documentation"
    assert tech.value == start[1] and status.value == ""
    assert all((k == "waste") == (t == "waste") for k, t in cleared), cleared
    # the page's first clearing, then one per choice, though each moved both controls
    assert len(cleared) == 5, cleared


def test_auction_line_names_the_auction_cleared_so_every_change_shows():
    """Another technology with the same rules, or a maximum price no bid comes near, leaves
    the clearing as it was: the line names the auction the controls set, so the change shows."""
    from marketbooks.explore.auction import explorer as auction_explorer

    p = load_scenario("auction", "example_05")
    box = auction_explorer(p)
    summary, out = _find(box, "mb-auction"), box.children[-1]
    a = p.auction
    assert (a.kind, a.technology) == ("without_documentation", "solar")
    terms = f"without documentation, solar: {a.volume_kw:,.0f} kW announced, at most {a.max_price:,.2f} tenge/kWh"
    assert f'<span class="mb-auction-terms">{terms}</span>' in summary.value
    cleared = out.outputs
    _nested(box, "mb-tech").value = "wind"  # the 130 % test applies to both
    assert "without documentation, wind: " in summary.value and out.outputs == cleared
    _nested(box, "mb-maxprice").value = 1000.0
    assert "at most 1,000.00 tenge/kWh" in summary.value and out.outputs == cleared
    _nested(box, "mb-volume").value = 8000.0
    assert ": 8,000 kW announced" in summary.value and out.outputs != cleared


def test_rtp_implementation_control_stays_within_the_horizon():
    from marketbooks.explore.rtp import explorer as rtp_explorer

    box = rtp_explorer(load_scenario("rtp", "2016_information_paper"))
    horizon, impl, status = _find(box, "mb-horizon"), _find(box, "mb-impl"), box.children[-2]
    impl.value = impl.max
    top = impl.max
    horizon.value = 5
    assert (impl.max, impl.value) == (4, 4) and status.value == ""
    horizon.value = 30
    assert impl.max == top and status.value == ""


def test_rtp_horizon_and_implementation_controls_move_the_net_benefit():
    from marketbooks.explore.rtp import explorer as rtp_explorer

    box = rtp_explorer(load_scenario("rtp", "2016_information_paper"))
    value = _find(box, "mb-rtp")

    def npv_b() -> float:
        return float(value.value.split('mb-npv-b">')[1].split("<")[0])

    base = npv_b()
    _find(box, "mb-horizon").value = 20
    longer = npv_b()
    _find(box, "mb-impl").value = 5
    later = npv_b()
    assert longer > base and later < longer


@pytest.mark.parametrize("scenario, disabled", [("faq_worked_example", set()), ("market_scale", {"mb-po", "mb-kg"})])
def test_a_guarantee_control_a_rule_overrides_is_disabled_with_its_reason(scenario, disabled):
    """Market scale is a first contract in its second month: Po is 0.5 and Kg 1 whatever the
    controls say, so both are disabled and say why; elsewhere both move the guarantee."""
    from marketbooks.explore.imbalance import explorer as imb_explorer

    box = imb_explorer(load_scenario("imbalance", scenario))
    for css in ("mb-po", "mb-kg"):
        control = _nested(box, css)
        assert control.disabled == (css in disabled)
    reasons = _reasons(box)
    assert len(reasons) == len(disabled)
    if disabled:
        assert "Po is 0.5 for a first contract" in reasons[0] and "Kg is 1 in month 2" in reasons[1]
    else:
        fz = _find(box, "mb-imbalance")
        before = fz.value
        _nested(box, "mb-po").value = 0.2
        assert fz.value != before


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def _reasons(box):
    return [
        x.value for x in _walk(box) if isinstance(x, w.HTML) and "mb-disabled-reason" in x.get_state()["_dom_classes"]
    ]


def test_imbalance_deviation_goes_to_the_chosen_subject_and_period(monkeypatch):
    """The deviation lands where the reader points: that subject, that period; the value
    line names the subject and shows its net payment as a settlement afresh gives it."""
    from marketbooks.explore.imbalance import explorer as imb_explorer
    from marketbooks.rules import imbalance

    p = load_scenario("imbalance", "faq_worked_example")
    deviated = []
    deviate = imbalance.deviate
    monkeypatch.setattr(imbalance, "deviate", lambda v, *a: deviated.append(a) or deviate(v, *a))
    box = imb_explorer(p)
    who, when = _nested(box, "mb-subject"), _nested(box, "mb-period")
    assert (who.value, when.value) == ("S00000", 1) and len(who.options) == p.n_subjects
    assert who.disabled and when.disabled  # nothing to aim until there is an extra off-take
    assert (when.min, when.max) == (1, p.days * 24 * 60 // p.period_minutes)
    _find(box, "mb-dev").value = 2.5
    assert not who.disabled and not when.disabled
    who.value = "S00003"
    when.value = 7
    assert deviated[-1] == ("S00003", 7, 2.5)

    periods = imbalance.synthetic_periods(p.n_subjects, p.days, p.period_minutes, p.seed, p.base_price, p.price_spread)
    hit = (periods["subject"] == "S00003") & (periods["period"] == 7)
    periods.loc[hit, "actual_mwh"] = (periods.loc[hit, "actual_mwh"] + 2.5).round(3)
    run = imbalance.price_run(imbalance.month_volumes(periods), p.nre_eur, p.pre_eur)
    payment = run.summary.set_index("subject").loc["S00003", "net_payment_eur"]
    shown = _find(box, "mb-imbalance").value
    assert f' · S00003 net payment <b><span class="mb-payment">{payment:,.2f}</span>' in shown
    assert f">{run.balance.kzpo:.4f}<" in shown
    # a name the month does not have (typed into the subject box) is named, nothing priced
    who.value = "S9<b>"
    (problem,) = [x.value for x in _walk(box) if isinstance(x, w.HTML) and "mb-error" in x.value]
    assert "This month has no subject &#x27;S9&lt;b&gt;&#x27;" in problem
    assert _find(box, "mb-imbalance").value == "" and box.children[-1].outputs == ()
    who.value = "S00003"
    assert _find(box, "mb-imbalance").value == shown


EXPLORED = (
    ("acps", "2017_decision"),
    ("ds3", "2017_decision"),
    ("imbalance", "faq_worked_example"),
    ("auction", "example_05"),
    ("rtp", "2016_information_paper"),
)


@pytest.mark.parametrize("workbook, scenario", EXPLORED)
def test_no_explore_control_reaches_an_error_at_its_ends(workbook, scenario):
    """Every slider and number box at its ends, alone and with each other one at its ends,
    and every drop-down choice: the Explore section answers with results, never with an
    error message. A range that reaches inputs the rules refuse is the dashboard's fault."""
    import importlib
    import itertools

    module = importlib.import_module(f"marketbooks.explore.{workbook}")
    box = module.explorer(load_scenario(workbook, scenario))

    def walk(widget):
        yield widget
        for child in getattr(widget, "children", ()):
            yield from walk(child)

    widgets = list(walk(box))
    statuses = [x for x in widgets if isinstance(x, w.HTML)]
    ranged = [x for x in widgets if isinstance(x, (w.FloatSlider, w.IntSlider, w.BoundedFloatText, w.BoundedIntText))]
    choices = [x for x in widgets if isinstance(x, w.Dropdown)]
    start = {x: x.value for x in ranged + choices}

    def errors(where: str) -> list[str]:
        return [f"{where}: {s.value}" for s in statuses if "mb-error" in s.value]

    found = []
    for c in choices:
        for option in [o[1] if isinstance(o, tuple) else o for o in c.options][:20]:
            c.value = option
            found += errors(f"{c.description}={option}")
        c.value = start[c]
    for a, b in itertools.combinations(ranged, 2):
        for va, vb in itertools.product((a.min, a.max), (b.min, b.max)):
            for x, v in start.items():
                x.value = v
            a.value, b.value = va, vb
            found += errors(f"{a.description}={va}, {b.description}={vb}")
    assert not found, found[:5]


def test_explore_starts_from_any_scenario_of_the_workbook(project_copy):
    from marketbooks.explore.common import explore

    box = explore(explorer, load_scenario("acps", "2017_decision"), True, "2017_decision")
    pick, status = box.children[0].children
    assert list(pick.options) == [
        ("Decision 2016", "2016_decision"),
        ("Consultation 2017", "2017_consultation"),
        ("Decision 2017", "2017_decision"),
        ("Respondents: 2016 HAS deduction indexed", "respondent_has_indexed"),
        ("Respondents: no IMR deduction", "respondent_no_imr"),
        ("Respondents: industry-average performance scalar 0.9", "respondent_performance_scalar"),
    ]

    def shown_acps() -> str:
        return _find(box.children[1], "mb-acps").value.split('mb-acps-value">')[1].split("<")[0]

    assert shown_acps() == "519,227,150"
    pick.value = "2016_decision"
    assert shown_acps() == "514,837,400" and status.value == ""
    assert _find(box.children[1], "mb-capreq").value == load_scenario("acps", "2016_decision").capacity_requirement_mw

    (project_copy / "params/acps/2017_consultation.yaml").write_text("label: [unclosed\n")
    before = box.children[1]
    pick.value = "2017_consultation"
    assert "params/acps/2017_consultation.yaml cannot be used" in status.value and "not valid YAML" in status.value
    assert box.children[1] is before and shown_acps() == "514,837,400"
    assert pick.value == "2016_decision"  # the drop-down names the scenario the controls show
    pick.value = "2017_decision"  # and the next good choice works, clearing the message
    assert shown_acps() == "519,227,150" and status.value == ""
    assert explore(explorer, load_scenario("acps", "2017_decision"), False, "2017_decision") is None


SWITCHED = (
    ("acps", "2017_decision", "2016_decision"),
    ("ds3", "2017_decision", "2017_consultation"),
    ("rtp", "2016_information_paper", "high_cost_sensitivity"),
    ("auction", "example_05", "clause_81"),
)


def _shown(box) -> list:
    """What a section shows: every widget's synced state but its references to other
    widgets (model ids), and every output."""

    def own(value) -> bool:
        refs = value if isinstance(value, (list, tuple)) else [value]
        return not any(isinstance(v, str) and v.startswith("IPY_MODEL_") for v in refs)

    return [
        ({k: v for k, v in x.get_state().items() if own(v)}, getattr(x, "outputs", None))
        for x in _walk(box)
        if isinstance(x, w.Widget)
    ]


@pytest.mark.parametrize("workbook, page, other", SWITCHED)
def test_the_scenario_dropdown_gives_the_same_controls_another_scenario(project_copy, workbook, page, other):
    """Choosing another scenario shows what a section built for it shows, and builds no
    widget (a browser builds a widget far slower than it updates one); coming back shows
    the controls as the reader left them, unless the scenario's file reads otherwise now."""
    import importlib

    from marketbooks.explore.common import explore

    build = importlib.import_module(f"marketbooks.explore.{workbook}").explorer
    box = explore(build, load_scenario(workbook, page), True, page)
    pick, section = box.children[0].children[0], box.children[1]
    moved = next(c for c in section.controls.values() if isinstance(c.value, float))
    was = moved.value
    moved.value = was * 0.9 if was else 1.0
    assert moved.value != was
    left = _shown(section)

    built = []
    w.Widget.on_widget_constructed(built.append)
    try:
        pick.value = other
        shown_other = _shown(section)
        pick.value = page
        assert _shown(section) == left
    finally:
        w.Widget.on_widget_constructed(None)
    assert built == [] and box.children[1] is section
    assert shown_other == _shown(build(load_scenario(workbook, other)))

    path = project_copy / f"params/{workbook}/{page}.yaml"
    label = load_scenario(workbook, page).label
    path.write_text(path.read_text(encoding="utf-8").replace(label, f"{label}, revised", 1), encoding="utf-8")
    pick.value = other
    pick.value = page  # its file reads otherwise now: its own values, not those left
    assert _shown(section) == _shown(build(load_scenario(workbook, page)))
    assert moved.value == was


def test_a_section_that_cannot_show_another_scenario_is_refused():
    from marketbooks.explore.common import scenario_switch

    with pytest.raises(TypeError, match="must build ScenarioControls"):
        scenario_switch(lambda p: w.VBox(), load_scenario("acps", "2017_decision"), "2017_decision")


VOILA_VISIT = {"VOILA_KERNEL_ID": "k1", "VOILA_PREHEAT": "False"}


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"QUERY_STRING": "scenario=2016_decision"}, "2017_decision"),  # not Voilà: no address to read
        ({**VOILA_VISIT, "QUERY_STRING": "scenario=2016_decision"}, "2016_decision"),
        ({**VOILA_VISIT, "QUERY_STRING": "other=1&scenario=2017_consultation"}, "2017_consultation"),
        ({**VOILA_VISIT, "QUERY_STRING": ""}, "2017_decision"),
        ({**VOILA_VISIT, "QUERY_STRING": "other=1"}, "2017_decision"),
        (VOILA_VISIT, "2017_decision"),
    ],
)
def test_requested_scenario_follows_the_dashboards_address(monkeypatch, env, expected):
    for name in ("VOILA_KERNEL_ID", "VOILA_PREHEAT", "QUERY_STRING"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert requested_scenario("acps", "2017_decision") == expected


def test_requested_scenario_names_a_scenario_the_workbook_does_not_have(monkeypatch):
    monkeypatch.setenv("VOILA_KERNEL_ID", "k1")
    monkeypatch.setenv("QUERY_STRING", "scenario=<b>2016</b>")
    with pytest.raises(ParameterError) as caught:
        requested_scenario("ds3", "2017_decision")
    assert caught.value.path == "?scenario=<b>2016</b>"
    ((field, reason),) = caught.value.problems
    assert field == "scenario" and "the ds3 workbook has no scenario '<b>2016</b>'" in reason
    assert reason.endswith("its scenarios are 2017_consultation, 2017_decision, respondent_performance_scalar")
    assert "&lt;b&gt;2016&lt;/b&gt;" in caught.value._repr_html_() and "<b>2016" not in caught.value._repr_html_()


def test_a_preheated_kernel_waits_for_the_visit_and_shows_its_scenario(monkeypatch):
    """Voilà runs a pre-heated kernel's notebook before any visit; the notebook waits in
    Voilà's public helper until the visit's request arrives, then reads its address."""
    import voila.utils

    visits = []

    def visit(url=None):  # what Voilà's helper does when the visit comes: its request into the environment
        visits.append(url)
        monkeypatch.setenv("QUERY_STRING", "scenario=2016_decision")

    monkeypatch.setattr(voila.utils, "wait_for_request", visit)
    # the rehearsal's heap is settled before the wait (marketbooks.run.waiting.settle)
    monkeypatch.setattr(waiting, "settle", lambda: visits.append("settled"))
    monkeypatch.setenv("VOILA_KERNEL_ID", "k1")
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.delenv("QUERY_STRING", raising=False)
    assert requested_scenario("acps", "2017_decision") == "2016_decision"
    assert visits == ["settled", None]


def test_the_landing_page_links_each_scenarios_dashboard():
    html = cards_html()
    assert html.count('class="mb-scenario-dashboard"') == len(list_scenarios()) > 0
    assert "acps.ipynb?scenario=2016_decision" in html


def test_an_unknown_scenario_in_the_address_shows_as_a_message_with_the_notebook_extension(monkeypatch):
    """The workbooks' notebooks load marketbooks.explore.notebook, which shows a
    ParameterError as a located message above the error output."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    monkeypatch.setenv("VOILA_KERNEL_ID", "k1")
    monkeypatch.setenv("QUERY_STRING", "scenario=nope")
    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance()
    try:
        with capture_output() as shown:
            result = shell.run_cell(
                "%load_ext marketbooks.explore.notebook\n"
                "from marketbooks.explore.common import requested_scenario\n"
                "requested_scenario('acps', '2017_decision')"
            )
        assert isinstance(result.error_in_exec, ParameterError)
        (html,) = [o.data["text/html"] for o in shown.outputs]
        assert "<code>?scenario=nope</code> cannot be used" in html
    finally:
        InteractiveShell.clear_instance()


@pytest.mark.parametrize("workbook", ["acps", "ds3", "imbalance", "auction", "rtp"])
def test_every_slider_shows_its_scenarios_value_as_it_is(workbook):
    """A readout with fewer decimals than the scenario's value showed another number (the
    FAQ month's Po of 0.0032 read 0.003)."""
    import importlib

    module = importlib.import_module(f"marketbooks.explore.{workbook}")

    def sliders(widget):
        if isinstance(widget, w.FloatSlider):
            yield widget
        for child in getattr(widget, "children", ()):
            yield from sliders(child)

    for _, scenario in list_scenarios(workbook):
        for s in sliders(module.explorer(load_scenario(workbook, scenario))):
            shown = float(format(s.value, s.readout_format).replace(",", ""))
            assert shown == pytest.approx(s.value, abs=1e-12), (scenario, s.description, s.value)
