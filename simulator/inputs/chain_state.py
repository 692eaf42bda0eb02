"""Real chain state from a history frame: height, difficulty and time into the epoch.

These read the state of the chain at the end of a day from a
:func:`simulator.inputs.history.load_history` frame. The backtest
(:func:`simulator.analysis.backtest.run_backtest`) starts from it, and so does
a scenario that starts from a history file
(:func:`simulator.inputs.start_state.start_state`).

* Height (:func:`estimate_height`): the sum of ``blocks`` if the frame starts
  at genesis (2009-01-03); otherwise the height on its first day inferred
  from ``supply_btc`` (:func:`height_from_supply`) plus the blocks since; both
  need every day up to the day, with its block count. Without them, the supply
  of the day itself, which reads low by the subsidies miners never claimed.
* Difficulty (:func:`difficulty_at_end`): the day's mean difficulty, or, if a
  retarget happened inside the day (:func:`mixed_days`), the next day's, which
  is the one in force at its end. On the frame's last day the new difficulty
  is solved from the day's mean instead.
* Time into the epoch (:func:`epoch_elapsed_at`): from the block counts, the
  time since the epoch's first block was found, interpolated within its day.

References
----------
.. [1] Bitcoin Core, ``CalculateNextWorkRequired`` (src/pow.cpp): the
   difficulty changes every 2,016 blocks.
.. [2] Coin Metrics, community network data (CC BY-NC 4.0): ``DiffMean`` is
   the mean difficulty of the day's blocks, ``SplyCur`` the supply at the end
   of the day; field notes in ``shared/data/README.md``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, NamedTuple

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
    "EPOCH_LOOKBACK_DAYS",
    "GENESIS",
    "DifficultyEstimate",
    "HeightEstimate",
    "contiguous",
    "difficulty_at_end",
    "epoch_elapsed_at",
    "estimate_height",
    "height_from_supply",
    "infer_epoch_elapsed_days",
    "mixed_days",
]

GENESIS = dt.date(2009, 1, 3)
#: First day whose supply no longer holds the two duplicate coinbases (100 BTC).
DUPLICATE_COINBASE_DAY = dt.date(2010, 11, 14)
#: Days of block counts searched for the epoch's start [days]: in ``btc_daily.csv``
#: (from 2010-07-18) the longest epoch took about 20 days (2021-06-13..07-03,
#: after China's mining ban); 2009's took months, and there the search gives up.
EPOCH_LOOKBACK_DAYS = 60
_RETARGET_TOLERANCE = 1e-6  # relative; the rebuilt difficulty is stable to ~1e-8


class HeightEstimate(NamedTuple):
    """The height at the end of a day and how it was found.

    Attributes
    ----------
    height : int
        Height of the last block of the day [blocks].
    route : {"genesis", "anchor", "supply"}
        ``genesis``: the sum of the blocks from genesis; ``anchor``: the
        supply on ``anchor`` plus the blocks since; ``supply``: the supply on
        the day itself (low by unclaimed subsidies).
    anchor : datetime.date
        The first day of the frame (``genesis``, ``anchor``) or the day
        itself (``supply``).
    """

    height: int
    route: Literal["genesis", "anchor", "supply"]
    anchor: dt.date

    @property
    def method(self) -> str:
        """How the height was found, in words (e.g. ``"supply that day"``)."""
        if self.route == "genesis":
            return "sum of blocks from genesis"
        if self.route == "anchor":
            return f"supply on {self.anchor} plus the blocks since"
        return "supply that day"

    @property
    def exact(self) -> bool:
        """Whether the height follows the block counts (not the supply of the day alone)."""
        return self.route != "supply"


class DifficultyEstimate(NamedTuple):
    """The difficulty in force at the end of a day and how it was found.

    Attributes
    ----------
    value : float
        Difficulty [-].
    route : {"day", "next", "split"}
        ``day``: the day's mean (no retarget inside it); ``next``: the next
        day's mean (a retarget inside the day); ``split``: solved from the
        day's mean and the day before's (a retarget inside the frame's last day).
    """

    value: float
    route: Literal["day", "next", "split"]


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


def _counted(head: pd.DataFrame) -> bool:
    """Whether ``head`` has every day and every day's block count."""
    return contiguous(head.index) and bool(head["blocks"].notna().all())


def estimate_height(frame: pd.DataFrame, day: pd.Timestamp) -> HeightEstimate:
    """Height at the end of ``day`` and how it was found (see the module docstring).

    Parameters
    ----------
    frame : pandas.DataFrame
        History with ``blocks`` and, unless it starts at genesis, ``supply_btc``.
    day : pandas.Timestamp
        The day whose end height is wanted (a row of ``frame``).

    Returns
    -------
    HeightEstimate
        The height [blocks] and its route.

    Raises
    ------
    ValueError
        If the frame neither starts at genesis nor has ``supply_btc``, or the
        supply the route needs is blank.
    """
    head = frame.loc[:day]
    if _counted(head):
        first = head.index[0]
        if first.date() == GENESIS:
            return HeightEstimate(int(round(head["blocks"].sum())), "genesis", GENESIS)
        if "supply_btc" in frame.columns and np.isfinite(head["supply_btc"].iloc[0]):
            anchor = height_from_supply(float(head["supply_btc"].iloc[0]), first.date())
            since = int(round(head["blocks"].iloc[1:].sum()))
            return HeightEstimate(anchor + since, "anchor", first.date())
    if "supply_btc" not in frame.columns:
        raise ValueError(
            "cannot infer the start height: give start_height, or a frame with "
            "blocks from genesis or a supply_btc column"
        )
    supply = float(frame.at[day, "supply_btc"])
    if not np.isfinite(supply):
        raise ValueError(f"cannot infer the start height: supply_btc is blank on {day.date()}")
    return HeightEstimate(height_from_supply(supply, day.date()), "supply", day.date())


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


def epoch_elapsed_at(frame: pd.DataFrame, day: pd.Timestamp, height: int) -> float | None:
    """Days into the difficulty epoch at the end of ``day``, from the block counts.

    Parameters
    ----------
    frame : pandas.DataFrame
        History with ``blocks``.
    day : pandas.Timestamp
        The day (a row of ``frame``).
    height : int
        Height at the end of ``day`` [blocks].

    Returns
    -------
    float or None
        Days into the epoch [days] (see :func:`infer_epoch_elapsed_days`), or
        None if a day or a block count up to ``day`` is missing or the last
        :data:`EPOCH_LOOKBACK_DAYS` days do not reach back to the epoch's start.
    """
    head = frame.loc[:day]
    if not _counted(head):
        return None
    return infer_epoch_elapsed_days(head["blocks"].iloc[-EPOCH_LOOKBACK_DAYS:], height)


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


def difficulty_at_end(
    difficulty: pd.Series, blocks: pd.Series, day: pd.Timestamp, height: int | None
) -> DifficultyEstimate:
    """Difficulty in force at the end of ``day``.

    The day's mean, unless a retarget happened inside the day
    (:func:`mixed_days`): then the next day's mean if the next day is in the
    frame with a difficulty. Otherwise (the frame's last full day) the heights
    tell whether the day holds blocks of two epochs: the ``n_new`` blocks from
    the epoch's first height ``E`` to ``height`` and the ``n - n_new`` before,
    mined at the day before's difficulty ``D_old``; the day's mean ``D_mean``
    then gives ``D_new = (n D_mean - (n - n_new) D_old) / n_new``. On the 422
    retarget days of ``btc_daily.csv`` this matches the next day's difficulty
    to 2e-7 (relative).

    Parameters
    ----------
    difficulty : pandas.Series
        Daily mean difficulty of the frame [-].
    blocks : pandas.Series
        Blocks per day of the frame [blocks/day].
    day : pandas.Timestamp
        The day (a row of both series, with a difficulty).
    height : int or None
        Height at the end of ``day`` [blocks], or None if it is not known
        exactly (:attr:`HeightEstimate.exact`).

    Returns
    -------
    DifficultyEstimate
        The difficulty [-] and its route.

    Raises
    ------
    ValueError
        If the new difficulty must be solved but ``height`` is None or the day
        before is missing.
    """
    pos = int(difficulty.index.get_indexer([day])[0])
    if not mixed_days(difficulty, difficulty.index[pos : pos + 1])[0]:
        return DifficultyEstimate(float(difficulty.iloc[pos]), "day")
    following = difficulty.iloc[pos + 1 : pos + 2]
    if len(following) and following.index[0] == day + pd.Timedelta(days=1):
        if np.isfinite(following.iloc[0]):
            return DifficultyEstimate(float(following.iloc[0]), "next")
    where = f"the difficulty changed on {day.date()}, the last day with data"
    if height is None:
        raise ValueError(f"{where}, and the height is too rough to tell the epochs apart")
    n = float(blocks.iloc[pos])
    n_new = height % RETARGET_INTERVAL + 1  # blocks of the current epoch up to ``height``
    if n_new >= n:  # the whole day in the current epoch: its mean is the difficulty
        return DifficultyEstimate(float(difficulty.iloc[pos]), "day")
    where = f"a retarget falls inside {day.date()}, the last day with data"
    # a mixed day differs from the row before, so that row exists and has a difficulty
    if difficulty.index[pos - 1] != day - pd.Timedelta(days=1):
        raise ValueError(f"{where}, and the day before is missing")
    mean, old = float(difficulty.iloc[pos]), float(difficulty.iloc[pos - 1])
    return DifficultyEstimate((n * mean - (n - n_new) * old) / n_new, "split")
