"""Price path models for BTC [USD].

Conventions shared by every model in :mod:`simulator.model`:

* A model returns a float64 array of shape ``(n_paths, n_days)``.
* Column ``d`` (``d = 0 .. n_days - 1``) is the value at the **end** of
  simulated day ``d``, i.e. at time ``t_d = (d + 1) * dt`` [year] after the
  start, with ``dt = 1 / DAYS_PER_YEAR`` [year].
* The start value (time 0) is an input and is **not** part of the returned
  array: column 0 is already one day away from it.
* Random models never draw numbers themselves. They take ``z``, a pre-drawn
  array of independent standard normals of shape ``(n_paths, n_days)``, so the
  engine controls the random streams and can correlate price and network
  shocks (see :func:`draw_normals` and :func:`correlate`).
* :func:`draw_normals`, :func:`correlate` and :func:`apply_shocks` live in
  :mod:`simulator.model.shocks` and are re-exported here.
* Functions hold no state and do no I/O. Where an ``out`` argument is offered
  the result is written into it (it may be ``z`` itself) to save memory.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from simulator.model.shocks import (
    apply_shocks,
    check_finite,
    check_growth,
    check_out,
    check_positive,
    check_size,
    check_volatility,
    check_z,
    correlate,
    draw_normals,
)
from simulator.model.units import DAYS_PER_YEAR

__all__ = [
    "apply_shocks",
    "cagr_price",
    "constant_price",
    "correlate",
    "day_end_times",
    "draw_normals",
    "gbm_price",
    "log_random_walk",
]

#: Days per year [day/year]: the mean Julian year, so that annual rates are
#: per 365.25 days and one simulation step is ``dt = 1 / 365.25`` [year].

_DT: float = 1.0 / DAYS_PER_YEAR


def _compound_row(start: float, log_rate_per_year: float, n_days: int) -> np.ndarray:
    """Return ``start * exp(log_rate_per_year * t_d)`` for each day, shape (n_days,)."""
    row = day_end_times(n_days)
    row *= log_rate_per_year
    np.exp(row, out=row)
    row *= start
    return row


# ---------------------------------------------------------------- helpers
def day_end_times(n_days: int) -> np.ndarray:
    r"""Times of the ends of the simulated days.

    .. math:: t_d = \frac{d + 1}{365.25}, \qquad d = 0, \dots, n_{days} - 1

    Parameters
    ----------
    n_days : int
        Number of simulated days [day].

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_days,)``: time of the end of day ``d``
        after the start [year]. Time 0 (the start) is not included.
    """
    _, n_days = check_size(0, n_days)
    return np.arange(1, n_days + 1, dtype=np.float64) / DAYS_PER_YEAR


def log_random_walk(
    start: float,
    log_drift_per_year: float,
    volatility_per_year: float,
    z: np.ndarray,
    *,
    out: np.ndarray | None = None,
) -> np.ndarray:
    r"""Exponential of a Brownian motion with drift, sampled at day ends.

    The kernel shared by :func:`gbm_price` and the network hashrate models:

    .. math::

        X_d = X_0 \exp\Big(\sum_{k=0}^{d}
              \big(a\,\Delta t + \sigma \sqrt{\Delta t}\, z_k\big)\Big),
        \qquad \Delta t = 1 / 365.25

    so :math:`\ln X_d - \ln X_0 \sim N(a t_d, \sigma^2 t_d)`, exactly, for
    :math:`t_d = (d + 1)\Delta t`. The median of :math:`X_d` is
    :math:`X_0 e^{a t_d}` and its mean :math:`X_0 e^{(a + \sigma^2/2) t_d}`.

    Parameters
    ----------
    start : float
        Value at time 0, :math:`X_0` [unit of the path]; not in the output.
    log_drift_per_year : float
        Drift of the logarithm, :math:`a` [1/year].
    volatility_per_year : float
        Volatility of the logarithm, :math:`\sigma` [1/sqrt(year)], >= 0.
    z : numpy.ndarray
        Standard normals :math:`z_k`, shape ``(n_paths, n_days)`` [-].
    out : numpy.ndarray, optional
        Float64 array of the same shape to write into; may be ``z`` itself.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)``; column ``d`` is
        :math:`X_d`, the value at the end of day ``d`` [unit of the path].
        With :math:`\sigma = 0` it is exactly :math:`X_0 e^{a t_d}` and ``z``
        is not read.

    References
    ----------
    .. [1] Glasserman, P. (2004). *Monte Carlo Methods in Financial
       Engineering*. Springer. Section 3.2, exact simulation of geometric
       Brownian motion.
    """
    start = check_positive(start, "start")
    a = check_finite(log_drift_per_year, "log_drift_per_year")
    sigma = check_volatility(volatility_per_year, "volatility_per_year")
    z = check_z(z)
    out = np.empty(z.shape, dtype=np.float64) if out is None else check_out(out, z.shape)
    if sigma == 0.0:
        out[...] = _compound_row(start, a, z.shape[1])
        return out
    _drift_cumsum(np.ascontiguousarray(z, dtype=np.float64), sigma * math.sqrt(_DT), a * _DT, out)
    np.exp(out, out=out)
    out *= start
    return out


@njit(cache=True, nogil=True)
def _drift_cumsum(
    z: np.ndarray, scale: float, shift: float, out: np.ndarray
) -> None:  # pragma: no cover - compiled; log_random_walk is tested
    """``out[i, d] = sum over k <= d of (scale * z[i, k] + shift)``, one pass, left to right.

    The same operations in the same order as ``z * scale + shift`` then a
    cumulative sum along each row (numpy's is sequential too), so for float64
    ``z`` the result is bit for bit what those three numpy passes gave (a
    float32 ``z`` is now multiplied in float64, not float32). ``out`` may be
    ``z`` itself, but not a partly overlapping view of it.
    """
    n, n_days = z.shape
    for i in range(n):
        acc = 0.0
        for d in range(n_days):
            acc += z[i, d] * scale + shift
            out[i, d] = acc


# ---------------------------------------------------------------- models
def constant_price(start_usd: float, n_paths: int, n_days: int) -> np.ndarray:
    """Constant price: every day of every path equals the start price.

    .. math:: S_d = S_0

    Parameters
    ----------
    start_usd : float
        Price at time 0, :math:`S_0` [USD/BTC], > 0.
    n_paths : int
        Number of Monte Carlo paths.
    n_days : int
        Number of simulated days [day].

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` [USD/BTC]; column ``d`` is
        the price at the end of day ``d`` (the start value is not included).

    References
    ----------
    .. [1] Hull, J. C. (2018). *Options, Futures, and Other Derivatives*
       (10th ed.). Pearson. (A zero-volatility, zero-drift price path.)
    """
    start = check_positive(start_usd, "start_usd")
    return np.full(check_size(n_paths, n_days), start, dtype=np.float64)


def cagr_price(start_usd: float, growth_per_year: float, n_paths: int, n_days: int) -> np.ndarray:
    r"""Deterministic compound annual growth.

    .. math:: S_d = S_0 (1 + g)^{t_d}, \qquad t_d = \frac{d + 1}{365.25}

    Parameters
    ----------
    start_usd : float
        Price at time 0, :math:`S_0` [USD/BTC], > 0.
    growth_per_year : float
        Compound annual growth rate, :math:`g` [1/year], > -1
        (0.25 means +25 % a year).
    n_paths : int
        Number of Monte Carlo paths (all identical).
    n_days : int
        Number of simulated days [day].

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` [USD/BTC]; column ``d`` is
        the price at the end of day ``d`` (the start value is not included).

    References
    ----------
    .. [1] Hull, J. C. (2018). *Options, Futures, and Other Derivatives*
       (10th ed.). Pearson. Chapter 4, compounding frequency.
    """
    start = check_positive(start_usd, "start_usd")
    g = check_growth(growth_per_year, "growth_per_year")
    shape = check_size(n_paths, n_days)
    out = np.empty(shape, dtype=np.float64)
    out[...] = _compound_row(start, math.log1p(g), shape[1])
    return out


def gbm_price(
    start_usd: float,
    expected_return_per_year: float,
    volatility_per_year: float,
    z: np.ndarray,
    *,
    out: np.ndarray | None = None,
) -> np.ndarray:
    r"""Geometric Brownian motion, exact daily discretisation.

    .. math::

        S_d = S_0 \exp\Big(\sum_{k=0}^{d}
              \big((\mu - \tfrac{\sigma^2}{2})\Delta t
              + \sigma \sqrt{\Delta t}\, z_k\big)\Big),
        \qquad \Delta t = 1 / 365.25

    This is the exact solution of :math:`dS = \mu S\,dt + \sigma S\,dW` at the
    day ends (no discretisation error). :math:`\mu` is the arithmetic expected
    return: :math:`E[S_t] = S_0 e^{\mu t}`. The **median** grows more slowly,
    at :math:`\mu - \sigma^2/2` per year: :math:`\mathrm{median}(S_t) = S_0
    e^{(\mu - \sigma^2/2) t}`. For example :math:`\mu = 0.3, \sigma = 0.6`
    gives a median growth of 0.3 - 0.18 = 0.12 per year, i.e.
    :math:`e^{0.12} - 1 = 12.7` % a year, while the mean grows 35 % a year.

    Parameters
    ----------
    start_usd : float
        Price at time 0, :math:`S_0` [USD/BTC], > 0.
    expected_return_per_year : float
        Arithmetic expected return (drift), :math:`\mu` [1/year].
    volatility_per_year : float
        Annualised volatility of log returns, :math:`\sigma` [1/sqrt(year)],
        >= 0 (0.6 means 60 %). With 0 the path is :math:`S_0 e^{\mu t_d}`.
    z : numpy.ndarray
        Standard normals :math:`z_k`, shape ``(n_paths, n_days)`` [-].
    out : numpy.ndarray, optional
        Float64 array of the same shape to write into; may be ``z`` itself.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` [USD/BTC]; column ``d`` is
        the price at the end of day ``d`` (the start value is not included).

    References
    ----------
    .. [1] Hull, J. C. (2018). *Options, Futures, and Other Derivatives*
       (10th ed.). Pearson. Chapters 14-15 (Ito's lemma, lognormal property).
    .. [2] Glasserman, P. (2004). *Monte Carlo Methods in Financial
       Engineering*. Springer. Section 3.2, geometric Brownian motion.
    """
    start = check_positive(start_usd, "start_usd")
    mu = check_finite(expected_return_per_year, "expected_return_per_year")
    sigma = check_volatility(volatility_per_year, "volatility_per_year")
    return log_random_walk(start, mu - 0.5 * sigma * sigma, sigma, z, out=out)
