"""KOREM auction (seed 003): clauses 68, 81, 101.1, 102–103 and strict bid files.

Each test quotes the clause it holds the engine to.
"""

from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketbooks.data.bid_files import read_bids_csv, read_orders_csv
from marketbooks.rules.auction import clear_auction, run_session
from marketbooks.rules.auction.bids import check_bid
from marketbooks.rules.auction.clearing import discount_percent, offer_price
from marketbooks.scenarios import ParameterError
from marketbooks.scenarios.models import AuctionSpec

WITH_DOCS = {"kind": "with_documentation", "technology": "solar", "volume_kw": 50000, "max_price": 22.68}


def test_clause_68_orders_count_only_from_the_opening():
    """68: "Acceptance of orders from participants in trades is carried out from the moment
    of the opening of the trading session." """
    log = [
        {"time": -0.001, "participant": "P1", "price": 20.0, "volume_kw": 50000},
        {"time": 0, "participant": "P2", "price": 21.0, "volume_kw": 50000},
        {"time": 10, "participant": "P1", "price": 20.5, "volume_kw": 50000},
    ]
    s = run_session(WITH_DOCS, log)
    assert s.orders["status"].tolist() == ["rejected", "accepted", "accepted"]
    assert s.orders.loc[0, "clause"] == "68" and "before the session opened" in s.orders.loc[0, "reason"]
    # the early order is not standing: P1's later order is a first order, not a replacement
    assert s.orders.loc[2, "reason"] == "" and s.standing["participant"].tolist() == ["P2", "P1"]


@pytest.mark.parametrize("kind, technology", [("with_documentation", "solar"), ("waste", "waste")])
def test_clause_81_a_bid_is_for_the_full_installed_capacity(kind, technology):
    """81: "an application shall be submitted ... equal to the full volume of the installed
    capacity of the project put up for the auction." """
    auction = AuctionSpec(kind=kind, technology=technology, volume_kw=50000, max_price=22.68)
    assert [r.clause for r in check_bid(auction, 20.0, 40000)] == ["81"]
    assert check_bid(auction, 20.0, 50000) == []
    r = clear_auction(
        auction,
        [
            {"participant": "P1", "price": 19.0, "volume_kw": 40000},
            {"participant": "P2", "price": 20.0, "volume_kw": 50000},
            {"participant": "P3", "price": 21.0, "volume_kw": 50000},
        ],
    )
    assert r.rejected["clause"].tolist() == ["81"] and "full installed capacity" in r.rejected["reason"][0]
    assert r.winners["participant"].tolist() == ["P2"]  # the cheaper 40,000 kW bid does not win


def test_clause_81_does_not_apply_without_documentation():
    spec = AuctionSpec(
        kind="without_documentation",
        technology="solar",
        volume_kw=10000,
        max_price=16.97,
        connection_points={"A": {"limit_kw": 10000, "max_connections": 2}},
    )
    assert check_bid(spec, 15.0, 4000, "A") == []


def _point_auction(volume_kw: float) -> dict:
    return {
        "kind": "without_documentation",
        "technology": "solar",
        "volume_kw": volume_kw,
        "max_price": 16.97,
        "connection_points": {
            "A": {"limit_kw": 10000, "max_connections": 3},
            "B": {"limit_kw": 8000, "max_connections": 3},
        },
    }


BOOK = [
    {"participant": "P0", "price": 13.0, "volume_kw": 2000, "connection_point": "A"},
    {"participant": "P1", "price": 14.0, "volume_kw": 3000, "connection_point": "B"},
    {"participant": "P2", "price": 15.0, "volume_kw": 8000, "connection_point": "B"},
]


def test_clause_101_1_measures_half_of_the_declared_volume_not_of_the_capped_one():
    """101.1: "if the satisfied volume of the last demanded application ... is 50% or more of
    its declared volume". P2 declares 8,000 kW, its point leaves 5,000: 3,000 kW of demand is
    60 % of the capped volume but 37.5 % of the declared one."""
    r = clear_auction(_point_auction(8000), BOOK)
    step = r.steps.set_index("participant").loc["P2"]
    assert step["clause"] == "101.2" and "declared 8,000 kW" in step["reason"]
    assert r.volume_kw == 5000


def test_clause_101_1_award_is_capped_by_the_connection_point():
    """101.1: "satisfied ... in full or in an amount not exceeding the limit of the maximum
    allowable point volume". 4,000 kW of demand is 50 % of the declared 8,000: awarded, but
    only the 5,000 kW the point still allows, and the auction grows by 1,000 to 10,000."""
    r = clear_auction(_point_auction(9000), BOOK)
    step = r.steps.set_index("participant").loc["P2"]
    assert step["clause"] == "101.1" and step["awarded_kw"] == 5000 and "capped" in step["reason"]
    assert r.volume_kw == 10000 and r.branch == "volume increased (101.1)"


# clauses 102–103: exact bands

EDGES = [(Fraction(1, 2), 1, 5), (Fraction(3, 10), 5, 7), (Fraction(1, 10), 7, 10)]  # (edge, above, at or below)


def test_every_exact_band_edge_from_1_to_60_tenge_is_inclusive_as_written():
    """102: "over 30% and up to 50% (inclusive)", "over 10% and up to 30% (inclusive)",
    "to 10% (inclusive)"; 103: "by 50% or more". Every maximum price 1.00–60.00 whose edge
    falls on a whole tyn: the reference at the edge gets the lower band, a tyn cheaper the
    higher one."""
    checked = 0
    for max_cents in range(100, 6001):
        for edge, above, at in EDGES:
            reference = max_cents * (1 - edge)
            if reference.denominator != 1:
                continue
            ref, top = int(reference) / 100, max_cents / 100
            assert offer_price(ref, top)[1] * 100 == pytest.approx(at), (ref, top)
            assert offer_price(ref - 0.01, top)[1] * 100 == pytest.approx(above), (ref, top)
            expected_103 = 1 if edge == Fraction(1, 2) else at
            assert discount_percent(1 - Fraction(int(reference), max_cents), "103") == expected_103
            checked += 1
    assert checked > 1000


def test_a_reference_at_exactly_70_percent_of_the_maximum_gets_7_percent():
    # binary floating point makes 1 - 11.2 / 16 = 0.30000000000000004: the 5 % band
    assert 1 - 11.2 / 16.0 > 0.3
    price, discount, r = offer_price(11.20, 16.00)
    assert (discount, r) == (0.07, 0.3) and price == 10.42  # 11.20 × 0.93 = 10.416


BIOMASS = {
    "kind": "without_documentation",
    "technology": "biomass",
    "volume_kw": 10000,
    "max_price": 32.0,
    "connection_points": {
        "A": {"limit_kw": 10000, "max_connections": 3},
        "B": {"limit_kw": 10000, "max_connections": 3},
        "C": {"limit_kw": 3000, "max_connections": 3},
    },
}


def test_clause_102_offers_go_to_participants_not_already_winning():
    """102: an offer goes to the participants "which were not included in the preliminary
    list of auction winners". P1 wins at A; its bid at B gets no offer."""
    bids = [
        {"participant": "P1", "price": 20.0, "volume_kw": 5000, "connection_point": "A"},
        {"participant": "P2", "price": 22.0, "volume_kw": 5000, "connection_point": "B"},
        {"participant": "P1", "price": 23.0, "volume_kw": 4000, "connection_point": "B"},
        {"participant": "P3", "price": 24.0, "volume_kw": 3000, "connection_point": "A"},
        {"participant": "P3", "price": 25.0, "volume_kw": 2000, "connection_point": "B"},
    ]
    r = clear_auction(BIOMASS, bids)
    assert r.offers["participant"].tolist() == ["P3"]  # once, for its lowest-priced bid
    assert r.offers["connection_point"].tolist() == ["A"]


def test_clause_102_no_offer_breaches_a_connection_point():
    """80b, 99, 100: a point's volume limit and connection count hold for offers too. C
    allows 3,000 kW: P4's 4,000 kW bid there gets no offer, with the reason."""
    bids = [
        {"participant": "P1", "price": 20.0, "volume_kw": 5000, "connection_point": "A"},
        {"participant": "P2", "price": 22.0, "volume_kw": 5000, "connection_point": "B"},
        {"participant": "P3", "price": 24.0, "volume_kw": 3000, "connection_point": "C"},
        {"participant": "P4", "price": 25.0, "volume_kw": 1000, "connection_point": "C"},
        {"participant": "P5", "price": 26.0, "volume_kw": 2000, "connection_point": "A"},
    ]
    r = clear_auction(BIOMASS, bids)
    assert r.offers["participant"].tolist() == ["P3", "P5"]
    assert r.not_offered["participant"].tolist() == ["P4"]
    assert "above its limit 3,000 kW" in r.not_offered["reason"][0]


def test_after_an_accepted_offer_the_result_names_clause_102():
    bids = [
        {"participant": "P1", "price": 20.0, "volume_kw": 5000, "connection_point": "A"},
        {"participant": "P2", "price": 22.0, "volume_kw": 5000, "connection_point": "B"},
        {"participant": "P3", "price": 24.0, "volume_kw": 3000, "connection_point": "A"},
    ]
    r = clear_auction(BIOMASS, bids, accepted=["P3"])
    assert r.branch == "offer accepted (102)" and "102" in r.reason
    assert "101" not in r.reason and r.volume_kw == 13000


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(1, 8), st.integers(1000, 3200), st.integers(100, 4000), st.sampled_from("ABC")),
        min_size=2,
        max_size=25,
    ),
    st.integers(1000, 12000),
    st.lists(st.tuples(st.integers(500, 8000), st.integers(1, 3)), min_size=3, max_size=3),
)
def test_accepting_every_offer_never_breaches_a_connection_point(raw, volume, limits):
    points = {name: {"limit_kw": lim, "max_connections": k} for name, (lim, k) in zip("ABC", limits)}
    auction = {**BIOMASS, "volume_kw": volume, "connection_points": points}
    seen: set[int] = set()
    bids = []
    for who, cents, kw, point in raw:
        if cents in seen:  # clause 79 keeps prices apart
            continue
        seen.add(cents)
        bids.append({"participant": f"P{who}", "price": cents / 100, "volume_kw": kw, "connection_point": point})
    everyone = [f"P{i}" for i in range(1, 9)]
    r = clear_auction(auction, bids, accepted=everyone)
    if not r.valid or r.winners.empty:
        return
    per_point = r.winners.groupby("connection_point")["volume_kw"].agg(["sum", "size"])
    for point, row in per_point.iterrows():
        assert row["sum"] <= points[point]["limit_kw"] and row["size"] <= points[point]["max_connections"]
    offered = r.offers[r.offers["clause"] == "102"]["participant"]
    assert offered.is_unique and not set(offered) & set(r.winners[r.winners["clause"] != "102"]["participant"])


# bid and order files


@pytest.mark.parametrize(
    "content, field, words",
    [
        (b"participant,price,volume_kw,min_volume_kw\nA,15,1000,lots\n", "min_volume_kw", "row 1: 'lots'"),
        (b"participant,price,volume_kw,security_tenge\nA,15,1000,n/a\n", "security_tenge", "row 1: 'n/a'"),
        (b"participant,price,volume_kw,time\nA,15,1000,10\nB,16,1000,nine\n", "time", "row 2: 'nine'"),
        (b"participant,price,volume_kw\n ,15,1000\n", "participant", "row 1: is blank"),
        (b"participant,price,volume_kw\nA,15,1000,extra\n", "(row)", "row 1: has 4 field(s)"),
        (b"participant,price,volume_kw\nA,15\n", "(row)", "row 1: has 2 field(s)"),
        (b"participant,price,volume_kw\nA,inf,1000\n", "price", "not a finite number"),
        (b"participant;price;volume_kw\nA;15;1000\n", "(header)", "separate the columns with commas"),
        (b"", "(file)", "is empty"),
    ],
)
def test_a_malformed_bid_file_names_the_row_and_field(content, field, words):
    with pytest.raises(ParameterError) as err:
        read_bids_csv(content, "mine.csv")
    assert err.value.path == "mine.csv"
    assert any(f == field and words in why for f, why in err.value.problems), err.value.problems


def test_identifiers_stay_text_and_every_problem_is_listed():
    ok = read_bids_csv(b"participant,price,volume_kw,connection_point\n007,15,1000,1\n", "mine.csv")
    assert ok.loc[0, "participant"] == "007" and ok.loc[0, "connection_point"] == "1"
    with pytest.raises(ParameterError) as err:
        read_orders_csv(b"participant,price,volume_kw,time\nA,x,1000,9\nB,15,y,z\n", "log.csv")
    assert [f for f, _ in err.value.problems] == ["price", "volume_kw", "time"]


def test_times_compare_as_numbers_not_text():
    s = run_session(
        WITH_DOCS,
        read_orders_csv(b"participant,price,volume_kw,time\nA,20,50000,10\nB,21,50000,9\n", "log.csv"),
    )
    assert s.orders["participant"].tolist() == ["B", "A"]  # 9 s before 10 s


cell = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["=cmd|' /C calc'!A0", "+1", "-", "1e400", "nan", "", " ", "\ufeff", '"', "15.5", "1000"]),
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=200),
        st.lists(st.lists(cell, min_size=0, max_size=7), max_size=6).map(
            lambda rows: "\n".join(
                [",".join(["participant", "price", "volume_kw", "connection_point", "time"])]
                + [st_sep.join(r) for st_sep, r in zip([",", ";", "\t", ","] * 2, rows)]
            ).encode()
        ),
    )
)
def test_any_file_gives_a_clean_table_or_a_located_error(content):
    try:
        df = read_bids_csv(content, "fuzz.csv")
    except ParameterError as exc:
        assert str(exc).startswith("fuzz.csv: field ") and exc.problems
        return
    assert isinstance(df, pd.DataFrame)
    assert df["price"].notna().all() and df["volume_kw"].notna().all()
    assert df["participant"].map(lambda v: isinstance(v, str) and v != "").all()
    r = clear_auction(_point_auction(5000) | {"connection_points": {"B": {"limit_kw": 5000, "max_connections": 9}}}, df)
    assert len(r.rejected) + len(r.ranked) == len(df)


def test_clause_93_ranks_by_price_and_clauses_94_to_96_test_validity():
    """93: "a ranked schedule formed in ascending order of the prices"; 94: two participants
    and 130 % of the volume, 95: not for waste, hydro, biomass, biogas auctions."""
    from marketbooks.rules.auction.clearing import ranked_list, validity_tests

    bids = pd.DataFrame(
        {
            "participant": ["A", "B", "C"],
            "price": [15.0, 14.0, 16.0],
            "volume_kw": [500.0, 400.0, 300.0],
            "time": [0, 1, 2],
        }
    )
    ranked = ranked_list(bids)
    assert ranked["participant"].tolist() == ["B", "A", "C"] and ranked["rank"].tolist() == [1, 2, 3]
    spec = AuctionSpec(
        kind="without_documentation",
        technology="solar",
        volume_kw=1000,
        max_price=16.97,
        connection_points={"P": {"limit_kw": 1000, "max_connections": 3}},
    )
    tests = validity_tests(spec, ranked).set_index("test")
    assert (
        tests.loc["offered volume / announced", "value"] == 120.0
        and not tests.loc["offered volume / announced", "passed"]
    )
    biomass = spec.model_copy(update={"technology": "biomass"})
    assert not validity_tests(biomass, ranked).set_index("test").loc["offered volume / announced", "applies"]


def test_clause_82_one_lot_per_connection_point_or_the_single_project():
    """82: "participants submit bids for each connection point and land plot separately"."""
    from marketbooks.rules.auction.bids import lot

    spec = AuctionSpec(**_point_auction(1000))
    assert lot(spec, "A") == "A" and lot(spec, "B") == "B"
    assert lot(AuctionSpec(**WITH_DOCS), None) == "(project)"
