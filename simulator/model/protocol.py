"""Bitcoin consensus rules: block subsidy, issuance, difficulty and hashrate.

Pure functions over Python scalars or numpy arrays. Scalar input gives a Python
scalar back, array input an array of the documented dtype. Integer heights are
handled in exact int64 satoshi arithmetic; float heights are fractional chain
positions, where block ``k`` occupies ``[k, k + 1)``.

References
----------
.. [1] S. Nakamoto, "Bitcoin: A Peer-to-Peer Electronic Cash System", 2008
   (sections 4 "Proof-of-Work" and 6 "Incentive").
.. [2] Bitcoin Core, ``GetBlockSubsidy`` in ``src/validation.cpp`` and the
   ``subsidy_limit_test`` in ``src/test/validation_tests.cpp``.
.. [3] Bitcoin Core, ``CalculateNextWorkRequired`` in ``src/pow.cpp`` and
   ``GetDifficulty`` in ``src/rpc/blockchain.cpp``.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

IntArray: TypeAlias = npt.NDArray[np.int64]
FloatArray: TypeAlias = npt.NDArray[np.float64]

SAT_PER_BTC = 100_000_000  # [sat/BTC]
HALVING_INTERVAL = 210_000  # [blocks] per subsidy era
INITIAL_SUBSIDY_SAT = 50 * SAT_PER_BTC  # [sat] subsidy in era 0
MAX_HALVINGS = 64  # from this era on the subsidy is 0 (a 64-bit shift is undefined in C++)
TARGET_BLOCK_SPACING_S = 600  # [s]
RETARGET_INTERVAL = 2016  # [blocks] per difficulty epoch
MAX_RETARGET_FACTOR = 4.0  # [-] bound on the difficulty change per epoch, either way
SECONDS_PER_DAY = 86_400  # [s/day]
HASHES_PER_DIFFICULTY = 2**32  # [hashes] expected per block at difficulty 1

_ERAS = np.arange(MAX_HALVINGS + 1, dtype=np.int64)
#: Subsidy per block in era ``e`` [sat], int64, length ``MAX_HALVINGS + 1``;
#: ``(50 * 10**8) >> e`` for ``e < 64`` (0 from era 33 on) and 0 for era 64.
ERA_SUBSIDY_SAT: IntArray = np.where(
    _ERAS < MAX_HALVINGS,
    np.right_shift(np.int64(INITIAL_SUBSIDY_SAT), np.minimum(_ERAS, 63)),
    0,
).astype(np.int64)
#: Subsidy issued by all blocks below height ``e * HALVING_INTERVAL`` [sat], int64,
#: length ``MAX_HALVINGS + 2`` (``e = 0 .. 65``), so entry ``e + 1`` is the total at the
#: end of era ``e`` for every tabulated era; entries 33..65 equal the 21M-BTC cap
#: 2,099,999,997,690,000 sat.
ERA_START_ISSUED_SAT: IntArray = np.concatenate(
    ([0], np.cumsum(ERA_SUBSIDY_SAT * HALVING_INTERVAL))
).astype(np.int64)
#: :data:`ERA_SUBSIDY_SAT` in BTC [BTC/block], float64: the one table the float
#: models (chain, engine) use for the subsidy per era.
ERA_SUBSIDY_BTC: FloatArray = ERA_SUBSIDY_SAT.astype(np.float64) / SAT_PER_BTC
#: :data:`ERA_START_ISSUED_SAT` in BTC [BTC], float64, for the closed-form issuance.
ERA_START_ISSUED_BTC: FloatArray = ERA_START_ISSUED_SAT.astype(np.float64) / SAT_PER_BTC
for _table in (ERA_SUBSIDY_SAT, ERA_START_ISSUED_SAT, ERA_SUBSIDY_BTC, ERA_START_ISSUED_BTC):
    _table.flags.writeable = False


def _heights(x: npt.ArrayLike, name: str = "height") -> tuple[np.ndarray, bool]:
    """Validate heights; return them as int64 or float64 and whether they are integers."""
    a = np.asarray(x)
    if a.dtype.kind in "iu":
        a, is_int = a.astype(np.int64, copy=False), True
    elif a.dtype.kind == "f":
        a, is_int = a.astype(np.float64, copy=False), False
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} must be finite")
    else:
        raise TypeError(f"{name} must be integer or float, got dtype {a.dtype}")
    if np.any(a < 0):
        raise ValueError(f"{name} must be non-negative")
    return a, is_int


def _era(h: np.ndarray, is_int: bool) -> IntArray:
    """Return ``floor(h / HALVING_INTERVAL)`` as int64 (exact for floats too)."""
    if is_int:
        return h // HALVING_INTERVAL
    return np.floor_divide(h, float(HALVING_INTERVAL)).astype(np.int64)


def _out(a: np.ndarray) -> Any:
    """Return a Python scalar for 0-d results, the array otherwise."""
    return a.item() if a.ndim == 0 else a


def subsidy_sat(height: npt.ArrayLike) -> int | IntArray:
    """Block subsidy at a height, exactly as Bitcoin Core computes it.

    Parameters
    ----------
    height : int, float or array_like
        Block height(s) [blocks], non-negative; a fractional height means block
        ``floor(height)``.

    Returns
    -------
    int or numpy.ndarray of int64
        Subsidy [sat]: ``(50 * 10**8) >> (height // 210000)``, or 0 once 64
        halvings have happened.

    Raises
    ------
    ValueError
        If any height is negative or not finite.

    References
    ----------
    .. [1] Bitcoin Core, ``GetBlockSubsidy`` in ``src/validation.cpp``.
    """
    h, is_int = _heights(height)
    return _out(ERA_SUBSIDY_SAT[np.minimum(_era(h, is_int), MAX_HALVINGS)])


def subsidy_btc(height: npt.ArrayLike) -> float | FloatArray:
    """Block subsidy at a height [BTC], float64; see `subsidy_sat`."""
    return _out(np.asarray(subsidy_sat(height)) / SAT_PER_BTC)


def era(height: npt.ArrayLike) -> int | IntArray:
    """Halving era of a height, ``floor(height / 210000)`` [-], int64.

    Fractional heights are allowed. Eras past 64 are counted on (their subsidy is 0).
    """
    h, is_int = _heights(height)
    return _out(_era(h, is_int))


def halving_height(era_index: npt.ArrayLike) -> int | IntArray:
    """First height of halving era ``era_index`` [blocks], ``era_index * 210000``, int64."""
    e, is_int = _heights(era_index, "era_index")
    if not is_int:
        if np.any(e != np.floor(e)):
            raise ValueError("era_index must be integral")
        e = e.astype(np.int64)
    return _out(e * HALVING_INTERVAL)


def next_halving_height(height: npt.ArrayLike) -> int | IntArray:
    """First height of the era after the era of `height` [blocks], int64.

    For example 0 -> 210,000, 209,999.5 -> 210,000 and 210,000 -> 420,000.
    """
    h, is_int = _heights(height)
    return _out((_era(h, is_int) + 1) * HALVING_INTERVAL)


def cumulative_issuance_sat(height: npt.ArrayLike) -> int | float | IntArray | FloatArray:
    """Total subsidy of all blocks below a height, in closed form per era.

    Parameters
    ----------
    height : int, float or array_like
        Chain position(s) [blocks], non-negative.

    Returns
    -------
    int, float or numpy.ndarray
        Subsidy issued [sat]. For integer input the exact int64 sum over blocks
        ``0 .. height - 1``. For float input (float64 result) block ``k`` is spread
        evenly over ``[k, k + 1)``, so ``C(h) = C(floor h) + (h - floor h) * subsidy(floor h)``:
        piecewise linear and continuous in `height`.

    Raises
    ------
    ValueError
        If any height is negative or not finite.

    Notes
    -----
    With ``e = min(floor(h / 210000), 64)`` the result is
    ``ERA_START_ISSUED_SAT[e] + (h - 210000 e) * ERA_SUBSIDY_SAT[e]``; no loop over
    blocks. Float results are exact up to float64 rounding (the cap is below 2**53).

    References
    ----------
    .. [1] Bitcoin Core, ``subsidy_limit_test`` in ``src/test/validation_tests.cpp``.
    """
    h, is_int = _heights(height)
    e = np.minimum(_era(h, is_int), MAX_HALVINGS)
    return _out(ERA_START_ISSUED_SAT[e] + (h - e * HALVING_INTERVAL) * ERA_SUBSIDY_SAT[e])


def issued_sat(h0: npt.ArrayLike, h1: npt.ArrayLike) -> int | float | IntArray | FloatArray:
    """Subsidy issued by the blocks between two heights [sat].

    Parameters
    ----------
    h0, h1 : int, float or array_like
        Start and end chain positions [blocks], broadcast together, ``h1 >= h0``.

    Returns
    -------
    int, float or numpy.ndarray
        ``cumulative_issuance_sat(h1) - cumulative_issuance_sat(h0)``: the blocks
        ``h0 .. h1 - 1`` for integers (exact int64), float64 if either input is float.

    Raises
    ------
    ValueError
        If a height is negative or not finite, or ``h1 < h0`` anywhere.
    """
    c0 = np.asarray(cumulative_issuance_sat(h0))
    c1 = np.asarray(cumulative_issuance_sat(h1))
    if np.any(np.asarray(h1) < np.asarray(h0)):
        raise ValueError("h1 must be >= h0")
    return _out(c1 - c0)


def issued_btc(h0: npt.ArrayLike, h1: npt.ArrayLike) -> float | FloatArray:
    """Subsidy issued by the blocks between two heights [BTC], float64; see `issued_sat`."""
    return _out(np.asarray(issued_sat(h0, h1)) / SAT_PER_BTC)


def hashrate_hs_from_difficulty(difficulty: npt.ArrayLike) -> float | FloatArray:
    """Network hashrate that finds blocks every 600 s on average at a difficulty.

    Parameters
    ----------
    difficulty : float or array_like
        Difficulty [-] (1 = the genesis target, ``2**32`` hashes per block).

    Returns
    -------
    float or numpy.ndarray of float64
        Hashrate [H/s], ``difficulty * 2**32 / 600``.

    References
    ----------
    .. [1] Bitcoin Core, ``GetDifficulty`` in ``src/rpc/blockchain.cpp``.
    .. [2] S. Nakamoto, "Bitcoin: A Peer-to-Peer Electronic Cash System", section 4.
    """
    d = np.asarray(difficulty, dtype=np.float64)
    return _out(d * HASHES_PER_DIFFICULTY / TARGET_BLOCK_SPACING_S)


def difficulty_from_hashrate_hs(hashrate_hs: npt.ArrayLike) -> float | FloatArray:
    """Difficulty [-] at which `hashrate_hs` [H/s] averages 600 s blocks, float64.

    The inverse of `hashrate_hs_from_difficulty`: ``hashrate_hs * 600 / 2**32``.
    """
    h = np.asarray(hashrate_hs, dtype=np.float64)
    return _out(h * TARGET_BLOCK_SPACING_S / HASHES_PER_DIFFICULTY)


def expected_blocks_per_day(
    hashrate_hs: npt.ArrayLike, difficulty: npt.ArrayLike
) -> float | FloatArray:
    """Expected number of blocks found per day [blocks/day], float64.

    ``86400 * hashrate_hs / (difficulty * 2**32)``, with `hashrate_hs` [H/s] and
    `difficulty` [-] broadcast together; 144 when the hashrate matches the difficulty.
    """
    h = np.asarray(hashrate_hs, dtype=np.float64)
    d = np.asarray(difficulty, dtype=np.float64)
    return _out(SECONDS_PER_DAY * h / (d * HASHES_PER_DIFFICULTY))


def retarget_factor(epoch_duration_s: npt.ArrayLike) -> float | FloatArray:
    """Difficulty multiplier at a retarget, from how long the epoch took.

    Parameters
    ----------
    epoch_duration_s : float or array_like
        The epoch's timespan as Core measures it, from its first block's
        time to its last's (2,015 block intervals) [s].

    Returns
    -------
    float or numpy.ndarray of float64
        ``clip(2016 * 600 / epoch_duration_s, 1/4, 4)`` [-].

    Raises
    ------
    ValueError
        If any duration is NaN.

    Notes
    -----
    Bitcoin Core clamps the measured timespan to ``[T/4, 4 T]`` with
    ``T = 2016 * 600 s`` and scales the target by ``timespan / T``; difficulty is
    inversely proportional to the target, and clamping the timespan is the same as
    clamping the factor (it also maps a zero or negative timespan to 4). Core takes
    the timespan between the first and last block of the epoch, i.e. over 2,015
    block intervals (a known off-by-one); :mod:`simulator.model.chain` converts its
    continuous epoch duration accordingly. Core's integer target rounding and
    ``powLimit`` floor (difficulty >= 1) are ignored.

    References
    ----------
    .. [1] Bitcoin Core, ``CalculateNextWorkRequired`` in ``src/pow.cpp``.
    """
    t = np.asarray(epoch_duration_s, dtype=np.float64)
    if np.any(np.isnan(t)):
        raise ValueError("epoch_duration_s must not be NaN")
    target = float(RETARGET_INTERVAL * TARGET_BLOCK_SPACING_S)
    t = np.clip(t, target / MAX_RETARGET_FACTOR, target * MAX_RETARGET_FACTOR)
    return _out(target / t)


def next_difficulty(
    difficulty: npt.ArrayLike, epoch_duration_s: npt.ArrayLike
) -> float | FloatArray:
    """Difficulty [-] after a retarget, ``difficulty * retarget_factor(epoch_duration_s)``.

    `epoch_duration_s` [s] is the time the 2,016-block epoch took; see
    `retarget_factor`. Returns float64, broadcast over both inputs.
    """
    d = np.asarray(difficulty, dtype=np.float64)
    return _out(d * np.asarray(retarget_factor(epoch_duration_s)))
