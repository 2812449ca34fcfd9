"""NZ price files (seed 002; EMI layouts) on daylight-saving days and with errors in them.

Constructed files in the published layouts: a whole day that ends daylight saving (50
trading periods, the hour from 02:00 twice), one that starts it (46), and every kind of bad
cell a real file can have.
"""

import random

import pandas as pd
import pytest

from marketbooks.data import nz_prices
from marketbooks.rules import rtp
from marketbooks.rules.rtp import PriceDataError

DST_END = "2016-04-03"  # NZ daylight saving ended at 03:00 NZDT: 02:00–02:59 came twice
DST_START = "2016-09-25"  # and started at 02:00 NZST: no 02:00–02:59
NODES = ["BEN2201", "HAY2201", "OTA2201"]
DISPATCH_HEADER = "TradingDate,TradingPeriod,PublishDateTime,PointOfConnection,Island,DollarsPerMegawattHour"


def _local_clock(date: str, period: int) -> str:
    """The wall-clock start of a trading period on ``date`` (periods 7–8 of the day
    daylight saving ends show 02:00 and 02:30 again)."""
    utc = pd.Timestamp(date).tz_localize(rtp.TZ).tz_convert("UTC") + pd.Timedelta(minutes=30 * (period - 1))
    return utc.tz_convert(rtp.TZ).strftime("%Y-%m-%d %H:%M:%S")


def dispatch_day(date: str, periods: int, offsets: bool = False) -> list[str]:
    """One price per node at the start of every period, in the published order: time, then node."""
    rows = []
    for p in range(1, periods + 1):
        clock = _local_clock(date, p)
        if offsets:
            stamp = pd.Timestamp(date).tz_localize(rtp.TZ) + pd.Timedelta(minutes=30 * (p - 1))
            stamp = stamp.tz_convert("UTC").tz_convert(rtp.TZ)
            clock = stamp.isoformat()
        for i, node in enumerate(NODES):
            rows.append(f"{date},{p},{clock},{node},NI,{p * 10 + i}.00")
    return rows


@pytest.mark.parametrize("date, periods", [(DST_END, 50), (DST_START, 46), ("2016-05-01", 48)])
def test_a_whole_day_loads_in_the_published_order_and_in_any_other(date, periods):
    rows = dispatch_day(date, periods)
    published = nz_prices.read_dispatch_prices("\n".join([DISPATCH_HEADER, *rows]) + "\n")
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    other = nz_prices.read_dispatch_prices("\n".join([DISPATCH_HEADER, *shuffled]) + "\n")
    pd.testing.assert_frame_equal(published, other)
    tp = rtp.trading_period_prices(published)
    assert len(tp) == periods * len(NODES) and tp["complete"].all()
    for i, node in enumerate(NODES):
        mine = tp[tp["node"] == node]
        assert mine["trading_period"].tolist() == list(range(1, periods + 1))
        assert mine["price"].tolist() == [p * 10 + i for p in range(1, periods + 1)]  # each in its own period


def test_dispatch_times_with_mixed_utc_offsets_load():
    rows = dispatch_day(DST_END, 50, offsets=True)
    assert any("+13:00" in r for r in rows) and any("+12:00" in r for r in rows)
    df = nz_prices.read_dispatch_prices("\n".join([DISPATCH_HEADER, *rows]) + "\n")
    tp = rtp.trading_period_prices(df)
    assert tp[tp["node"] == "BEN2201"]["trading_period"].tolist() == list(range(1, 51))


def test_a_five_minute_run_in_the_repeated_hour_is_placed_for_every_node():
    # periods 5–8 of the day daylight saving ends, every node, in the file's order (time, node)
    lines = []
    for period in (5, 6, 7, 8):
        clock = pd.Timestamp(_local_clock(DST_END, period))
        for k in range(6):
            t = clock + pd.Timedelta(minutes=5 * k)
            for i, node in enumerate(NODES):
                lines.append(
                    f"{node},03/04/2016,{period},{t:%H:%M},{period * 10 + i}.00,NI,AREA,F,03/04/2016 {t:%H:%M}"
                )
    df = nz_prices.read_indicative_5min("\n".join(lines) + "\n")
    tp = rtp.trading_period_prices(df, "simple")
    for i, node in enumerate(NODES):
        mine = tp[tp["node"] == node]
        assert mine["trading_period"].tolist() == [5, 6, 7, 8]
        assert mine["price"].tolist() == [50 + i, 60 + i, 70 + i, 80 + i] and mine["complete"].all()


def test_both_final_price_layouts_give_the_same_table():
    current = "TradingDate,TradingPeriod,PointOfConnection,DollarsPerMegawattHour\n2016-04-03,50,HAY2201,61.50\n"
    legacy = "Trading_date,Trading_period,Node,Price\n2016-04-03,50,HAY2201,61.50\n"
    pd.testing.assert_frame_equal(nz_prices.read_final_prices(current), nz_prices.read_final_prices(legacy))


def test_a_mistyped_path_is_file_not_found(tmp_path):
    with pytest.raises(PriceDataError, match=r"final prices: file not found: .*nope\.csv"):
        nz_prices.read_final_prices(str(tmp_path / "nope.csv"))
    with pytest.raises(PriceDataError, match="file not found"):
        nz_prices.read_indicative_5min(tmp_path / "nope.csv")


FINAL = "TradingDate,TradingPeriod,PointOfConnection,DollarsPerMegawattHour\n"


@pytest.mark.parametrize(
    "text, message",
    [
        (FINAL + "2016-04-02,1,HAY2201,abc\n", r"line 2, field 'DollarsPerMegawattHour': 'abc' is not a number"),
        (FINAL + "2016-04-02,1,HAY2201,\n", r"line 2, field 'DollarsPerMegawattHour': is empty"),
        (FINAL + "2016-04-02,1,HAY2201,1\n2016-04-02,2,HAY2201,n/a\n", r"line 3, .*'n/a' is not a number"),
        (FINAL + "2016-04-02,one,HAY2201,1\n", r"line 2, field 'TradingPeriod': 'one' is not a number"),
        (FINAL + "2016-04-02,1.5,HAY2201,1\n", r"'1.5' is not a trading period"),
        (FINAL + "2016-02-30,1,HAY2201,1\n", r"line 2, field 'TradingDate': '2016-02-30' is not a date"),
        (FINAL + "2016-05-01,49,HAY2201,1\n", r"trading period 49 does not exist on 2016-05-01, which has 48"),
        (FINAL + f"{DST_START},47,HAY2201,1\n", r"does not exist on 2016-09-25, which has 46"),
        (FINAL + "2016-04-02,1,HAY2201,1,extra\n", r"line 2: has 5 fields, the others 4"),
        (FINAL + "2016-04-02,1,HAY2201\n", r"line 2: has fewer fields"),
        ("", r"the file is empty"),
        (b"\xff\xfe\x00junk", r"not UTF-8"),
    ],
)
def test_a_bad_cell_is_named_by_file_line_and_field(text, message):
    with pytest.raises(PriceDataError, match=message) as err:
        nz_prices.read_final_prices(text)
    assert str(err.value).startswith("final prices: ")


def test_a_dispatch_time_outside_its_period_is_named():
    rows = [DISPATCH_HEADER, f"{DST_END},9,2016-04-03 02:00:00,HAY2201,NI,70.00"]  # 02:00 is period 5 or 7
    with pytest.raises(PriceDataError, match=r"line 2: 2016-04-03 02:00:00 is not in its trading period"):
        nz_prices.read_dispatch_prices("\n".join(rows) + "\n")
