"""Real chain state for a backtest: heights, difficulty epochs and halving dates.

These helpers read the start state of :func:`simulator.analysis.backtest.run_backtest`
from a :func:`simulator.inputs.history.load_history` frame (see the module
docstring of :mod:`simulator.analysis.backtest` for the rules) and date the
halvings of the simulated and the real chain.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np
import pandas as pd

from simulator.model.protocol import (
    ERA_START_ISSUED_SAT,
    ERA_SUBSIDY_SAT,
    HALVING_INTERVAL,
    RETARGET_INTERVAL,
    SAT_PER_BTC,
)

__all__ = [
    "DUPLICATE_COINBASE_DAY",
    "GENESIS",
    "Halving",
    "contiguous",
    "halving_dates",
    "height_from_supply",
    "infer_epoch_elapsed_days",
    "infer_start_height",
    "mixed_days",
]

GENESIS = dt.date(2009, 1, 3)
#: First day whose supply no longer holds the two duplicate coinbases (100 BTC).
DUPLICATE_COINBASE_DAY = dt.date(2010, 11, 14)
_RETARGET_TOLERANCE = 1e-6  # relative; the rebuilt difficulty is stable to ~1e-8


class Halving(NamedTuple):
    """A halving inside the window.

    Attributes
    ----------
    height : int
        Height of the first block of the new era [blocks].
    sim_date : datetime.date or None
        Day on which the simulated chain mined that block.
    real_date : datetime.date or None
        First full post-halving day in the data: the first day whose
        ``issuance_btc / blocks`` equals the new subsidy (the day before is
        the mixed day; e.g. 2024-04-20, with 2024-04-19 mixed, and 2020-05-12,
        with block 630,000 mined late on 2020-05-11).
    """

    height: int
    sim_date: dt.date | None
    real_date: dt.date | None


def height_from_supply(supply_btc: float, day: dt.date) -> int:
    """Height at the end of a day inferred from the supply at its end.

    The supply in Coin Metrics' ``SplyCur`` leaves out the genesis output
    (50 BTC) and, from 2010-11-14 on, the two overwritten duplicate
    coinbases (100 BTC). Adding them back gives the subsidy issued by blocks
    ``0 .. h``; the height is the ``h`` whose protocol issuance matches it,
    found in closed form per era and rounded. Subsidies miners never claimed
    (about 80 BTC by 2025) make it read low, by 26 blocks at the end of 2025.

    Parameters
    ----------
    supply_btc : float
        Supply at the end of ``day`` [BTC].
    day : datetime.date
        The day.

    Returns
    -------
    int
        Height of the last block of the day [blocks].
    """
    missing = 50.0 + (100.0 if day >= DUPLICATE_COINBASE_DAY else 0.0)
    issued = round((supply_btc + missing) * SAT_PER_BTC)
    era = int(np.searchsorted(ERA_START_ISSUED_SAT, issued, side="right")) - 1
    era = min(era, len(ERA_SUBSIDY_SAT) - 1)
    if ERA_SUBSIDY_SAT[era] == 0:
        raise ValueError("supply is at the cap: the height cannot be inferred")
    blocks = era * HALVING_INTERVAL + (issued - ERA_START_ISSUED_SAT[era]) / ERA_SUBSIDY_SAT[era]
    return int(round(blocks)) - 1


def contiguous(index: pd.DatetimeIndex) -> bool:
    """Whether a daily index has one row per day with no gaps.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Daily dates, in order.

    Returns
    -------
    bool
        True if consecutive dates are one day apart (or there are fewer than two).
    """
    return bool(len(index) < 2 or (np.diff(index.values) == np.timedelta64(1, "D")).all())


def infer_start_height(frame: pd.DataFrame, day: pd.Timestamp) -> tuple[int, str]:
    """Height at the end of ``day`` and how it was found.

    From the blocks since genesis, else the supply on the frame's first day
    plus the blocks since (both need a frame without gaps up to ``day``),
    else the supply on ``day`` (see :mod:`simulator.analysis.backtest`).

    Parameters
    ----------
    frame : pandas.DataFrame
        History with ``blocks`` and, unless it starts at genesis, ``supply_btc``.
    day : pandas.Timestamp
        The day whose end height is wanted.

    Returns
    -------
    tuple of (int, str)
        The height [blocks] and how it was obtained.

    Raises
    ------
    ValueError
        If the frame neither starts at genesis nor has ``supply_btc``.
    """
    head = frame.loc[:day]
    if contiguous(head.index):
        if head.index[0].date() == GENESIS:
            return int(round(head["blocks"].sum())), "sum of blocks from genesis"
        if "supply_btc" in frame.columns:
            first = head.index[0]
            anchor = height_from_supply(float(head["supply_btc"].iloc[0]), first.date())
            since = int(round(head["blocks"].iloc[1:].sum()))
            return anchor + since, f"supply on {first.date()} plus the blocks since"
    if "supply_btc" not in frame.columns:
        raise ValueError(
            "cannot infer the start height: give start_height, or a frame with "
            "blocks from genesis or a supply_btc column"
        )
    return height_from_supply(float(frame.at[day, "supply_btc"]), day.date()), "supply that day"


def infer_epoch_elapsed_days(window_blocks: pd.Series, height0: int) -> float | None:
    """Days from the start of the current difficulty epoch to the end of the last day.

    The real height at the end of each earlier day is ``height0`` less the
    blocks found since. The epoch began when block ``E - 1`` was found (``E``
    the epoch's first height); that moment is placed inside its day by linear
    interpolation of the height.

    Parameters
    ----------
    window_blocks : pandas.Series
        Real blocks per day up to and including the start day.
    height0 : int
        Height at the end of the start day [blocks].

    Returns
    -------
    float or None
        Days into the epoch, or None if ``window_blocks`` does not reach back
        to the epoch's start.
    """
    blocks = window_blocks.to_numpy(dtype=np.float64)[::-1]  # start day first, going back
    end_heights = height0 - np.concatenate([[0.0], np.cumsum(blocks)])  # end of day -j
    boundary = float((height0 + 1) - (height0 + 1) % RETARGET_INTERVAL - 1)
    before = np.flatnonzero(end_heights < boundary)
    if len(before) == 0:
        return None
    j = int(before[0])  # the block was found during day -(j - 1), i.e. after the end of day -j
    fraction = (boundary - end_heights[j]) / (end_heights[j - 1] - end_heights[j])
    return float(j - fraction)


def mixed_days(difficulty: pd.Series, index: pd.DatetimeIndex) -> np.ndarray:
    """True on days whose mean difficulty differs from the day before and the day after.

    Such a day holds blocks of two epochs (a retarget inside the day); its mean
    lies between the old and the new difficulty. The last day of the frame is
    compared with the day before only.

    Parameters
    ----------
    difficulty : pandas.Series
        Daily mean difficulty over the whole frame.
    index : pandas.DatetimeIndex
        The days to flag (all in ``difficulty``'s index).

    Returns
    -------
    numpy.ndarray of bool
        One flag per day of ``index``.
    """
    values = difficulty.to_numpy()
    where = difficulty.index.get_indexer(index)
    changed = np.abs(values[1:] / values[:-1] - 1.0) > _RETARGET_TOLERANCE  # day i+1 vs i
    before = np.concatenate([[False], changed])[where]
    after = np.concatenate([changed, [True]])[where]
    return before & after


def halving_dates(
    daily: pd.DataFrame, start_height: int, subsidy_per_block: pd.Series
) -> list[Halving]:
    """Halvings crossed by the simulated or the real chain during the window.

    Parameters
    ----------
    daily : pandas.DataFrame
        Daily backtest frame with ``sim_height`` and ``real_height`` [blocks].
    start_height : int
        Height at the end of the day before the window [blocks].
    subsidy_per_block : pandas.Series
        Real issuance per block [BTC] (unused: both dates follow the heights).

    Returns
    -------
    list of Halving
        Each halving height above ``start_height`` reached by either chain.
    """
    top = max(daily["sim_height"].iloc[-1], daily["real_height"].iloc[-1])
    out = []
    for height in range(
        (start_height // HALVING_INTERVAL + 1) * HALVING_INTERVAL, int(top) + 1, HALVING_INTERVAL
    ):
        crossed = daily.index[daily["sim_height"].to_numpy() >= height]
        sim_date = crossed[0].date() if len(crossed) else None
        # The same rule for the real chain: the day its height (start + real blocks)
        # reaches the halving height, in the data's own day buckets.
        reached = daily.index[daily["real_height"].to_numpy() >= height]
        real_date = reached[0].date() if len(reached) else None
        out.append(Halving(height, sim_date, real_date))
    return out
