"""Stationary block bootstrap of historical daily log returns of BTC [USD].

The price paths are built from blocks of consecutive historical days, of random
(geometric) length, so the simulated returns keep the heavy tails and the
short-range dependence (volatility clustering) of the history without a
parametric model. Arrays follow the conventions of
:mod:`simulator.model.price.basic`: shape ``(n_paths, n_days)``, column ``d`` is the
end of simulated day ``d``, and the start value (time 0) is not included.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from simulator.model.shocks import (
    check_finite,
    check_out,
    check_positive,
    check_size,
    check_z,
)
from simulator.model.units import DAYS_PER_YEAR

__all__ = [
    "bootstrap_price",
    "recentre_shift",
    "standardised_innovations",
    "stationary_bootstrap_indices",
]

_DT: float = 1.0 / DAYS_PER_YEAR


def _check_returns(log_returns: np.ndarray) -> np.ndarray:
    """Return ``log_returns`` as a 1-D finite float64 array of length >= 2."""
    r = np.asarray(log_returns)
    if r.ndim != 1 or r.dtype.kind not in "fiu":
        raise ValueError(
            f"log_returns must be a 1-D array of real numbers (got shape {r.shape}, "
            f"dtype {r.dtype})"
        )
    if r.size < 2:
        raise ValueError(f"log_returns needs at least 2 daily returns (got {r.size})")
    r = r.astype(np.float64, copy=False)
    if not np.all(np.isfinite(r)):
        raise ValueError("log_returns must all be finite (found NaN or infinity)")
    return r


def _check_indices(indices: np.ndarray, n_source: int) -> np.ndarray:
    """Return ``indices`` as a 2-D integer array with values in ``[0, n_source)``."""
    idx = check_z(indices, "indices")
    if idx.dtype.kind not in "iu":
        raise ValueError(f"indices must hold integers (got dtype {idx.dtype})")
    if idx.size and (idx.min() < 0 or idx.max() >= n_source):
        raise ValueError(
            f"indices must be in [0, {n_source}) for {n_source} source returns "
            f"(got {idx.min()} .. {idx.max()})"
        )
    return idx


def stationary_bootstrap_indices(
    rng: np.random.Generator, n_source: int, mean_block_days: float, n_paths: int, n_days: int
) -> np.ndarray:
    r"""Indices of a stationary (random block length) bootstrap resample.

    .. math::

        I_0 \sim U\{0, \dots, n-1\}, \qquad
        I_d = \begin{cases}
            U\{0, \dots, n-1\} & \text{with probability } p = 1/L \\
            (I_{d-1} + 1) \bmod n & \text{otherwise}
        \end{cases}

    Blocks have geometric lengths of mean :math:`L` and wrap around the end of
    the source circularly, so every :math:`I_d` is uniform on the source and
    the resampled series is strictly stationary. :math:`L = 1` is iid
    resampling.

    Draw order (deterministic): one uniform per cell in row-major order (block
    start or continuation), then one uniform integer per block start in
    row-major order. With :math:`L = 1` only the integers are drawn.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random stream to draw from (never created here).
    n_source : int
        Length of the source series, :math:`n` [day], >= 1.
    mean_block_days : float
        Mean block length, :math:`L` [day], >= 1.
    n_paths : int
        Number of Monte Carlo paths.
    n_days : int
        Number of simulated days [day].

    Returns
    -------
    numpy.ndarray
        Int64 array of shape ``(n_paths, n_days)`` of indices into the source
        [-]; column ``d`` indexes the return of simulated day ``d``.

    References
    ----------
    .. [1] Politis, D. N. & Romano, J. P. (1994). The stationary bootstrap.
       *Journal of the American Statistical Association*, 89(428), 1303-1313.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (got {type(rng).__name__})")
    if isinstance(n_source, bool):
        raise ValueError(f"n_source must be a positive integer (got {n_source!r})")
    try:
        n = operator.index(n_source)
    except TypeError:
        raise ValueError(f"n_source must be a positive integer (got {n_source!r})") from None
    if n < 1:
        raise ValueError(f"n_source must be a positive integer (got {n})")
    length = check_finite(mean_block_days, "mean_block_days")
    if length < 1.0:
        raise ValueError(f"mean_block_days must be >= 1 (got {length})")
    shape = check_size(n_paths, n_days)
    if shape[0] * shape[1] == 0:
        return np.zeros(shape, dtype=np.int64)
    if length == 1.0:  # every day starts a block: iid resampling
        return rng.integers(0, n, size=shape, dtype=np.int64)
    n_days = shape[1]
    new_block = rng.random(shape) < 1.0 / length
    new_block[:, 0] = True
    cells = np.flatnonzero(new_block)  # block starts, row-major
    del new_block
    first_day = cells % n_days
    # Within a block idx[d] - d is constant: level = start index - first day.
    level = rng.integers(0, n, size=cells.size)
    level -= first_day
    # Forward-fill the level along each row as a cumulative sum of its changes
    # (every row starts a block on day 0, where the change is the level itself).
    change = np.empty_like(level)
    change[0] = level[0]
    np.subtract(level[1:], level[:-1], out=change[1:])
    row_start = first_day == 0
    change[row_start] = level[row_start]
    idx = np.zeros(shape, dtype=np.int64)
    idx.ravel()[cells] = change
    np.cumsum(idx, axis=1, out=idx)
    idx += np.arange(n_days, dtype=np.int64)
    np.remainder(idx, n, out=idx)
    return idx


def recentre_shift(log_returns: np.ndarray, expected_return_per_year: float) -> float:
    r"""Daily shift that gives resampled returns a chosen expected return.

    .. math::

        c = \mu \Delta t - \ln\Big(\frac{1}{n} \sum_{i=1}^{n} e^{r_i}\Big),
        \qquad \text{so} \qquad \frac{1}{n}\sum_{i=1}^{n} e^{r_i + c} = e^{\mu \Delta t}

    Adding :math:`c` to every sampled daily log return makes the expected
    daily gross return :math:`e^{\mu \Delta t}` (each bootstrap day is uniform
    on the source). Under iid resampling (``mean_block_days = 1``) the days are
    independent, so :math:`E[S_t] = S_0 e^{\mu t}` exactly. With blocks the
    returns within a block are consecutive historical days and not
    independent, so the expected product over :math:`t` years is only
    approximately :math:`e^{\mu t}` (exact for each day's marginal).

    Parameters
    ----------
    log_returns : numpy.ndarray
        Historical daily log returns :math:`r_i` [1/day], 1-D, finite,
        length >= 2.
    expected_return_per_year : float
        Target arithmetic expected return, :math:`\mu` [1/year].

    Returns
    -------
    float
        The shift :math:`c` [1/day], to pass as ``shift_per_day`` to
        :func:`bootstrap_price`.

    References
    ----------
    .. [1] Politis, D. N. & Romano, J. P. (1994). The stationary bootstrap.
       *Journal of the American Statistical Association*, 89(428), 1303-1313.
    .. [2] Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the
       Bootstrap*. Chapman & Hall. Section 16.4 (recentring a bootstrap to a
       null hypothesis).
    """
    r = _check_returns(log_returns)
    mu = check_finite(expected_return_per_year, "expected_return_per_year")
    top = float(r.max())  # log-mean-exp without overflow
    log_mean_gross = top + math.log(float(np.mean(np.exp(r - top))))
    return mu * _DT - log_mean_gross


def bootstrap_price(
    start_usd: float,
    log_returns: np.ndarray,
    indices: np.ndarray,
    *,
    shift_per_day: float = 0.0,
    out: np.ndarray | None = None,
) -> np.ndarray:
    r"""Price paths compounded from resampled historical daily log returns.

    .. math:: S_d = S_0 \exp\Big(\sum_{k=0}^{d} \big(r_{I_k} + c\big)\Big)

    Parameters
    ----------
    start_usd : float
        Price at time 0, :math:`S_0` [USD/BTC], > 0.
    log_returns : numpy.ndarray
        Historical daily log returns :math:`r_i` [1/day], 1-D, finite,
        length >= 2.
    indices : numpy.ndarray
        Integer indices :math:`I_k` into ``log_returns``, shape
        ``(n_paths, n_days)``, e.g. from :func:`stationary_bootstrap_indices`.
    shift_per_day : float, optional
        Constant :math:`c` added to every sampled return [1/day], e.g. from
        :func:`recentre_shift`; default 0 (the history's own drift).
    out : numpy.ndarray, optional
        Float64 array of shape ``(n_paths, n_days)`` to write into.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` [USD/BTC]; column ``d`` is
        the price at the end of day ``d`` (the start value is not included).

    References
    ----------
    .. [1] Politis, D. N. & Romano, J. P. (1994). The stationary bootstrap.
       *Journal of the American Statistical Association*, 89(428), 1303-1313.
    """
    start = check_positive(start_usd, "start_usd")
    r = _check_returns(log_returns)
    c = check_finite(shift_per_day, "shift_per_day")
    idx = _check_indices(indices, r.size)
    if out is None:
        out = np.empty(idx.shape, dtype=np.float64)
    else:
        check_out(out, idx.shape)
    # Indices are already checked, so "clip" only skips numpy's buffered range check.
    np.take(r + c, idx, out=out, mode="clip")
    np.cumsum(out, axis=1, out=out)
    np.exp(out, out=out)
    out *= start
    return out


def standardised_innovations(
    log_returns: np.ndarray, indices: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    r"""Resampled returns standardised to mean 0 and variance 1.

    .. math::

        \varepsilon_k = \frac{r_{I_k} - \bar r}{s_r}, \qquad
        \bar r = \frac{1}{n}\sum_i r_i, \quad
        s_r^2 = \frac{1}{n}\sum_i (r_i - \bar r)^2

    Each bootstrap day is uniform on the source, so :math:`\varepsilon_k` has
    mean 0 and variance 1 exactly (population standard deviation, ``ddof=0``).
    The engine uses them in place of the price normals to correlate network
    noise with the bootstrapped price.

    Parameters
    ----------
    log_returns : numpy.ndarray
        Historical daily log returns :math:`r_i` [1/day], 1-D, finite,
        length >= 2, not all equal.
    indices : numpy.ndarray
        Integer indices :math:`I_k` into ``log_returns``, shape
        ``(n_paths, n_days)``.
    out : numpy.ndarray, optional
        Float64 array of shape ``(n_paths, n_days)`` to write into.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` of standardised
        innovations [-].

    References
    ----------
    .. [1] Politis, D. N. & Romano, J. P. (1994). The stationary bootstrap.
       *Journal of the American Statistical Association*, 89(428), 1303-1313.
    """
    r = _check_returns(log_returns)
    idx = _check_indices(indices, r.size)
    sd = float(np.std(r))
    if not sd > 0.0:
        raise ValueError("log_returns must not all be equal (zero standard deviation)")
    if out is None:
        out = np.empty(idx.shape, dtype=np.float64)
    else:
        check_out(out, idx.shape)
    standard = (r - r.mean()) / sd
    np.take(standard, idx, out=out, mode="clip")
    return out
