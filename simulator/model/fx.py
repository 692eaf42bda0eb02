"""Exchange-rate path models: local currency units per US dollar [LCU/USD].

A rate is quoted as local currency units (LCU) per USD, e.g. PKR per USD, so a
**rising** rate is a **weakening** local currency: a reserve worth ``V`` [USD]
is worth ``V * X`` [LCU] at rate ``X``. A rate growing at ``g`` a year makes
one LCU worth ``1 / (1 + g)`` as many USD after a year, a loss of
``g / (1 + g)`` of its USD value (0.10 a year: 9.1 % a year).

Arrays follow the conventions of :mod:`simulator.model.price.basic`: a
float64 array of shape ``(n_paths, n_days)`` whose column ``d`` is the rate at
the end of simulated day ``d``, at time ``t_d = (d + 1) / 365.25`` [year]
(:func:`~simulator.model.price.basic.day_end_times`); the start rate (time 0)
is **not** included. The random model takes pre-drawn standard normals ``z``
of shape ``(n_paths, n_days)``, so the engine can correlate them with the
price's shocks. Functions hold no state and do no I/O.
"""

from __future__ import annotations

import numpy as np

from simulator.model.price.basic import cagr_price, constant_price, gbm_price
from simulator.model.shocks import (
    check_finite,
    check_growth,
    check_positive,
    check_volatility,
)

__all__ = ["cagr_fx", "constant_fx", "gbm_fx"]


def constant_fx(start_lcu_per_usd: float, n_paths: int, n_days: int) -> np.ndarray:
    """Constant exchange rate: every day of every path equals the start rate.

    .. math:: X_d = X_0

    Parameters
    ----------
    start_lcu_per_usd : float
        Rate at time 0, :math:`X_0` [LCU/USD], > 0.
    n_paths : int
        Number of Monte Carlo paths.
    n_days : int
        Number of simulated days [day].

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` [LCU/USD]; column ``d`` is
        the rate at the end of day ``d`` (the start value is not included).

    References
    ----------
    .. [1] Hull, J. C. (2018). *Options, Futures, and Other Derivatives*
       (10th ed.). Pearson. Chapter 5, forward contracts on currencies.
       (A zero-drift, zero-volatility rate.)
    """
    start = check_positive(start_lcu_per_usd, "start_lcu_per_usd")
    return constant_price(start, n_paths, n_days)


def cagr_fx(
    start_lcu_per_usd: float, growth_per_year: float, n_paths: int, n_days: int
) -> np.ndarray:
    r"""Deterministic compound yearly growth of the rate (steady depreciation).

    .. math:: X_d = X_0 (1 + g)^{t_d}, \qquad t_d = \frac{d + 1}{365.25}

    :math:`g` is the yearly growth of the **rate** (LCU per USD), not of the
    local currency's value: :math:`g = 0.10` means the rate (LCU per USD)
    rises 10 % a year, so one LCU buys :math:`1 / 1.1` as many USD after a year, i.e.
    the local currency loses :math:`0.1 / 1.1 = 9.1` % of its USD value a
    year. A negative :math:`g` is an appreciating local currency.

    Parameters
    ----------
    start_lcu_per_usd : float
        Rate at time 0, :math:`X_0` [LCU/USD], > 0.
    growth_per_year : float
        Compound yearly growth of the rate, :math:`g` [1/year], > -1.
    n_paths : int
        Number of Monte Carlo paths (all identical).
    n_days : int
        Number of simulated days [day].

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` [LCU/USD]; column ``d`` is
        the rate at the end of day ``d`` (the start value is not included).

    References
    ----------
    .. [1] Hull, J. C. (2018). *Options, Futures, and Other Derivatives*
       (10th ed.). Pearson. Chapter 4, compounding frequency.
    """
    start = check_positive(start_lcu_per_usd, "start_lcu_per_usd")
    g = check_growth(growth_per_year, "growth_per_year")
    return cagr_price(start, g, n_paths, n_days)


def gbm_fx(
    start_lcu_per_usd: float,
    expected_growth_per_year: float,
    volatility_per_year: float,
    z: np.ndarray,
    *,
    out: np.ndarray | None = None,
) -> np.ndarray:
    r"""Log-normal exchange rate (geometric Brownian motion), exact daily steps.

    .. math::

        X_d = X_0 \exp\Big(\sum_{k=0}^{d}
              \big((\mu - \tfrac{\sigma^2}{2})\Delta t
              + \sigma \sqrt{\Delta t}\, z_k\big)\Big),
        \qquad \Delta t = 1 / 365.25

    The drift convention is the price GBM's
    (:func:`~simulator.model.price.basic.gbm_price`): :math:`\mu` is the
    expected growth, :math:`E[X_t] = X_0 e^{\mu t}`, while the median grows
    at :math:`\mu - \sigma^2/2`: :math:`\mathrm{median}(X_t) = X_0
    e^{(\mu - \sigma^2/2) t}`. For example :math:`\mu = 0.08, \sigma = 0.1`
    gives a mean rate 8.3 % higher after a year (:math:`e^{0.08}`) and a
    median 7.8 % higher (:math:`e^{0.075}`). A rising rate is a weakening
    local currency. Correlating ``z`` with the price's daily shocks (the
    engine does it) makes the rate move with BTC.

    Parameters
    ----------
    start_lcu_per_usd : float
        Rate at time 0, :math:`X_0` [LCU/USD], > 0.
    expected_growth_per_year : float
        Expected growth of the rate (drift), :math:`\mu` [1/year].
    volatility_per_year : float
        Annualised volatility of the daily log changes of the rate,
        :math:`\sigma` [1/sqrt(year)], >= 0. With 0 the path is
        :math:`X_0 e^{\mu t_d}` and ``z`` is not read.
    z : numpy.ndarray
        Standard normals (unit-variance innovations) :math:`z_k`, shape
        ``(n_paths, n_days)`` [-].
    out : numpy.ndarray, optional
        Float64 array of the same shape to write into; may be ``z`` itself.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` [LCU/USD]; column ``d`` is
        the rate at the end of day ``d`` (the start value is not included).

    References
    ----------
    .. [1] Garman, M. B. and Kohlhagen, S. W. (1983). Foreign currency option
       values. *Journal of International Money and Finance* 2(3), 231-237.
       (A log-normal exchange rate.)
    .. [2] Glasserman, P. (2004). *Monte Carlo Methods in Financial
       Engineering*. Springer. Section 3.2, exact simulation of geometric
       Brownian motion.
    """
    start = check_positive(start_lcu_per_usd, "start_lcu_per_usd")
    mu = check_finite(expected_growth_per_year, "expected_growth_per_year")
    sigma = check_volatility(volatility_per_year, "volatility_per_year")
    return gbm_price(start, mu, sigma, z, out=out)
