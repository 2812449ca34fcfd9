"""Explore section of the real-time pricing workbook: the cost-benefit assessment's drivers."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from marketbooks.explore.common import ScenarioSection, downloadable, message, slider
from marketbooks.rules import rtp
from marketbooks.scenarios.models import RtpParams, validate_model
from marketbooks.views.rtp import cba_chart


def control_settings(p: RtpParams) -> dict[str, dict[str, Any]]:
    """Each control's value for scenario ``p``: its own drivers, benefits as assessed."""
    return {
        "rate": {"value": p.base_rate * 100},
        "horizon": {"value": p.horizon_years},
        "impl": {"value": p.implementation_years},
        "benefits": {"value": 1.0},
        "cost_b": {"value": p.options["B"].cost_pv},
        "cost_c": {"value": p.options["C"].cost_pv},
    }


def explorer(p: RtpParams) -> ScenarioSection:
    """The drivers of scenario ``p``'s assessment as sliders, the options' NPVs and chart
    recomputed at theirs."""
    controls = {
        "rate": slider("Discount rate (%)", 0.0, 0.0, 15.0, 0.5, "mb-rate", ".1f"),
        "horizon": slider("Horizon (years)", 5, 5, 30, 1, "mb-horizon", ".0f"),
        "impl": slider("Implementation (years)", 1, 1, 6, 1, "mb-impl", ".0f"),
        "benefits": slider("Benefits × (scale)", 1.0, 0.0, 3.0, 0.05, "mb-benefits"),
        "cost_b": slider("Option B cost PV ($M)", 0.0, 0.0, 100.0, 0.5, "mb-cost-b", ".1f"),
        "cost_c": slider("Option C cost PV ($M)", 0.0, 0.0, 100.0, 0.5, "mb-cost-c", ".1f"),
    }
    value = w.HTML()
    value.add_class("mb-rtp")

    def render(p: RtpParams, c: dict[str, Any]) -> list:
        data = p.model_dump()
        data.update(horizon_years=int(c["horizon"]), implementation_years=int(c["impl"]))
        data["options"]["B"]["cost_pv"] = c["cost_b"]
        data["options"]["C"]["cost_pv"] = c["cost_c"]
        q = validate_model(RtpParams, data, "overrides")
        table = rtp.assess_options(q, rate=c["rate"] / 100, benefit_scale=c["benefits"])
        nb = table.set_index("option")["net_benefit"]
        value.value = (
            f'<div style="font-size:1.3em">NPV at {c["rate"]:.1f} %: option B <b><span class="mb-npv-b">'
            f'{nb["B"]:.2f}</span></b> $M · option C <b><span class="mb-npv-c">{nb["C"]:.2f}</span></b> $M</div>'
        )
        return [
            cba_chart(table, f"Benefits, cost and net benefit at {c['rate']:.1f} % (explore)"),
            downloadable(table, "explore_cba", "rtp_cost_benefit.csv"),
        ]

    # costs are spread over the implementation years, which must end within the horizon
    # (the parameters' rule): a shorter horizon pulls the implementation control with it
    impl_top = controls["impl"].max

    def implementation_within_horizon(change) -> None:
        controls["impl"].max = min(impl_top, change["new"] - 1)

    controls["horizon"].observe(implementation_within_horizon, names="value")
    implementation_within_horizon({"new": controls["horizon"].value})
    note = message(
        "Benefit and cost PVs are defined at the scenario's base rate; changing the rate "
        "re-discounts the same yearly streams.",
        "info",
    )
    section = ScenarioSection(p, controls, control_settings, render, note, [value])
    section.out.add_class("mb-rtp-out")
    return section
