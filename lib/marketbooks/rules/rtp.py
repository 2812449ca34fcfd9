"""Real-time pricing options (NZ Electricity Authority, 2016 consultation; seed 002).

* Trading-period prices from dispatch-interval prices (§3.8, Appendix D, Figure 4: options
  B and C settle on the "cumulative (time-weighted average)" of the interval prices).
  Trading periods are 30 minutes of NZ local time: 48 a day, 46 or 50 on daylight-saving
  change days. Dispatch intervals are nominally 5 minutes but may be shorter or longer.
* Options A–D as data, the flexible user of Appendix E (lost: an illustrative model), and
  the cost–benefit assessment of §4.2: 15 years from the decision, 2016 dollars, 6 % real
  discount rate with 4 % and 8 % sensitivities.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from marketbooks.rules.rounding import half_up_array
from marketbooks.scenarios.models import RtpParams

TZ = "Pacific/Auckland"
PERIOD_S = 1800
METHODS = ("time_weighted", "simple", "load_weighted", "last")


class PriceDataError(ValueError):
    """Interval data that cannot be turned into trading-period prices."""


# --- trading-period prices ------------------------------------------------------------


def _as_utc(values: pd.Series, tz: str) -> pd.Series:
    s = pd.to_datetime(values)
    if s.dt.tz is None:
        s = s.dt.tz_localize(tz, ambiguous="infer", nonexistent="raise")
    return s.dt.tz_convert("UTC")


def _epoch_s(values: pd.Series) -> np.ndarray:
    """Whole seconds since 1970 of tz-aware UTC times, whatever their stored resolution."""
    return values.dt.as_unit("ns").astype("int64").to_numpy() // 10**9


def _period_labels(slots: np.ndarray, tz: str) -> pd.DataFrame:
    """Trading date and period (1 = the half hour from local midnight) of UTC half-hour slots."""
    start = pd.to_datetime(slots * PERIOD_S, unit="s", utc=True)
    local = start.tz_convert(tz)
    date = local.normalize().tz_localize(None)
    midnight = pd.DatetimeIndex(date).tz_localize(tz).tz_convert("UTC")
    period = ((start - midnight).total_seconds() // PERIOD_S + 1).astype(int)
    return pd.DataFrame({"trading_date": pd.DatetimeIndex(date).date, "trading_period": np.asarray(period)})


def periods_in_day(date: str, tz: str = TZ) -> int:
    """48, or 46 / 50 on a daylight-saving change day.

    Parameters
    ----------
    date : str
        The trading date, ISO (YYYY-MM-DD).
    tz : str, default 'Pacific/Auckland'
        The market's time zone (trading days and periods are local).

    Returns
    -------
    int
        Trading periods of half an hour in that local day.

    Examples
    --------
    >>> periods_in_day("2016-04-03"), periods_in_day("2016-09-25"), periods_in_day("2016-05-01")
    (50, 46, 48)
    """
    d = pd.Timestamp(date)
    start = d.tz_localize(tz)
    end = (d + pd.Timedelta(days=1)).tz_localize(tz)
    return int((end - start).total_seconds() // PERIOD_S)


def trading_period_prices(intervals: pd.DataFrame, method: str = "time_weighted", tz: str = TZ) -> pd.DataFrame:
    """One price per node and trading period from dispatch-interval prices (§3.8, Appendix D).

    ``intervals``: ``node``, ``start`` (tz-aware, or naive local time in ``tz``), ``end`` or
    ``duration_s``, ``price`` ($/MWh), optional ``load`` (MW). Methods: ``time_weighted``
    (Σ price × seconds / Σ seconds; options B/C and NZ since November 2022), ``simple``
    (mean of the interval prices, as the NEM's six 5-minute prices), ``load_weighted``
    (Σ price × load × seconds / Σ load × seconds) and ``last`` (the last interval's price).
    An interval that crosses a period boundary counts in each period for the time it spends
    there. ``covered_s`` and ``complete`` report gaps: a period is never silently averaged
    over missing intervals (see :func:`interval_gaps`).

    Parameters
    ----------
    intervals : pandas.DataFrame
        Dispatch intervals: node, start, end or duration_s, price ($/MWh), optional load (MW).
    method : str, default 'time_weighted'
        'time_weighted', 'simple', 'load_weighted' or 'last'.
    tz : str, default 'Pacific/Auckland'
        The market's time zone (trading days and periods are local).

    Returns
    -------
    pandas.DataFrame
        One row per node and trading period: trading_date, trading_period, period_start_utc, price ($/MWh, 2 dp),
        n_intervals, covered_s and complete.

    Examples
    --------
    >>> start = pd.date_range("2016-04-02 00:00", periods=6, freq="5min", tz=TZ)
    >>> five = pd.DataFrame({"node": "HAY2201", "start": start, "duration_s": 300,
    ...                      "price": [70.0, 71.0, 72.0, 73.0, 74.0, 75.0]})
    >>> trading_period_prices(five)[["trading_period", "price", "complete"]].values.tolist()
    [[1, 72.5, True]]
    """
    _check_method(intervals, method)
    periods = _group_by_period(intervals, tz)
    return _priced(periods, {"price": _period_values(periods, method)})


def _check_method(intervals: pd.DataFrame, method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: choose one of {', '.join(METHODS)}")
    need = {"node", "start", "price"}
    if need - set(intervals.columns):
        raise PriceDataError(f"intervals lack columns: {', '.join(sorted(need - set(intervals.columns)))}")
    if method == "load_weighted" and "load" not in intervals:
        raise PriceDataError("load_weighted needs a 'load' column")


@dataclass(frozen=True)
class _PeriodGroups:
    """Intervals split at period boundaries, each piece numbered by its node and period
    (``key``, in a space of ``space`` numbers of which ``groups`` occur, in order), with the
    labels of every occurring (node, period) group: what each method prices."""

    key: np.ndarray
    space: int
    groups: np.ndarray
    start: np.ndarray
    price: np.ndarray
    load: np.ndarray | None  # MW, for load_weighted; None when the intervals carry no load
    dur: np.ndarray | float  # seconds per piece; one number when every interval is as long
    covered: np.ndarray
    count: np.ndarray
    labels: dict

    def sums(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Σ weights per occurring group (a count without weights)."""
        return np.bincount(self.key, weights=weights, minlength=self.space)[self.groups]


def _local(epoch_s: int, tz: str) -> str:
    return str(pd.Timestamp(int(epoch_s), unit="s", tz="UTC").tz_convert(tz))


def _refuse_overlaps(
    node_codes: np.ndarray,
    nodes: pd.Index,
    start: np.ndarray,
    end: np.ndarray | None,
    tz: str,
    duration_s: int = 0,
) -> None:
    """A node has one price at a time: intervals of a node that overlap (a price published
    twice, or two files of the same days) would be counted twice in a period's coverage and
    weights, so they are an error naming the first pair. ``end`` may be left out when every
    interval lasts ``duration_s``."""
    n, s = node_codes, start
    same = n[1:] == n[:-1]
    order = None
    if (n[1:] < n[:-1]).any() or (same & (s[1:] < s[:-1])).any():  # files come in order; sort only if not
        order = np.lexsort((start, node_codes))
        n, s = n[order], s[order]
        same = n[1:] == n[:-1]
    e = s + duration_s if end is None else (end if order is None else end[order])
    clash = np.flatnonzero(same & (s[1:] < e[:-1]))
    if clash.size:
        i = clash[0]
        raise PriceDataError(
            f"intervals overlap: {clash.size} interval(s) start before the previous one of their "
            f"node ends, e.g. {nodes[n[i]]} from {_local(s[i], tz)} to {_local(e[i], tz)} and "
            f"from {_local(s[i + 1], tz)}"
        )


def _node_codes(nodes: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Each row's node number and the nodes in sorted order; a blank node is an error."""
    if isinstance(nodes.dtype, pd.CategoricalDtype) and nodes.cat.categories.is_monotonic_increasing:
        codes, names = nodes.cat.codes.to_numpy().astype("int64"), nodes.cat.categories
    else:
        codes, names = pd.factorize(nodes, sort=True)
        codes = codes.astype("int64")
    if codes.size and codes.min() < 0:
        raise PriceDataError(f"{int((codes < 0).sum())} interval(s) have no node")
    return codes, pd.Index(names)


def _group_by_period(intervals: pd.DataFrame, tz: str) -> _PeriodGroups:
    start = _epoch_s(_as_utc(intervals["start"], tz))
    price = intervals["price"].to_numpy(dtype="float64")
    if np.isnan(price).any():
        raise PriceDataError(f"{int(np.isnan(price).sum())} interval price(s) are NaN")
    load = intervals["load"].to_numpy(dtype="float64") if "load" in intervals else None
    node_codes, nodes = _node_codes(intervals["node"])
    if "end" not in intervals and "duration_s" in intervals:
        span_s = intervals["duration_s"].to_numpy(dtype="int64")
        if len(span_s) and span_s.min() == span_s.max() and 0 < span_s[0] <= PERIOD_S:
            d = int(span_s[0])
            slot, into = np.divmod(start, PERIOD_S)
            if not (into > PERIOD_S - d).any():
                # regular intervals (5-minute prices), none crossing a boundary: each
                # period's weights are its interval count, and one bincount fewer prices
                # them; a node's next interval may start no sooner than d seconds later
                _refuse_overlaps(node_codes, nodes, start, None, tz, d)
                return _groups(node_codes, nodes, slot, start, price, load, float(d), tz)
    if "end" in intervals:
        end = _epoch_s(_as_utc(intervals["end"], tz))
    elif "duration_s" in intervals:
        end = start + intervals["duration_s"].to_numpy(dtype="int64")
    else:
        raise PriceDataError("intervals need 'end' or 'duration_s'")
    empty = np.flatnonzero(end <= start)
    if empty.size:
        i = empty[0]
        raise PriceDataError(
            f"every interval must end after it starts: {empty.size} do not, e.g. "
            f"{intervals['node'].iloc[i]} from {_local(start[i], tz)} to {_local(end[i], tz)}"
        )
    _refuse_overlaps(node_codes, nodes, start, end, tz)
    slot, into = np.divmod(start, PERIOD_S)
    cross = into + (end - start) > PERIOD_S
    split_at = (slot + 1) * PERIOD_S
    while cross.any():  # rare: an interval running into the next period is split there
        idx = np.flatnonzero(cross)
        start = np.concatenate([start, split_at[idx]])
        end = np.concatenate([np.minimum(end, split_at), end[idx]])
        price = np.concatenate([price, price[idx]])
        load = None if load is None else np.concatenate([load, load[idx]])
        node_codes = np.concatenate([node_codes, node_codes[idx]])
        slot = start // PERIOD_S
        split_at = (slot + 1) * PERIOD_S
        cross = end > split_at
    return _groups(node_codes, nodes, slot, start, price, load, (end - start).astype("float64"), tz)


def _groups(
    node_codes: np.ndarray,
    nodes: pd.Index,
    slot: np.ndarray,
    start: np.ndarray,
    price: np.ndarray,
    load: np.ndarray | None,
    dur: np.ndarray | float,
    tz: str,
) -> _PeriodGroups:
    """Number the pieces by node and half hour and label the groups that occur."""
    first = slot.min()
    n_slots = int(slot.max() - first + 1)
    key = node_codes * n_slots + (slot - first)
    space = len(nodes) * n_slots
    if space <= 50_000_000:  # dense key space: bincount straight on the keys, no sort (26 M rows in about a second)
        count = np.bincount(key, minlength=space)
        groups = np.flatnonzero(count)
        count = count[groups]
        uniq = groups
    else:
        uniq, key = np.unique(key, return_inverse=True)
        space, groups = len(uniq), np.arange(len(uniq))
        count = np.bincount(key, minlength=space)
    covered: np.ndarray = (
        count * dur if isinstance(dur, float) else np.bincount(key, weights=dur, minlength=space)[groups]
    )
    # label each half hour of the span once, not once per node, and look the groups' up
    offset = uniq % n_slots
    span = _period_labels(np.arange(first, first + n_slots), tz)
    starts = pd.DatetimeIndex(pd.to_datetime((np.arange(n_slots) + first) * PERIOD_S, unit="s", utc=True))
    return _PeriodGroups(
        key=key,
        space=space,
        groups=groups,
        start=start,
        price=price,
        load=load,
        dur=dur,
        covered=np.asarray(covered, dtype="float64"),
        count=count,
        labels={
            "node": np.asarray(nodes)[uniq // n_slots],
            "trading_date": span["trading_date"].to_numpy()[offset],
            "trading_period": span["trading_period"].to_numpy()[offset],
            "period_start_utc": starts.take(offset),
        },
    )


def _period_values(g: _PeriodGroups, method: str) -> np.ndarray:
    """One unrounded price per group by ``method``."""
    if method == "time_weighted":
        if isinstance(g.dur, float):  # equal weights: the mean of the interval prices
            return g.sums(g.price) / g.count
        return g.sums(g.price * np.asarray(g.dur, dtype="float64")) / g.covered
    if method == "simple":
        return g.sums(g.price) / g.count
    if method == "load_weighted":
        dur = np.broadcast_to(np.asarray(g.dur, dtype="float64"), g.price.shape)
        weight = (g.load if g.load is not None else 1.0) * dur
        total = g.sums(weight)
        return np.divide(g.sums(g.price * weight), total, out=np.full(len(total), np.nan), where=total > 0)
    order = np.lexsort((g.start, g.key))
    last_idx = order[np.r_[np.flatnonzero(np.diff(g.key[order])), len(order) - 1]]
    value = np.empty(len(g.count))
    value[np.searchsorted(g.groups, g.key[last_idx])] = g.price[last_idx]
    return value


def _priced(g: _PeriodGroups, prices: dict[str, np.ndarray]) -> pd.DataFrame:
    """The groups' labels, their prices (2 dp) and coverage, ordered by node and period."""
    out = pd.DataFrame(
        {
            **g.labels,
            **{name: half_up_array(v, 2) for name, v in prices.items()},
            "n_intervals": g.count,
            "covered_s": g.covered.astype("int64"),
        }
    )
    out["complete"] = out["covered_s"] >= PERIOD_S
    # the groups are numbered by node (factorized in sorted order), then time: in order already
    return out


def interval_gaps(intervals: pd.DataFrame, tz: str = TZ) -> pd.DataFrame:
    """Stretches of time with no interval, per node (between the first start and last end).

    Parameters
    ----------
    intervals : pandas.DataFrame
        Dispatch intervals: node, start, end or duration_s, price ($/MWh), optional load (MW).
    tz : str, default 'Pacific/Auckland'
        The market's time zone (trading days and periods are local).

    Returns
    -------
    pandas.DataFrame
        One row per gap: node, gap_start, gap_end (UTC) and missing_s (seconds).

    Examples
    --------
    >>> intervals = synthetic_intervals({'HAY2201': 60.0}, '2016-05-01', 1, seed=1)
    >>> gaps = interval_gaps(intervals.drop(index=[10, 11, 12]))
    >>> gaps['missing_s'].tolist()
    [960.0]
    """
    df = pd.DataFrame({"node": intervals["node"], "start": _as_utc(intervals["start"], tz)})
    if "end" in intervals:
        df["end"] = _as_utc(intervals["end"], tz)
    else:
        df["end"] = df["start"] + pd.to_timedelta(intervals["duration_s"], unit="s")
    df = df.sort_values(["node", "start"], kind="stable")
    prev_end = df.groupby("node")["end"].shift()
    gap = df[df["start"] > prev_end]
    return pd.DataFrame(
        {
            "node": gap["node"].to_numpy(),
            "gap_start": prev_end[gap.index].to_numpy(),
            "gap_end": gap["start"].to_numpy(),
            "missing_s": (gap["start"] - prev_end[gap.index]).dt.total_seconds().to_numpy(),
        }
    )


# --- options A–D -------------------------------------------------------------------------

OPTIONS = pd.DataFrame(
    [
        {
            "option": "Current",
            "name": "current arrangements",
            "actionable": "none (indicative prices only)",
            "price_known": "final price ≥ 2 business days later",
            "demand_bids_set_price": "dispatchable demand only",
            "settlement": "ex-post final price",
            "quantified": "counterfactual",
        },
        {
            "option": "A",
            "name": "look-ahead 30-minute price",
            "actionable": "whole trading period, in advance",
            "price_known": "before the period starts",
            "demand_bids_set_price": "yes",
            "settlement": "the look-ahead price",
            "quantified": "no: gaming incentive; belongs to an ahead market",
        },
        {
            "option": "B",
            "name": "look-ahead 5-minute dispatch-based price",
            "actionable": "next dispatch interval",
            "price_known": "at each dispatch",
            "demand_bids_set_price": "yes",
            "settlement": "time-weighted average of dispatch prices",
            "quantified": "yes (preferred)",
        },
        {
            "option": "C",
            "name": "look-behind 5-minute price",
            "actionable": "previous 5 minutes",
            "price_known": "5 minutes in arrears",
            "demand_bids_set_price": "dispatchable demand only",
            "settlement": "time-weighted average of 5-minute prices",
            "quantified": "yes",
        },
        {
            "option": "D",
            "name": "look-behind 30-minute price",
            "actionable": "none",
            "price_known": "just after the period",
            "demand_bids_set_price": "dispatchable demand only",
            "settlement": "the period's look-behind price",
            "quantified": "no: little benefit, cost similar to C",
        },
    ]
)

# Figure 4 as data: when (minutes from the start of a trading period) a price is published
# that the market can act on, and when the settlement price becomes known.
FIGURE_4 = pd.DataFrame(
    [
        {"option": "Current", "event": "settlement price", "minute": 2 * 24 * 60},
        *({"option": "Ideal", "event": "actionable = settlement", "minute": m} for m in range(0, 30, 5)),
        {"option": "A", "event": "actionable = settlement", "minute": -30},
        *({"option": "B", "event": "actionable (forms settlement)", "minute": m} for m in range(0, 30, 5)),
        {"option": "B", "event": "settlement price", "minute": 30},
        *({"option": "C", "event": "actionable (forms settlement)", "minute": m} for m in range(5, 35, 5)),
        {"option": "C", "event": "settlement price", "minute": 30},
        {"option": "D", "event": "settlement price", "minute": 30},
    ]
)


# --- synthetic prices shaped like HAY2201 / BEN2201 ---------------------------------------


def synthetic_intervals(
    nodes: dict[str, float],
    start_date: str | datetime.date,
    days: int,
    seed: int,
    spike: tuple[str, int, float] | None = None,
    tz: str = TZ,
    irregular: bool = True,
) -> pd.DataFrame:
    """Deterministic dispatch-interval prices (illustrative): daily and evening-peak shape,
    noise, intervals of 4–6 minutes when ``irregular``, and an optional scarcity spike
    (node, minutes after the start, $/MWh) lasting ten minutes.

    Parameters
    ----------
    nodes : dict of str to float
        Node → its mean price, $/MWh.
    start_date : str or datetime.date
        The first local day.
    days : int
        How many days.
    seed : int
        Random seed (the same seed gives the same prices).
    spike : tuple of (str, int, float), optional
        (node, minutes after the start, $/MWh) of a ten-minute scarcity spike.
    tz : str, default 'Pacific/Auckland'
        The market's time zone (trading days and periods are local).
    irregular : bool, default True
        Intervals of 4–6 minutes rather than 5.

    Returns
    -------
    pandas.DataFrame
        node, start, end (tz-aware), price ($/MWh) and load (MW), one row per interval.

    Examples
    --------
    >>> intervals = synthetic_intervals({'HAY2201': 60.0}, '2016-05-01', 1, seed=1)
    >>> intervals.columns.tolist(), intervals['start'].min().isoformat()
    (['node', 'start', 'end', 'price', 'load'], '2016-05-01T00:00:00+12:00')
    """
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start_date).tz_localize(tz)
    t1 = (pd.Timestamp(start_date) + pd.Timedelta(days=days)).tz_localize(tz)
    total = int((t1 - t0).total_seconds())
    steps = (
        rng.choice([240, 300, 300, 300, 360], size=total // 240 + 2) if irregular else np.full(total // 300 + 1, 300)
    )
    offsets = np.concatenate([[0], np.cumsum(steps)])
    offsets = offsets[offsets < total]
    ends = np.append(offsets[1:], total)
    frames = []
    for node, level in nodes.items():
        local_h = (t0 + pd.to_timedelta(offsets, unit="s")).tz_convert(tz).hour.to_numpy() + (
            t0 + pd.to_timedelta(offsets, unit="s")
        ).tz_convert(tz).minute.to_numpy() / 60
        shape = 1 + 0.25 * np.sin((local_h - 10) / 24 * 2 * np.pi) + 0.35 * np.exp(-((local_h - 18) ** 2) / 2)
        price = level * shape * np.exp(rng.normal(0, 0.08, len(offsets)))
        if spike and spike[0] == node:
            hit = (offsets >= spike[1] * 60) & (offsets < spike[1] * 60 + 600)
            price[hit] = spike[2]
        load = 100 * shape * (1 + rng.normal(0, 0.03, len(offsets)))
        frames.append(
            pd.DataFrame(
                {
                    "node": node,
                    "start": t0 + pd.to_timedelta(offsets, unit="s"),
                    "end": t0 + pd.to_timedelta(ends, unit="s"),
                    "price": np.round(price, 2),
                    "load": np.round(load, 1),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def compare_methods(intervals: pd.DataFrame, tz: str = TZ) -> pd.DataFrame:
    """The four trading-period prices side by side, one row per node and period.

    Parameters
    ----------
    intervals : pandas.DataFrame
        Dispatch intervals: node, start, end or duration_s, price ($/MWh), optional load (MW).
    tz : str, default 'Pacific/Auckland'
        The market's time zone (trading days and periods are local).

    Returns
    -------
    pandas.DataFrame
        node, trading_date, trading_period, a price column per method ($/MWh), n_intervals, complete and the spread
        between methods.

    Examples
    --------
    >>> intervals = synthetic_intervals({'HAY2201': 60.0}, '2016-05-01', 1, seed=1)
    >>> compare_methods(intervals).shape
    (48, 10)
    """
    present = [m for m in METHODS if m != "load_weighted" or "load" in intervals]
    _check_method(intervals, "time_weighted")  # the columns; load_weighted is only present with a load
    periods = _group_by_period(intervals, tz)  # once: the methods differ only in the weights
    out = _priced(periods, {m: _period_values(periods, m) for m in present})
    out = out[["node", "trading_date", "trading_period", "time_weighted", "n_intervals", "complete", *present[1:]]]
    out["spread"] = (out[present].max(axis=1) - out[present].min(axis=1)).round(2)
    return out


def largest_spreads(methods: pd.DataFrame) -> pd.DataFrame:
    """:func:`compare_methods`' periods, those where the methods differ most first.

    Equal spreads keep the table's node and period order (a stable sort): the order of
    ties must not depend on the CPU, and numpy's default sort differs between CPUs with
    and without AVX2.

    Parameters
    ----------
    methods : pandas.DataFrame
        The table :func:`compare_methods` gives.

    Returns
    -------
    pandas.DataFrame
        The same rows, largest spread first.

    Examples
    --------
    >>> intervals = synthetic_intervals({'HAY2201': 60.0}, '2016-05-01', 1, seed=1)
    >>> spreads = largest_spreads(compare_methods(intervals))['spread']
    >>> bool(spreads.is_monotonic_decreasing)
    True
    """
    return methods.sort_values("spread", ascending=False, kind="stable")


# --- flexible user (Appendix E, lost: illustrative model) ---------------------------------


def flexible_user(
    intervals: pd.DataFrame, node: str, load_mw: float, value: float, forecast_error: float, seed: int, tz: str = TZ
) -> pd.DataFrame:
    """Appendix E's flexible user (lost: an illustrative model). A user who can switch
    ``load_mw`` on or off each dispatch interval and values it at ``value`` $/MWh. It runs
    when the price it can see is below ``value``:

    * status quo: an indicative forecast of the period's price (error ``forecast_error``,
      lognormal), settled on the final price two days later;
    * option B: the dispatch price of the coming interval, which forms the settlement price;
    * option C: the previous interval's price (look-behind);
    * perfect foresight: the interval's own price (the benchmark).

    Welfare is counted at resource cost (each interval's price), as the economy-wide CBA
    does; the user's bill is at the trading-period price. Regret = perfect − option.

    Parameters
    ----------
    intervals : pandas.DataFrame
        Dispatch intervals: node, start, end or duration_s, price ($/MWh), optional load (MW).
    node : str
        The user's node.
    load_mw : float
        The load it can switch, MW.
    value : float
        What it values the energy at, $/MWh.
    forecast_error : float
        The indicative forecast's error, a fraction of the price (status quo).
    seed : int
        Random seed of the forecast errors.
    tz : str, default 'Pacific/Auckland'
        The market's time zone (trading days and periods are local).

    Returns
    -------
    pandas.DataFrame
        One row per arrangement: energy_mwh, bill ($), average_paid ($/MWh), welfare ($) and regret against perfect
        foresight ($).

    Examples
    --------
    >>> intervals = synthetic_intervals({'HAY2201': 60.0}, '2016-05-01', 1, seed=1)
    >>> user = flexible_user(intervals, 'HAY2201', 10.0, 70.0, 0.1, seed=1).set_index('arrangement')
    >>> float(user.loc['Perfect foresight', 'regret'])
    0.0
    """
    iv = intervals[intervals["node"] == node].sort_values("start").reset_index(drop=True)
    if iv.empty:
        raise ValueError(f"no intervals for node {node!r}")
    tp = trading_period_prices(iv, "time_weighted", tz)
    slot = _epoch_s(_as_utc(iv["start"], tz)) // PERIOD_S
    tp_slot = _epoch_s(tp["period_start_utc"]) // PERIOD_S
    period_price = pd.Series(tp["price"].to_numpy(), index=tp_slot).reindex(slot).to_numpy()
    dur_h = ((_as_utc(iv["end"], tz) - _as_utc(iv["start"], tz)).dt.total_seconds() / 3600).to_numpy()
    price = iv["price"].to_numpy()
    rng = np.random.default_rng(seed)
    noise = pd.Series(np.exp(rng.normal(0, forecast_error, len(tp_slot))), index=tp_slot).reindex(slot).to_numpy()
    signals = {
        "Status quo": period_price * noise,
        "Option B": price,
        "Option C": np.r_[price[0], price[:-1]],
        "Perfect foresight": price,
    }
    rows = []
    for name, signal in signals.items():
        on = signal < value
        energy = load_mw * dur_h * on
        bill = float((energy * period_price).sum())
        welfare = float(((value - price) * energy).sum())
        rows.append(
            {
                "arrangement": name,
                "energy_mwh": round(float(energy.sum()), 2),
                "bill": round(bill, 2),
                "average_paid": round(bill / energy.sum(), 2) if energy.sum() else float("nan"),
                "welfare": round(welfare, 2),
            }
        )
    out = pd.DataFrame(rows)
    out["regret"] = (out.loc[out["arrangement"] == "Perfect foresight", "welfare"].iloc[0] - out["welfare"]).round(2)
    return out


# --- cost–benefit ---------------------------------------------------------------------


def npv(cashflows: Sequence[float] | np.ndarray, rate: float) -> float:
    """Present value at the decision of yearly cash flows, ``cashflows[t]`` at the end of
    year t after the decision (t = 0 is the decision itself, undiscounted).

    Parameters
    ----------
    cashflows : sequence of float or numpy.ndarray
        Yearly flows, $ (any unit); ``cashflows[t]`` at the end of year t.
    rate : float
        The discount rate, a fraction.

    Returns
    -------
    float
        The present value at the decision, in the flows' unit.

    Examples
    --------
    >>> round(npv([0, 100, 100], 0.06), 2)  # 100 / 1.06 + 100 / 1.06²
    183.34
    """
    cf = np.asarray(cashflows, dtype="float64")
    if rate <= -1:
        raise ValueError("the discount rate must exceed −100 %")
    return float((cf / (1 + rate) ** np.arange(len(cf))).sum())


def annuity_factor(rate: float, first_year: int, last_year: int) -> float:
    """Σ 1/(1+rate)^t for t = first_year … last_year (end-of-year convention).

    Parameters
    ----------
    rate : float
        The discount rate, a fraction.
    first_year : int
        The first year counted.
    last_year : int
        The last year counted (included).

    Returns
    -------
    float
        The sum of the discount factors.

    Examples
    --------
    >>> round(annuity_factor(0.06, 1, 2), 6)
    1.833393
    """
    t = np.arange(first_year, last_year + 1)
    return float((1 / (1 + rate) ** t).sum()) if len(t) else 0.0


@dataclass(frozen=True)
class Streams:
    """Yearly cash flows ($M, 2016 dollars), t = 0 … horizon, each at the end of its year."""

    benefits: dict[str, np.ndarray]
    cost: np.ndarray


def option_streams(p: RtpParams, option: str, benefit_scale: float = 1.0) -> Streams:
    """Yearly flows for option B or C (§4.2: 15 years from the decision, 2016 dollars).

    Timing convention, one for costs and benefits: every flow falls at the **end** of its
    year, year t counted from the decision (t = 1 is the first year after it). Costs are
    spent in the implementation years 1 … I, benefits accrue in years I + 1 … horizon.

    The published present values (``benefits_pv``, ``cost_pv``) were found over
    ``pv_basis`` (the paper's 15 years and its implementation period) at the base rate:
    from them come a benefit per year of operation and a total (undiscounted) cost. The
    scenario's horizon and implementation then place those flows: a longer horizon adds
    years of benefits, a longer implementation delays them and spreads the same total cost
    over more years.

    Parameters
    ----------
    p : RtpParams
        The assessment scenario (a validated parameter file).
    option : str
        'B' or 'C'.
    benefit_scale : float, default 1.0
        A multiplier on every benefit (the sensitivity tables).

    Returns
    -------
    Streams
        Yearly benefits by category and yearly cost, $M (2016 dollars), index t = 0 … horizon.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> option_streams(load_scenario("rtp", "2016_information_paper"), "B").cost.round(3).tolist()[:5]
    [0.0, 2.245, 2.245, 2.245, 0.0]
    """
    o = p.options[option]
    basis, years, impl = p.pv_basis, p.horizon_years, p.implementation_years
    benefits: dict[str, np.ndarray] = {}
    for cat, pv in o.benefits_pv.items():
        per_year = pv * benefit_scale / annuity_factor(p.base_rate, basis.implementation_years + 1, basis.horizon_years)
        stream = np.zeros(years + 1)
        stream[impl + 1 :] = per_year
        benefits[cat] = stream
    total_cost = o.cost_pv / annuity_factor(p.base_rate, 1, basis.implementation_years) * basis.implementation_years
    cost = np.zeros(years + 1)
    cost[1 : impl + 1] = total_cost / impl
    return Streams(benefits, cost)


def assess_options(p: RtpParams, rate: float | None = None, benefit_scale: float = 1.0) -> pd.DataFrame:
    """Table 1 rebuilt: present value by benefit category, cost and net benefit, per option.

    Parameters
    ----------
    p : RtpParams
        The assessment scenario (a validated parameter file).
    rate : float, optional
        The discount rate, a fraction; the scenario's base rate when None.
    benefit_scale : float, default 1.0
        A multiplier on every benefit.

    Returns
    -------
    pandas.DataFrame
        One row per option: rate, the present value of each benefit category, total_benefit, cost and net_benefit
        ($M, rounded as Table 1).

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> assess_options(load_scenario("rtp", "2016_information_paper"))["net_benefit"].tolist()
    [54.0, 33.0]
    """
    rate = p.base_rate if rate is None else rate
    rows = []
    for name in p.options:
        s = option_streams(p, name, benefit_scale)
        row: dict[str, Any] = {"option": name, "rate": rate}
        for cat, stream in s.benefits.items():
            row[cat] = round(npv(stream, rate), 2)
        row["total_benefit"] = round(sum(npv(v, rate) for v in s.benefits.values()), 2)
        row["cost"] = round(npv(s.cost, rate), 2)
        row["net_benefit"] = round(row["total_benefit"] - row["cost"], 2)
        rows.append(row)
    return pd.DataFrame(rows)


def rate_sensitivity(p: RtpParams) -> pd.DataFrame:
    """Net benefit of each option at the base rate and the sensitivity rates (Table 2).

    Parameters
    ----------
    p : RtpParams
        The assessment scenario (a validated parameter file).

    Returns
    -------
    pandas.DataFrame
        One row per option and rate, the columns of :func:`assess_options`.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> sorted(rate_sensitivity(load_scenario("rtp", "2016_information_paper"))["rate"].unique().tolist())
    [0.04, 0.06, 0.08]
    """
    return pd.concat([assess_options(p, r) for r in sorted({p.base_rate, *p.sensitivity_rates})], ignore_index=True)


def net_benefit_at_ratio(p: RtpParams, ratio: float, rate: float | None = None) -> float:
    """Net benefit of option C if it delivered ``ratio`` × option B's benefits (Table 5).

    Parameters
    ----------
    p : RtpParams
        The assessment scenario (a validated parameter file).
    ratio : float
        C's benefits as a multiple of B's.
    rate : float, optional
        The discount rate, a fraction; the scenario's base rate when None.

    Returns
    -------
    float
        Option C's net benefit, $M.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> round(net_benefit_at_ratio(load_scenario("rtp", "2016_information_paper"), 1.0), 2)
    56.0
    """
    rate = p.base_rate if rate is None else rate
    b = option_streams(p, "B")
    c = option_streams(p, "C")
    return ratio * sum(npv(v, rate) for v in b.benefits.values()) - npv(c.cost, rate)


def breakeven_performance_ratio(p: RtpParams, rate: float | None = None) -> float:
    """The ratio of C's benefits to B's at which both options give the same net benefit.

    Parameters
    ----------
    p : RtpParams
        The assessment scenario (a validated parameter file).
    rate : float, optional
        The discount rate, a fraction; the scenario's base rate when None.

    Returns
    -------
    float
        The ratio, 6 dp.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> round(breakeven_performance_ratio(load_scenario("rtp", "2016_information_paper")), 6)
    0.966667
    """
    rate = p.base_rate if rate is None else rate
    b = option_streams(p, "B")
    benefit_b = sum(npv(v, rate) for v in b.benefits.values())
    net_b = benefit_b - npv(b.cost, rate)
    if benefit_b == 0:
        raise ValueError("option B has no benefits: no break-even ratio")
    return (net_b + npv(option_streams(p, "C").cost, rate)) / benefit_b


def evaluate(p: RtpParams) -> dict[str, float]:
    """The key results of an assessment scenario ($M, 2016 dollars, at the base rate):
    each option's net benefit and the break-even performance ratio. What its run records,
    a sweep records per point and a comparison sets side by side.

    Parameters
    ----------
    p : RtpParams
        The assessment scenario (a validated parameter file).

    Returns
    -------
    dict of str to float
        net_benefit, total_benefit and cost of B and C ($M) and breakeven_ratio.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> evaluate(load_scenario("rtp", "2016_information_paper"))["net_benefit_b"]
    54.0
    """
    table = assess_options(p).set_index("option")
    return {
        "net_benefit_b": float(table.loc["B", "net_benefit"]),
        "net_benefit_c": float(table.loc["C", "net_benefit"]),
        "total_benefit_b": float(table.loc["B", "total_benefit"]),
        "total_benefit_c": float(table.loc["C", "total_benefit"]),
        "cost_b": float(table.loc["B", "cost"]),
        "cost_c": float(table.loc["C", "cost"]),
        "breakeven_ratio": round(breakeven_performance_ratio(p), 6),
    }
