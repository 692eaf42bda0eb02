"""Network hashrate path models for the rest of the network [EH/s].

"Rest of the network" means every miner except the simulated operation(s):
the mining model adds the operation's own hashrate on top when it joins the
network. Arrays follow the conventions of :mod:`simulator.model.price.basic`: a
float64 array of shape ``(n_paths, n_days)`` whose column ``d`` is the value
at the end of simulated day ``d`` (time ``t_d = (d + 1) / 365.25`` [year]);
the start value (time 0) is **not** included. Random models take pre-drawn
standard normals ``z`` of shape ``(n_paths, n_days)``.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.model.price.basic import (
    cagr_price,
    constant_price,
    gbm_price,
    log_random_walk,
)
from simulator.model.shocks import (
    check_finite,
    check_growth,
    check_positive,
    check_size,
    check_volatility,
    check_z,
)

__all__ = ["constant_hashrate", "gbm_hashrate", "growth_hashrate"]


def constant_hashrate(start_ehs: float, n_paths: int, n_days: int) -> np.ndarray:
    """Constant hashrate of the rest of the network.

    .. math:: H_d = H_0

    Parameters
    ----------
    start_ehs : float
        Hashrate of the rest of the network at time 0, :math:`H_0` [EH/s], > 0.
    n_paths : int
        Number of Monte Carlo paths.
    n_days : int
        Number of simulated days [day].

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` [EH/s]; column ``d`` is the
        hashrate at the end of day ``d`` (the start value is not included).

    References
    ----------
    .. [1] Nakamoto, S. (2008). *Bitcoin: A Peer-to-Peer Electronic Cash
       System*. (Hashrate as the proof-of-work capacity of the network.)
    """
    start = check_positive(start_ehs, "start_ehs")
    return constant_price(start, n_paths, n_days)


def growth_hashrate(
    start_ehs: float,
    growth_per_year: float,
    n_paths: int,
    n_days: int,
    noise_volatility_per_year: float = 0.0,
    z: np.ndarray | None = None,
    *,
    out: np.ndarray | None = None,
) -> np.ndarray:
    r"""Compound-growth trend with optional lognormal noise around it.

    .. math::

        H_d = H_0 (1 + g)^{t_d}
              \exp\Big(\sigma \sqrt{\Delta t} \sum_{k=0}^{d} z_k\Big),
        \qquad t_d = (d + 1)\Delta t, \quad \Delta t = 1 / 365.25

    The noise is a driftless random walk in the logarithm around the trend,
    chosen so that the **median** of :math:`H_d` follows the trend
    :math:`H_0 (1 + g)^{t_d}` exactly. The mean lies above the trend by the
    factor :math:`e^{\sigma^2 t_d / 2}`. (A GBM with expected growth ``g``,
    by contrast, has its mean on the trend and its median below it; see
    :func:`gbm_hashrate`.)

    Parameters
    ----------
    start_ehs : float
        Hashrate of the rest of the network at time 0, :math:`H_0` [EH/s], > 0.
    growth_per_year : float
        Trend compound annual growth rate, :math:`g` [1/year], > -1.
    n_paths : int
        Number of Monte Carlo paths.
    n_days : int
        Number of simulated days [day].
    noise_volatility_per_year : float, default 0.0
        Volatility of the log noise, :math:`\sigma` [1/sqrt(year)], >= 0.
        With 0 the result is the deterministic trend and ``z`` is not needed.
    z : numpy.ndarray, optional
        Standard normals :math:`z_k`, shape ``(n_paths, n_days)`` [-];
        required when ``noise_volatility_per_year > 0``.
    out : numpy.ndarray, optional
        Float64 array of shape ``(n_paths, n_days)`` to write into when noise
        is used; may be ``z`` itself.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` [EH/s]; column ``d`` is the
        hashrate at the end of day ``d`` (the start value is not included).

    References
    ----------
    .. [1] Hull, J. C. (2018). *Options, Futures, and Other Derivatives*
       (10th ed.). Pearson. Chapter 15, the lognormal property.
    .. [2] Glasserman, P. (2004). *Monte Carlo Methods in Financial
       Engineering*. Springer. Section 3.2, exact simulation of the
       exponential of a Brownian motion.
    """
    start = check_positive(start_ehs, "start_ehs")
    g = check_growth(growth_per_year, "growth_per_year")
    shape = check_size(n_paths, n_days)
    sigma = check_volatility(noise_volatility_per_year, "noise_volatility_per_year")
    if z is not None:
        z = check_z(z, shape=shape)
    if sigma == 0.0:
        return cagr_price(start, g, *shape)
    if z is None:
        raise ValueError("z is required when noise_volatility_per_year > 0")
    return log_random_walk(start, math.log1p(g), sigma, z, out=out)


def gbm_hashrate(
    start_ehs: float,
    expected_growth_per_year: float,
    volatility_per_year: float,
    z: np.ndarray,
    *,
    out: np.ndarray | None = None,
) -> np.ndarray:
    r"""Geometric Brownian motion of the rest of the network's hashrate.

    .. math::

        H_d = H_0 \exp\Big(\sum_{k=0}^{d}
              \big((\mu - \tfrac{\sigma^2}{2})\Delta t
              + \sigma \sqrt{\Delta t}\, z_k\big)\Big),
        \qquad \Delta t = 1 / 365.25

    The same exact discretisation as :func:`simulator.model.price.basic.gbm_price`:
    the mean grows as :math:`E[H_t] = H_0 e^{\mu t}`, the median as
    :math:`H_0 e^{(\mu - \sigma^2/2) t}`.

    Parameters
    ----------
    start_ehs : float
        Hashrate of the rest of the network at time 0, :math:`H_0` [EH/s], > 0.
    expected_growth_per_year : float
        Arithmetic expected growth rate (drift), :math:`\mu` [1/year].
    volatility_per_year : float
        Annualised volatility of log changes, :math:`\sigma` [1/sqrt(year)], >= 0.
    z : numpy.ndarray
        Standard normals :math:`z_k`, shape ``(n_paths, n_days)`` [-].
    out : numpy.ndarray, optional
        Float64 array of the same shape to write into; may be ``z`` itself.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` [EH/s]; column ``d`` is the
        hashrate at the end of day ``d`` (the start value is not included).

    References
    ----------
    .. [1] Hull, J. C. (2018). *Options, Futures, and Other Derivatives*
       (10th ed.). Pearson. Chapters 14-15.
    .. [2] Glasserman, P. (2004). *Monte Carlo Methods in Financial
       Engineering*. Springer. Section 3.2, geometric Brownian motion.
    """
    start = check_positive(start_ehs, "start_ehs")
    mu = check_finite(expected_growth_per_year, "expected_growth_per_year")
    sigma = check_volatility(volatility_per_year, "volatility_per_year")
    return gbm_price(start, mu, sigma, z, out=out)
