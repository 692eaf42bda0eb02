"""Chain dynamics: block height, difficulty epochs and issuance from a hashrate path.

Each Monte Carlo path has its own chain. Over one day the chain finds blocks at
the expected rate for the day's total network hashrate ``H`` and the current
difficulty ``D``::

    blocks/day = 86,400 * H / (D * 2^32)

When the height reaches the end of a 2,016-block epoch the difficulty
retargets by ``clamp(2016 * 600 s / timespan, 1/4, 4)`` and the rest of the
day runs at the new difficulty, so each path retargets on its own schedule.
As in Bitcoin Core, the timespan runs from the epoch's first block to its
last, i.e. over 2,015 of the 2,016 block intervals: at a steady hashrate it
is ``2015/2016`` of the epoch's duration, which leaves difficulty 0.05 %
higher than a full-epoch measure would (a known off-by-one). Left out, the
chain drifts about 140 blocks ahead of the real one over 2020-2025.
Subsidy is issued by height (:func:`simulator.model.protocol.issued_btc`),
so a halving arrives on the day a path's height crosses it: earlier when
hashrate grows faster.

Conventions: ``position`` counts the blocks mined so far (the block at height
``k`` occupies ``[k, k + 1)``), so a chain whose last block has height ``h``
is at position ``h + 1``. Time is in days since the end of the start date.

References
----------
.. [1] Bitcoin Core, ``CalculateNextWorkRequired`` (src/pow.cpp): retarget
   every 2,016 blocks with the factor clamped to [1/4, 4].
.. [2] S. Nakamoto, "Bitcoin: A Peer-to-Peer Electronic Cash System" (2008), s. 4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit

from simulator.model.protocol import (
    ERA_START_ISSUED_BTC,
    ERA_SUBSIDY_BTC,
    HALVING_INTERVAL,
    HASHES_PER_DIFFICULTY,
    MAX_HALVINGS,
    MAX_RETARGET_FACTOR,
    RETARGET_INTERVAL,
    SECONDS_PER_DAY,
    TARGET_BLOCK_SPACING_S,
)

__all__ = [
    "BLOCKS_PER_EHS_DAY",
    "ChainPath",
    "initial_epoch",
    "cumulative_btc",
    "chain_day",
    "subsidy_at",
    "next_halving",
    "chain_day_issued",
    "chain_day_numpy",
    "simulate_chain",
]

#: Blocks per day per unit of (EH/s / difficulty): 86,400 s * 1e18 H / 2^32.
BLOCKS_PER_EHS_DAY = SECONDS_PER_DAY * 1e18 / HASHES_PER_DIFFICULTY
_EPOCH_TARGET_DAYS = RETARGET_INTERVAL * TARGET_BLOCK_SPACING_S / SECONDS_PER_DAY  # 14 days
#: Share of an epoch's duration that Core's timespan measures (2,015 of 2,016 intervals).
_TIMESPAN_SHARE = (RETARGET_INTERVAL - 1) / RETARGET_INTERVAL
_NOT_FINITE = "network hashrate must be finite and >= 0 (got inf, nan, < 0 or above 8.9e294 EH/s)"


def initial_epoch(start_height: int, epoch_elapsed_days: float | None) -> tuple[int, float]:
    """Start state of the current difficulty epoch.

    Parameters
    ----------
    start_height : int
        Height of the last block of the start date [blocks].
    epoch_elapsed_days : float or None
        Days since the epoch began [days]; ``None`` assumes the blocks mined in
        the epoch so far came at the 600 s target.

    Returns
    -------
    epoch_start_position : int
        First height of the current epoch (a multiple of 2,016) [blocks].
    epoch_start_day : float
        Time the epoch began, in days relative to the start (<= 0) [days].
    """
    position = start_height + 1
    epoch_start = position - position % RETARGET_INTERVAL
    if epoch_elapsed_days is None:
        epoch_elapsed_days = (position - epoch_start) * TARGET_BLOCK_SPACING_S / SECONDS_PER_DAY
    return int(epoch_start), -float(epoch_elapsed_days)


@njit(cache=True, nogil=True)
def cumulative_btc(position: float) -> float:
    """Subsidy issued below a fractional chain position [BTC] (closed form per era)."""
    era = int(position / HALVING_INTERVAL)  # position >= 0: truncation is floor
    if era > MAX_HALVINGS:
        era = MAX_HALVINGS
    return ERA_START_ISSUED_BTC[era] + (position - era * HALVING_INTERVAL) * ERA_SUBSIDY_BTC[era]


@njit(cache=True, nogil=True)
def chain_day(
    position: float,
    difficulty: float,
    epoch_start: float,
    epoch_start_day: float,
    day: float,
    hashrate_ehs: float,
) -> tuple[float, float, float, float, float]:
    """Advance one path's chain over the day ``[day, day + 1)``.

    Parameters
    ----------
    position : float
        Blocks mined so far [blocks].
    difficulty : float
        Current difficulty [-].
    epoch_start : float
        First position of the current epoch [blocks].
    epoch_start_day : float
        Time the epoch began [days].
    day : float
        Start of the day [days].
    hashrate_ehs : float
        Total network hashrate over the day [EH/s].

    Returns
    -------
    tuple of float
        New position, difficulty, epoch start, epoch start day, and blocks
        found during the day.

    Raises
    ------
    ValueError
        If ``hashrate_ehs`` is negative, NaN, or so large (above about
        8.9e294) that the block rate is infinite. Each pass of the loop ends
        an epoch and at most quadruples the difficulty, so any finite rate
        ends the day within about 500 passes; an infinite one never would
        (nor NaN, which no comparison stops).
    """
    rate = BLOCKS_PER_EHS_DAY * hashrate_ehs  # blocks/day at difficulty 1
    if not (0.0 <= rate < math.inf):  # NaN fails both: no pass of the loop would end
        raise ValueError(_NOT_FINITE)
    now = day
    left = 1.0
    found = 0.0
    while True:
        blocks_per_day = rate / difficulty
        need = epoch_start + RETARGET_INTERVAL - position
        if blocks_per_day * left < need or blocks_per_day <= 0.0:
            step = blocks_per_day * left
            return position + step, difficulty, epoch_start, epoch_start_day, found + step
        spent = need / blocks_per_day
        now += spent
        left -= spent
        position += need
        found += need
        factor = _EPOCH_TARGET_DAYS / max((now - epoch_start_day) * _TIMESPAN_SHARE, 1e-12)
        factor = min(max(factor, 1.0 / MAX_RETARGET_FACTOR), MAX_RETARGET_FACTOR)
        difficulty *= factor
        epoch_start = position
        epoch_start_day = now


@njit(cache=True, nogil=True)
def subsidy_at(position: float) -> float:
    """Subsidy of the block at a fractional chain position [BTC/block]."""
    era = int(position / HALVING_INTERVAL)  # positions are >= 0: truncation is floor
    return ERA_SUBSIDY_BTC[min(era, MAX_HALVINGS)]


@njit(cache=True, nogil=True)
def next_halving(position: float) -> float:
    """First position of the era after the era of ``position`` [blocks]."""
    return (int(position / HALVING_INTERVAL) + 1) * float(HALVING_INTERVAL)


@njit(cache=True, nogil=True)
def chain_day_issued(
    position: float, difficulty: float, epoch_start: float, epoch_start_day: float,
    day: float, hashrate_ehs: float, fee_btc_per_block: float, subsidy_btc: float,
    halving: float,
) -> tuple[float, float, float, float, float, float, float]:  # fmt: skip
    """:func:`chain_day`, plus the BTC the day issued (subsidy and fees).

    ``subsidy_btc`` [BTC/block] and ``halving`` [blocks] are the current
    subsidy and the next halving's position (:func:`subsidy_at`,
    :func:`next_halving`), carried along so that a day that stays in its era
    issues ``found * (subsidy + fee)`` without the closed form of
    :func:`cumulative_btc`.

    Returns
    -------
    tuple of float
        New position, difficulty, epoch start, epoch start day; BTC issued
        during the day [BTC]; the subsidy and next halving after the day.
    """
    before = position
    position, difficulty, epoch_start, epoch_start_day, found = chain_day(
        position, difficulty, epoch_start, epoch_start_day, day, hashrate_ehs
    )
    if position < halving:
        issued = found * (subsidy_btc + fee_btc_per_block)
    else:  # the day crosses a halving: issue each side at its own subsidy
        issued = cumulative_btc(position) - cumulative_btc(before) + found * fee_btc_per_block
        subsidy_btc = subsidy_at(position)
        halving = next_halving(position)
    return position, difficulty, epoch_start, epoch_start_day, issued, subsidy_btc, halving


def chain_day_numpy(
    position: npt.NDArray[np.float64],
    difficulty: npt.NDArray[np.float64],
    epoch_start: npt.NDArray[np.float64],
    epoch_start_day: npt.NDArray[np.float64],
    day: float,
    hashrate_ehs: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Numpy reference of :func:`chain_day` over many paths, updating in place.

    The first four arrays are updated in place; the blocks found during the
    day are returned. Kept readable on purpose: the tests check the compiled
    kernel against it. Like :func:`chain_day` it raises :class:`ValueError`
    on a hashrate that is negative, NaN or too large for a finite block rate.
    """
    rate = BLOCKS_PER_EHS_DAY * hashrate_ehs
    if not np.all((rate >= 0.0) & (rate < np.inf)):  # as in chain_day
        raise ValueError(_NOT_FINITE)
    now = np.full_like(position, day)
    left = np.ones_like(position)
    found = np.zeros_like(position)
    active = np.ones(position.shape, dtype=bool)
    while active.any():
        blocks_per_day = rate / difficulty
        need = epoch_start + RETARGET_INTERVAL - position
        done = active & ((blocks_per_day * left < need) | (blocks_per_day <= 0))
        step = np.where(done, blocks_per_day * left, 0.0)
        position += step
        found += step
        active &= ~done
        cross = active
        spent = np.where(cross, need / np.where(cross, blocks_per_day, 1.0), 0.0)
        now += spent
        left -= spent
        position += np.where(cross, need, 0.0)
        found += np.where(cross, need, 0.0)
        factor = _EPOCH_TARGET_DAYS / np.maximum((now - epoch_start_day) * _TIMESPAN_SHARE, 1e-12)
        factor = np.clip(factor, 1.0 / MAX_RETARGET_FACTOR, MAX_RETARGET_FACTOR)
        difficulty *= np.where(cross, factor, 1.0)
        epoch_start[:] = np.where(cross, position, epoch_start)
        epoch_start_day[:] = np.where(cross, now, epoch_start_day)
    return found


@dataclass(frozen=True)
class ChainPath:
    """Per-day chain outputs, shape ``(n_paths, n_days)``.

    Attributes
    ----------
    height : ndarray
        Height of the last block at the end of each day [blocks].
    difficulty : ndarray
        Difficulty at the end of each day [-].
    blocks : ndarray
        Blocks found during each day [blocks/day].
    subsidy_btc : ndarray
        Subsidy issued during each day [BTC/day].
    fees_btc : ndarray
        Fees paid during each day [BTC/day].
    """

    height: npt.NDArray[np.float64]
    difficulty: npt.NDArray[np.float64]
    blocks: npt.NDArray[np.float64]
    subsidy_btc: npt.NDArray[np.float64]
    fees_btc: npt.NDArray[np.float64]


@njit(cache=True, nogil=True)
def _chain_paths(
    hashrate: np.ndarray,
    fees_per_block: np.ndarray,
    position0: float,
    difficulty0: float,
    epoch0: float,
    epoch_day0: float,
    out: np.ndarray,
) -> None:
    n_paths, n_days = hashrate.shape
    for p in range(n_paths):
        pos, dif, ep, ep_day = position0, difficulty0, epoch0, epoch_day0
        for t in range(n_days):
            before = pos
            pos, dif, ep, ep_day, found = chain_day(pos, dif, ep, ep_day, t, hashrate[p, t])
            out[0, p, t] = pos - 1.0
            out[1, p, t] = dif
            out[2, p, t] = found
            out[3, p, t] = cumulative_btc(pos) - cumulative_btc(before)
            out[4, p, t] = found * fees_per_block[t]


def simulate_chain(
    hashrate_ehs: npt.ArrayLike,
    start_height: int,
    start_difficulty: float,
    epoch_elapsed_days: float | None = None,
    fees_btc_per_block: npt.ArrayLike = 0.0,
) -> ChainPath:
    """Drive the chain with a network hashrate path.

    Parameters
    ----------
    hashrate_ehs : array_like
        Total network hashrate per day, shape ``(n_days,)`` or
        ``(n_paths, n_days)`` [EH/s].
    start_height : int
        Height of the last block of the start date [blocks].
    start_difficulty : float
        Difficulty at start [-].
    epoch_elapsed_days : float, optional
        Days since the current epoch began (see :func:`initial_epoch`).
    fees_btc_per_block : float or array_like
        Fees per block, scalar or per day ``(n_days,)`` [BTC/block].

    Returns
    -------
    ChainPath
    """
    rate = np.atleast_2d(np.asarray(hashrate_ehs, dtype=np.float64))
    if not np.all(np.isfinite(rate)) or np.any(rate < 0):
        raise ValueError("hashrate_ehs must be finite and non-negative")
    fees = np.broadcast_to(np.asarray(fees_btc_per_block, dtype=np.float64), rate.shape[1:])
    epoch, epoch_day = initial_epoch(start_height, epoch_elapsed_days)
    out = np.empty((5, *rate.shape))
    _chain_paths(
        rate,
        np.ascontiguousarray(fees),
        float(start_height + 1),
        float(start_difficulty),
        float(epoch),
        epoch_day,
        out,
    )
    return ChainPath(*out)
