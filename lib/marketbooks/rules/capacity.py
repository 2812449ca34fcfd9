"""SEM capacity payment mechanism: the Annual Capacity Payment Sum (ACPS).

Implements the SEM Committee decision paper "Fixed Cost of a Best New Entrant Peaking
Plant, Capacity Requirement and Annual Capacity Payment Sum for Trading Year 2017"
(August 2016), seed 001. Rounding follows the paper: every EUR/kW/yr figure is rounded
to 2 decimals (half up) before it is used in the next step, and the ACPS is the rounded
BNE cost times the capacity requirement in kW.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from marketbooks.rules import ds3
from marketbooks.rules.rounding import allocate_cents, half_up_units, round2
from marketbooks.scenarios.models import MONTHS, AcpsParams, validate_model


def index_cost(cost: float, rate: float) -> float:
    """Annualised BNE cost indexed by RPI (§1 step 1, §6: 2016 cost × (1 + June-2016 RPI)), 2 dp.

    Parameters
    ----------
    cost : float
        The 2016 annualised cost, EUR/kW/yr.
    rate : float
        The RPI indexation rate, a fraction (0.016 = 1.6 %).

    Returns
    -------
    float
        The indexed cost, EUR/kW/yr, half up to 2 dp.

    Examples
    --------
    >>> index_cost(83.74, 0.016)
    85.08
    """
    return round2(cost * (1 + rate))


def base_cost_for_indexed(indexed: float, rate: float) -> list[float]:
    """Every 2-dp base cost that indexes to ``indexed`` at ``rate`` (to recover a lost cell).

    Parameters
    ----------
    indexed : float
        The published indexed cost, EUR/kW/yr.
    rate : float
        The RPI indexation rate, a fraction.

    Returns
    -------
    list of float
        Every base cost (EUR/kW/yr, 2 dp) whose indexed value rounds to ``indexed``; empty when none does.

    Examples
    --------
    >>> base_cost_for_indexed(85.08, 0.016)
    [83.74]
    """
    centre = indexed / (1 + rate)
    candidates = [round2(centre + k / 100) for k in range(-3, 4)]
    return sorted({c for c in candidates if index_cost(c, rate) == round2(indexed)})


def imr_deduction(price_cap: float, bid_price: float, outage_hours: float, forced_outage_probability: float) -> float:
    """Infra-marginal rent deduction, EUR/kW/yr, 2 dp (§5.2 and §6.1, Table 5.1).

    ``[(PCAP − BID)/1000] × OUTAGE TIME × (1 − FOP)``.

    Parameters
    ----------
    price_cap : float
        PCAP, EUR/MWh.
    bid_price : float
        The BNE's bid, EUR/MWh.
    outage_hours : float
        Outage time, hours a year.
    forced_outage_probability : float
        FOP, a fraction.

    Returns
    -------
    float
        The deduction, EUR/kW/yr, half up to 2 dp.

    Examples
    --------
    >>> imr_deduction(1000, 164.36, 8, 0.0591)  # Table 5.1: 6.29
    6.29
    """
    if not 0 <= forced_outage_probability <= 1:
        raise ValueError(f"forced_outage_probability must lie in [0, 1], got {forced_outage_probability}")
    if bid_price > price_cap:
        raise ValueError(f"bid price {bid_price} exceeds the price cap {price_cap}")
    return round2((price_cap - bid_price) / 1000 * outage_hours * (1 - forced_outage_probability))


def bid_price_range_for_imr(
    imr: float, price_cap: float, outage_hours: float, forced_outage_probability: float
) -> tuple[float, float, float]:
    """(lowest, centre, highest) bid price, EUR/MWh to the cent, whose IMR rounds to ``imr``.

    Table 5.1 lost its BID cell; inverting the IMR formula gives the interval of bids
    whose deduction rounds (half up, 2 dp) to the published one. Both ends are bids that
    really give ``imr`` (the exact bounds rounded inwards to the cent); the centre is a
    choice within the interval, not a value the arithmetic forces.

    Parameters
    ----------
    imr : float
        The published IMR deduction, EUR/kW/yr.
    price_cap : float
        PCAP, EUR/MWh.
    outage_hours : float
        Outage time, hours a year.
    forced_outage_probability : float
        FOP, a fraction.

    Returns
    -------
    tuple of float
        (lowest, centre, highest) bid, EUR/MWh to the cent; the ends give ``imr``, the centre is a choice.

    Examples
    --------
    >>> lo, centre, hi = bid_price_range_for_imr(6.29, 1000, 8, 0.0591)
    >>> lo, centre, hi
    (163.7, 164.36, 165.02)
    >>> [imr_deduction(1000, bid, 8, 0.0591) for bid in (lo - 0.01, lo, hi, hi + 0.01)]
    [6.3, 6.29, 6.29, 6.28]
    """
    per_eur = outage_hours * (1 - forced_outage_probability) / 1000
    if per_eur <= 0:
        raise ValueError("outage hours × (1 − FOP) must be positive to invert the IMR formula")

    def gives(bid: float) -> bool:
        return imr_deduction(price_cap, bid, outage_hours, forced_outage_probability) == round2(imr)

    lo = math.ceil((price_cap - (imr + 0.005) / per_eur) * 100) / 100
    hi = math.floor((price_cap - (imr - 0.005) / per_eur) * 100) / 100
    while not gives(lo) and lo < hi:  # the exact bound itself rounds away: one cent in
        lo = round(lo + 0.01, 2)
    while not gives(hi) and hi > lo:
        hi = round(hi - 0.01, 2)
    if not (gives(lo) and gives(hi)):
        raise ValueError(f"no bid price to the cent gives an IMR of {imr}")
    return lo, round2((lo + hi) / 2), hi


def bne_cost(annualised_cost: float, ancillary_deduction: float, imr_deduction: float) -> float:
    """BNE peaker cost net of deductions, EUR/kW/yr, 2 dp (Table 4.1 / 6.1).

    Parameters
    ----------
    annualised_cost : float
        The BNE's annualised cost, EUR/kW/yr.
    ancillary_deduction : float
        The ancillary-services deduction, EUR/kW/yr.
    imr_deduction : float
        The infra-marginal rent deduction, EUR/kW/yr.

    Returns
    -------
    float
        The net BNE cost, EUR/kW/yr, half up to 2 dp.

    Examples
    --------
    >>> bne_cost(85.08, 7.34, 6.29)
    71.45
    """
    return round2(round2(annualised_cost) - round2(ancillary_deduction) - round2(imr_deduction))


def annual_capacity_payment_sum(bne_cost_eur_per_kw_yr: float, capacity_requirement_mw: float) -> float:
    """ACPS in EUR = BNE cost (EUR/kW/yr, 2 dp) × capacity requirement (MW, §4.2) × 1000
    (§1, Table 1.1).

    Parameters
    ----------
    bne_cost_eur_per_kw_yr : float
        The net BNE cost, EUR/kW/yr (2 dp).
    capacity_requirement_mw : float
        The capacity requirement, MW (§4.2).

    Returns
    -------
    float
        The ACPS, EUR.

    Examples
    --------
    >>> annual_capacity_payment_sum(71.45, 7267)
    519227150.0
    """
    if capacity_requirement_mw < 0:
        raise ValueError(f"capacity requirement must not be negative, got {capacity_requirement_mw}")
    exact = Decimal(repr(round2(bne_cost_eur_per_kw_yr))) * Decimal(repr(float(capacity_requirement_mw))) * 1000
    return float(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def derive_missing_month(total: float, months: dict[str, int | None]) -> dict[str, int]:
    """Fill the one lost monthly sum as the total minus the others (Table 1.2's December).

    Parameters
    ----------
    total : float
        The published total of the months, EUR.
    months : dict of str to int or None
        Month → published sum (EUR), None for the one lost month.

    Returns
    -------
    dict of str to int
        Every month's sum, EUR, the lost one as the total minus the others.

    Examples
    --------
    >>> derive_missing_month(100, {"Jan": 60, "Feb": None})
    {'Jan': 60, 'Feb': 40}
    """
    missing = [m for m, v in months.items() if v is None]
    if len(missing) > 1:
        raise ValueError(f"more than one month is missing ({', '.join(missing)}): cannot derive")
    filled = {m: int(v) for m, v in months.items() if v is not None}
    if missing:
        known = sum(filled.values())
        rest = int(round(total)) - known
        if rest < 0:
            raise ValueError(
                f"the known monthly sums ({known:,}) already exceed the total ({round(total):,}) "
                f"by {-rest:,}: {missing[0]} cannot be derived"
            )
        filled[missing[0]] = rest
    return {m: filled[m] for m in months}


def period_sum_values(acps: float, weights: np.ndarray) -> np.ndarray:
    """Whole-euro monthly sums (int64) that share ``round(acps)`` in proportion to
    ``weights`` and add up to it exactly: floors, then one euro more to the largest
    remainders, ties in month order (a stable sort).

    The floor of a float is exact in floating point, so ``math.floor`` gives the floor of the
    value itself (the Decimal of its repr has the same floor: an integer between the two
    would round to the float, so it would be the float).

    Parameters
    ----------
    acps : float
        The ACPS, EUR.
    weights : numpy.ndarray
        Non-negative monthly weights, in month order (need not add up to 1).

    Returns
    -------
    numpy.ndarray
        int64 monthly sums, EUR, adding up to ``round(acps)``.

    Examples
    --------
    >>> period_sum_values(100, np.array([1.0, 1.0, 1.0])).tolist()
    [34, 33, 33]
    """
    values = [float(w) for w in weights]
    total = math.fsum(values)
    if any(w < 0 for w in values) or total <= 0:
        raise ValueError("monthly weights must be non-negative with a positive total")
    whole = int(round(acps))
    # Python floats, not numpy: twelve values, where numpy's per-call overhead was most of
    # the time of a sweep point; the same IEEE arithmetic, so the same sums
    raw = [w / total * whole for w in values]
    floor = [math.floor(r) for r in raw]
    short = whole - sum(floor)
    # largest remainders first; ties keep month order (sorted() is stable)
    for i in sorted(range(len(raw)), key=lambda i: -(raw[i] - floor[i]))[:short]:
        floor[i] += 1
    return np.array(floor, dtype="int64")


def capacity_period_sums(acps: float, monthly_weights: dict[str, float] | pd.Series) -> pd.DataFrame:
    """Monthly Capacity Period Payment Sums (Table 1.2) from the ACPS and monthly weights.

    Weights are normalised; sums are whole euros and add up to the ACPS exactly (largest
    remainder, :func:`period_sum_values`). With the published sums as weights the
    published sums come back unchanged.

    Parameters
    ----------
    acps : float
        The ACPS, EUR.
    monthly_weights : dict of str to float or pandas.Series
        Month → weight (normalised here).

    Returns
    -------
    pandas.DataFrame
        One row per month: month, share_pct (%), cpps_eur and cumulative_eur (whole euros).

    Examples
    --------
    >>> capacity_period_sums(1000, {"Jan": 1.0, "Feb": 3.0})["cpps_eur"].tolist()
    [250, 750]
    """
    months = list(monthly_weights.keys())
    values = np.array(list(monthly_weights.values()), dtype="float64")
    floor = period_sum_values(acps, values)
    share = values / values.sum()
    return pd.DataFrame(
        {"month": months, "share_pct": (share * 100).round(4), "cpps_eur": floor, "cumulative_eur": floor.cumsum()}
    )


def payment_proportions(fcpp: float, ecpp: float) -> dict[str, float]:
    """Fixed, variable and ex-post proportions (§4.3): VCPPy = 1 − FCPPy − ECPPy.

    Parameters
    ----------
    fcpp : float
        FCPPy, the fixed proportion, a fraction.
    ecpp : float
        ECPPy, the ex-post proportion, a fraction.

    Returns
    -------
    dict of str to float
        'fixed', 'variable' and 'ex_post' proportions, adding up to 1.

    Examples
    --------
    >>> payment_proportions(0.3, 0.3)
    {'fixed': 0.3, 'variable': 0.4, 'ex_post': 0.3}
    """
    for name, v in (("fcpp", fcpp), ("ecpp", ecpp)):
        if not 0 <= v <= 1:
            raise ValueError(f"{name} must lie in [0, 1], got {v}")
    variable = round(1 - fcpp - ecpp, 12)
    if variable < 0:
        raise ValueError(f"fcpp + ecpp = {fcpp + ecpp:g} exceeds 1")
    return {"fixed": fcpp, "variable": variable, "ex_post": ecpp}


def period_pots(period_sums: pd.DataFrame, proportions: dict[str, float]) -> pd.DataFrame:
    """Split each monthly sum into fixed / variable / ex-post pots in whole euros (§4.3).

    Each pot is its proportion of the month's sum, shared in whole euros as the monthly sums
    share the ACPS (largest remainder, :func:`period_sum_values`): the pots add up to the
    month's sum, each lies within a euro of its proportion, none is negative, and a
    proportion of 0 leaves its pot empty. A euro the remainders tie for goes to the fixed
    pot, then the variable one (their order in §4.3).

    Parameters
    ----------
    period_sums : pandas.DataFrame
        Table 1.2 as :func:`capacity_period_sums` gives it (month, cpps_eur).
    proportions : dict of str to float
        The pots' proportions, from :func:`payment_proportions`.

    Returns
    -------
    pandas.DataFrame
        month, cpps_eur and the fixed_eur, variable_eur and ex_post_eur pots, whole euros adding up to cpps_eur.

    Examples
    --------
    >>> sums = capacity_period_sums(1001, {'Jan': 1.0, 'Feb': 1.0})
    >>> period_pots(sums, payment_proportions(0.3, 0.3)).values.tolist()
    [['Jan', 501, 150, 201, 150], ['Feb', 500, 150, 200, 150]]
    >>> period_pots(sums, payment_proportions(0.5, 0.0)).values.tolist()
    [['Jan', 501, 251, 250, 0], ['Feb', 500, 250, 250, 0]]
    """
    out = period_sums[["month", "cpps_eur"]].copy()
    shares = np.array([proportions["fixed"], proportions["variable"], proportions["ex_post"]])
    pots = np.array([period_sum_values(cpps, shares) for cpps in out["cpps_eur"]], dtype="int64").reshape(-1, 3)
    out["fixed_eur"], out["variable_eur"], out["ex_post_eur"] = pots.T
    return out


@dataclass(frozen=True)
class AcpsResult:
    """Every step of the ACPS calculation for one scenario."""

    annualised_cost: float
    imr: float
    ancillary: float
    bne_cost: float
    capacity_requirement_mw: float
    acps: float
    weights: dict[str, float] = field(repr=False)
    monthly_source: str = ""

    @cached_property
    def cpps(self) -> np.ndarray:
        """Whole-euro Capacity Period Payment Sums, in the weights' month order."""
        return period_sum_values(self.acps, np.array(list(self.weights.values()), dtype="float64"))

    @cached_property
    def period_sums(self) -> pd.DataFrame:
        """Table 1.2: month, share %, sum and running total (:func:`capacity_period_sums`)."""
        return capacity_period_sums(self.acps, self.weights)

    @property
    def jan_sep_total(self) -> int:
        """The sums of January to September (until I-SEM go-live), EUR."""
        first_nine = set(MONTHS[:9])
        return int(sum(int(v) for m, v in zip(self.weights, self.cpps) if m in first_nine))

    def figures(self) -> dict[str, float]:
        return {
            "annualised_cost": self.annualised_cost,
            "ancillary": self.ancillary,
            "imr": self.imr,
            "bne_cost": self.bne_cost,
            "acps": self.acps,
            "jan_sep_total": self.jan_sep_total,
        }


def monthly_weights(p: AcpsParams, acps: float) -> tuple[dict[str, float], str]:
    """The scenario's monthly weights and where they come from.

    A scenario with published monthly sums uses them, a lost month derived as the paper's
    total minus the other months (Table 1.2's December): the published ACPS when the scenario
    has one, else ``acps``. A what-if total (the Explore section, a sensitivity) is then
    shared out in the published proportions, rather than landing whole in the lost month.
    One without monthly sums uses the 2017 published shares, labelled as such.

    Parameters
    ----------
    p : AcpsParams
        The ACPS scenario (a validated parameter file).
    acps : float
        The scenario's ACPS, EUR (to derive a lost month).

    Returns
    -------
    dict of str to float
        Month → weight.
    str
        Where the weights come from, in words.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario, load_scenarios
    >>> monthly_weights(load_scenario("acps", "2016_decision"), 514837400)[1]
    '2017 published shares applied (reconstructed: no monthly table for this year)'
    """
    if p.monthly_cpps is not None:
        total = p.published["acps"].value if "acps" in p.published else acps
        filled = derive_missing_month(total, p.monthly_cpps)
        lost = [m for m, v in p.monthly_cpps.items() if v is None]
        src = "published" + (f" ({', '.join(lost)} derived: total minus the other months)" if lost else "")
        return {m: float(v) for m, v in filled.items()}, src
    return dict(PUBLISHED_2017_SHARES), "2017 published shares applied (reconstructed: no monthly table for this year)"


def ancillary_deduction(p: AcpsParams) -> float:
    """The scenario's ancillary-services deduction, EUR/kW/yr.

    Either the published value, or the DS3 revenue model's result for the DS3 scenario the
    loader attached (``p.ds3``, from ``ds3_scenario``; seed 001 §5.2): the one
    cross-workbook link, so the figure is never typed twice.

    Parameters
    ----------
    p : AcpsParams
        The ACPS scenario (a validated parameter file).

    Returns
    -------
    float
        The deduction, EUR/kW/yr.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario, load_scenarios
    >>> ancillary_deduction(load_scenario("acps", "2017_decision"))
    7.34
    """
    if p.ancillary_source == "published" and p.ancillary_deduction is not None:
        return round2(p.ancillary_deduction)
    if p.ds3 is None:
        raise ValueError(
            f"the DS3 scenario {p.ds3_scenario!r} is not attached: load the ACPS scenario with "
            "marketbooks.scenarios.load_scenario, which resolves it"
        )
    return ds3.deduction_of(p.ds3)


def with_overrides(p: AcpsParams, **overrides: Any) -> AcpsParams:
    """``p`` with parameters replaced by name, validated again (ParameterError on "overrides").

    Overriding ``ancillary_deduction`` replaces the scenario's source (published or DS3
    model); otherwise the attached DS3 scenario stays.

    Parameters
    ----------
    p : AcpsParams
        The ACPS scenario (a validated parameter file).
    **overrides : Any
        Parameter name → new value (e.g. ``bid_price=150.0``).

    Returns
    -------
    AcpsParams
        A validated copy of ``p``; ``p`` itself is unchanged.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> p = load_scenario('acps', '2017_decision')
    >>> with_overrides(p, bid_price=150.0).bid_price, p.bid_price
    (150.0, 164.36)
    """
    if "ancillary_deduction" in overrides:
        overrides = {**overrides, "ancillary_source": "published", "ds3_scenario": None}
        return validate_model(AcpsParams, {**p.model_dump(), **overrides}, "overrides")
    q = validate_model(AcpsParams, {**p.model_dump(), **overrides}, "overrides")
    return q.model_copy(update={"ds3": p.ds3})


def compute_acps(p: AcpsParams, **overrides: Any) -> AcpsResult:
    """Run the whole ACPS procedure for a scenario; ``overrides`` replace parameters by name.

    Overriding ``ancillary_deduction`` replaces the scenario's source (published or DS3 model).

    Parameters
    ----------
    p : AcpsParams
        The ACPS scenario (a validated parameter file).
    **overrides : Any
        Parameter name → new value, validated as a scenario file's.

    Returns
    -------
    AcpsResult
        Every step: annualised cost, IMR, ancillary deduction, BNE cost, requirement, ACPS and monthly weights.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario, load_scenarios
    >>> compute_acps(load_scenario("acps", "2017_decision")).acps
    519227150.0
    """
    if overrides:
        p = with_overrides(p, **overrides)
    annualised = index_cost(p.base_annualised_cost, p.rpi)
    imr = imr_deduction(p.price_cap, p.bid_price, p.outage_hours, p.forced_outage_probability)
    ancillary = ancillary_deduction(p)
    bne = bne_cost(annualised, ancillary, imr)
    acps = annual_capacity_payment_sum(bne, p.capacity_requirement_mw)
    weights, source = monthly_weights(p, acps)
    return AcpsResult(
        annualised_cost=annualised,
        imr=imr,
        ancillary=ancillary,
        bne_cost=bne,
        capacity_requirement_mw=p.capacity_requirement_mw,
        acps=acps,
        weights=weights,
        monthly_source=source,
    )


def evaluate(p: AcpsParams) -> dict[str, float]:
    """The key results of an ACPS scenario: what its run records in ``results.json``, a
    sweep records per point and a comparison sets side by side.

    Units: EUR for ``acps_eur`` and ``jan_sep_total_eur``, EUR/kW/yr for the steps, MW for
    the requirement.

    Parameters
    ----------
    p : AcpsParams
        The ACPS scenario (a validated parameter file).

    Returns
    -------
    dict of str to float
        acps_eur, the BNE cost and its terms (EUR/kW/yr), capacity_requirement_mw and jan_sep_total_eur.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> evaluate(load_scenario("acps", "2017_decision"))["acps_eur"]
    519227150.0
    """
    r = compute_acps(p)
    return {
        "acps_eur": r.acps,
        "bne_cost_eur_per_kw_yr": r.bne_cost,
        "annualised_cost_eur_per_kw_yr": r.annualised_cost,
        "imr_eur_per_kw_yr": r.imr,
        "ancillary_deduction_eur_per_kw_yr": r.ancillary,
        "capacity_requirement_mw": r.capacity_requirement_mw,
        "jan_sep_total_eur": r.jan_sep_total,
    }


ISEM_GO_LIVE_YEAR = 2017  # I-SEM went live in October 2017: that year's CPM ran January–September

FIGURE_LABELS = {
    "annualised_cost": "Annualised cost (EUR/kW/yr)",
    "ancillary": "Ancillary-services deduction (EUR/kW/yr)",
    "imr": "Infra-marginal rent (EUR/kW/yr)",
    "bne_cost": "BNE cost (EUR/kW/yr)",
    "capacity_requirement_mw": "Capacity requirement (MW)",
    "acps": "ACPS (EUR)",
    "jan_sep_total": "CPPS Jan–Sep, until I-SEM go-live (EUR)",
}


def calibrated_deduction(p: AcpsParams) -> str:
    """The DS3 input solved so the deduction meets the published figure ('' when none):
    such a deduction equals the paper's by construction, which is no evidence of a match.

    Parameters
    ----------
    p : AcpsParams
        The ACPS scenario (a validated parameter file).

    Returns
    -------
    str
        The DS3 service code whose tariff was solved (e.g. 'RM8'), '' when the deduction is not calibrated.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> calibrated_deduction(load_scenario('acps', '2017_decision'))
    'RM8'
    >>> calibrated_deduction(load_scenario('acps', '2016_decision'))
    ''
    """
    if p.ancillary_source != "ds3_model" or p.ds3 is None:
        return ""
    return ", ".join(s.code for s in p.ds3.services if s.status == "calibrated")


def published_vs_computed(p: AcpsParams, r: AcpsResult) -> pd.DataFrame:
    """One row per step: the publication's figure (published, or derived from published
    ones), computed, difference. A deduction whose DS3 model was calibrated to the paper's
    figure is shown as *calibrated to the published value*, its difference left empty: a
    zero there is the calibration, not a match. A scenario that names no publication
    (``reproduces``) is compared with none.

    Parameters
    ----------
    p : AcpsParams
        The ACPS scenario (a validated parameter file).
    r : AcpsResult
        The scenario's result, from :func:`compute_acps`.

    Returns
    -------
    pandas.DataFrame
        One row per step: step (with unit), published, computed, difference, status and source.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> p = load_scenario('acps', '2017_decision')
    >>> t = published_vs_computed(p, compute_acps(p)).set_index('step')
    >>> t.loc['Infra-marginal rent (EUR/kW/yr)', ['published', 'computed', 'difference']].tolist()
    [6.29, 6.29, 0.0]
    """
    computed = {**r.figures(), "capacity_requirement_mw": r.capacity_requirement_mw}
    calibrated = calibrated_deduction(p)
    rows = []
    for key, label in FIGURE_LABELS.items():
        if key == "jan_sep_total" and p.trading_year != ISEM_GO_LIVE_YEAR:
            continue  # the capacity payments end with I-SEM's go-live in October 2017 only
        fig = p.published.get(key) if p.reproduces else None
        pub = fig.value if fig else None
        status: str = fig.status if fig else "not published"
        difference = None if pub is None else round(computed[key] - pub, 2)
        source = fig.source if fig else ""
        if key == "ancillary" and calibrated and fig is not None:
            if difference == 0:
                status, difference = "calibrated to the published value", None
                source = f"{source}; the DS3 model's {calibrated} tariff is solved to give it"
            else:
                status = "computed (DS3 calibrated at the paper's inputs, since changed)"
        rows.append(
            {
                "step": label,
                "published": pub,
                "computed": computed[key],
                "difference": difference,
                "status": status,
                "source": source,
            }
        )
    return pd.DataFrame(rows)


def _plain(value: Any) -> str:
    """A number as a reader writes it: 7,267 not 7267.0; 0.0591 as it stands."""
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def inputs_table(p: AcpsParams) -> pd.DataFrame:
    """The scenario's inputs with their provenance (published / derived / reconstructed).

    Parameters
    ----------
    p : AcpsParams
        The ACPS scenario (a validated parameter file).

    Returns
    -------
    pandas.DataFrame
        One row per input: parameter, value, status (published / derived / reconstructed / chosen) and note.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> inputs_table(load_scenario('acps', '2017_decision')).columns.tolist()
    ['parameter', 'value', 'status', 'note']
    """
    names = [
        "base_annualised_cost",
        "rpi",
        "price_cap",
        "bid_price",
        "outage_hours",
        "forced_outage_probability",
        "capacity_requirement_mw",
        "fcpp",
        "ecpp",
    ]
    rows = [
        {
            "parameter": n,
            "value": _plain(getattr(p, n)),
            "status": p.status.get(n, "published"),
            "note": p.notes.get(n, ""),
        }
        for n in names
    ]
    if p.ancillary_source == "ds3_model":
        rows.append(
            {
                "parameter": "ancillary_deduction",
                "value": f"{ancillary_deduction(p):.2f}",
                "status": "calibrated" if calibrated_deduction(p) else "computed",
                "note": f"from the DS3 revenue model, its scenario {p.ds3.label if p.ds3 else p.ds3_scenario}"
                + (
                    f"; calibrated to the published value ({calibrated_deduction(p)} tariff solved)"
                    if calibrated_deduction(p)
                    else ""
                ),
            }
        )
    else:
        rows.append(
            {
                "parameter": "ancillary_deduction",
                "value": _plain(p.ancillary_deduction),
                "status": p.status.get("ancillary_deduction", "published"),
                "note": p.notes.get("ancillary_deduction", ""),
            }
        )
    return pd.DataFrame(rows)


SENSITIVITY_DRIVERS = {
    "rpi": "RPI",
    "forced_outage_probability": "FOP",
    "bid_price": "Bid price",
    "ancillary_deduction": "DS3 deduction",
    "capacity_requirement_mw": "Capacity requirement",
}


def acps_sensitivity(p: AcpsParams) -> pd.DataFrame:
    """One-at-a-time ACPS at each driver's low and high value (the tornado chart's data).

    Parameters
    ----------
    p : AcpsParams
        The ACPS scenario (a validated parameter file).

    Returns
    -------
    pandas.DataFrame
        One row per driver: its low and high value, the ACPS (EUR) at each, the changes and the swing, smallest swing
        first (a tornado chart draws bottom up).

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> s = acps_sensitivity(load_scenario('acps', '2017_decision'))
    >>> bool((s['swing'].diff().dropna() >= 0).all())
    True
    """
    base_result = compute_acps(p)
    base = base_result.acps
    # The other drivers move with the deduction held at its base value: pinning it saves
    # re-running the DS3 model for every point and changes no figure.
    pinned = {"ancillary_deduction": base_result.ancillary}
    rows = []
    for key, label in SENSITIVITY_DRIVERS.items():
        rng = p.sensitivity.get(key)
        if rng is None:
            continue
        hold = {} if key in pinned else pinned
        low = compute_acps(p, **{**hold, key: rng.low}).acps
        high = compute_acps(p, **{**hold, key: rng.high}).acps
        rows.append(
            {
                "driver": label,
                "parameter": key,
                "low_value": rng.low,
                "high_value": rng.high,
                "acps_low": low,
                "acps_high": high,
                "delta_low": low - base,
                "delta_high": high - base,
                "swing": abs(high - low),
            }
        )
    return pd.DataFrame(rows).sort_values("swing", kind="stable").reset_index(drop=True)


_CPPS_2017 = {
    "Jan": 52_869_006,
    "Feb": 51_165_171,
    "Mar": 47_229_946,
    "Apr": 39_374_525,
    "May": 36_471_362,
    "Jun": 34_478_074,
    "Jul": 32_716_078,
    "Aug": 35_961_368,
    "Sep": 35_927_804,
    "Oct": 45_397_053,
    "Nov": 52_555_995,
    "Dec": 55_080_768,
}
# Table 1.2 (December derived from the total); used as weights for years without a monthly table.
PUBLISHED_2017_SHARES = {m: v / 519_227_150 for m, v in _CPPS_2017.items()}


def acps_history() -> pd.DataFrame:
    """Appendix 1 (Table A1.1): ACPS by trading year, with each figure's provenance.

    2007–2013 kept only a middle digit group in transcription: they are missing, not
    invented. 2014 and 2015 are known only to the nearest million from a public summary,
    beside their surviving digit groups: ``acps_eur`` stays empty and ``approx_eur`` holds
    the rounded figure, never presented as the ACPS.

    Returns
    -------
    pandas.DataFrame
        One row per trading year: year, acps_eur (NaN where lost), approx_eur, what the transcription shows, status
        and note.

    Examples
    --------
    >>> h = acps_history().set_index("year")
    >>> h.loc[2014, "shown"], bool(pd.isna(h.loc[2014, "acps_eur"]))
    ('≈ 565 million (rounded); digit group …,819,… survives', True)
    """
    fragments = ["517", "221", "854", "133", "956", "120", "876"]
    rows: list[dict[str, Any]] = [
        {
            "year": 2007 + i,
            "acps_eur": None,
            "approx_eur": None,
            "shown": f"lost; digit group …,{frag},… survives",
            "status": "missing",
            "note": f"only the digit group '…,{frag},…' survived",
        }
        for i, frag in enumerate(fragments)
    ]
    for year, millions, frag in ((2014, 565, "819"), (2015, 574, "953")):
        rows.append(
            {
                "year": year,
                "acps_eur": None,
                "approx_eur": millions * 1_000_000,
                "shown": f"≈ {millions} million (rounded); digit group …,{frag},… survives",
                "status": "reconstructed (rounded)",
                "note": f"≈ {millions} million from a public summary; the exact figure is lost",
            }
        )
    for year, acps, note in ((2016, 514_837_400, "72.82 × 7070 MW"), (2017, 519_227_150, "71.45 × 7267 MW")):
        rows.append(
            {
                "year": year,
                "acps_eur": acps,
                "approx_eur": None,
                "shown": f"{acps:,}",
                "status": "published",
                "note": note,
            }
        )
    return pd.DataFrame(rows)


def security_standard_checks(capacity_requirement_mw: float) -> pd.DataFrame:
    """The paper's checks of the capacity requirement (§5.1–5.2): against the median total
    energy requirement (TER), the margin over the SEM peak, and the security standard.

    Parameters
    ----------
    capacity_requirement_mw : float
        The capacity requirement, MW.

    Returns
    -------
    pandas.DataFrame
        One row per check: check, value, the paper's figure and status.

    Examples
    --------
    >>> security_standard_checks(7267)["value"].tolist()[:2]
    ['7,267 MW vs 6,888 MW: +5.50 %', '≈ 9 % (peak ≈ 6,667 MW implied)']
    """
    ter = 6888
    margin = capacity_requirement_mw / ter - 1
    peak = capacity_requirement_mw / 1.09
    return pd.DataFrame(
        [
            {
                "check": "Capacity requirement over the median TER",
                "value": f"{capacity_requirement_mw:,.0f} MW vs {ter:,} MW: {margin * 100:+.2f} %",
                "paper": "5.5 % (PowerNI PPB, §5.1: TER 6888 MW)",
                "status": "published (TER, 5.5 %); computed (margin)",
            },
            {
                "check": "Margin of the capacity requirement over the SEM peak",
                "value": f"≈ 9 % (peak ≈ {peak:,.0f} MW implied)",
                "paper": "approximately 9 %, similar to previous years (§5.2, Figure 5.2)",
                "status": "published (≈ 9 %); derived from the rounded 9 % (peak)",
            },
            {
                "check": "Generation security standard",
                "value": "8 hours LOLE",
                "paper": "kept at 8 hours LOLE; respondents argued it is not based in reality (§5.1, §5.2)",
                "status": "published",
            },
        ]
    )


def split_pot_over_periods(
    month_sum_eur: float,
    proportions: dict[str, float],
    demand_forecast: ArrayLike,
    lolp_forecast: ArrayLike,
    lolp_ex_post: ArrayLike,
) -> pd.DataFrame:
    """A month's Capacity Period Payment Sum over its trading periods (§4.3), EUR.

    The fixed pot (FCPPy) follows the demand forecast (set before the year), the variable
    pot (VCPPy) the forecast LOLP (set before the month), the ex-post pot (ECPPy) the
    ex-post LOLP (after the month). The sum, to the cent, is cut into the three pots as
    :func:`period_pots` cuts a month's euros, and each pot shared over the periods pro rata
    to its profile in whole cents (largest remainder,
    :func:`~marketbooks.rules.rounding.allocate_cents`; a profile of zeros evenly), so the
    periods add up to each pot and the pots to the sum, to the cent.

    Parameters
    ----------
    month_sum_eur : float
        The month's Capacity Period Payment Sum, EUR.
    proportions : dict of str to float
        'fixed', 'variable' and 'ex_post' proportions (:func:`payment_proportions`).
    demand_forecast : array_like
        Forecast demand per trading period, MW (any consistent unit).
    lolp_forecast : array_like
        Forecast loss-of-load probability per trading period.
    lolp_ex_post : array_like
        Ex-post loss-of-load probability per trading period.

    Returns
    -------
    pandas.DataFrame
        One row per trading period: fixed_eur, variable_eur, ex_post_eur and total_eur, EUR to the cent.

    Examples
    --------
    >>> out = split_pot_over_periods(100.0, {"fixed": 0.3, "variable": 0.4, "ex_post": 0.3},
    ...                              [1, 1], [0, 1], [1, 3])
    >>> out[["fixed_eur", "variable_eur", "ex_post_eur"]].values.tolist()
    [[15.0, 0.0, 7.5], [15.0, 40.0, 22.5]]
    """
    profiles = {
        "fixed": np.asarray(demand_forecast, dtype="float64"),
        "variable": np.asarray(lolp_forecast, dtype="float64"),
        "ex_post": np.asarray(lolp_ex_post, dtype="float64"),
    }
    n = len(profiles["fixed"])
    out = pd.DataFrame({"period": np.arange(1, n + 1)})
    for pot, profile in profiles.items():
        if len(profile) != n or (profile < 0).any():
            raise ValueError(f"the {pot} profile needs {n} non-negative values")
    # cut into pots as period_pots cuts a month's euros, here in cents
    shares = np.array([proportions[pot] for pot in profiles])
    pot_cents = period_sum_values(int(half_up_units(month_sum_eur, 2)), shares)
    cents = np.zeros(n, dtype="int64")
    for (pot, profile), pot_total in zip(profiles.items(), pot_cents):
        period_cents = allocate_cents(int(pot_total), profile if profile.sum() > 0 else np.ones(n))
        out[f"{pot}_eur"] = period_cents / 100
        cents += period_cents
    out["total_eur"] = cents / 100
    return out


def bid_price_table(p: AcpsParams) -> pd.DataFrame:
    """Table 5.1 with the lost BID cell bounded by the published IMR: the interval is
    derived (every bid in it, and none outside, rounds to the IMR); the bid used is a
    choice within it (its centre), labelled so.

    Parameters
    ----------
    p : AcpsParams
        The ACPS scenario (a validated parameter file).

    Returns
    -------
    pandas.DataFrame
        item, value and status rows: PCAP, outage time, FOP, the derived BID interval, its centre and the scenario's
        bid.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> bid_price_table(load_scenario('acps', '2017_decision'))['value'].tolist()[3:5]
    ['163.70 – 165.02', '164.36']
    """
    pub = p.published.get("imr")
    rows = [
        {"item": "Price cap (EUR/MWh)", "value": p.price_cap, "status": "published"},
        {"item": "Outage time (hours)", "value": p.outage_hours, "status": "published"},
        {"item": "FOP", "value": p.forced_outage_probability, "status": "published"},
    ]
    if pub is not None:
        lo, centre, hi = bid_price_range_for_imr(pub.value, p.price_cap, p.outage_hours, p.forced_outage_probability)
        rows += [
            {
                "item": f"BID interval giving IMR {pub.value:.2f} (EUR/MWh)",
                "value": f"{lo:.2f} – {hi:.2f}",
                "status": "derived",
            },
            {"item": "BID centre of the interval (EUR/MWh)", "value": centre, "status": "chosen (interval centre)"},
        ]
    rows.append(
        {
            "item": "BID in this scenario (EUR/MWh)",
            "value": p.bid_price,
            "status": p.status.get("bid_price", "published"),
        }
    )
    out = pd.DataFrame(rows)
    out["value"] = out["value"].astype(str)
    return out


def monthly_table(p: AcpsParams, r: AcpsResult) -> pd.DataFrame:
    """Table 1.2 plus the fixed / variable / ex-post split of each month (§4.3, §6.2).

    Parameters
    ----------
    p : AcpsParams
        The ACPS scenario (a validated parameter file).
    r : AcpsResult
        The scenario's result, from :func:`compute_acps`.

    Returns
    -------
    pandas.DataFrame
        One row per month: share_pct, cpps_eur, cumulative_eur, the three pots (EUR) and status.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> p = load_scenario('acps', '2017_decision')
    >>> int(monthly_table(p, compute_acps(p))['cpps_eur'].sum())
    519227150
    """
    pots = period_pots(r.period_sums, payment_proportions(p.fcpp, p.ecpp))
    out = r.period_sums.merge(pots, on=["month", "cpps_eur"])
    lost = {m for m, v in (p.monthly_cpps or {}).items() if v is None}
    out["status"] = [
        "derived" if m in lost else ("published" if p.monthly_cpps else "reconstructed") for m in out["month"]
    ]
    return out


def compare_scenarios(scenarios: list[AcpsParams]) -> pd.DataFrame:
    """Table 6.1: the figures of several ACPS scenarios side by side (computed).

    Parameters
    ----------
    scenarios : list of AcpsParams
        The scenarios to set side by side.

    Returns
    -------
    pandas.DataFrame
        One row per figure (item), one column per scenario (computed).

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario, load_scenarios
    >>> compare_scenarios(load_scenarios("acps", ["2016_decision", "2017_decision"])).shape
    (6, 3)
    """
    cols = {}
    for p in scenarios:
        r = compute_acps(p)
        cols[p.label] = {
            FIGURE_LABELS[k]: v
            for k, v in {**r.figures(), "capacity_requirement_mw": r.capacity_requirement_mw}.items()
            if k != "jan_sep_total"
        }
    return pd.DataFrame(cols).rename_axis("item").reset_index()
