"""Starting from the real state on a day of a history file (issue 12, s. 2)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from simulator.inputs.errors import HistoryError
from simulator.inputs.start_state import start_state

DAY = dt.date(2025, 12, 31)


def rows(path: Path) -> dict[str, dict[str, str]]:
    """The file's rows by date, as text."""
    with path.open(newline="") as handle:
        return {row["date"]: row for row in csv.DictReader(handle)}


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def write(tmp_path: Path, text: list[str], name: str = "history.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(text) + "\n")
    return path


def days(first: str, last: str) -> list[str]:
    a, b = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [str(a + dt.timedelta(days=i)) for i in range((b - a).days + 1)]


def test_known_answer_on_2025_12_31(real_history_file: Path) -> None:
    raw = rows(real_history_file)
    state = start_state(real_history_file, DAY)
    values = {key: v.value for key, v in state.values.items()}
    assert state.day == DAY and state.file == "btc_daily.csv"
    assert list(values) == [
        "scenario.start_date",
        "market.price.start_usd",
        "chain.start_height",
        "chain.start_difficulty",
        "chain.epoch_elapsed_days",
        "market.network.start_ehs",
        "chain.fees_btc_per_block",
    ]
    assert values["scenario.start_date"] == DAY
    row = raw["2025-12-31"]
    assert values["market.price.start_usd"] == float(row["price_usd"])  # 87,516.98 USD/BTC
    # Height: the supply on the first day, 3,447,800 BTC, plus the 50 BTC genesis
    # output it leaves out, is 68,957 subsidies of 50 BTC: blocks 0..68,956. Then
    # the blocks of 2010-07-19..2025-12-31 (861,389) give 930,345.
    first = raw["2010-07-18"]
    assert (float(first["supply_btc"]) + 50) / 50 == 68_957
    since = sum(int(r["blocks"]) for d, r in raw.items() if d > "2010-07-18")
    assert 68_956 + since == 930_345 == values["chain.start_height"]
    # No retarget on the day (its mean equals the day before's to 1e-8): the day's difficulty.
    assert float(row["difficulty"]) == pytest.approx(float(raw["2025-12-30"]["difficulty"]))
    assert values["chain.start_difficulty"] == float(row["difficulty"])  # 148.26 T
    # Epoch: 930,346 blocks mined, 930,346 % 2,016 = 970 in the epoch, which began when
    # block 929,375 was found. Ends of day back from 930,345: 12-24 ends at
    # 930,345 - (133 + 119 + 154 + 155 + 136 + 156 + 138) = 929,354, so the block came
    # 21 of 2025-12-25's 138 blocks into it: 6 days + (1 - 21/138) = 6.848 days.
    back = sum(int(raw[d]["blocks"]) for d in days("2025-12-25", "2025-12-31"))
    assert 930_345 - back == 929_354 and 929_376 + 970 == 930_346
    elapsed = 6 + (1 - (929_375 - 929_354) / int(raw["2025-12-25"]["blocks"]))
    assert values["chain.epoch_elapsed_days"] == pytest.approx(elapsed, rel=1e-12)
    sources = {key: v.source for key, v in state.values.items()}
    assert sources == {
        "scenario.start_date": "btc_daily.csv, 2025-12-31 as given",
        "market.price.start_usd": "btc_daily.csv, price_usd on 2025-12-31",
        "chain.start_height": "btc_daily.csv, supply_btc on 2010-07-18 plus blocks to 2025-12-31",
        "chain.start_difficulty": "btc_daily.csv, difficulty on 2025-12-31",
        "chain.epoch_elapsed_days": "btc_daily.csv, blocks to 2025-12-31 since block 929,375 "
        "was found",
        "market.network.start_ehs": "btc_daily.csv, hashrate_ths 7-day mean 2025-12-25..2025-12-31",
        "chain.fees_btc_per_block": "btc_daily.csv, fees_btc / blocks over the 30 days "
        "2025-12-02..2025-12-31",
    }
    units = {key: v.unit for key, v in state.values.items()}
    assert units["chain.start_height"] == "blocks" and units["market.network.start_ehs"] == "EH/s"
    assert units["chain.fees_btc_per_block"] == "BTC/block"


@pytest.mark.parametrize("day", [DAY, dt.date(2020, 1, 1)])
def test_trailing_means_match_the_raw_rows(real_history_file: Path, day: dt.date) -> None:
    raw = rows(real_history_file)
    values = start_state(real_history_file, day).values
    week = [raw[str(day - dt.timedelta(days=i))] for i in range(7)]
    month = [raw[str(day - dt.timedelta(days=i))] for i in range(30)]
    # TH/s to EH/s: / 1e6; 2025-12-25..31 averages 1,043 EH/s
    hashrate = sum(float(r["hashrate_ths"]) for r in week) / 7 / 1e6
    assert values["market.network.start_ehs"].value == pytest.approx(hashrate, rel=1e-12)
    # all the fees over all the blocks: 2025-12-02..31 gives 0.0188 BTC a block
    fees = sum(float(r["fees_btc"]) for r in month) / sum(int(r["blocks"]) for r in month)
    assert values["chain.fees_btc_per_block"].value == pytest.approx(fees, rel=1e-12)


def test_latest_passes_over_unfinished_days(real_history_file: Path, tmp_path: Path) -> None:
    text = lines(real_history_file)
    # a day with a price but no chain data yet, then one whose blocks are not counted yet
    text += ["2026-01-01,88000,,,,,,", "2026-01-02,88100,1e9,1.48e14,0,0,0,19970000"]
    path = write(tmp_path, text)
    state = start_state(path)
    real = start_state(real_history_file, DAY)
    assert state.day == DAY == start_state(real_history_file).day
    assert {k: v.value for k, v in state.values.items()} == {
        k: v.value for k, v in real.values.items()
    }
    assert state.values["scenario.start_date"].source == "history.csv, last full day (2025-12-31)"
    with pytest.raises(
        HistoryError,
        match=r"history\.csv: hashrate_ths, difficulty, fees_btc, "
        r"blocks blank on 2026-01-01; pick another day",
    ):
        start_state(path, dt.date(2026, 1, 1))
    with pytest.raises(HistoryError, match=r"history\.csv: no blocks on 2026-01-02"):
        start_state(path, dt.date(2026, 1, 2))
    # a file with no full day at all
    empty = write(tmp_path, [text[0], "2026-01-01,88000,,,,,,"], "empty.csv")
    with pytest.raises(HistoryError, match=r"empty\.csv: no full day"):
        start_state(empty)


def test_coinmetrics_layout_gets_the_difficulty_from_the_hashrate(
    real_history_file: Path, tmp_path: Path
) -> None:
    # The real file in Coin Metrics' names, without DiffMean (as the free file now is),
    # ending with today's unfinished row, on which only ReferenceRate is filled in.
    out = ["time,BlkCnt,FeeTotNtv,HashRate,IssTotNtv,PriceUSD,ReferenceRate,SplyCur"]
    for r in rows(real_history_file).values():
        fields = ("blocks", "fees_btc", "hashrate_ths", "issuance_btc", "price_usd")
        out.append(",".join([r["date"], *(r[f] for f in fields), r["price_usd"], r["supply_btc"]]))
    out.append("2026-01-01,,,,,,87600,")
    state = start_state(write(tmp_path, out, "btc.csv"))
    raw = rows(real_history_file)["2025-12-31"]
    assert state.day == DAY
    values = state.values
    assert values["chain.start_height"].value == 930_345
    # HashRate x 1e12 x 86,400 / (BlkCnt x 2^32), which is how btc_daily.csv rebuilt it
    difficulty = float(raw["hashrate_ths"]) * 1e12 * 86_400 / (int(raw["blocks"]) * 2**32)
    assert values["chain.start_difficulty"].value == pytest.approx(difficulty, rel=1e-14)
    assert values["chain.start_difficulty"].value == pytest.approx(float(raw["difficulty"]))
    assert values["chain.start_height"].source == (
        "btc.csv, SplyCur on 2010-07-18 plus BlkCnt to 2025-12-31"
    )
    assert values["chain.start_difficulty"].source == (
        "btc.csv, difficulty from HashRate and BlkCnt on 2025-12-31"
    )
    assert values["market.network.start_ehs"].source.startswith("btc.csv, HashRate 7-day mean")
    assert values["chain.fees_btc_per_block"].source.startswith("btc.csv, FeeTotNtv / BlkCnt")


def test_plain_layout_without_chain_columns_names_them(tmp_path: Path) -> None:
    dates = days("2024-01-01", "2024-03-01")
    path = write(tmp_path, ["date,price_usd,hashrate_ehs", *(f"{d},42000,500" for d in dates)])
    with pytest.raises(HistoryError) as info:
        start_state(path)
    assert str(info.value) == (
        f"{path}: to start from this file it needs the column(s) difficulty, fees_btc, "
        "blocks, supply_btc; the plain layout read has price_usd, hashrate_ehs"
    )
    priced = write(tmp_path, ["date,price_usd", *(f"{d},42000" for d in dates)], "p.csv")
    with pytest.raises(
        HistoryError,
        match=r"p\.csv: .*column\(s\) hashrate_ehs, difficulty, "
        r"fees_btc, blocks, supply_btc \(or hashrate_ths\)",
    ):
        start_state(priced)


def test_a_day_outside_or_missing_from_the_file(real_history_file: Path, tmp_path: Path) -> None:
    covers = "which covers 2010-07-18..2025-12-31"
    for day in (dt.date(2010, 7, 17), dt.date(2026, 1, 1)):
        with pytest.raises(
            HistoryError, match=f"btc_daily.csv: {day} is outside the file, {covers}"
        ):
            start_state(real_history_file, day)
    text = [line for line in lines(real_history_file) if not line.startswith("2025-12-20")]
    gappy = write(tmp_path, text)
    with pytest.raises(HistoryError, match=r"history\.csv: 2025-12-20 is missing from the file"):
        start_state(gappy, dt.date(2025, 12, 20))
    # a gap inside the 7-day window
    with pytest.raises(
        HistoryError,
        match=r"the 7-day hashrate mean to 2025-12-24 needs the 7 "
        r"days 2025-12-18..2025-12-24; the file has 6 of them",
    ):
        start_state(gappy, dt.date(2025, 12, 24))
    with pytest.raises(ValueError, match="when must be 'latest' or a date"):
        start_state(real_history_file, "today")  # type: ignore[arg-type]


def test_too_few_days_for_a_window(real_history_file: Path) -> None:
    with pytest.raises(
        HistoryError,
        match=r"7-day hashrate mean to 2010-07-20 needs the 7 days "
        r"2010-07-14..2010-07-20; the file has 3 of them",
    ):
        start_state(real_history_file, dt.date(2010, 7, 20))
    with pytest.raises(
        HistoryError,
        match=r"30-day fees per block to 2010-08-01 needs the 30 "
        r"days 2010-07-03..2010-08-01; the file has 15 of them",
    ):
        start_state(real_history_file, dt.date(2010, 8, 1))
    first = start_state(real_history_file, dt.date(2010, 8, 16))  # the first day that fits
    assert first.values["chain.fees_btc_per_block"].source.endswith("2010-07-18..2010-08-16")


def test_a_blank_value_in_a_window(real_history_file: Path, tmp_path: Path) -> None:
    text = lines(real_history_file)
    at = next(i for i, line in enumerate(text) if line.startswith("2025-12-28"))
    cells = text[at].split(",")
    cells[2] = ""  # hashrate_ths
    text[at] = ",".join(cells)
    with pytest.raises(
        HistoryError,
        match=r"history\.csv: hashrate_ths is blank on 2025-12-28, "
        r"in the 7-day hashrate mean 2025-12-25..2025-12-31",
    ):
        start_state(write(tmp_path, text))


def test_a_retarget_on_the_last_day(real_history_file: Path, tmp_path: Path) -> None:
    # 2025-12-25 holds blocks of two epochs; cut there, the next day is not in the file
    head, *body = lines(real_history_file)
    text = [head, *(line for line in body if line[:10] <= "2025-12-25")]
    raw = rows(real_history_file)
    state = start_state(write(tmp_path, text))
    values = state.values
    assert state.day == dt.date(2025, 12, 25)
    assert values["chain.start_height"].value == 929_492
    # 929,492 % 2,016 + 1 = 117 of the day's 138 blocks are of the new epoch (from 929,376);
    # 138 x mean = 21 x old + 117 x new gives the new difficulty, the next day's:
    assert int(raw["2025-12-25"]["blocks"]) == 138 and 929_492 % 2016 + 1 == 117
    mean, old = float(raw["2025-12-25"]["difficulty"]), float(raw["2025-12-24"]["difficulty"])
    new = (138 * mean - 21 * old) / 117
    assert values["chain.start_difficulty"].value == pytest.approx(new, rel=1e-12)
    assert new == pytest.approx(float(raw["2025-12-26"]["difficulty"]), rel=1e-6)
    assert values["chain.start_difficulty"].source == (
        "history.csv, difficulty and blocks on 2025-12-24..2025-12-25 "
        "(the new epoch's blocks of a retarget inside 2025-12-25)"
    )
    # the same when an unfinished day follows
    unfinished = write(tmp_path, [*text, "2025-12-26,87334,,,,,,"], "u.csv")
    assert start_state(unfinished).values["chain.start_difficulty"].value == pytest.approx(new)
    # with the day after, it is read from that day
    after = start_state(real_history_file, dt.date(2025, 12, 25)).values["chain.start_difficulty"]
    assert after.value == float(raw["2025-12-26"]["difficulty"])
    assert after.source == "btc_daily.csv, difficulty on 2025-12-26 (a retarget inside 2025-12-25)"
    # A gap leaves only the day's supply for the height: too rough to split the day.
    gappy = write(tmp_path, [line for line in text if not line.startswith("2015-06-01")], "g.csv")
    with pytest.raises(
        HistoryError,
        match=r"g\.csv: the difficulty changed on 2025-12-25.*too "
        "rough",
    ):
        start_state(gappy)


def test_a_gap_leaves_the_height_to_the_supply(real_history_file: Path, tmp_path: Path) -> None:
    text = [line for line in lines(real_history_file) if not line.startswith("2015-06-01")]
    values = start_state(write(tmp_path, text)).values
    # low by the unclaimed subsidies (26 blocks by the end of 2025); no epoch from the counts
    assert values["chain.start_height"].value == 930_345 - 26
    assert values["chain.start_height"].source == (
        "history.csv, supply_btc on 2025-12-31 (reads low by unclaimed subsidies)"
    )
    assert "chain.epoch_elapsed_days" not in values
