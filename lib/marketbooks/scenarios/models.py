"""The scenario files' schema: one pydantic model per workbook, and the error they raise.

A scenario is a YAML file ``params/<workbook>/<scenario>.yaml``; :mod:`marketbooks.scenarios.loader`
reads it and validates it with the workbook's model here. Any problem raises
:class:`ParameterError`, which names the file, the field and the reason. Nothing here reads
a file: the models check values only.
"""

from __future__ import annotations

import calendar
import datetime
import html
import math
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

Status = Literal["published", "derived", "reconstructed", "calibrated", "chosen", "illustrative", "user input"]

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class ParameterError(ValueError):
    """A parameter file (or an input a user gave) that cannot be used.

    ``path`` names the file (or the input), ``problems`` holds (field, reason) pairs; the
    message gives one line per problem. In a notebook the error shows as an escaped HTML
    list (``_repr_html_``).
    """

    def __init__(self, path: Path | str, problems: list[tuple[str, str]]):
        self.path = str(path)
        self.problems = problems
        lines = [f"{self.path}: field '{field}': {reason}" for field, reason in problems]
        super().__init__("\n".join(lines))

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<li><code>{html.escape(field)}</code>: {html.escape(reason)}</li>" for field, reason in self.problems
        )
        return (
            f'<div class="mb-error mb-parameter-error mb-page-message" style="color:#c0392b">'
            f"<b><code>{html.escape(self.path)}</code> cannot be used:</b><ul>{rows}</ul></div>"
        )


def _field_name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(file)"


# The validation context's key for a mapping of fields to values validated already: a
# field whose value is that very object skips the number check (validate_model's unchanged).
UNCHANGED = "unchanged"
_NOTHING = object()


def validate_model(
    model: type[BaseModel], data: Any, path: Path | str = "<memory>", unchanged: dict[str, Any] | None = None
) -> Any:
    """Validate a mapping against ``model``; :class:`ParameterError` names every problem.

    Values in ``data`` that are validated model instances already (a sweep point's
    unchanged fields, taken from its base scenario) are taken as they are; ``unchanged``,
    the base's validated values by field, spares those the number check too.
    """
    if not isinstance(data, dict):
        raise ParameterError(path, [("(file)", "expected a mapping of parameter names to values")])
    try:
        return model.model_validate(data, context={UNCHANGED: unchanged} if unchanged else None)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            reason = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                reason = "unknown field"
            problems.append((_field_name(err["loc"]), reason))
        raise ParameterError(path, problems) from None


# No number in a scenario file may be larger than this in size: a value that large is a
# typing error, and the rules' arithmetic would overflow on it (1e308 × 1000 is inf).
MAGNITUDE_LIMIT = 1e12
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NUMBER_START = frozenset("+-.0123456789iInN \t")
NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?(inf|infinity|nan)", re.IGNORECASE)


def _finite(value: Any, where: str = "") -> None:
    """Every number in ``value`` (a number, or a list or mapping of them) is finite and
    within :data:`MAGNITUDE_LIMIT`; ValueError otherwise.

    Runs on every field of every scenario and sweep point: the common cases (a float
    within bounds, a word) are decided by the type alone.
    """
    kind = type(value)
    if kind is float:
        if -MAGNITUDE_LIMIT <= value <= MAGNITUDE_LIMIT:  # False for NaN
            return
    elif kind is int:
        if -MAGNITUDE_LIMIT <= value <= MAGNITUDE_LIMIT:
            return
    elif kind is str:
        if not value or value[0] not in NUMBER_START or not NUMBER.fullmatch(value.strip()):
            return
        value = float(value)  # YAML reads 1e308 (no dot) as text, which pydantic then takes as a number
    elif kind is dict:
        for key, item in value.items():
            _finite(item, f"{key}: ")
        return
    elif kind is list or kind is tuple:
        for item in value:
            _finite(item, where)
        return
    elif not isinstance(value, (int, float)) or isinstance(value, bool):
        return
    if math.isnan(value):
        raise ValueError(f"{where}NaN is not a number this field can take")
    if math.isinf(value):
        raise ValueError(f"{where}infinity is not a number this field can take")
    if abs(value) > MAGNITUDE_LIMIT:
        raise ValueError(f"{where}{value:g} is too large (at most {MAGNITUDE_LIMIT:g} in size)")


def iso_date(value: Any) -> datetime.date:
    """A date written ``YYYY-MM-DD`` (YAML reads an unquoted one as a date already): a date
    like ``02/04/2016`` reads one way in one country and another elsewhere."""
    if isinstance(value, datetime.datetime):
        raise ValueError("a date, without a time: YYYY-MM-DD")
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date of the calendar") from None
    raise ValueError(
        f"{value!r} is not a date written YYYY-MM-DD (the only form accepted: no other reads the same everywhere)"
    )


class Strict(BaseModel):
    """A model that refuses unknown fields, numbers that are not finite or implausibly
    large, and changes after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=True)

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_finite(cls, value: Any, info: ValidationInfo) -> Any:
        # a sweep point's unchanged fields are its base's validated values, checked there
        unchanged = info.context.get(UNCHANGED) if info.context else None
        if unchanged is None or unchanged.get(info.field_name, _NOTHING) is not value:
            _finite(value)
        return value


class Scenario(Strict):
    """A scenario file: its parameters plus the provenance of each (``status``, ``notes``)."""

    status: dict[str, Status] = Field(default_factory=dict)
    notes: dict[str, str] = Field(default_factory=dict)
    reproduces: str | None = Field(
        default=None,
        description="the scenario of the publication this one reproduces (its own name, or the one it was "
        "copied from): inputs that differ from it are labelled 'user input'",
    )

    @model_validator(mode="after")
    def _provenance_names_parameters(self) -> Scenario:
        fields = type(self).model_fields.keys() - {"reproduces"}
        for key in (*self.status, *self.notes):
            if key not in fields:
                raise ValueError(f"status/notes name '{key}', which is not a parameter")
        return self


class Figure(Strict):
    """A figure the source document states, or one we had to derive or reconstruct."""

    value: float
    status: Status = "published"
    source: str = ""


class SensitivityRange(Strict):
    """The low and high value of one driver in a one-at-a-time sensitivity."""

    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> SensitivityRange:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        return self


class Ds3Service(Strict):
    """One row of Table A3.1."""

    code: str = Field(pattern=r"^[A-Z0-9]+$")
    name: str
    capability: float = Field(ge=0)
    unit: Literal["MW", "MWs", "Mvar"] = "MW"
    hours: float = Field(ge=0, le=8784, description="hours a year the service can be offered")
    tariff: float = Field(ge=0, description="EUR per unit-hour of available volume")
    product_scalar: float = Field(ge=0, le=10)
    procured: bool = True
    status: Status = "reconstructed"
    note: str = ""


DS3_CODES = ("SIR", "FFR", "POR", "SOR", "TOR1", "TOR2", "RRS", "RRD", "RM1", "RM3", "RM8", "FPFAPR", "SSRP", "DRR")


class Ds3Params(Scenario):
    """One DS3 revenue scenario (seed 001 §5.2, Appendix 3)."""

    label: str
    unit_capacity_mw: float = Field(gt=0)
    availability: float = Field(ge=0, le=1)
    performance_scalar: float = Field(ge=0, le=1)
    trips_per_year: float = Field(ge=0, le=52)
    trip_charge_per_trip_eur: float = Field(ge=0)
    services: list[Ds3Service]
    published: dict[str, Figure] = Field(default_factory=dict)
    calibration: str = ""

    @model_validator(mode="after")
    def _services(self) -> Ds3Params:
        codes = [s.code for s in self.services]
        if sorted(codes) != sorted(DS3_CODES):
            raise ValueError(f"services must be exactly {', '.join(DS3_CODES)} once each; got {', '.join(codes)}")
        for key in self.published:
            if key != "deduction":
                raise ValueError(f"'{key}' is not a figure of this workbook (deduction)")
        return self


ACPS_FIGURES = frozenset({"annualised_cost", "imr", "ancillary", "bne_cost", "acps", "jan_sep_total"})


class AcpsParams(Scenario):
    """One ACPS scenario (SEM decision paper 2017, Tables 1.1, 1.2, 4.1, 5.1, 6.1)."""

    label: str
    trading_year: int = Field(ge=2007, le=2030)
    base_annualised_cost: float = Field(gt=0, description="previous year's annualised BNE cost, EUR/kW/yr")
    rpi: float = Field(ge=-0.5, le=0.5, description="indexation rate, e.g. 0.016 for 1.6 %")
    rpi_label: str = ""
    price_cap: float = Field(gt=0, description="PCAP, EUR/MWh")
    bid_price: float = Field(ge=0, description="BNE bid price, EUR/MWh")
    outage_hours: float = Field(ge=0, le=8760)
    forced_outage_probability: float = Field(ge=0, le=1)
    ancillary_source: Literal["published", "ds3_model"] = "published"
    ancillary_deduction: float | None = Field(default=None, ge=0, description="EUR/kW/yr, when published")
    ds3_scenario: str | None = Field(default=None, description="params/ds3/<name>.yaml, when ds3_model")
    ancillary_label: str = "DS3 deduction"
    capacity_requirement_mw: float = Field(gt=0)
    fcpp: float = Field(ge=0, le=1)
    ecpp: float = Field(ge=0, le=1)
    monthly_cpps: dict[str, int | None] | None = Field(
        default=None, description="published Capacity Period Payment Sums; null marks a lost cell"
    )
    published: dict[str, Figure] = Field(default_factory=dict)
    sensitivity: dict[str, SensitivityRange] = Field(default_factory=dict)
    # The DS3 scenario named by ds3_scenario, attached by the loader (never written in a
    # file): rules take the deduction from it without reading another file.
    ds3: Ds3Params | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _consistent(self) -> AcpsParams:
        if self.ancillary_source == "published" and self.ancillary_deduction is None:
            raise ValueError("ancillary_source 'published' needs ancillary_deduction")
        if self.ancillary_source == "ds3_model":
            if not self.ds3_scenario:
                raise ValueError("ancillary_source 'ds3_model' needs ds3_scenario (a file in params/ds3/)")
            if self.ancillary_deduction is not None:
                raise ValueError("give ancillary_deduction or ds3_scenario, not both (one source of truth)")
        if self.bid_price > self.price_cap:
            raise ValueError(f"bid_price {self.bid_price} is above price_cap {self.price_cap}")
        if self.fcpp + self.ecpp > 1:
            raise ValueError(f"fcpp + ecpp = {self.fcpp + self.ecpp:g} exceeds 1 (VCPP would be negative)")
        if self.monthly_cpps is not None:
            unknown = sorted(set(self.monthly_cpps) - set(MONTHS))
            missing = sorted(set(MONTHS) - set(self.monthly_cpps), key=MONTHS.index)
            if unknown or missing:
                raise ValueError(
                    f"monthly_cpps needs exactly the months {', '.join(MONTHS)}"
                    f" (unknown: {unknown or 'none'}, missing: {missing or 'none'})"
                )
            if any(v is not None and v < 0 for v in self.monthly_cpps.values()):
                raise ValueError("monthly_cpps values must not be negative")
        for key in (*self.published, *self.sensitivity):
            if key not in ACPS_FIGURES and key not in type(self).model_fields:
                raise ValueError(f"'{key}' is not a figure of this workbook ({', '.join(sorted(ACPS_FIGURES))})")
        return self


class GuaranteeInputs(Strict):
    """Inputs of FZ = OO × (Zp + 5) × Po × Kg × Co (seed 004)."""

    oo_mwh: float = Field(ge=0)
    zp_days: float = Field(ge=0, le=366)
    po: float = Field(ge=0, le=1)
    kg: float = Field(ge=0, le=1)
    co_eur_per_mwh: float = Field(ge=0)
    first_contract: bool = False
    has_offtake: bool = True
    months_since_first_diagram: int = Field(default=12, ge=0)


# A month of more subject-periods than this would take gigabytes to settle (a dashboard's
# kernel holds it in memory); the market-scale scenario has 1.49 million.
MAX_SUBJECT_PERIODS = 5_000_000
# Orders in one scenario's trading session, and bids in an upload
MAX_ORDERS = 100_000


class ImbalanceParams(Scenario):
    """One imbalance-settlement scenario (OKTE seed 004, KOREM seed 000)."""

    label: str
    year: int = Field(ge=2000, le=2100)
    month: int = Field(ge=1, le=12)
    days: int = Field(ge=1, le=31)
    period_minutes: Literal[15, 30, 60]
    n_subjects: int = Field(ge=1, le=200_000)
    seed: int = 0
    base_price: float = Field(description="mean imbalance clearing price ZC, EUR/MWh")
    price_spread: float = Field(ge=0)
    nre_eur: float = Field(ge=0, description="cost of regulating electricity in the month")
    pre_eur: float = Field(le=0, description="subjects' share of regulation costs (agent inflow, ≤ 0)")
    variant_period_minutes: Literal[15, 30, 60] | None = None
    guarantee: GuaranteeInputs
    zones: list[str] = Field(min_length=1)
    marginal_tariffs: dict[Literal["balancing", "negative_imbalance"], float]
    korem_base_price: float = Field(gt=0, description="tenge/MWh, synthetic sample day")

    @model_validator(mode="after")
    def _consistent(self) -> ImbalanceParams:
        in_month = calendar.monthrange(self.year, self.month)[1]
        if self.days > in_month:
            raise ValueError(
                f"days {self.days} is more than {calendar.month_name[self.month]} {self.year} has ({in_month})"
            )
        rows = self.n_subjects * self.days * 24 * 60 // self.period_minutes
        if rows > MAX_SUBJECT_PERIODS:
            raise ValueError(
                f"n_subjects × periods is {rows:,} subject-periods; at most {MAX_SUBJECT_PERIODS:,} "
                "fit a dashboard's memory (fewer subjects or days)"
            )
        if set(self.marginal_tariffs) != {"balancing", "negative_imbalance"}:
            raise ValueError("marginal_tariffs needs both 'balancing' and 'negative_imbalance'")
        if any(v <= 0 for v in self.marginal_tariffs.values()):
            raise ValueError("marginal tariffs must be positive")
        return self


class ConnectionPoint(Strict):
    """A grid connection point of an auction without documentation (clause 65.2)."""

    limit_kw: float = Field(gt=0)
    max_connections: int = Field(ge=1)


class AuctionSpec(Strict):
    """A KOREM renewable-energy auction (Methodological guidelines, seed 003)."""

    kind: Literal["without_documentation", "with_documentation", "waste"]
    technology: Literal["solar", "wind", "hydro", "biomass", "biogas", "waste"]
    volume_kw: float = Field(gt=0)
    max_price: float = Field(gt=0, description="tenge/kWh without VAT")
    connection_points: dict[str, ConnectionPoint] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _points(self) -> AuctionSpec:
        if self.kind == "without_documentation" and not self.connection_points:
            raise ValueError("an auction without documentation needs connection_points")
        if (self.kind == "waste") != (self.technology == "waste"):
            raise ValueError("waste-disposal auctions (kind 'waste') and technology 'waste' go together")
        return self


class AuctionOrder(Strict):
    """One order of the trading session's log (clauses 73–87)."""

    time: float = Field(
        description="seconds since the session opened, millisecond precision; an order before the opening "
        "(negative) stays in the log, rejected by clause 68"
    )
    participant: str
    price: float
    volume_kw: float
    connection_point: str | None = None
    min_volume_kw: float = 100
    security_tenge: float | None = Field(default=None, ge=0)


class AuctionParams(Scenario):
    """One walkthrough scenario: the example's text, the auction and its order log."""

    label: str
    example: int | None = Field(
        default=None, ge=1, le=99, description="the seed's Appendix 3 example; none for a constructed clause case"
    )
    text: str
    expected_branch: str
    auction: AuctionSpec
    orders: list[AuctionOrder] = Field(min_length=1, max_length=MAX_ORDERS)
    accepted: list[str] | None = None


class RtpOption(Strict):
    """One quantified option's present values (Table 1; $M, 2016 dollars)."""

    benefits_pv: dict[Literal["demand_response", "retail_competition", "reliability"], float]
    cost_pv: float = Field(ge=0)

    @model_validator(mode="after")
    def _all(self) -> RtpOption:
        if set(self.benefits_pv) != {"demand_response", "retail_competition", "reliability"}:
            raise ValueError("benefits_pv needs demand_response, retail_competition and reliability")
        return self


class FlexibleUser(Strict):
    """The flexible user of Appendix E (lost: an illustrative model)."""

    node: str
    load_mw: float = Field(gt=0)
    value: float = Field(gt=0, description="$/MWh the user places on its flexible load")
    forecast_error: float = Field(ge=0, le=2)


class PvBasis(Strict):
    """The assessment the options' present values come from (Table 1: 15 years from the
    decision): yearly benefit and total cost levels are found from it, so a scenario's own
    horizon and implementation then move the present values."""

    horizon_years: int = Field(ge=2, le=50)
    implementation_years: int = Field(ge=1, le=10)

    @model_validator(mode="after")
    def _inside(self) -> PvBasis:
        if self.implementation_years >= self.horizon_years:
            raise ValueError("implementation_years must be shorter than the horizon")
        return self


class RtpParams(Scenario):
    """One real-time pricing assessment scenario (NZ Electricity Authority 2016, seed 002)."""

    label: str
    horizon_years: int = Field(ge=1, le=50)
    implementation_years: int = Field(ge=0, le=10)
    pv_basis: PvBasis = Field(description="the horizon and implementation the benefits_pv and cost_pv were found for")
    base_rate: float = Field(gt=-0.5, lt=1)
    sensitivity_rates: list[float] = Field(default_factory=list)
    options: dict[str, RtpOption]
    nodes: dict[str, float] = Field(min_length=1, description="node → price level $/MWh for synthetic data")
    start_date: datetime.date = Field(description="first day of the synthetic prices, YYYY-MM-DD")
    days: int = Field(ge=1, le=31)
    seed: int = 0
    spike: tuple[str, int, float] | None = None
    dst_day: datetime.date | None = Field(default=None, description="a daylight-saving change day, YYYY-MM-DD")
    flexible_user: FlexibleUser

    @field_validator("start_date", "dst_day", mode="before")
    @classmethod
    def _iso(cls, value: Any) -> Any:
        return None if value is None else iso_date(value)

    @model_validator(mode="after")
    def _consistent(self) -> RtpParams:
        if set(self.options) != {"B", "C"}:
            raise ValueError("options needs B and C (A and D were not quantified)")
        if self.implementation_years >= self.horizon_years:
            raise ValueError("implementation_years must be shorter than the horizon")
        if self.implementation_years < 1:
            raise ValueError("implementation_years must be at least 1 (costs are spread over it)")
        if self.flexible_user.node not in self.nodes:
            raise ValueError(f"flexible_user.node {self.flexible_user.node!r} is not in nodes")
        if self.spike and self.spike[0] not in self.nodes:
            raise ValueError(f"spike node {self.spike[0]!r} is not in nodes")
        return self
