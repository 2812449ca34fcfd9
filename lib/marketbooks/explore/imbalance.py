"""Explore section of the imbalance workbook."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

import ipywidgets as w

from marketbooks.explore.common import FIT_DESCRIPTION, disabled_because, keep_last, message, reactive, slider
from marketbooks.rules import imbalance
from marketbooks.scenarios.models import ImbalanceParams
from marketbooks.views.imbalance import payments_chart


def lowest_shift(volumes: imbalance.MonthVolumes) -> float:
    """The ZC control's lower end: as far down as keeps every clearing price at or above
    zero (whole EUR/MWh), none if some price is already below (negative prices need an
    interpretation: :func:`marketbooks.imbalance.price_month` refuses to share them out)."""
    lowest = float(volumes.settled["zc"].min())
    return -float(math.floor(lowest)) if lowest > 0 else 0.0


def rehearse_what_ifs(names: Mapping[str, Any]) -> None:
    """Price the month a rehearsal settled (its names ``p`` and ``run``; nothing if the page
    set others) at a what-if clearing price with an extra off-take, the controls' costliest
    change, and keep nothing. A waiting dashboard kernel does this for a market-scale month
    (:func:`marketbooks.explore.rehearsal.rehearse_what_ifs`), so a visit's first changes
    find the memory their months take already in the kernel (a new page of memory costs
    about 40 µs on a virtual machine: 2,000–8,000 of them for each of the first changes)
    and the month's prices already grouped
    (:attr:`~marketbooks.rules.imbalance.MonthVolumes.prices`)."""
    p, run = names.get("p"), names.get("run")
    if not (isinstance(p, ImbalanceParams) and isinstance(run, imbalance.ImbalanceRun) and run.volumes is not None):
        return
    volumes = run.volumes
    subject, period = str(volumes.subjects[1][0]), int(volumes.settled["period"].min())
    shifted = imbalance.shift_prices(volumes, 1.0)
    imbalance.price_run(imbalance.deviate(shifted, subject, period, 1.0), p.nre_eur, p.pre_eur)


def explorer(p: ImbalanceParams, run: imbalance.ImbalanceRun | None = None) -> w.VBox:
    """The controls and their results for scenario ``p``. ``run``, the page's settlement of
    ``p`` (:func:`marketbooks.rules.imbalance.run_month`), is shown as the controls' first
    result rather than settled again (a market-scale month is a million subject-periods)."""
    if run is None or run.volumes is None:  # no settlement given, or one without its imbalances
        run, month_found = None, imbalance.scenario_volumes(p)
    else:
        month_found = run.volumes
    subjects = [str(s) for s in month_found.subjects[1]]
    periods = month_found.settled["period"]
    # lined up with the sliders' descriptions, above the deviation they aim
    who = w.Dropdown(
        options=subjects,
        value=subjects[0],
        description="Deviation: subject",
        style={"description_width": "220px"},
        layout=w.Layout(width="400px"),
    )
    when = w.BoundedIntText(
        value=int(periods.min()),
        min=int(periods.min()),
        max=int(periods.max()),
        description="period",
        style=FIT_DESCRIPTION,
        layout=w.Layout(width="150px"),
    )
    who.add_class("mb-subject")
    when.add_class("mb-period")
    controls = {
        "zc": slider("Shift every ZC (EUR/MWh)", 0.0, lowest_shift(month_found), 200.0, 1.0, "mb-zc", ".0f"),
        "nre": slider(
            "NRE, regulation cost (EUR)", p.nre_eur, 0.0, max(10 * p.nre_eur, 1000.0), 100.0, "mb-nre", ".0f"
        ),
        "pre": slider(
            "PRE, subjects' share (EUR)", p.pre_eur, min(10 * p.pre_eur, -1000.0), 0.0, 100.0, "mb-pre", ".0f"
        ),
        "dev": slider("Extra off-take (MWh)", 0.0, -50.0, 50.0, 0.5, "mb-dev", ".1f"),
        "po": slider("Guarantee: Po", p.guarantee.po, 0.0, 1.0, 0.0001, "mb-po", ".4f"),
        "kg": slider("Guarantee: Kg", p.guarantee.kg, 0.0, 1.0, 0.01, "mb-kg"),
    }
    value, status, out = w.HTML(), w.HTML(), w.Output()
    value.add_class("mb-imbalance")

    # Each control redoes only what it changes: ZC reprices the month's imbalances, the
    # deviation finds one row's imbalance again, NRE and PRE share out the same payments
    # again, Po and Kg change only the guarantee.
    @keep_last
    def repriced(zc: float) -> imbalance.MonthVolumes:
        return imbalance.shift_prices(month_found, zc)

    @keep_last
    def volumes(zc: float, subject: str, period: int, dev: float) -> imbalance.MonthVolumes:
        # no extra off-take aims at no row: the month as it is
        return imbalance.deviate(repriced(zc), subject, period, dev) if dev else repriced(zc)

    @keep_last
    def month(nre: float, pre: float, zc: float, subject: str, period: int, dev: float) -> imbalance.ImbalanceRun:
        if run is not None and (nre, pre, zc, dev) == (p.nre_eur, p.pre_eur, 0.0, 0.0):
            return run  # the page's own settlement: the same month at the same prices
        return imbalance.price_run(volumes(zc, subject, period, dev), nre, pre)

    def render() -> list:
        c = {k: s.value for k, s in controls.items()}
        run = month(c["nre"], c["pre"], c["zc"], who.value, when.value, c["dev"])
        g = p.guarantee.model_copy(update={"po": c["po"], "kg": c["kg"]})
        _, fz = imbalance.guarantee_table(g)
        mine = run.summary.set_index("subject").loc[who.value, "net_payment_eur"]
        value.value = (
            f'<div style="font-size:1.3em">kzpo <b><span class="mb-kzpo">{run.balance.kzpo:.4f}</span></b>'
            f' · {html.escape(who.value)} net payment <b><span class="mb-payment">{mine:,.2f}</span></b> EUR'
            f' · guarantee FZ <b><span class="mb-fz">{float(fz):,.2f}</span></b> EUR'
            + (f" <i>({'; '.join(fz.notes)})</i>" if fz.notes else "")
            + "</div>"
        )
        return [payments_chart(run.summary, "Net payment per subject (explore)", top=20)]

    reactive([who, when, *controls.values()], render, status, out, [value])
    note = w.HTML(
        message(
            "Payments are the clearing agent's cash flow: + the agent pays the subject, "
            "− the subject pays the agent. ZC goes down at most to zero: sharing out the "
            "agent's receipts (kzpo < 1) is not defined for negative prices.",
            "info",
        )
    )
    # a control the scenario's rules override changes nothing: disabled, the reason beside it
    g = p.guarantee
    rows: dict[str, w.Widget] = dict(controls)
    if g.first_contract or not g.has_offtake:
        why = "a first contract" if g.first_contract else "a subject without off-take points"
        rows["po"] = disabled_because(controls["po"], f"Po is 0.5 for {why}")
    if g.months_since_first_diagram < imbalance.KG_START_MONTHS:
        month_no = g.months_since_first_diagram + 1
        rows["kg"] = disabled_because(controls["kg"], f"Kg is 1 in month {month_no} since the first diagram")
    aim = w.HBox([who, when])
    aim_note = w.HTML()

    def aimed(_: Any = None) -> None:
        # the subject and period aim the extra off-take: with none they change nothing
        idle = controls["dev"].value == 0
        who.disabled = when.disabled = idle
        aim_note.value = message("set an extra off-take below to aim it", "info") if idle else ""

    controls["dev"].observe(aimed, names="value")
    aimed()
    shown = [*rows.values()]
    shown.insert(list(rows).index("dev"), w.HBox([aim, aim_note]))
    return w.VBox([note, *shown, value, status, out])
