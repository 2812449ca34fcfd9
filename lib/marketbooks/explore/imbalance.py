"""Explore section of the imbalance workbook."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as w

from marketbooks.explore.common import (
    FIT_DESCRIPTION,
    Overridable,
    keep_last,
    message,
    reactive,
    slider,
)
from marketbooks.rules import imbalance
from marketbooks.scenarios.models import GuaranteeInputs, ImbalanceParams
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


def control_ranges(p: ImbalanceParams, month: imbalance.MonthVolumes) -> dict[str, tuple[float, float, float]]:
    """Each slider's (value, lowest, highest) for scenario ``p`` and its ``month``: the
    scenario's own values, what-ifs at none, and ranges around them."""
    return {
        "zc": (0.0, lowest_shift(month), 200.0),
        "nre": (p.nre_eur, 0.0, max(10 * p.nre_eur, 1000.0)),
        "pre": (p.pre_eur, min(10 * p.pre_eur, -1000.0), 0.0),
        "dev": (0.0, -50.0, 50.0),
        "po": (p.guarantee.po, 0.0, 1.0),
        "kg": (p.guarantee.kg, 0.0, 1.0),
    }


def overridden(g: GuaranteeInputs) -> dict[str, str]:
    """The guarantee controls a rule of the scenario overrides, with the reason
    (:func:`marketbooks.rules.imbalance.guarantee_table`): such a control changes nothing."""
    reasons = {}
    if g.first_contract or not g.has_offtake:
        why = "a first contract" if g.first_contract else "a subject without off-take points"
        reasons["po"] = f"Po is 0.5 for {why}"
    if g.months_since_first_diagram < imbalance.KG_START_MONTHS:
        reasons["kg"] = f"Kg is 1 in month {g.months_since_first_diagram + 1} since the first diagram"
    return reasons


#: scenarios whose last results an Explore section keeps (each step holds its last only)
KEPT_SCENARIOS = 4


class Explorer(w.VBox):
    """The controls and their results for an imbalance scenario, any of the workbook's
    (:meth:`show`: a :class:`~marketbooks.explore.common.ScenarioControls`). ``run``, the
    page's settlement of ``p`` (:func:`marketbooks.rules.imbalance.run_month`), is shown as
    the controls' first result rather than settled again (a market-scale month is a million
    subject-periods); any scenario at its own values shows its kept settlement
    (:func:`marketbooks.rules.imbalance.scenario_run`), and coming back to a scenario, its
    file unchanged, shows the results last shown for it rather than pricing them again."""

    def __init__(self, p: ImbalanceParams, run: imbalance.ImbalanceRun | None = None):
        # the deviation's aim, lined up with the sliders' descriptions above it; the subject
        # a box suggesting the month's names as the reader types, since a browser lays out a
        # drop-down's options (2,000 in a market-scale month) each time it gets them
        self.who = w.Combobox(
            description="Deviation: subject",
            placeholder="type a subject's name",
            ensure_option=True,
            continuous_update=False,
            style={"description_width": "220px"},
            layout=w.Layout(width="400px"),
        )
        self.when = w.BoundedIntText(description="period", style=FIT_DESCRIPTION, layout=w.Layout(width="150px"))
        self.who.add_class("mb-subject")
        self.when.add_class("mb-period")
        self.controls = {
            "zc": slider("Shift every ZC (EUR/MWh)", 0.0, 0.0, 200.0, 1.0, "mb-zc", ".0f"),
            "nre": slider("NRE, regulation cost (EUR)", 0.0, 0.0, 1000.0, 100.0, "mb-nre", ".0f"),
            "pre": slider("PRE, subjects' share (EUR)", 0.0, -1000.0, 0.0, 100.0, "mb-pre", ".0f"),
            "dev": slider("Extra off-take (MWh)", 0.0, -50.0, 50.0, 0.5, "mb-dev", ".1f"),
            "po": slider("Guarantee: Po", 0.0, 0.0, 1.0, 0.0001, "mb-po", ".4f"),
            "kg": slider("Guarantee: Kg", 0.0, 0.0, 1.0, 0.01, "mb-kg"),
        }
        self.guarantee = {k: Overridable(self.controls[k]) for k in ("po", "kg")}
        self.line, status, out = w.HTML(), w.HTML(), w.Output()
        self.line.add_class("mb-imbalance")
        self.aim_note = w.HTML()
        # each scenario's steps (its last results), the scenario shown last at the end
        self.steps: dict[str, Callable[..., imbalance.ImbalanceRun]] = {}
        self.set_scenario(p, run)
        self.controls["dev"].observe(self.aimed, names="value")
        self.reactive = reactive([self.who, self.when, *self.controls.values()], self.render, status, out, [self.line])
        note = w.HTML(
            message(
                "Payments are the clearing agent's cash flow: + the agent pays the subject, "
                "− the subject pays the agent. ZC goes down at most to zero: sharing out the "
                "agent's receipts (kzpo < 1) is not defined for negative prices.",
                "info",
            )
        )
        rows: dict[str, w.Widget] = {**self.controls, **self.guarantee}
        shown = [*rows.values()]
        shown.insert(list(rows).index("dev"), w.HBox([w.HBox([self.who, self.when]), self.aim_note]))
        super().__init__([note, *shown, self.line, status, out])

    def show(self, p: ImbalanceParams, values: Mapping[str, Any] | None = None) -> None:
        with self.reactive.held():
            self.set_scenario(p, None, values)

    def values(self) -> dict[str, Any]:
        return {"who": self.who.value, "when": self.when.value} | {k: s.value for k, s in self.controls.items()}

    def set_scenario(
        self, p: ImbalanceParams, run: imbalance.ImbalanceRun | None, values: Mapping[str, Any] | None = None
    ) -> None:
        """The controls' ranges, values and overrides for ``p``; their results' steps."""
        if run is None or run.volumes is None:  # no settlement given, or one without its imbalances
            run, month_found = None, imbalance.scenario_volumes(p)
        else:
            month_found = run.volumes
        # a scenario's last results are kept while the reader looks at another (pricing a
        # market-scale what-if again on coming back took 60-75 ms of the kernel's); its
        # steps are the same only while its file reads the same
        key = p.model_dump_json()
        self.steps[key] = self.steps.pop(key) if key in self.steps else settlement_steps(p, run, month_found)
        while len(self.steps) > KEPT_SCENARIOS:
            del self.steps[next(iter(self.steps))]
        self.p, self.month = p, self.steps[key]
        values = values or {}
        subjects = [str(s) for s in month_found.subjects[1]]
        periods = month_found.settled["period"]
        with self.who.hold_sync():
            self.who.options = tuple(subjects)
            self.who.value = values.get("who", subjects[0])
        with self.when.hold_sync(), self.when.hold_trait_notifications():
            self.when.min, self.when.max = int(periods.min()), int(periods.max())
            self.when.value = values.get("when", self.when.min)
        for name, (value, lo, hi) in control_ranges(p, month_found).items():
            s = self.controls[name]
            with s.hold_sync(), s.hold_trait_notifications():
                s.min, s.max, s.value = lo, hi, values.get(name, value)
        reasons = overridden(p.guarantee)
        for name, row in self.guarantee.items():
            row.override(reasons.get(name))
        self.aimed()

    def aimed(self, _: Any = None) -> None:
        # the subject and period aim the extra off-take: with none they change nothing
        idle = self.controls["dev"].value == 0
        self.who.disabled = self.when.disabled = idle
        self.aim_note.value = message("set an extra off-take below to aim it", "info") if idle else ""

    def render(self) -> list:
        if self.who.value not in self.who.options:
            raise ValueError(f"This month has no subject '{self.who.value}'")
        c = {k: s.value for k, s in self.controls.items()}
        run = self.month(c["nre"], c["pre"], c["zc"], self.who.value, self.when.value, c["dev"])
        g = self.p.guarantee.model_copy(update={"po": c["po"], "kg": c["kg"]})
        _, fz = imbalance.guarantee_table(g)
        mine = run.summary.set_index("subject").loc[self.who.value, "net_payment_eur"]
        self.line.value = (
            f'<div style="font-size:1.3em">kzpo <b><span class="mb-kzpo">{run.balance.kzpo:.4f}</span></b>'
            f' · {html.escape(self.who.value)} net payment <b><span class="mb-payment">{mine:,.2f}</span></b> EUR'
            f' · guarantee FZ <b><span class="mb-fz">{float(fz):,.2f}</span></b> EUR'
            + (f" <i>({'; '.join(fz.notes)})</i>" if fz.notes else "")
            + "</div>"
        )
        return [payments_chart(run.summary, "Net payment per subject (explore)", top=20)]


def settlement_steps(
    p: ImbalanceParams, run: imbalance.ImbalanceRun | None, month_found: imbalance.MonthVolumes
) -> Callable[[float, float, float, str, int, float], imbalance.ImbalanceRun]:
    """The month of ``p`` settled at the controls' NRE, PRE, ZC shift and extra off-take
    (subject, period, MWh), each step redoing only what its controls change: ZC reprices
    the month's imbalances, the deviation finds one row's imbalance again, NRE and PRE
    share out the same payments again (Po and Kg change only the guarantee). At the
    scenario's own values the answer is ``run``, the page's settlement of ``p``, or else the
    one kept for its month (:func:`marketbooks.rules.imbalance.run_month`)."""

    @keep_last
    def repriced(zc: float) -> imbalance.MonthVolumes:
        return imbalance.shift_prices(month_found, zc)

    @keep_last
    def volumes(zc: float, subject: str, period: int, dev: float) -> imbalance.MonthVolumes:
        # no extra off-take aims at no row: the month as it is
        return imbalance.deviate(repriced(zc), subject, period, dev) if dev else repriced(zc)

    @keep_last
    def month(nre: float, pre: float, zc: float, subject: str, period: int, dev: float) -> imbalance.ImbalanceRun:
        if (nre, pre, zc, dev) == (p.nre_eur, p.pre_eur, 0.0, 0.0):
            # the scenario's own settlement: the page's, or the one kept for its month
            return run if run is not None else imbalance.run_month(p)
        return imbalance.price_run(volumes(zc, subject, period, dev), nre, pre)

    return month


def explorer(p: ImbalanceParams, run: imbalance.ImbalanceRun | None = None) -> Explorer:
    """The imbalance Explore section for scenario ``p`` (:class:`Explorer`)."""
    return Explorer(p, run)
