"""DS3 System Services revenues of the BNE peaker: the ACPS ancillary-services deduction.

Seed 001, §5.2 "Deduction for DS3 services" and Appendix 3 (Table A3.1, "Revenues earned by
Alstom GT13E2 and respective volumes"). Per service (§5.2, from §4.3 of the Interim Tariffs
decision):

    payment = tariff × product scalar × performance scalar × available volume

where the available volume is capability × hours the service can be offered × the annual
availability for payment (90.17 % in the decision). Net revenue deducts the trip charge
(one trip in every four years in the decision, one a year at consultation). The deduction
is net revenue per kW of the unit's capacity, in EUR/kW/yr rounded to 2 decimals.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from marketbooks.rules.rounding import half_up_array, round2
from marketbooks.scenarios.models import Ds3Params, validate_model

SERVICE_COLUMNS = ["code", "name", "capability", "unit", "hours", "tariff", "product_scalar", "procured"]


def service_table(p: Ds3Params) -> pd.DataFrame:
    """The scenario's services as a DataFrame (one row per DS3 service).

    Parameters
    ----------
    p : Ds3Params
        The DS3 scenario (a validated parameter file).

    Returns
    -------
    pandas.DataFrame
        One row per service: code, name, capability and its unit, hours a year, tariff (EUR per unit-hour), product
        scalar, procured and status.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> service_table(load_scenario('ds3', '2017_decision'))['code'].tolist()[:4]
    ['SIR', 'FFR', 'POR', 'SOR']
    """
    return pd.DataFrame([s.model_dump() for s in p.services], columns=[*SERVICE_COLUMNS, "status"])


def revenue_values(
    capability: np.ndarray,
    hours: np.ndarray,
    tariff: np.ndarray,
    product_scalar: np.ndarray,
    procured: np.ndarray,
    availability: float,
    performance_scalar: float | np.ndarray = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(available volume, revenue in EUR) per service, both half up to whole units (§5.2).

    ``volume = capability × hours × availability``; ``revenue = tariff × product scalar ×
    performance scalar × volume`` for procured services, 0 for the others (FFR, DRR, FPFAPR
    earn nothing under the interim arrangements).

    Parameters
    ----------
    capability : numpy.ndarray
        Each service's capability (MW, MWs or Mvar).
    hours : numpy.ndarray
        Hours a year each service is provided.
    tariff : numpy.ndarray
        Each service's tariff, EUR per unit-hour.
    product_scalar : numpy.ndarray
        Each service's product scalar.
    procured : numpy.ndarray
        Whether each service is procured (one not procured earns nothing).
    availability : float
        Annual availability for payment, a fraction.
    performance_scalar : float or numpy.ndarray, default 1.0
        The performance scalar, one or per service.

    Returns
    -------
    volume : numpy.ndarray
        The available volume per service, whole units (MWh, MWsh or Mvarh).
    revenue : numpy.ndarray
        The revenue per service, whole euros.

    Examples
    --------
    >>> one = np.array([1.0])
    >>> revenue_values(np.array([10.0]), np.array([100.0]), np.array([2.0]), one, np.array([True]), 0.9)
    (array([900.]), array([1800.]))
    """
    if not 0 <= availability <= 1:
        raise ValueError(f"availability must lie in [0, 1], got {availability}")
    ps = np.broadcast_to(np.asarray(performance_scalar, dtype="float64"), capability.shape)
    if ((ps < 0) | (ps > 1)).any():
        raise ValueError("performance scalars must lie in [0, 1]")
    volume = half_up_array(capability * hours * availability, 0)
    paid = tariff * product_scalar * ps * volume
    return volume, half_up_array(np.where(procured.astype(bool), paid, 0.0), 0)


def service_revenues(
    services: pd.DataFrame, availability: float, performance_scalar: float | pd.Series = 1.0
) -> pd.DataFrame:
    """Add ``volume`` (available volume) and ``revenue_eur`` to a service table
    (:func:`revenue_values`, §5.2).

    Parameters
    ----------
    services : pandas.DataFrame
        A service table (:func:`service_table`).
    availability : float
        Annual availability for payment, a fraction.
    performance_scalar : float or pandas.Series, default 1.0
        The performance scalar, one or per service.

    Returns
    -------
    pandas.DataFrame
        The table with ``volume``, ``performance_scalar`` and ``revenue_eur`` (whole euros) added.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> p = load_scenario('ds3', '2017_decision')
    >>> int(service_revenues(service_table(p), p.availability)['revenue_eur'].sum())
    1440968
    """
    missing = set(SERVICE_COLUMNS) - set(services.columns)
    if missing:
        raise ValueError(f"service table lacks columns: {', '.join(sorted(missing))}")
    ps = pd.Series(performance_scalar, index=services.index, dtype="float64").to_numpy()
    # numpy arrays, not Series: a handful of rows, and the sensitivity and bridge tables
    # re-run this for every point (pandas' per-operation overhead was most of its time)
    col = {c: services[c].to_numpy() for c in ("capability", "hours", "tariff", "product_scalar", "procured")}
    volume, revenue = revenue_values(**col, availability=availability, performance_scalar=ps)
    return services.assign(volume=volume, performance_scalar=ps, revenue_eur=revenue)


def trip_charge(trips_per_year: float, charge_per_trip_eur: float) -> float:
    """Expected annual trip charge (§5.2: one trip in every four years of operation → 0.25/yr).

    Parameters
    ----------
    trips_per_year : float
        Expected trips a year (0.25 = one in four years).
    charge_per_trip_eur : float
        The charge per trip, EUR.

    Returns
    -------
    float
        The expected annual trip charge, EUR.

    Examples
    --------
    >>> trip_charge(0.25, 20000)
    5000.0
    """
    if trips_per_year < 0 or charge_per_trip_eur < 0:
        raise ValueError("trip frequency and charge must not be negative")
    return trips_per_year * charge_per_trip_eur


def net_revenue(revenues: pd.DataFrame, trip_charge_eur: float) -> float:
    """Net DS3 revenue, EUR: gross revenue of the services less the annual trip charge (§5.2).

    Parameters
    ----------
    revenues : pandas.DataFrame
        The services with ``revenue_eur`` (:func:`service_revenues`).
    trip_charge_eur : float
        The expected annual trip charge, EUR (:func:`trip_charge`).

    Returns
    -------
    float
        Net revenue, EUR.

    Examples
    --------
    >>> net_revenue(pd.DataFrame({'revenue_eur': [1_000_000.0, 440_967.0]}), 5000.0)
    1435967.0
    """
    return float(revenues["revenue_eur"].sum()) - trip_charge_eur


def deduction_per_kw(revenues: pd.DataFrame, capacity_mw: float, trip_charge_eur: float) -> float:
    """Ancillary-services deduction, EUR/kW/yr (2 dp): net revenue / unit capacity in kW.

    Parameters
    ----------
    revenues : pandas.DataFrame
        The services with ``revenue_eur`` (:func:`service_revenues`).
    capacity_mw : float
        The unit's capacity, MW.
    trip_charge_eur : float
        The expected annual trip charge, EUR (:func:`trip_charge`).

    Returns
    -------
    float
        The deduction, EUR/kW/yr, half up to 2 dp.

    Examples
    --------
    >>> deduction_per_kw(pd.DataFrame({'revenue_eur': [1_440_967.0]}), 195.6357, 5000.0)
    7.34
    """
    if capacity_mw <= 0:
        raise ValueError(f"unit capacity must be positive, got {capacity_mw}")
    return round2(net_revenue(revenues, trip_charge_eur) / (capacity_mw * 1000))


@dataclass(frozen=True)
class Ds3Result:
    revenues: pd.DataFrame
    trip_charge_eur: float
    net_revenue_eur: float
    deduction: float
    unrounded: float


def compute(p: Ds3Params, **overrides: Any) -> Ds3Result:
    """The whole Table A3.1 (Appendix 3) for a scenario; ``overrides`` replace parameters by name.

    Parameters
    ----------
    p : Ds3Params
        The DS3 scenario (a validated parameter file).
    **overrides : Any
        Parameter name → new value, validated as a scenario file's.

    Returns
    -------
    Ds3Result
        The revenues table, trip charge, net revenue (EUR) and the deduction (EUR/kW/yr, rounded and unrounded).

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> compute(load_scenario("ds3", "2017_decision")).deduction
    7.34
    """
    if overrides:
        p = validate_model(Ds3Params, {**p.model_dump(), **overrides}, "overrides")
    rev = service_revenues(service_table(p), p.availability, p.performance_scalar)
    trip = trip_charge(p.trips_per_year, p.trip_charge_per_trip_eur)
    net = net_revenue(rev, trip)
    return Ds3Result(
        revenues=rev,
        trip_charge_eur=trip,
        net_revenue_eur=net,
        deduction=deduction_per_kw(rev, p.unit_capacity_mw, trip),
        unrounded=net / (p.unit_capacity_mw * 1000),
    )


def evaluate(p: Ds3Params) -> dict[str, float]:
    """The key results of a DS3 scenario (EUR, and EUR/kW/yr for the deduction): what its
    run records, a sweep records per point and a comparison sets side by side. The same
    arithmetic as :func:`compute`, on arrays, without the table.

    Parameters
    ----------
    p : Ds3Params
        The DS3 scenario (a validated parameter file).

    Returns
    -------
    dict of str to float
        deduction_eur_per_kw_yr, gross_revenue_eur, net_revenue_eur and trip_charge_eur.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> evaluate(load_scenario("ds3", "2017_decision"))["deduction_eur_per_kw_yr"]
    7.34
    """
    arrays = {
        name: np.array([getattr(s, name) for s in p.services], dtype="float64")
        for name in ("capability", "hours", "tariff", "product_scalar")
    }
    procured = np.array([s.procured for s in p.services])
    _, revenue = revenue_values(
        **arrays, procured=procured, availability=p.availability, performance_scalar=p.performance_scalar
    )
    gross = float(revenue.sum())
    trip = trip_charge(p.trips_per_year, p.trip_charge_per_trip_eur)
    if p.unit_capacity_mw <= 0:
        raise ValueError(f"unit capacity must be positive, got {p.unit_capacity_mw}")
    return {
        "deduction_eur_per_kw_yr": round2((gross - trip) / (p.unit_capacity_mw * 1000)),
        "gross_revenue_eur": gross,
        "net_revenue_eur": gross - trip,
        "trip_charge_eur": trip,
    }


# The deductions of the DS3 scenarios ACPS points take theirs from, by object: a sweep's
# points share one attached DS3 scenario, whose deduction is then computed once. The entry
# keeps its scenario alive, so an id is never reused while it is here.
_DEDUCTIONS: OrderedDict[int, tuple[Ds3Params, float]] = OrderedDict()


def deduction_of(p: Ds3Params) -> float:
    """The scenario's deduction, EUR/kW/yr (:func:`evaluate`), remembered for the last few
    scenarios (a scenario is frozen: its deduction cannot change).

    Parameters
    ----------
    p : Ds3Params
        The DS3 scenario (a validated parameter file).

    Returns
    -------
    float
        The deduction, EUR/kW/yr.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> deduction_of(load_scenario('ds3', '2017_consultation'))
    7.67
    """
    held = _DEDUCTIONS.get(id(p))
    if held is not None and held[0] is p:
        _DEDUCTIONS.move_to_end(id(p))
        return held[1]
    value = evaluate(p)["deduction_eur_per_kw_yr"]
    _DEDUCTIONS[id(p)] = (p, value)
    if len(_DEDUCTIONS) > 16:
        _DEDUCTIONS.popitem(last=False)
    return value


def with_services(p: Ds3Params, **changes: dict) -> Ds3Params:
    """A copy of ``p`` with some services' fields changed: ``with_services(p, RRD={"tariff": 0.5})``.

    Parameters
    ----------
    p : Ds3Params
        The DS3 scenario (a validated parameter file).
    **changes : dict
        Service code → {field: new value}.

    Returns
    -------
    Ds3Params
        A validated copy of ``p``; an unknown code raises ValueError.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> p = load_scenario('ds3', '2017_decision')
    >>> q = with_services(p, RRD={'tariff': 0.5})
    >>> [s.tariff for s in q.services if s.code == 'RRD'], evaluate(q)['deduction_eur_per_kw_yr']
    ([0.5], 6.87)
    """
    unknown = set(changes) - {s.code for s in p.services}
    if unknown:
        raise ValueError(f"unknown services: {', '.join(sorted(unknown))}")
    data = p.model_dump()
    for s in data["services"]:
        s.update(changes.get(s["code"], {}))
    return validate_model(Ds3Params, data, "overrides")


def solve_tariff(p: Ds3Params, code: str, target_deduction: float) -> float:
    """The tariff of service ``code`` that makes the unrounded deduction equal ``target``.

    Revenue is linear in the tariff, so two evaluations give the answer. This is how the
    scenario's one ``calibrated`` input was found; the notebook shows it as calibrated.

    Parameters
    ----------
    p : Ds3Params
        The DS3 scenario (a validated parameter file).
    code : str
        The service whose tariff is solved (e.g. 'RM8').
    target_deduction : float
        The deduction to meet, EUR/kW/yr.

    Returns
    -------
    float
        The tariff, EUR per unit-hour (unrounded).

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> round(solve_tariff(load_scenario("ds3", "2017_decision"), "RM8", 7.34), 4)
    0.0771
    """
    r0 = compute(with_services(p, **{code: {"tariff": 0.0}}))
    r1 = compute(with_services(p, **{code: {"tariff": 1.0}}))
    slope = r1.unrounded - r0.unrounded
    if slope == 0:
        raise ValueError(f"service {code} earns nothing in this scenario: cannot calibrate its tariff")
    return (target_deduction - r0.unrounded) / slope


def bridge(start: Ds3Params, end: Ds3Params) -> pd.DataFrame:
    """Consultation → decision, one change at a time, in the order the paper discusses them,
    the change of a calibrated input last, named a calibration residual.

    Each step re-runs the model with one more change applied; a step's size is the change in
    the 2-dp deduction, so the steps add up exactly to the difference of the endpoints.

    Parameters
    ----------
    start : Ds3Params
        The scenario the bridge starts from (the consultation).
    end : Ds3Params
        The scenario it ends at (the decision).

    Returns
    -------
    pandas.DataFrame
        One row per step: step, the deduction after it (EUR/kW/yr) and its change.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> steps = bridge(load_scenario("ds3", "2017_consultation"), load_scenario("ds3", "2017_decision"))
    >>> round(float(steps["change"].sum()), 2)
    -0.33
    """
    end_by_code = {s.code: s for s in end.services}
    calibrated = {s.code for s in (*start.services, *end.services) if s.status == "calibrated"}
    changed = {
        s.code: {"tariff": end_by_code[s.code].tariff}
        for s in start.services
        if s.code != "RRD" and s.tariff != end_by_code[s.code].tariff
    }
    other_tariffs = {code: change for code, change in changed.items() if code not in calibrated}
    residual = {code: change for code, change in changed.items() if code in calibrated}
    stages = [
        ("Consultation", lambda p: p),
        ("RRD tariff (de-synchronised RR)", lambda p: with_services(p, RRD={"tariff": end_by_code["RRD"].tariff})),
        *([("Other tariff changes", lambda p: with_services(p, **other_tariffs))] if other_tariffs else []),
        (
            "Remove FFR, DRR, FPFAPR",
            lambda p: with_services(p, **{c: {"procured": end_by_code[c].procured} for c in ("FFR", "DRR", "FPFAPR")}),
        ),
        ("RRS capability correction", lambda p: with_services(p, RRS={"capability": end_by_code["RRS"].capability})),
        (
            "Trip and availability refinements",
            lambda p: validate_model(
                Ds3Params,
                {
                    **p.model_dump(),
                    "trips_per_year": end.trips_per_year,
                    "availability": end.availability,
                    "trip_charge_per_trip_eur": end.trip_charge_per_trip_eur,
                },
                "overrides",
            ),
        ),
    ]
    if residual:
        # the input solved in each scenario so its deduction meets the paper's: its change is
        # what calibration leaves over, not a tariff change the paper describes
        stages.append(
            (
                f"Calibration residual ({', '.join(sorted(residual))} solved in each scenario)",
                lambda p: with_services(p, **residual),
            )
        )
    rows: list[dict] = []
    p, prev = start, compute(start).deduction
    for label, change in stages:
        p = change(p)
        d = compute(p).deduction
        rows.append({"step": label, "deduction": d, "change": round2(d - prev)})
        prev = d
    final = compute(end).deduction
    if abs(final - prev) > 1e-9:
        rows.append({"step": "Remaining differences", "deduction": final, "change": round2(final - prev)})
    rows.append({"step": "Decision", "deduction": final, "change": 0.0})
    return pd.DataFrame(rows)


def sensitivity(p: Ds3Params, field: str, values: list[float]) -> pd.DataFrame:
    """The deduction as one scenario field varies (performance scalar, availability, trips).

    Parameters
    ----------
    p : Ds3Params
        The DS3 scenario (a validated parameter file).
    field : str
        A scenario field: 'performance_scalar', 'availability' or 'trips_per_year'.
    values : list of float
        The values to try.

    Returns
    -------
    pandas.DataFrame
        One row per value: the field, the deduction (EUR/kW/yr) and net_revenue_eur.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> sensitivity(load_scenario('ds3', '2017_decision'), 'performance_scalar', [0.9, 1.0])['deduction'].tolist()
    [6.6, 7.34]
    """
    results = [compute(p, **{field: v}) for v in values]
    return pd.DataFrame(
        {
            field: values,
            "deduction": [r.deduction for r in results],
            "net_revenue_eur": [r.net_revenue_eur for r in results],
        }
    )


def provenance(p: Ds3Params) -> pd.DataFrame:
    """Which inputs are published, derived, reconstructed or calibrated.

    Parameters
    ----------
    p : Ds3Params
        The DS3 scenario (a validated parameter file).

    Returns
    -------
    pandas.DataFrame
        One row per input: input, value, status and note.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> provenance(load_scenario('ds3', '2017_decision')).set_index('input').loc['availability', 'status']
    'published'
    """
    rows = [
        {"input": k, "value": f"{getattr(p, k):g}", "status": p.status.get(k, "published"), "note": p.notes.get(k, "")}
        for k in (
            "unit_capacity_mw",
            "availability",
            "performance_scalar",
            "trips_per_year",
            "trip_charge_per_trip_eur",
        )
    ]
    for s in p.services:
        rows.append(
            {
                "input": f"{s.code} capability / hours / tariff",
                "value": f"{s.capability:g} / {s.hours:g} / {s.tariff:g}",
                "status": s.status,
                "note": s.note,
            }
        )
    return pd.DataFrame(rows)


def reconstructed_inputs(p: Ds3Params) -> list[str]:
    """Names of the inputs that are not published (reconstructed or calibrated).

    Parameters
    ----------
    p : Ds3Params
        The DS3 scenario (a validated parameter file).

    Returns
    -------
    list of str
        Service codes and field names, sorted.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> reconstructed_inputs(load_scenario('ds3', '2017_decision'))[-2:]
    ['trip_charge_per_trip_eur', 'unit_capacity_mw']
    """
    names = [k for k, v in p.status.items() if v in ("reconstructed", "calibrated")]
    names += [s.code for s in p.services if s.status in ("reconstructed", "calibrated")]
    return sorted(names)


def deduction_table(p: Ds3Params, r: Ds3Result) -> pd.DataFrame:
    """Gross revenue, trip charge, net revenue and the deduction, published vs computed.

    Parameters
    ----------
    p : Ds3Params
        The DS3 scenario (a validated parameter file).
    r : Ds3Result
        The scenario's result, from :func:`compute`.

    Returns
    -------
    pandas.DataFrame
        One row per item: published, computed, difference and status.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> p = load_scenario('ds3', '2017_decision')
    >>> t = deduction_table(p, compute(p)).set_index('item')
    >>> t.loc['Deduction (EUR/kW/yr)', ['published', 'computed', 'difference']].tolist()
    [7.34, 7.34, 0.0]
    """
    pub = p.published.get("deduction")
    rows = [
        {"item": "Gross revenue (EUR)", "published": None, "computed": float(r.revenues["revenue_eur"].sum())},
        {"item": "Trip charge (EUR)", "published": None, "computed": r.trip_charge_eur},
        {"item": "Net revenue (EUR)", "published": None, "computed": r.net_revenue_eur},
        {"item": "Unit capacity (MW)", "published": None, "computed": p.unit_capacity_mw},
        {"item": "Deduction (EUR/kW/yr)", "published": pub.value if pub else None, "computed": r.deduction},
    ]
    out = pd.DataFrame(rows)
    out["difference"] = (out["computed"] - out["published"]).round(2)
    out["status"] = ["computed"] * 4 + [pub.status if pub else "not published"]
    return out


# Table A3.1's revenue column kept only the last digit group of each service (reference notes)
SURVIVING_REVENUE_DIGITS = {
    "SIR": "998",
    "FFR": "826",
    "POR": "883",
    "SOR": "040",
    "TOR1": "745",
    "TOR2": "946",
    "RRS": "154",
    "RRD": "371",
    "RM1": "194",
    "RM3": "920",
    "RM8": "414",
}


def surviving_digits(revenues: pd.DataFrame) -> pd.DataFrame:
    """Which of Table A3.1's surviving last digit groups the rebuilt revenues match.

    Parameters
    ----------
    revenues : pandas.DataFrame
        Rebuilt revenues: code and revenue_eur.

    Returns
    -------
    pandas.DataFrame
        One row per service with a surviving group: code, rebuilt revenue and its last digits, the surviving digits,
        and whether they match.

    Examples
    --------
    >>> table = pd.DataFrame({"code": ["RRD", "RM1"], "revenue_eur": [865_371.0, 19_452.0]})
    >>> surviving_digits(table)["matches"].tolist()
    [True, False]
    """
    rows = []
    for code, revenue in zip(revenues["code"], revenues["revenue_eur"]):
        if code not in SURVIVING_REVENUE_DIGITS:
            continue
        last = f"{int(round(revenue)) % 1000:03d}"
        rows.append(
            {
                "code": code,
                "rebuilt_revenue_eur": float(revenue),
                "rebuilt_last_digits": last,
                "surviving_digits": "…," + SURVIVING_REVENUE_DIGITS[code],
                "matches": last == SURVIVING_REVENUE_DIGITS[code],
            }
        )
    return pd.DataFrame(
        rows, columns=["code", "rebuilt_revenue_eur", "rebuilt_last_digits", "surviving_digits", "matches"]
    )


RRD_RATES = tuple(round(0.50 + 0.01 * step, 2) for step in range(13))  # 0.50 … 0.62 EUR/MWh


def rrd_rates_that_fit(
    availability: float,
    hours: float = 8760,
    rates: tuple[float, ...] = RRD_RATES,
    volume_range: tuple[int, int] = (1_545_000, 1_545_999),
    last_digits: int = 371,
) -> pd.DataFrame:
    """The two-decimal RRD rates (EUR/MWh) for which some available volume inside the
    surviving ``x,545,xxx`` (whole MWh) gives a revenue ending in the surviving ``…,371``.

    The rate 0.56 and the unit capacity 195.6357 MW were chosen together to fit; this
    table shows the choice is not forced: each rate has its volumes, each volume its capacity.

    Parameters
    ----------
    availability : float
        Annual availability for payment, a fraction.
    hours : float, default 8760
        Hours a year RRD is provided.
    rates : tuple of float
        The candidate RRD rates, EUR/MWh.
    volume_range : tuple of int
        The surviving volume's range, MWh (both ends included).
    last_digits : int, default 371
        The revenue's surviving last three digits, EUR.

    Returns
    -------
    pandas.DataFrame
        One row per rate: volumes_that_fit, the first such volume (MWh) and its unit capacity (MW).

    Examples
    --------
    >>> fit = rrd_rates_that_fit(0.9017)
    >>> bool(fit.set_index("rate").loc[0.56, "volumes_that_fit"] > 0), int((fit["volumes_that_fit"] > 0).sum()) > 1
    (True, True)
    """
    volume = np.arange(volume_range[0], volume_range[1] + 1, dtype="float64")
    rows = []
    for rate in rates:
        revenue = half_up_array(rate * volume, 0)  # to the euro
        fits = volume[(revenue % 1000) == last_digits]
        rows.append(
            {
                "rate": rate,
                "volumes_that_fit": int(fits.size),
                "first_volume_mwh": float(fits[0]) if fits.size else None,
                "unit_capacity_mw": round(float(fits[0]) / (hours * availability), 4) if fits.size else None,
            }
        )
    return pd.DataFrame(rows)
