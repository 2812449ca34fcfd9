"""Clearing of the unilateral (pay-as-bid) auction: clauses 93–105.

Interpretation (DESIGN.md, "Interpretations of ambiguous rules"):

* Validity (94–96): at least two participants with valid bids, and offered volume ≥ 130 %
  of the announced volume, except for waste-disposal, hydro, biomass and biogas auctions
  (95) and auctions with documentation. A waste auction with one participant goes to the
  clause 103 offer.
* Without documentation (97–101): walk the ranked list once. A bid at a connection point
  that already has its permitted number of winners is excluded (100); a bid is capped at
  the point's residual capacity and excluded if that is below its minimum permissible
  volume (99); the bid that exhausts the remaining volume is the last demanded bid: if the
  remaining volume is ≥ 50 % of its (capped) volume it is awarded in full and the auction
  volume grows by the balance (101.1); otherwise it is excluded and the walk continues; if
  nothing fits, the volume shrinks to what was awarded (101.2).
* Offers (102, 103): reduction r = 1 − reference / maximum price; discount 1 % if r > 50 %
  (103: r ≥ 50 %), 5 % if 30 % < r ≤ 50 %, 7 % if 10 % < r ≤ 30 %, 10 % if r ≤ 10 %; offer
  price = reference × (1 − discount) to 0.01 tenge. Pending until answered (``accepted``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from marketbooks.rules.auction.bids import as_auction, check_bids, normalise_bids
from marketbooks.scenarios.models import AuctionSpec

NO_130_TEST = {"waste", "hydro", "biomass", "biogas"}
OFFER_TECHNOLOGIES = {"hydro", "biomass", "biogas"}
STEP_COLUMNS = [
    "rank",
    "participant",
    "price",
    "volume_kw",
    "connection_point",
    "decision",
    "awarded_kw",
    "clause",
    "reason",
    "remaining_kw",
    "awarded_total_kw",
]


@dataclass
class ClearingResult:
    valid: bool
    reason: str
    volume_kw: float
    announced_kw: float
    winners: pd.DataFrame
    offers: pd.DataFrame
    steps: pd.DataFrame
    ranked: pd.DataFrame = field(repr=False)
    validity: pd.DataFrame = field(repr=False)
    rejected: pd.DataFrame = field(repr=False)
    # bids of participants left out that got no clause 102 offer, with the reason
    not_offered: pd.DataFrame = field(repr=False, default_factory=lambda: _empty_not_offered())

    @property
    def branch(self) -> str:
        """A short name of the outcome, used by the walkthrough tests and tables."""
        if not self.valid:
            return "invalid"
        if len(self.offers) and (self.offers["status"] == "pending").any():
            return f"offers pending ({self.offers['clause'].iloc[0]})"
        if len(self.offers) and (self.offers["status"] == "accepted").any():
            return f"offer accepted ({self.offers['clause'].iloc[0]})"
        if self.steps["clause"].eq("98").any():
            return "single winner (98)"
        if self.volume_kw > self.announced_kw:
            return "volume increased (101.1)"
        if self.volume_kw < self.announced_kw:
            return "volume reduced (101.2)"
        return "volume as announced"


# Clauses 102/103: (lower edge of r, discount in %) from the top band down. 102 says "more
# than 50 %", 103 "50 % or more"; the other edges are "up to ... (inclusive)" in both.
_BANDS_102 = ((Fraction(1, 2), False, 1), (Fraction(3, 10), False, 5), (Fraction(1, 10), False, 7))
_BANDS_103 = ((Fraction(1, 2), True, 1), (Fraction(3, 10), False, 5), (Fraction(1, 10), False, 7))


def _exact(x: float | Decimal | Fraction) -> Fraction:
    """A number as the decimal it was written as (0.1 is one tenth, not 0.1000000000000000055)."""
    return x if isinstance(x, Fraction) else Fraction(Decimal(repr(x)) if isinstance(x, float) else x)


def discount_percent(reduction: float | Decimal | Fraction, clause: str = "102") -> int:
    """The discount, in whole %, of a clause 102 or 103 offer for a price reduction r.

    r is a fraction (0.3 is 30 %) and is compared with the band edges exactly.

    Parameters
    ----------
    reduction : float or Decimal or Fraction
        r = 1 − reference / maximum price, a fraction.
    clause : str, default '102'
        '102' (offers after clearing) or '103' (a single participant).

    Returns
    -------
    int
        The discount, whole %.

    Examples
    --------
    >>> discount_percent(0.3), discount_percent(0.5), discount_percent(0.5, "103")
    (7, 5, 1)
    """
    r = _exact(reduction)
    for edge, inclusive, percent in _BANDS_103 if clause == "103" else _BANDS_102:
        if r > edge or (inclusive and r == edge):
            return percent
    return 10


def discount_for_reduction(reduction: float | Decimal | Fraction, clause: str = "102") -> float:
    """The discount of a clause 102/103 offer as a fraction (0.07 is 7 %).

    Parameters
    ----------
    reduction : float or Decimal or Fraction
        r = 1 − reference / maximum price, a fraction.
    clause : str, default '102'
        '102' (offers after clearing) or '103' (a single participant).

    Returns
    -------
    float
        The discount, a fraction.

    Examples
    --------
    >>> discount_for_reduction(0.1), discount_for_reduction(0.11)
    (0.1, 0.07)
    """
    return discount_percent(reduction, clause) / 100


def offer_price(reference: float, max_price: float, clause: str = "102") -> tuple[float, float, float]:
    """(offer price, discount, reduction r) of a clause 102 or 103 offer, tenge/kWh.

    The reference is the lowest price of the preliminary winners (102) or the single
    participant's own bid (103); r = 1 − reference / maximum price is decided in exact
    decimal arithmetic on the two-decimal prices, and the offer price is rounded half up
    to 0.01 tenge.

    Parameters
    ----------
    reference : float
        The reference price, tenge/kWh.
    max_price : float
        The auction's maximum price, tenge/kWh.
    clause : str, default '102'
        '102' (offers after clearing) or '103' (a single participant).

    Returns
    -------
    price : float
        The offer price, tenge/kWh, 2 dp.
    discount : float
        The discount, a fraction.
    reduction : float
        r, a fraction.

    Examples
    --------
    >>> offer_price(11.20, 16.00)  # r is exactly 30 %: "up to 30 % (inclusive)" gives 7 %
    (10.42, 0.07, 0.3)
    """
    ref, top = _exact(reference), _exact(max_price)
    r = 1 - ref / top
    percent = discount_percent(r, clause)
    cents = ref * (100 - percent)  # (tenge × 100) × (1 − d): the offer in cents
    price = int(cents + Fraction(1, 2)) if cents >= 0 else -int(-cents + Fraction(1, 2))
    return price / 100, percent / 100, float(r)


def ranked_list(bids: pd.DataFrame) -> pd.DataFrame:
    """Clause 93: ascending price; equal prices (rejected by 79) fall back to submission time.

    Parameters
    ----------
    bids : pandas.DataFrame
        Valid bids with price (tenge/kWh) and time (seconds).

    Returns
    -------
    pandas.DataFrame
        The bids in rank order, with rank from 1.

    Examples
    --------
    >>> bids = pd.DataFrame({"participant": ["A", "B"], "price": [15.0, 14.0], "volume_kw": [500.0, 400.0],
    ...                      "time": [0, 1]})
    >>> ranked_list(bids)["participant"].tolist()
    ['B', 'A']
    """
    order = np.lexsort((np.arange(len(bids)), bids["time"].to_numpy(), bids["price"].to_numpy()))
    out = bids.iloc[order].reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def validity_tests(auction: AuctionSpec, ranked: pd.DataFrame) -> pd.DataFrame:
    """Clauses 94–96 as a table: test, value, threshold, applies, passed.

    Parameters
    ----------
    auction : AuctionSpec
        Kind, technology, announced volume (kW), maximum price (tenge/kWh) and connection points.
    ranked : pandas.DataFrame
        The ranked valid bids (:func:`ranked_list`).

    Returns
    -------
    pandas.DataFrame
        One row per test: test, value, threshold, applies, passed and clause.

    Examples
    --------
    >>> spec = AuctionSpec(kind='with_documentation', technology='solar', volume_kw=1000, max_price=20.0)
    >>> one = ranked_list(pd.DataFrame({'participant': ['A'], 'price': [15.0], 'volume_kw': [1000.0], 'time': [0]}))
    >>> validity_tests(spec, one)[['clause', 'passed']].values.tolist()
    [['94.2', False], ['95 (does not apply)', True]]
    """
    n = ranked["participant"].nunique()
    offered = float(
        ranked["volume_kw"].max() if auction.kind == "with_documentation" and len(ranked) else ranked["volume_kw"].sum()
    )
    applies_130 = auction.kind == "without_documentation" and auction.technology not in NO_130_TEST
    need = 1 if auction.kind == "waste" else 2
    return pd.DataFrame(
        [
            {
                "test": "participants with valid bids",
                "value": n,
                "threshold": f"≥ {need}",
                "applies": True,
                "passed": n >= need,
                "clause": "94.2" + (", 103" if auction.kind == "waste" else ""),
            },
            {
                "test": "offered volume / announced",
                "value": round(offered / auction.volume_kw * 100, 1),
                "threshold": "≥ 130 %",
                "applies": applies_130,
                "passed": (not applies_130) or offered >= 1.3 * auction.volume_kw,
                "clause": "94.1" if applies_130 else "95 (does not apply)",
            },
        ]
    )


def _walk(auction: AuctionSpec, ranked: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Clauses 97–101: one pass over the ranked list; returns the step log and final volume."""
    points = auction.connection_points
    used = {name: 0.0 for name in points}
    count = {name: 0 for name in points}
    remaining = float(auction.volume_kw)
    target = float(auction.volume_kw)
    total = 0.0
    cols = [
        ranked[c].tolist() for c in ("rank", "participant", "price", "volume_kw", "connection_point", "min_volume_kw")
    ]
    logged: dict[str, list] = {
        c: [] for c in ("i", "decision", "awarded_kw", "clause", "reason", "remaining_kw", "awarded_total_kw")
    }

    appends = [values.append for values in logged.values()]  # bound once: log runs for every bid

    def log(i: int, decision: str, awarded: float, clause: str, reason: str) -> None:
        for append, value in zip(appends, (i, decision, awarded, clause, reason, remaining, total)):
            append(value)

    n = len(ranked)
    for i in range(n):
        if remaining <= 0:
            rest = n - i
            logged["i"] += range(i, n)
            logged["decision"] += ["not reached"] * rest
            logged["awarded_kw"] += [0.0] * rest
            logged["clause"] += ["97"] * rest
            logged["reason"] += ["demand already satisfied"] * rest
            logged["remaining_kw"] += [0.0] * rest
            logged["awarded_total_kw"] += [total] * rest
            break
        cp_name, volume, min_vol = cols[4][i], cols[3][i], cols[5][i]
        cp = points[cp_name]
        if count[cp_name] >= cp.max_connections:
            log(i, "excluded", 0.0, "100", f"{cp_name} already has its {cp.max_connections} permitted connection(s)")
            continue
        cap = min(volume, cp.limit_kw - used[cp_name])
        if cap < min_vol:
            log(
                i,
                "excluded",
                0.0,
                "99",
                f"residual capacity of {cp_name} ({cp.limit_kw - used[cp_name]:,.0f} kW) "
                f"is below the minimum permissible volume {min_vol:,.0f} kW",
            )
            continue
        capped = " (capped at the residual capacity of " + cp_name + ")" if cap < volume else ""
        if cap <= remaining:
            remaining -= cap
            total += cap
            used[cp_name] += cap
            count[cp_name] += 1
            log(i, "awarded", cap, "97" + (", 99" if capped else ""), "selected in price order" + capped)
            continue
        if remaining >= 0.5 * volume:  # 101.1: "50 % or more of its declared volume"
            grow = cap - remaining
            total += cap
            used[cp_name] += cap
            count[cp_name] += 1
            target += grow
            remaining = 0.0
            log(
                i,
                "awarded in full (last bid)",
                cap,
                "101.1",
                f"remaining {remaining:,.0f} kW is ≥ 50 % of the declared {volume:,.0f} kW: awarded in full, "
                f"auction volume +{grow:,.0f} kW" + capped,
            )
        else:
            log(
                i, "excluded", 0.0, "101.2", f"remaining {remaining:,.0f} kW is < 50 % of the declared {volume:,.0f} kW"
            )
    if remaining > 0:
        target = total
    idx = logged.pop("i")
    steps = ranked.iloc[idx][["rank", "participant", "price", "volume_kw", "connection_point"]].reset_index(drop=True)
    for key, values in logged.items():
        steps[key] = values
    return steps[STEP_COLUMNS], target


OFFER_COLUMNS = [
    "participant",
    "price",
    "discount",
    "reference_price",
    "reduction",
    "volume_kw",
    "connection_point",
    "clause",
    "status",
]


def _empty_offers() -> pd.DataFrame:
    return pd.DataFrame(columns=OFFER_COLUMNS)


def _winners(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["participant", "price", "volume_kw", "connection_point", "clause"])


def clear_auction(
    auction: AuctionSpec | dict, bids: pd.DataFrame | list[dict], accepted: list[str] | None = None
) -> ClearingResult:
    """Clear an auction from its final bids; ``accepted`` answers the 102/103 offers.

    Clauses 93–103 and 105: the ranked list (93), the validity tests (94–96), the walk of an
    auction without documentation (97, 99, 100, clauses 101.1 and 101.2), the lowest price
    with documentation (98), the offers (102, 103) and the register (105). Invalid bids
    (clauses 73–81) are set aside with their reasons (``rejected``) and never ranked;
    nothing is dropped silently.

    Parameters
    ----------
    auction : AuctionSpec or dict
        Kind, technology, announced volume (kW), maximum price (tenge/kWh), connection points.
    bids : pandas.DataFrame or list of dict
        The final bids: participant, price (tenge/kWh), volume_kw, connection_point, ...
    accepted : list of str, optional
        The participants that accepted a clause 102/103 offer; None while the offers pend.

    Returns
    -------
    ClearingResult
        Validity, reason, final volume (kW), winners, offers, the step log, the ranked list, the validity tests and
        the rejected bids.

    Examples
    --------
    >>> spec = {"kind": "with_documentation", "technology": "solar", "volume_kw": 1000, "max_price": 20.0}
    >>> clear_auction(spec, [{"participant": "A", "price": 19.0, "volume_kw": 1000},
    ...                      {"participant": "B", "price": 18.5, "volume_kw": 1000}]).winners["participant"].tolist()
    ['B']
    """
    auction = as_auction(auction)
    checked = check_bids(auction, normalise_bids(bids))
    rejected = checked[~checked["valid"]].reset_index(drop=True)
    ranked = ranked_list(checked[checked["valid"]].drop(columns=["valid", "clause", "reason"]))
    validity = validity_tests(auction, ranked)
    announced = float(auction.volume_kw)
    offers = _empty_offers()

    def result(
        valid: bool, reason: str, volume: float, winners: pd.DataFrame, steps: pd.DataFrame | list[dict]
    ) -> ClearingResult:
        steps = steps if isinstance(steps, pd.DataFrame) else pd.DataFrame(steps, columns=STEP_COLUMNS)
        return ClearingResult(valid, reason, volume, announced, winners, offers, steps, ranked, validity, rejected)

    if auction.kind == "waste" and ranked["participant"].nunique() == 1:
        best = ranked.iloc[0]
        price, disc, r = offer_price(float(best["price"]), auction.max_price, "103")
        status = "pending" if accepted is None else ("accepted" if best["participant"] in accepted else "refused")
        offers = pd.DataFrame(
            [
                {
                    "participant": best["participant"],
                    "price": price,
                    "discount": disc,
                    "reference_price": float(best["price"]),
                    "reduction": round(r, 4),
                    "volume_kw": float(best["volume_kw"]),
                    "connection_point": None,
                    "clause": "103",
                    "status": status,
                }
            ]
        )
        if status == "accepted":
            winners = _winners(
                [
                    {
                        "participant": best["participant"],
                        "price": price,
                        "volume_kw": float(best["volume_kw"]),
                        "connection_point": None,
                        "clause": "103",
                    }
                ]
            )
            return result(
                True, "single participant accepted the clause 103 offer", float(best["volume_kw"]), winners, []
            )
        if status == "refused":
            return result(False, "the single participant refused the clause 103 offer (103)", 0.0, _winners([]), [])
        return result(True, "clause 103 offer pending", 0.0, _winners([]), [])

    failed = validity[validity["applies"] & ~validity["passed"]]
    if len(failed):
        first = failed.iloc[0]
        reason = (
            f"fewer than two participants ({int(first['value'])})"
            if first["clause"].startswith("94.2")
            else f"offered volume is {first['value']} % of the announced volume, below 130 %"
        )
        return result(False, f"{reason} (clause {first['clause']}, 96)", 0.0, _winners([]), [])

    if auction.kind in ("with_documentation", "waste"):
        best = ranked.iloc[0]
        steps = [
            {
                "rank": 1,
                "participant": best["participant"],
                "price": float(best["price"]),
                "volume_kw": float(best["volume_kw"]),
                "connection_point": None,
                "decision": "winner",
                "awarded_kw": float(best["volume_kw"]),
                "clause": "98",
                "reason": "lowest price",
                "remaining_kw": 0.0,
                "awarded_total_kw": float(best["volume_kw"]),
            }
        ]
        steps += [
            {
                "rank": int(r.rank),
                "participant": r.participant,
                "price": float(r.price),
                "volume_kw": float(r.volume_kw),
                "connection_point": None,
                "decision": "not selected",
                "awarded_kw": 0.0,
                "clause": "98",
                "reason": "one application with the lowest price wins",
                "remaining_kw": 0.0,
                "awarded_total_kw": float(best["volume_kw"]),
            }
            for r in ranked.iloc[1:].itertuples()
        ]
        winners = _winners(
            [
                {
                    "participant": best["participant"],
                    "price": float(best["price"]),
                    "volume_kw": float(best["volume_kw"]),
                    "connection_point": None,
                    "clause": "98",
                }
            ]
        )
        return result(True, "winner: the lowest price (98)", float(best["volume_kw"]), winners, steps)

    log, volume = _walk(auction, ranked)
    won = log[log["awarded_kw"] > 0]
    winners = _winners(
        [
            {
                "participant": r.participant,
                "price": r.price,
                "volume_kw": r.awarded_kw,
                "connection_point": r.connection_point,
                "clause": r.clause,
            }
            for r in won.itertuples()
        ]
    )
    if auction.technology in OFFER_TECHNOLOGIES and len(winners):
        offers, not_offered = offers_102(auction, log, winners, accepted)
        taken = offers[offers["status"] == "accepted"]
        if len(taken):
            winners = pd.concat([winners, _winners(taken.assign(clause="102").to_dict("records"))], ignore_index=True)
            volume += float(taken["volume_kw"].sum())
    else:
        not_offered = _empty_not_offered()
    reason = (
        "cleared"
        if volume == announced
        else (
            "cleared; volume increased by the last bid's balance (101.1)"
            if volume > announced
            else "cleared; volume reduced to the volume awarded (101.2)"
        )
    )
    if len(offers) and (offers["status"] == "accepted").any():
        n = int((offers["status"] == "accepted").sum())
        reason = (
            f"cleared; {n} clause 102 offer(s) accepted: volume increased by their "
            f"{float(offers.loc[offers['status'] == 'accepted', 'volume_kw'].sum()):,.0f} kW (102)"
        )
    out = result(True, reason, volume, winners, log)
    out.not_offered = not_offered
    return out


def _empty_not_offered() -> pd.DataFrame:
    return pd.DataFrame(columns=["participant", "price", "volume_kw", "connection_point", "clause", "reason"])


def offers_102(
    auction: AuctionSpec, steps: pd.DataFrame, winners: pd.DataFrame, accepted: list[str] | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clause 102: the offers to participants left out of the preliminary list of winners.

    "The Organizer shall send an offer for inclusion in the preliminary list of winners to
    the auction participants ... which were not included in the preliminary list of
    auction winners". Readings (docs/design.md, Interpretations):

    * offers go to *participants*: one that already wins gets none, and each other
      participant gets one, for its lowest-priced bid that was not awarded;
    * an offer may not breach a connection point (80b, 99, 100): offers are sent together
      (104: 20 minutes to answer), so in rank order each offer reserves its volume and one
      connection at its point as if accepted; a bid that would breach the point's limit
      or connection count gets no offer (listed in the second table with the reason).

    Returns (offers, bids not offered). An offer's status is ``pending`` until
    ``accepted`` (the participants that accepted) is given, then ``accepted`` or
    ``refused``.

    Parameters
    ----------
    auction : AuctionSpec
        Kind, technology, announced volume (kW), maximum price (tenge/kWh) and connection points.
    steps : pandas.DataFrame
        The clearing's step log, with awarded_kw per ranked bid.
    winners : pandas.DataFrame
        The preliminary list of winners.
    accepted : list of str or None
        The participants that accepted; None while the offers pend.

    Returns
    -------
    offers : pandas.DataFrame
        One row per offer: participant, price, discount, reference price, reduction, volume (kW), point, clause and
        status.
    not_offered : pandas.DataFrame
        The bids that got no offer, with the reason.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> from marketbooks.rules.auction import walkthrough
    >>> p = load_scenario('auction', 'offer_bands')
    >>> _, pending = walkthrough(p.model_copy(update={'accepted': None}))
    >>> offers, not_offered = offers_102(p.auction, pending.steps, pending.winners, ['Participant 3'])
    >>> offers[['participant', 'price', 'status']].values.tolist()
    [['Participant 3', 10.42, 'accepted'], ['Participant 5', 10.42, 'refused']]
    >>> len(not_offered)
    3
    """
    reference = float(winners["price"].min())
    price, discount, r = offer_price(reference, auction.max_price, "102")
    points = auction.connection_points
    used = winners.groupby("connection_point")["volume_kw"].sum().to_dict()
    count = winners.groupby("connection_point").size().to_dict()
    winning = set(winners["participant"])
    offered: set[str] = set()
    rows, refused_rows = [], []
    for b in steps[steps["awarded_kw"] == 0].itertuples():
        cp, volume = b.connection_point, float(b.volume_kw)
        point = points.get(cp)
        why = ""
        if b.participant in winning:
            why = "the participant is in the preliminary list of winners"
        elif b.participant in offered:
            why = "the participant has an offer for a lower-priced bid"
        elif point is None:
            why = f"unknown connection point {cp!r}"
        elif count.get(cp, 0) + 1 > point.max_connections:
            why = f"{cp} already has its {point.max_connections} permitted connection(s) (100)"
        elif used.get(cp, 0.0) + volume > point.limit_kw:
            why = (
                f"{volume:,.0f} kW would take {cp} to {used.get(cp, 0.0) + volume:,.0f} kW, "
                f"above its limit {point.limit_kw:,.0f} kW (80b, 99)"
            )
        if why:
            refused_rows.append(
                {
                    "participant": b.participant,
                    "price": float(b.price),
                    "volume_kw": volume,
                    "connection_point": cp,
                    "clause": "102",
                    "reason": "no offer: " + why,
                }
            )
            continue
        offered.add(b.participant)
        used[cp] = used.get(cp, 0.0) + volume
        count[cp] = count.get(cp, 0) + 1
        status = "pending" if accepted is None else ("accepted" if b.participant in accepted else "refused")
        rows.append(
            {
                "participant": b.participant,
                "price": price,
                "discount": discount,
                "reference_price": reference,
                "reduction": round(r, 4),
                "volume_kw": volume,
                "connection_point": cp,
                "clause": "102",
                "status": status,
            }
        )
    offers = pd.DataFrame(rows, columns=OFFER_COLUMNS)
    return offers, pd.DataFrame(refused_rows, columns=_empty_not_offered().columns)


def register_of_winners(result: ClearingResult) -> pd.DataFrame:
    """Clause 105: auction prices, volumes sold and the list of winners (pay-as-bid).

    Parameters
    ----------
    result : ClearingResult
        A clearing (:func:`clear_auction`).

    Returns
    -------
    pandas.DataFrame
        One row per winner: winner, price (tenge/kWh), volume (kW), connection point and clause.

    Examples
    --------
    >>> spec = {"kind": "with_documentation", "technology": "solar", "volume_kw": 1000, "max_price": 20.0}
    >>> bids = [{"participant": "A", "price": 19.0, "volume_kw": 1000},
    ...         {"participant": "B", "price": 18.5, "volume_kw": 1000}]
    >>> register_of_winners(clear_auction(spec, bids))["winner"].tolist()
    ['B']
    """
    reg = result.winners[["participant", "price", "volume_kw", "connection_point", "clause"]].copy()
    reg.columns = ["winner", "auction price (tenge/kWh)", "volume sold (kW)", "connection point", "clause"]
    return reg


def connection_points_table(auction: AuctionSpec | dict) -> pd.DataFrame:
    """The auction's connection points: permitted capacity and number of connections (65.2).

    Parameters
    ----------
    auction : AuctionSpec or dict
        The auction.

    Returns
    -------
    pandas.DataFrame
        connection point, limit_kw and max_connections, one row per point.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> connection_points_table(load_scenario('auction', 'example_01').auction).values.tolist()
    [['A', 5000.0, 3], ['B', 20000.0, 3], ['C', 10000.0, 3]]
    """
    auction = as_auction(auction)
    return pd.DataFrame(
        [
            {"connection point": name, "limit_kw": cp.limit_kw, "max_connections": cp.max_connections}
            for name, cp in auction.connection_points.items()
        ],
        columns=["connection point", "limit_kw", "max_connections"],
    )
