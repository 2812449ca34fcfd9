"""KOREM unilateral (pay-as-bid) auction for renewable energy: seed 003, clauses 40, 64–105.

``bids`` validates single orders, ``session`` replays a trading session, ``clearing``
ranks, tests validity and clears. The interpretation of ambiguous clauses is the one in
DESIGN.md ("Interpretations of ambiguous rules").
"""

from marketbooks.rules.auction.clearing import ClearingResult, clear_auction, discount_for_reduction
from marketbooks.rules.auction.session import SessionResult, run_session

__all__ = ["ClearingResult", "SessionResult", "clear_auction", "discount_for_reduction", "run_session"]
