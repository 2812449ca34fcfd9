"""KOREM unilateral (pay-as-bid) auction for renewable energy: seed 003, clauses 40, 64–105.

``bids`` validates single orders, ``session`` replays a trading session, ``clearing``
ranks, tests validity and clears. The interpretation of ambiguous clauses is the one in
docs/design.md ("Interpretations of ambiguous rules").
"""

from __future__ import annotations

from typing import Any

from marketbooks.rules.auction.clearing import ClearingResult, clear_auction, discount_for_reduction
from marketbooks.rules.auction.session import SessionResult, run_session
from marketbooks.scenarios.models import AuctionParams


def walkthrough(p: AuctionParams) -> tuple[SessionResult, ClearingResult]:
    """A walkthrough scenario's trading session (clauses 73–87) and its clearing (88–105).

    Parameters
    ----------
    p : AuctionParams
        The auction scenario: its auction, order log and the answers to the offers.

    Returns
    -------
    session : SessionResult
        Every order's status and the standing bids.
    result : ClearingResult
        The clearing of the standing bids.

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> session, result = walkthrough(load_scenario('auction', 'offer_bands'))
    >>> result.winners['participant'].tolist(), result.offers['status'].tolist()
    (['Participant 1', 'Participant 2', 'Participant 3'], ['accepted', 'refused'])
    """
    session = run_session(p.auction, [o.model_dump() for o in p.orders])
    return session, clear_auction(p.auction, session.standing, accepted=p.accepted)


def evaluate(p: AuctionParams, result: ClearingResult | None = None) -> dict[str, Any]:
    """The key results of an auction scenario (kW; winners and offers as ``;``-joined
    names): what its run records, a sweep records per point and a comparison sets side by
    side. ``result`` is the clearing already done for ``p``, when the caller has it.

    Parameters
    ----------
    p : AuctionParams
        The auction scenario: its auction, order log and the answers to the offers.
    result : ClearingResult, optional
        The clearing already done for ``p`` (:func:`walkthrough`).

    Returns
    -------
    dict of str to Any
        valid, branch, final_volume_kw, announced_kw, winners, offers, n_winners and the lowest and highest winning
        prices (tenge/kWh).

    Examples
    --------
    >>> from marketbooks.scenarios import load_scenario
    >>> evaluate(load_scenario("auction", "example_01"))["valid"]
    False
    """
    result = walkthrough(p)[1] if result is None else result
    return {
        "valid": bool(result.valid),
        "branch": result.branch,
        "final_volume_kw": float(result.volume_kw),
        "announced_kw": float(result.announced_kw),
        "winners": ";".join(result.winners["participant"].astype(str)),
        "offers": ";".join(result.offers["participant"].astype(str)),
        "n_winners": int(len(result.winners)),
        "lowest_winning_price": float(result.winners["price"].min()) if len(result.winners) else float("nan"),
        "highest_winning_price": float(result.winners["price"].max()) if len(result.winners) else float("nan"),
    }


__all__ = [
    "ClearingResult",
    "SessionResult",
    "clear_auction",
    "discount_for_reduction",
    "evaluate",
    "run_session",
    "walkthrough",
]
