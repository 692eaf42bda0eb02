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
  inferred from ``supply_btc`` (see
  :func:`simulator.inputs.chain_state.height_from_supply`). Without
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

import numpy as np
import pandas as pd

from simulator.analysis.backtest_chain import Halving, halving_dates
from simulator.engine.schedule import build_schedule
from simulator.inputs.chain_state import (
    contiguous,
    difficulty_at_end,
    epoch_elapsed_at,
    estimate_height,
    height_from_supply,
    mixed_days,
)
from simulator.inputs.schema import Mining
from simulator.model.chain import ChainPath, simulate_chain
from simulator.model.mining import btc_mined_per_day, network_share, total_network_ehs

__all__ = ["BacktestResult", "Halving", "height_from_supply", "run_backtest"]

_REQUIRED = ("hashrate_ehs", "difficulty", "issuance_btc", "fees_btc", "blocks")


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


def _check_window(
    frame: pd.DataFrame,
    first: dt.date,
    last: dt.date,
    operation: Mining | None,
    smoothing_days: int,
) -> tuple[pd.Timestamp, pd.DataFrame]:
    """The day before ``first`` and the frame from it to ``last``, after checking the inputs."""
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
    if not contiguous(window.index) or window.index[0] != day0:
        raise ValueError(f"the window {first}:{last} has missing days in the file")
    return day0, window


def _start_state(
    frame: pd.DataFrame,
    day0: pd.Timestamp,
    start_height: int | None,
    epoch_elapsed_days: float | None,
) -> tuple[int, str, float, float | None]:
    """Height, how it was found, difficulty and days into the epoch at the end of ``day0``."""
    if start_height is None:
        height = estimate_height(frame, day0)
        height0, method = height.height, height.method
    else:
        height0, method = int(start_height), "given"
    # With a retarget inside day0 this is the next day's, always in the window.
    difficulty0 = difficulty_at_end(frame["difficulty"], frame["blocks"], day0, height0).value
    elapsed = epoch_elapsed_days
    if elapsed is None:
        elapsed = epoch_elapsed_at(frame, day0, height0)
    return height0, method, difficulty0, elapsed


def _add_operation(
    daily: pd.DataFrame,
    operation: Mining,
    day0: pd.Timestamp,
    hashrate: np.ndarray,
    chain: ChainPath,
    price_usd: np.ndarray,
) -> None:
    """Add the operation's hashrate, share, BTC, revenue and energy cost to ``daily``."""
    schedule = build_schedule(operation, day0.date(), len(daily))
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
    daily["revenue_usd"] = mined * price_usd
    daily["energy_usd"] = schedule.energy_usd


def _difficulty_error(daily: pd.DataFrame) -> dict[str, float]:
    """Median and max of ``|sim / real - 1|``, over all days and over non-retarget days."""
    error = np.abs(daily["sim_difficulty"] / daily["real_difficulty"] - 1.0)
    steady = error[~daily["retarget_day"]]
    return {
        "median": float(error.median()),
        "max": float(error.max()),
        "median_steady": float(steady.median()) if len(steady) else float("nan"),
        "max_steady": float(steady.max()) if len(steady) else float("nan"),
    }


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
    day0, window = _check_window(frame, first, last, operation, smoothing_days)
    days = window.iloc[1:]
    n_days = len(days)
    height0, method, difficulty0, elapsed = _start_state(
        frame, day0, start_height, epoch_elapsed_days
    )
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
            "retarget_day": mixed_days(frame["difficulty"], days.index),
        },
        index=days.index,
    )
    if "price_usd" in days.columns:
        daily.insert(11, "price_usd", days["price_usd"].to_numpy())
    if operation is not None:
        _add_operation(daily, operation, day0, hashrate, chain, days["price_usd"].to_numpy())

    halvings = halving_dates(daily, height0, window["issuance_btc"] / window["blocks"])
    return BacktestResult(
        daily=daily,
        monthly=_monthly(daily, halvings),
        halvings=halvings,
        difficulty_error=_difficulty_error(daily),
        start_height=height0,
        start_height_method=method,
        start_difficulty=difficulty0,
        epoch_elapsed_days=elapsed,
    )
