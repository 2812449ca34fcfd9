"""The workbooks: each one's notebook, scenario model and source."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from marketbooks.scenarios.models import AcpsParams, AuctionParams, Ds3Params, ImbalanceParams, RtpParams


@dataclass(frozen=True)
class Workbook:
    """One workbook: ``params/<name>/`` holds its scenarios, ``notebooks/<notebook>`` shows them."""

    name: str
    notebook: str
    model: type[BaseModel]
    title: str
    seed: str
    rule: str
    default: str  # the scenario its notebook shows unless told otherwise
    # scenarios besides the default whose pages a waiting dashboard kernel computes before
    # the visit (marketbooks.explore.rehearsal): chosen where a visit would otherwise wait
    # for them (docs/performance.md), as each costs the waiting kernel its time and memory
    rehearsed: tuple[str, ...] = ()


WORKBOOKS: dict[str, Workbook] = {
    "acps": Workbook(
        name="acps",
        notebook="acps.ipynb",
        model=AcpsParams,
        title="SEM Annual Capacity Payment Sum 2017",
        seed="001 (SEM decision paper, August 2016)",
        rule="BNE cost indexation, IMR and DS3 deductions, capacity requirement, ACPS, monthly CPPS",
        default="2017_decision",
    ),
    "ds3": Workbook(
        name="ds3",
        notebook="ds3_revenue.ipynb",
        model=Ds3Params,
        title="DS3 System Services revenues of the BNE peaker",
        seed="001 (§5.2 and Appendix 3, Table A3.1)",
        rule="tariff × product scalar × performance scalar × available volume; trip charge; EUR/kW/yr deduction",
        default="2017_decision",
    ),
    "imbalance": Workbook(
        name="imbalance",
        notebook="imbalance.ipynb",
        model=ImbalanceParams,
        title="Imbalance settlement (OKTE) and balancing prices (KOREM)",
        seed="004 (OKTE FAQ) and 000 (KOREM functions)",
        rule="O = agreed − actual; PO− = O × ZC; PO+ = O × ZC × kzpo; kzpo; FZ; zone weighted prices",
        default="faq_worked_example",
        rehearsed=("market_scale",),  # 1.4 M subject-periods: about 1 s of kernel time per visit
    ),
    "auction": Workbook(
        name="auction",
        notebook="auction_walkthrough.ipynb",
        model=AuctionParams,
        title="KOREM renewable-energy auction: Examples 1–11 and clause cases",
        seed="003 (Methodological guidelines, clauses 40, 64–105, Appendix 3)",
        rule="bid validation, trading session, ranked list, validity tests, clearing, 50 % rule, offers",
        default="example_05",
    ),
    "rtp": Workbook(
        name="rtp",
        notebook="rtp_assessment.ipynb",
        model=RtpParams,
        title="NZ real-time pricing options assessment (2016)",
        seed="002 (Electricity Authority consultation paper, pages 1–23)",
        rule="30-minute prices from dispatch prices; options A–D; flexible user; NPV over 15 years at 6 %",
        default="2016_information_paper",
    ),
}
