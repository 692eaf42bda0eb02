"""The chain's state at the end of a day: height routes, difficulty routes, epoch time.

The real-file answers (930,345 at the end of 2025-12-31, the supply's -26
blocks, a retarget inside the start day) are in tests/analysis/test_backtest.py
and tests/inputs/test_start_state.py; these cases are small made-up frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator.inputs.chain_state import (
    GENESIS,
    HeightEstimate,
    difficulty_at_end,
    epoch_elapsed_at,
    estimate_height,
    height_from_supply,
)


def frame(first: str, blocks: list[float], supply: list[float] | None = None) -> pd.DataFrame:
    index = pd.date_range(first, periods=len(blocks), freq="D", name="date")
    data: dict[str, list[float]] = {"blocks": blocks}
    if supply is not None:
        data["supply_btc"] = supply
    return pd.DataFrame(data, index=index)


def test_height_routes() -> None:
    # Coin Metrics counts no block on 2009-01-03 (the genesis block, height 0, is not
    # counted), so the sum is the height: 19 blocks by 2009-01-09 end at height 19
    genesis = frame(str(GENESIS), [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 19.0])
    height = estimate_height(genesis, genesis.index[-1])
    assert height == HeightEstimate(19, "genesis", GENESIS)
    assert height.method == "sum of blocks from genesis" and height.exact
    # 2012-01-01: 160,000 blocks of 50 BTC less the genesis output and the duplicates
    supply = 160_000 * 50.0 - 150.0
    days = frame("2012-01-01", [150.0, 140.0, 146.0], [supply, supply + 7000, supply + 14300])
    assert height_from_supply(supply, days.index[0].date()) == 159_999
    anchored = estimate_height(days, days.index[-1])
    assert anchored.height == 159_999 + 140 + 146 and anchored.route == "anchor"
    assert anchored.method == "supply on 2012-01-01 plus the blocks since"
    # a blank block count breaks the sum: the supply of the day itself, not exact
    blank = days.assign(blocks=[150.0, np.nan, 146.0])
    rough = estimate_height(blank, blank.index[-1])
    assert rough.route == "supply" and not rough.exact and rough.method == "supply that day"
    assert rough.height == height_from_supply(supply + 14300, blank.index[-1].date())
    # so does a blank supply on the first day
    assert estimate_height(days.assign(supply_btc=[np.nan, 1, supply]), days.index[-1]).route == (
        "supply"
    )


def test_height_errors() -> None:
    days = frame("2012-01-01", [150.0, np.nan, 146.0])
    with pytest.raises(ValueError, match="give start_height, or a frame with blocks from genesis"):
        estimate_height(days, days.index[-1])
    blank = days.assign(supply_btc=[1e6, 1e6, np.nan])
    with pytest.raises(ValueError, match="supply_btc is blank on 2012-01-03"):
        estimate_height(blank, blank.index[-1])


def test_epoch_elapsed_needs_every_block_count() -> None:
    # height 4,031 + 1 = 4,032 = 2 x 2,016: the epoch begins with the next block
    days = frame("2012-01-01", [144.0] * 20)
    assert epoch_elapsed_at(days, days.index[-1], 4_031) == 0.0
    # 100 blocks into the epoch at the end of the last day: 100 / 144 of it
    assert epoch_elapsed_at(days, days.index[-1], 4_131) == pytest.approx(100 / 144)
    assert epoch_elapsed_at(days.assign(blocks=[144.0] * 19 + [np.nan]), days.index[-1], 0) is None
    assert epoch_elapsed_at(days.drop(days.index[3]), days.index[-1], 4_131) is None


def retarget(last_mean: float, with_next: bool) -> tuple[pd.Series, pd.Series]:
    """Three days at difficulty 100, then a day whose mean moved (and maybe the day after)."""
    values = [100.0, 100.0, 100.0, last_mean] + ([120.0] if with_next else [])
    index = pd.date_range("2024-01-01", periods=len(values), freq="D")
    return pd.Series(values, index=index), pd.Series(144.0, index=index)


def test_difficulty_routes() -> None:
    # 44 of the last day's 144 blocks at 120 (from height 10 x 2,016), 100 before at 100
    mean = (100 * 100.0 + 44 * 120.0) / 144
    difficulty, blocks = retarget(mean, with_next=True)
    day = difficulty.index[3]
    assert difficulty_at_end(difficulty, blocks, difficulty.index[1], None).route == "day"
    assert difficulty_at_end(difficulty, blocks, day, None) == (120.0, "next")
    last, blocks = retarget(mean, with_next=False)
    split = difficulty_at_end(last, blocks, day, 20_160 + 43)
    assert split.route == "split" and split.value == pytest.approx(120.0, rel=1e-14)
    # the whole day in the new epoch (its first block is 20,160): the day's mean is the difficulty
    assert difficulty_at_end(last, blocks, day, 20_160 + 143) == (mean, "day")
    with pytest.raises(
        ValueError,
        match="changed on 2024-01-04, the last day with data, and the height is too rough",
    ):
        difficulty_at_end(last, blocks, day, None)
    gap = last.drop(last.index[2])
    with pytest.raises(
        ValueError, match="inside 2024-01-04, the last day with data, and the day before is missing"
    ):
        difficulty_at_end(gap, blocks.drop(blocks.index[2]), day, 20_160 + 43)
    # a blank day before: no change can be seen, so the day's mean stands
    blank = last.where(last.index != last.index[2])
    assert difficulty_at_end(blank, blocks, day, 20_160 + 43) == (mean, "day")
