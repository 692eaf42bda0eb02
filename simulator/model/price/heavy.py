"""Heavy-tailed price models for BTC [USD]: Student-t returns and Merton jumps.

Arrays follow the conventions of :mod:`simulator.model.price.basic`: a float64 array
of shape ``(n_paths, n_days)`` whose column ``d`` is the value at the end of
simulated day ``d`` (time ``t_d = (d + 1) / 365.25`` [year]); the start value
(time 0) is **not** included. The price functions take pre-drawn arrays; the
``draw_*`` functions draw them from an explicit random generator.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.model.price.basic import log_random_walk
from simulator.model.shocks import (
    check_finite,
    check_out,
    check_positive,
    check_size,
    check_volatility,
    check_z,
)
from simulator.model.units import DAYS_PER_YEAR

__all__ = ["draw_jumps", "draw_standard_t", "jump_diffusion_price", "student_t_price"]

_DT: float = 1.0 / DAYS_PER_YEAR


def _check_rng(rng: np.random.Generator) -> np.random.Generator:
    """Return ``rng``, raising ValueError unless it is a numpy Generator."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (got {type(rng).__name__})")
    return rng


def _poisson_cdf(rate: float) -> np.ndarray:
    """Poisson(rate) CDF at k = 0 .. k_max, with P(N > k_max) < 1e-25 (far below 2**-53).

    Accurate to about 1e-13 even for large rates (rounding of the cumulative sum).
    """
    k_max = int(rate + 40.0 * math.sqrt(rate) + 40.0)
    log_pmf = np.array([k * math.log(rate) - rate - math.lgamma(k + 1.0) for k in range(k_max + 1)])
    cdf = np.cumsum(np.exp(log_pmf))
    np.minimum(cdf, 1.0, out=cdf)
    return cdf


# ---------------------------------------------------------------- Student-t
def draw_standard_t(
    rng: np.random.Generator, degrees_of_freedom: float, n_paths: int, n_days: int
) -> np.ndarray:
    r"""Draw Student-t variates rescaled to unit variance.

    .. math::

        \varepsilon = T \sqrt{\frac{\nu - 2}{\nu}}, \qquad T \sim t_\nu,
        \qquad E[\varepsilon] = 0, \quad \mathrm{Var}[\varepsilon] = 1

    since :math:`\mathrm{Var}[T] = \nu / (\nu - 2)` for :math:`\nu > 2`.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random stream to draw from (never created here).
    degrees_of_freedom : float
        Degrees of freedom, :math:`\nu` [-], > 2 (finite variance): the tail
        weight at unit variance. Smaller means heavier tails at the same sd;
        fitted at their sample sd, daily BTC log returns give about 3
        (2018-2025, :func:`simulator.analysis.calibrate.price.fit_student_t`).
    n_paths : int
        Number of Monte Carlo paths.
    n_days : int
        Number of simulated days [day].

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` of unit-variance t draws
        [-], drawn with ``rng.standard_t`` in row-major order.

    References
    ----------
    .. [1] Chan, S., Chu, J., Nadarajah, S. & Osterrieder, J. (2017). A
       statistical analysis of cryptocurrencies. *Journal of Risk and
       Financial Management*, 10(2), 12. (Student-t and other heavy-tailed
       fits to Bitcoin log returns.)
    .. [2] Glasserman, P. (2004). *Monte Carlo Methods in Financial
       Engineering*. Springer. Section 9.3 (heavy-tailed t distributions).
    """
    _check_rng(rng)
    nu = check_finite(degrees_of_freedom, "degrees_of_freedom")
    if nu <= 2.0:
        raise ValueError(f"degrees_of_freedom must be > 2 for a finite variance (got {nu})")
    shape = check_size(n_paths, n_days)
    eps = rng.standard_t(nu, size=shape)
    eps *= math.sqrt((nu - 2.0) / nu)
    return eps


def student_t_price(
    start_usd: float,
    expected_return_per_year: float,
    volatility_per_year: float,
    eps: np.ndarray,
    *,
    out: np.ndarray | None = None,
) -> np.ndarray:
    r"""Exponential random walk with unit-variance Student-t daily shocks.

    .. math::

        S_d = S_0 \exp\Big(\sum_{k=0}^{d}
              \big((\mu - \tfrac{\sigma^2}{2})\Delta t
              + \sigma \sqrt{\Delta t}\, \varepsilon_k\big)\Big),
        \qquad \Delta t = 1 / 365.25

    With unit-variance :math:`\varepsilon_k` (see :func:`draw_standard_t`)
    the daily log return has mean :math:`(\mu - \sigma^2/2)\Delta t` and
    variance :math:`\sigma^2 \Delta t`, so :math:`\sigma` is exactly the sd of
    daily log returns annualised, as for geometric Brownian motion, and
    :math:`\nu` changes only the shape (tail weight) at that sd.
    :func:`simulator.analysis.calibrate.price.fit_student_t` estimates the
    three in these meanings (:math:`\sigma` as the sample sd).

    A t-distributed log return has no finite exponential moment, so in theory
    :math:`E[S_t]` does not exist (the t tail beats any exponential decay).
    Here :math:`\mu` therefore does **not** set the mean price: it sets the
    log drift :math:`\mu - \sigma^2/2`, i.e. the same median path
    :math:`S_0 e^{(\mu - \sigma^2/2) t}` and the same mean log return as a
    geometric Brownian motion with the same :math:`\mu` and :math:`\sigma`.
    Sample means of simulated prices are finite but dominated by rare paths.

    Parameters
    ----------
    start_usd : float
        Price at time 0, :math:`S_0` [USD/BTC], > 0.
    expected_return_per_year : float
        GBM-equivalent drift :math:`\mu` [1/year]: sets the log drift
        :math:`\mu - \sigma^2/2`, hence the median path; not the mean price's
        growth, which does not exist for t returns.
    volatility_per_year : float
        Standard deviation of daily log returns annualised (times
        :math:`\sqrt{365.25}`), :math:`\sigma` [1/sqrt(year)], >= 0. With 0 the
        path is :math:`S_0 e^{\mu t_d}`.
    eps : numpy.ndarray
        Unit-variance t draws :math:`\varepsilon_k`, shape
        ``(n_paths, n_days)`` [-].
    out : numpy.ndarray, optional
        Float64 array of the same shape to write into; may be ``eps`` itself.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` [USD/BTC]; column ``d`` is
        the price at the end of day ``d`` (the start value is not included).

    References
    ----------
    .. [1] Chan, S., Chu, J., Nadarajah, S. & Osterrieder, J. (2017). A
       statistical analysis of cryptocurrencies. *Journal of Risk and
       Financial Management*, 10(2), 12.
    .. [2] Glasserman, P. (2004). *Monte Carlo Methods in Financial
       Engineering*. Springer. Section 3.2 (exponential random walks).
    """
    start = check_positive(start_usd, "start_usd")
    mu = check_finite(expected_return_per_year, "expected_return_per_year")
    sigma = check_volatility(volatility_per_year, "volatility_per_year")
    eps = check_z(eps, "eps")
    return log_random_walk(start, mu - 0.5 * sigma * sigma, sigma, eps, out=out)


# ---------------------------------------------------------------- Merton jumps
def draw_jumps(
    rng: np.random.Generator,
    jump_intensity_per_year: float,
    jump_mean_log: float,
    jump_sd_log: float,
    n_paths: int,
    n_days: int,
) -> np.ndarray:
    r"""Draw the total log jump of each day of a compound Poisson process.

    .. math::

        J_d = \sum_{i=1}^{N_d} Y_i, \qquad N_d \sim \mathrm{Poisson}(\lambda \Delta t),
        \qquad Y_i \sim N(m, s^2)

    drawn as :math:`J_d = N_d m + s \sqrt{N_d}\, Z_d` (the same law). The
    counts are drawn first, by inversion of the Poisson distribution function
    from one uniform per cell in row-major order (exact; faster than
    ``rng.poisson`` for small :math:`\lambda \Delta t`); then one standard
    normal :math:`Z_d` per cell with :math:`N_d > 0`, in row-major order (so
    few normals are drawn). Nothing is drawn when :math:`\lambda = 0`.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random stream to draw from (never created here).
    jump_intensity_per_year : float
        Expected number of jumps a year, :math:`\lambda` [1/year], >= 0.
    jump_mean_log : float
        Mean log jump size, :math:`m` [-] (-0.1 is a typical jump of about
        :math:`e^{-0.1} - 1 = -9.5` %).
    jump_sd_log : float
        Standard deviation of the log jump size, :math:`s` [-], >= 0.
    n_paths : int
        Number of Monte Carlo paths.
    n_days : int
        Number of simulated days [day].

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)``: sum of the log jump sizes
        in each day, :math:`J_d` [-] (0 on days without a jump).

    References
    ----------
    .. [1] Merton, R. C. (1976). Option pricing when underlying stock returns
       are discontinuous. *Journal of Financial Economics*, 3(1-2), 125-144.
    .. [2] Glasserman, P. (2004). *Monte Carlo Methods in Financial
       Engineering*. Springer. Section 3.5.1 (jump-diffusions) and
       Section 2.2.1 (the inverse transform method).
    """
    _check_rng(rng)
    lam = check_volatility(jump_intensity_per_year, "jump_intensity_per_year")
    m = check_finite(jump_mean_log, "jump_mean_log")
    s = check_volatility(jump_sd_log, "jump_sd_log")
    shape = check_size(n_paths, n_days)
    jumps = np.zeros(shape, dtype=np.float64)
    if lam == 0.0 or jumps.size == 0:
        return jumps
    # Counts by inversion of the Poisson CDF, one uniform per cell:
    # N = #{k : F(k) <= u}, so N > 0 only where u >= F(0) = exp(-lambda dt).
    rate = lam * _DT
    if rate == 0.0:  # lam so small that lam * dt underflows
        return jumps
    cdf = _poisson_cdf(rate)
    u = rng.random(shape).ravel()
    cells = np.flatnonzero(u >= cdf[0])
    n = np.searchsorted(cdf, u[cells], side="right").astype(np.float64)
    del u
    # Drawn even when s == 0, so the stream use does not depend on s.
    z = rng.standard_normal(cells.size)
    z *= np.sqrt(n)
    z *= s
    n *= m
    n += z
    jumps.ravel()[cells] = n
    return jumps


def jump_diffusion_price(
    start_usd: float,
    expected_return_per_year: float,
    volatility_per_year: float,
    jump_intensity_per_year: float,
    jump_mean_log: float,
    jump_sd_log: float,
    z: np.ndarray,
    jumps: np.ndarray,
    *,
    out: np.ndarray | None = None,
) -> np.ndarray:
    r"""Merton jump-diffusion, exact at the day ends, drift-compensated.

    .. math::

        S_d = S_0 \exp\Big(\sum_{k=0}^{d}
              \big((\mu - \tfrac{\sigma^2}{2} - \lambda \kappa)\Delta t
              + \sigma \sqrt{\Delta t}\, z_k + J_k\big)\Big),
        \qquad \kappa = e^{m + s^2/2} - 1

    :math:`\kappa` is the mean relative jump :math:`E[e^{Y}] - 1`. The term
    :math:`-\lambda\kappa` compensates the jumps so that
    :math:`E[S_t] = S_0 e^{\mu t}` exactly: :math:`\mu` is the expected return
    whatever the jumps (a negative mean jump raises the diffusion drift). The
    daily log return has mean :math:`(\mu - \sigma^2/2 - \lambda\kappa)\Delta t
    + \lambda \Delta t\, m` and variance :math:`\sigma^2 \Delta t +
    \lambda \Delta t\,(s^2 + m^2)`.

    Parameters
    ----------
    start_usd : float
        Price at time 0, :math:`S_0` [USD/BTC], > 0.
    expected_return_per_year : float
        Arithmetic expected return, :math:`\mu` [1/year].
    volatility_per_year : float
        Volatility of the diffusion part, :math:`\sigma` [1/sqrt(year)], >= 0.
    jump_intensity_per_year : float
        Expected number of jumps a year, :math:`\lambda` [1/year], >= 0; must be
        the value ``jumps`` was drawn with.
    jump_mean_log : float
        Mean log jump size, :math:`m` [-].
    jump_sd_log : float
        Standard deviation of the log jump size, :math:`s` [-], >= 0.
    z : numpy.ndarray
        Standard normals :math:`z_k`, shape ``(n_paths, n_days)`` [-].
    jumps : numpy.ndarray
        Daily total log jumps :math:`J_k` from :func:`draw_jumps`, same shape
        [-]; not modified.
    out : numpy.ndarray, optional
        Float64 array of the same shape to write into; may be ``z`` itself but
        must not share memory with ``jumps``.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` [USD/BTC]; column ``d`` is
        the price at the end of day ``d`` (the start value is not included).

    References
    ----------
    .. [1] Merton, R. C. (1976). Option pricing when underlying stock returns
       are discontinuous. *Journal of Financial Economics*, 3(1-2), 125-144.
    .. [2] Glasserman, P. (2004). *Monte Carlo Methods in Financial
       Engineering*. Springer. Section 3.5.1, simulating jump-diffusions.
    """
    start = check_positive(start_usd, "start_usd")
    mu = check_finite(expected_return_per_year, "expected_return_per_year")
    sigma = check_volatility(volatility_per_year, "volatility_per_year")
    lam = check_volatility(jump_intensity_per_year, "jump_intensity_per_year")
    m = check_finite(jump_mean_log, "jump_mean_log")
    s = check_volatility(jump_sd_log, "jump_sd_log")
    z = check_z(z)
    jumps = check_z(jumps, "jumps", shape=z.shape)
    if out is None:
        out = np.empty(z.shape, dtype=np.float64)
    else:
        check_out(out, z.shape)
        if np.may_share_memory(out, jumps):
            raise ValueError("out must not share memory with jumps (it may be z)")
    kappa = math.expm1(m + 0.5 * s * s)
    drift = (mu - 0.5 * sigma * sigma - lam * kappa) * _DT
    if sigma == 0.0:
        np.add(jumps, drift, out=out)
    else:
        np.multiply(z, sigma * math.sqrt(_DT), out=out)
        out += drift
        out += jumps
    np.cumsum(out, axis=1, out=out)
    np.exp(out, out=out)
    out *= start
    return out
