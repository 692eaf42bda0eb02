"""Backtest: replay real history through the chain model (and a mining operation).

The real network hashrate (a centred rolling mean of the file's daily
estimate) drives :func:`simulator.model.chain.simulate_chain` from the real chain
state on the day before the window. The simulated heights, difficulties,
blocks, issuance and fees are set against the real ones day by day and
month by month; halvings are dated in both. Fees per block are the real
ones, so simulated fees differ from real fees only through the block count.

With an operation, its own hashrate comes from
:func:`simulator.model.mining.build_schedule` and its BTC from the
:mod:`simulator.model.mining` formulas. The network total is kept at the **real**
hashrate whatever ``adds_to_network`` says: in a replay of history the
operation is taken to be part of the hashrate that was actually measured, so
it does not change the chain.

Start state (end of the day before ``first``):

* height: if the frame has ``blocks`` and no gaps, the height at the end of
  its first day plus the blocks since; the first day's height is the sum of
  ``blocks`` if the frame starts at genesis (2009-01-03), otherwise it is
  inferred from ``supply_btc`` (see :func:`height_from_supply`). Without
  ``blocks`` the supply of the day before ``first`` is used directly. On
  ``btc_daily.csv`` (from 2010-07-18) the first route is exact at
  2025-12-31 (930,345); inferring every day from supply instead falls short
  by unclaimed subsidies: -3 blocks at the end of 2019, -11 at the end of
  2023 and -26 at the end of 2025.
* difficulty: the real difficulty of that day, or, if a retarget happened
  inside it (its mean differs from both neighbours), the next day's, which
  is the difficulty in force at its end.
* time into the difficulty epoch: from the real block counts, the time since
  the epoch's first block was found (interpolated within its day), unless
  given; if the frame does not reach back that far, blocks into the epoch x
  600 s. (The 600 s rule alone misjudges the first retarget: from 2020-01-01
  it gives a factor of 1.009 instead of the real 1.066, so the chain runs
  ~100 blocks further ahead for good and halves on 2024-04-17, not 04-18.)

Known differences: replaying 2020-01-01..2025-06-30 the simulated chain ends
about 94 blocks (16 hours) ahead of the real one, mostly from the 7-day
smoothing of the hashrate. (:mod:`simulator.model.chain` measures each epoch over
2,015 block intervals as Bitcoin Core does; without that the lead was ~250.)

Halving dates: both the simulated and the real date are the day on which the
chain's height reaches the halving height, the real one by the data's own
block counts (Coin Metrics' day buckets: block 840,000, mined 2024-04-20
00:09 UTC, falls in its 2024-04-19 bucket).

References
----------
.. [1] Coin Metrics, community network data (CC BY-NC 4.0); field notes in
   ``shared/data/README.md``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from simulator.engine.schedule import build_schedule
from simulator.inputs.schema import Mining
from simulator.model.chain import simulate_chain
from simulator.model.mining import btc_mined_per_day, network_share, total_network_ehs
from simulator.model.protocol import (
    ERA_START_ISSUED_SAT,
    ERA_SUBSIDY_SAT,
    HALVING_INTERVAL,
    RETARGET_INTERVAL,
    SAT_PER_BTC,
)

__all__ = ["BacktestResult", "Halving", "height_from_supply", "run_backtest"]

GENESIS = dt.date(2009, 1, 3)
#: First day whose supply no longer holds the two duplicate coinbases (100 BTC).
DUPLICATE_COINBASE_DAY = dt.date(2010, 11, 14)
_REQUIRED = ("hashrate_ehs", "difficulty", "issuance_btc", "fees_btc", "blocks")
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


@dataclass(frozen=True)
class BacktestResult:
    """Outcome of :func:`run_backtest`.

    Attributes
    ----------
    daily : pandas.DataFrame
        Indexed by ``date``. Columns ``real_hashrate_ehs`` (smoothed) [EH/s],
        ``sim_height`` [blocks], ``real_height`` [blocks] (start height plus
        real blocks), ``sim_difficulty``, ``real_difficulty`` [-],
        ``sim_blocks``, ``real_blocks`` [blocks/day], ``sim_issuance_btc``,
        ``real_issuance_btc``, ``sim_fees_btc``, ``real_fees_btc`` [BTC/day],
        ``price_usd`` [USD/BTC] and ``retarget_day`` (the real difficulty
        changed within the day: its mean differs from both neighbours').
        With an operation also ``own_hashrate_ehs`` [EH/s], ``network_share``
        [-], ``btc_mined`` [BTC/day], ``revenue_usd`` [USD/day, at the real
        price] and ``energy_usd`` [USD/day].
    monthly : pandas.DataFrame
        Indexed by ``month`` (period). Columns ``days``, ``sim_issuance_btc``,
        ``real_issuance_btc``, ``issuance_error_pct``, ``sim_reward_btc``,
        ``real_reward_btc`` (issuance + fees) [BTC], ``reward_error_pct`` [%]
        and ``halving`` (a simulated or real halving falls in the month).
    halvings : list of Halving
        Halvings reached by the simulated or the real chain in the window.
    difficulty_error : dict of str to float
        ``median``, ``max`` of ``|sim / real - 1|`` over all days [-], and
        ``median_steady``, ``max_steady`` over days that are not retarget days.
    start_height : int
        Height at the end of the day before ``first`` [blocks].
    start_height_method : str
        How it was obtained.
    start_difficulty : float
        Real difficulty in force at the end of the day before ``first`` [-].
    epoch_elapsed_days : float or None
        Days into the difficulty epoch at the start, as given or inferred
        (``None``: the chain assumed blocks into the epoch x 600 s) [days].
    """

    daily: pd.DataFrame
    monthly: pd.DataFrame
    halvings: list[Halving]
    difficulty_error: dict[str, float]
    start_height: int
    start_height_method: str
    start_difficulty: float
    epoch_elapsed_days: float | None


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


def _contiguous(index: pd.DatetimeIndex) -> bool:
    """True if the index has one row per day with no gaps."""
    return bool(len(index) < 2 or (np.diff(index.values) == np.timedelta64(1, "D")).all())


def _start_height(frame: pd.DataFrame, day: pd.Timestamp) -> tuple[int, str]:
    """Height at the end of ``day`` and how it was found; see the module docstring."""
    head = frame.loc[:day]
    if _contiguous(head.index):
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


def _epoch_elapsed_days(window_blocks: pd.Series, height0: int) -> float | None:
    """Days from the start of the current difficulty epoch to the end of the last day.

    ``window_blocks`` are the real blocks per day up to and including the start
    day; the real height at the end of each earlier day is ``height0`` less the
    blocks found since. The epoch began when block ``E - 1`` was found (``E``
    the epoch's first height); that moment is placed inside its day by linear
    interpolation of the height. ``None`` if the frame does not reach back to it.
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


def _mixed_days(difficulty: pd.Series, index: pd.DatetimeIndex) -> np.ndarray:
    """True on days whose mean difficulty differs from the day before and the day after.

    Such a day holds blocks of two epochs (a retarget inside the day); its mean
    lies between the old and the new difficulty. The last day of the frame is
    compared with the day before only.
    """
    values = difficulty.to_numpy()
    where = difficulty.index.get_indexer(index)
    changed = np.abs(values[1:] / values[:-1] - 1.0) > _RETARGET_TOLERANCE  # day i+1 vs i
    before = np.concatenate([[False], changed])[where]
    after = np.concatenate([changed, [True]])[where]
    return before & after


def _halving_dates(
    daily: pd.DataFrame, start_height: int, subsidy_per_block: pd.Series
) -> list[Halving]:
    """Halvings crossed by the simulated or the real chain during the window."""
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


def _monthly(daily: pd.DataFrame, halvings: list[Halving]) -> pd.DataFrame:
    """Monthly totals of simulated and real issuance and reward, with errors in %."""
    frame = pd.DataFrame(
        {
            "days": 1,
            "sim_issuance_btc": daily["sim_issuance_btc"],
            "real_issuance_btc": daily["real_issuance_btc"],
            "sim_reward_btc": daily["sim_issuance_btc"] + daily["sim_fees_btc"],
            "real_reward_btc": daily["real_issuance_btc"] + daily["real_fees_btc"],
        }
    )
    month = frame.groupby(daily.index.to_period("M")).sum()
    month.index.name = "month"
    month.insert(
        3, "issuance_error_pct", 100.0 * (month.sim_issuance_btc / month.real_issuance_btc - 1.0)
    )
    month["reward_error_pct"] = 100.0 * (month.sim_reward_btc / month.real_reward_btc - 1.0)
    flagged = {
        pd.Period(d, "M") for h in halvings for d in (h.sim_date, h.real_date) if d is not None
    }
    month["halving"] = [m in flagged for m in month.index]
    return month


def run_backtest(
    frame: pd.DataFrame,
    first: dt.date,
    last: dt.date,
    operation: Mining | None = None,
    smoothing_days: int = 7,
    *,
    start_height: int | None = None,
    epoch_elapsed_days: float | None = None,
) -> BacktestResult:
    """Replay a window of real history through the chain (and an operation).

    Parameters
    ----------
    frame : pandas.DataFrame
        A :func:`simulator.inputs.history.load_history` frame with ``hashrate_ehs``,
        ``difficulty``, ``issuance_btc``, ``fees_btc`` and ``blocks``
        (``supply_btc`` to infer the start height; ``price_usd`` for an
        operation's revenue).
    first, last : datetime.date
        First and last simulated day, inclusive. The day before ``first``
        must be in the frame (it gives the start state).
    operation : Mining, optional
        A mining operation to run on the real network (see the module
        docstring). It runs every day of its schedule:
        ``shutdown_when_unprofitable`` and ``disposal`` are not applied.
    smoothing_days : int, default 7
        Width of the centred rolling mean of the real hashrate [days], taken
        over the whole frame (so the window's edges use neighbouring days).
    start_height : int, optional
        Height at the end of the day before ``first`` [blocks]; overrides the
        inference.
    epoch_elapsed_days : float, optional
        Days since the current difficulty epoch began at the start [days];
        default: inferred from the real block counts (see the module docstring).

    Returns
    -------
    BacktestResult

    Raises
    ------
    ValueError
        If a column is missing, the window is empty, outside the frame or has
        missing days, or the operation's hashrate exceeds the network's.
    """
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if operation is not None and "price_usd" not in frame.columns:
        missing.append("price_usd")
    if missing:
        raise ValueError(f"the backtest needs the column(s) {', '.join(missing)}")
    if isinstance(smoothing_days, bool) or not isinstance(smoothing_days, int | np.integer):
        raise ValueError(f"smoothing_days must be an integer (got {smoothing_days!r})")
    if smoothing_days < 1:
        raise ValueError(f"smoothing_days must be >= 1 (got {smoothing_days})")
    if last < first:
        raise ValueError(f"the window ends before it starts ({first}:{last})")
    have = f"{frame.index[0].date()}..{frame.index[-1].date()}"
    day0 = pd.Timestamp(first) - pd.Timedelta(days=1)
    if day0 < frame.index[0] or pd.Timestamp(last) > frame.index[-1]:
        raise ValueError(
            f"the window {first}:{last} needs data from {day0.date()} to {last}; "
            f"the file covers {have}"
        )
    window = frame.loc[day0 : pd.Timestamp(last)]
    if not _contiguous(window.index) or window.index[0] != day0:
        raise ValueError(f"the window {first}:{last} has missing days in the file")
    days = window.iloc[1:]
    n_days = len(days)

    if start_height is None:
        height0, method = _start_height(frame, day0)
    else:
        height0, method = int(start_height), "given"
    difficulty0 = float(window["difficulty"].iloc[0])
    if _mixed_days(frame["difficulty"], window.index[:1])[0]:
        difficulty0 = float(window["difficulty"].iloc[1])  # retarget inside the start day
    elapsed = epoch_elapsed_days
    if elapsed is None and _contiguous(frame.loc[:day0].index):
        elapsed = _epoch_elapsed_days(frame.loc[:day0, "blocks"].iloc[-60:], height0)
    hashrate = frame["hashrate_ehs"].rolling(smoothing_days, center=True, min_periods=1).mean()
    hashrate = hashrate.loc[days.index].to_numpy()
    real_blocks = days["blocks"].to_numpy(dtype=np.float64)
    fees_per_block = np.divide(
        days["fees_btc"].to_numpy(), real_blocks, out=np.zeros(n_days), where=real_blocks > 0
    )
    chain = simulate_chain(hashrate, height0, difficulty0, elapsed, fees_per_block)

    real_difficulty = window["difficulty"].to_numpy()
    daily = pd.DataFrame(
        {
            "real_hashrate_ehs": hashrate,
            "sim_height": chain.height[0],
            "real_height": height0 + np.cumsum(real_blocks),
            "sim_difficulty": chain.difficulty[0],
            "real_difficulty": real_difficulty[1:],
            "sim_blocks": chain.blocks[0],
            "real_blocks": real_blocks,
            "sim_issuance_btc": chain.subsidy_btc[0],
            "real_issuance_btc": days["issuance_btc"].to_numpy(),
            "sim_fees_btc": chain.fees_btc[0],
            "real_fees_btc": days["fees_btc"].to_numpy(),
            "retarget_day": _mixed_days(frame["difficulty"], days.index),
        },
        index=days.index,
    )
    if "price_usd" in days.columns:
        daily.insert(11, "price_usd", days["price_usd"].to_numpy())
    if operation is not None:
        schedule = build_schedule(operation, day0.date(), n_days)
        own = schedule.own_ths / 1e6
        total = np.asarray(total_network_ehs(hashrate, own, False))  # the op is in the real total
        if np.any(own > total):
            i = int(np.argmax(own > total))
            raise ValueError(
                f"the operation's {own[i]:,.1f} EH/s exceed the real network's "
                f"{total[i]:,.1f} EH/s on {daily.index[i].date()}; start the backtest later "
                "or use a smaller operation"
            )
        share = np.asarray(network_share(own, total))
        reward = chain.subsidy_btc[0] + chain.fees_btc[0]
        mined = np.asarray(btc_mined_per_day(share, reward, operation.pool_fee))
        daily["own_hashrate_ehs"] = own
        daily["network_share"] = share
        daily["btc_mined"] = mined
        daily["revenue_usd"] = mined * days["price_usd"].to_numpy()
        daily["energy_usd"] = schedule.energy_usd

    error = np.abs(daily["sim_difficulty"] / daily["real_difficulty"] - 1.0)
    steady = error[~daily["retarget_day"]]
    difficulty_error = {
        "median": float(error.median()),
        "max": float(error.max()),
        "median_steady": float(steady.median()) if len(steady) else float("nan"),
        "max_steady": float(steady.max()) if len(steady) else float("nan"),
    }
    halvings = _halving_dates(daily, height0, window["issuance_btc"] / window["blocks"])
    return BacktestResult(
        daily=daily,
        monthly=_monthly(daily, halvings),
        halvings=halvings,
        difficulty_error=difficulty_error,
        start_height=height0,
        start_height_method=method,
        start_difficulty=difficulty0,
        epoch_elapsed_days=elapsed,
    )
