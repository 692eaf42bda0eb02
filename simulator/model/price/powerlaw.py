r"""Power-law trend of BTC price in time, with a mean-reverting residual [USD].

The trend is a straight line on log-log axes against the age of the chain:

.. math:: \log_{10} P(t) = a + b \log_{10}(\text{days since } 2009\text{-}01\text{-}03)

and the natural-log residual :math:`x = \ln S - \ln P` follows an
Ornstein-Uhlenbeck process, so the price wanders around the trend and is pulled
back to it with a chosen half-life. The coefficients below are **assumptions**
quoted from public write-ups, not facts: the fits depend on the data window and
method, and a power law fitted to a trending series can be spurious.

Arrays follow the conventions of :mod:`simulator.model.price.basic`: shape
``(n_paths, n_days)``, column ``d`` is the end of simulated day ``d``, and the
start value (time 0) is not included.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from simulator.model.shocks import (
    check_finite,
    check_out,
    check_positive,
    check_size,
    check_volatility,
    check_z,
)
from simulator.model.units import DAYS_PER_YEAR

__all__ = [
    "GENESIS",
    "POWERLAW_PRESETS",
    "PowerLawPreset",
    "days_since_genesis",
    "ou_residual",
    "powerlaw_price",
    "powerlaw_trend_usd",
    "resolve_preset",
]

#: Date of the Bitcoin genesis block (block 0), the origin of the trend's clock.
GENESIS: datetime.date = datetime.date(2009, 1, 3)

_DT: float = 1.0 / DAYS_PER_YEAR
_LN10: float = math.log(10.0)


@dataclass(frozen=True)
class PowerLawPreset:
    """Named power-law coefficients: ``log10(price_usd) = intercept + slope * log10(days)``.

    Attributes
    ----------
    name : str
        Preset key in :data:`POWERLAW_PRESETS`.
    intercept : float
        :math:`a`, log10 of the price one day after genesis [log10 USD/BTC].
    slope : float
        :math:`b`, exponent of the power law [-].
    reference : str
        Where the coefficients are published.
    note : str
        How they were obtained, and that they are assumptions.
    """

    name: str
    intercept: float
    slope: float
    reference: str
    note: str


_ASSUMPTION = "Coefficients as publicly quoted; an assumption for what-if runs, not a fact."

#: Named power-law coefficient sets (assumptions, see each ``note``).
POWERLAW_PRESETS: dict[str, PowerLawPreset] = {
    "santostasi": PowerLawPreset(
        name="santostasi",
        intercept=math.log10(1.0117e-17),  # = -16.99495...
        slope=5.82,
        reference='G. Santostasi, "The Bitcoin Power Law Theory", Medium, 2024.',
        note="Price = A * days^n with A = 1.0117e-17, n = 5.82 as commonly quoted. " + _ASSUMPTION,
    ),
    "burger_2019": PowerLawPreset(
        name="burger_2019",
        intercept=-17.01593313,
        slope=5.84509376,
        reference=(
            'H. C. Burger, "Bitcoin\'s natural long-term power-law corridor of growth", '
            "Medium, 2019."
        ),
        note="OLS regression line of log10 price on log10 days, as quoted. " + _ASSUMPTION,
    ),
    "bitcoinpower_law_2026": PowerLawPreset(
        name="bitcoinpower_law_2026",
        intercept=-16.493,
        slope=5.688,
        reference=(
            "bitcoinpower.law parameters as quoted by btcpowerlaw.nl, "
            '"Reproducing the Bitcoin Power Law" (2026).'
        ),
        note="beta = 5.688, logA = -16.493 as quoted. " + _ASSUMPTION,
    ),
    "btcsim_2010_2025": PowerLawPreset(
        name="btcsim_2010_2025",
        intercept=-16.5406,
        slope=5.69959,
        reference=(
            "btcsim calibrate --model powerlaw on Coin Metrics community data "
            "(shared/data/btc_daily.csv), 2010-07-18:2025-12-31, OLS."
        ),
        note="Refit with the command above; 95 % ranges -19.14..-13.94 and 4.95..6.45 "
        "(parametric bootstrap of the AR(1) residual). "
        + _ASSUMPTION.replace("as publicly quoted", "fitted by btcsim"),
    ),
}


def resolve_preset(name: str) -> PowerLawPreset:
    """Look up a named power-law preset.

    Parameters
    ----------
    name : str
        Key of :data:`POWERLAW_PRESETS`, e.g. ``"burger_2019"``.

    Returns
    -------
    PowerLawPreset
        The preset.

    References
    ----------
    .. [1] Burger, H. C. (2019). Bitcoin's natural long-term power-law corridor
       of growth. Medium.
    """
    try:
        return POWERLAW_PRESETS[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(POWERLAW_PRESETS))
        raise ValueError(f"unknown power-law preset {name!r}; known presets: {known}") from None


def _genesis_offset(start_date: datetime.date) -> int:
    """Return days from GENESIS to ``start_date``, requiring it to be after GENESIS."""
    if isinstance(start_date, datetime.datetime):
        start_date = start_date.date()
    if not isinstance(start_date, datetime.date):
        raise ValueError(f"start_date must be a datetime.date (got {type(start_date).__name__})")
    days = (start_date - GENESIS).days
    if days <= 0:
        raise ValueError(f"start_date must be after the genesis date {GENESIS} (got {start_date})")
    return days


def days_since_genesis(start_date: datetime.date, n_days: int) -> np.ndarray:
    r"""Age of the chain at the end of each simulated day.

    .. math:: D_d = (\text{start\_date} - 2009\text{-}01\text{-}03) + d + 1

    Parameters
    ----------
    start_date : datetime.date
        Calendar date of time 0, after :data:`GENESIS`.
    n_days : int
        Number of simulated days [day].

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_days,)``: days since the genesis date at
        the end of simulated day ``d`` [day].

    References
    ----------
    .. [1] Nakamoto, S. (2008). *Bitcoin: A Peer-to-Peer Electronic Cash
       System*. (Genesis block mined 2009-01-03.)
    """
    offset = _genesis_offset(start_date)
    _, n = check_size(0, n_days)
    return np.arange(offset + 1, offset + n + 1, dtype=np.float64)


def powerlaw_trend_usd(days: np.ndarray, intercept: float, slope: float) -> np.ndarray:
    r"""Power-law trend price at given ages of the chain.

    .. math:: P(D) = 10^{a + b \log_{10} D}

    Parameters
    ----------
    days : numpy.ndarray
        Days since the genesis date, :math:`D` [day], finite and > 0 (any
        shape).
    intercept : float
        :math:`a` [log10 USD/BTC].
    slope : float
        :math:`b` [-].

    Returns
    -------
    numpy.ndarray
        Float64 array of the shape of ``days``: trend price [USD/BTC].

    References
    ----------
    .. [1] Burger, H. C. (2019). Bitcoin's natural long-term power-law corridor
       of growth. Medium.
    .. [2] Santostasi, G. (2024). The Bitcoin Power Law Theory. Medium.
    """
    a = check_finite(intercept, "intercept")
    b = check_finite(slope, "slope")
    d = np.asarray(days, dtype=np.float64)
    if not np.all(np.isfinite(d) & (d > 0.0)):
        raise ValueError("days must all be finite and > 0 (days since genesis)")
    out = np.log10(d)
    out *= b
    out += a
    np.power(10.0, out, out=out)
    return out


@njit(cache=True, nogil=True)
def _ar1_rows(z, phi, scale, x0, out):  # type: ignore[no-untyped-def]  # numba kernel
    """Run x_d = phi x_{d-1} + scale z_d along each row from x_{-1} = x0 (out may be z)."""
    n_paths, n_days = z.shape
    for i in range(n_paths):
        x = x0
        for d in range(n_days):
            x = phi * x + scale * z[i, d]
            out[i, d] = x


def ou_residual(
    x0: float,
    reversion_half_life_years: float,
    volatility_per_year: float,
    z: np.ndarray,
    *,
    out: np.ndarray | None = None,
) -> np.ndarray:
    r"""Ornstein-Uhlenbeck process, exact discretisation at the day ends.

    Solves :math:`dx = -\kappa x\,dt + \sigma\,dW` with
    :math:`\kappa = \ln 2 / h`:

    .. math::

        x_d = \phi\, x_{d-1} + \sigma \sqrt{\frac{1 - \phi^2}{2\kappa}}\; z_d,
        \qquad \phi = e^{-\kappa \Delta t}, \qquad x_{-1} = x_0

    with no discretisation error. The mean decays as
    :math:`x_0 e^{-\kappa t}` (halving every :math:`h` years) and the
    stationary variance is :math:`\sigma^2 / (2\kappa)`.

    Parameters
    ----------
    x0 : float
        Value at time 0, :math:`x_0` [-]; not in the output.
    reversion_half_life_years : float
        Half-life of the mean reversion, :math:`h` [year], > 0.
    volatility_per_year : float
        :math:`\sigma` [1/sqrt(year)], >= 0. With 0 the path is
        :math:`x_0 \phi^{d+1}` and ``z`` is not read.
    z : numpy.ndarray
        Standard normals :math:`z_d`, shape ``(n_paths, n_days)`` [-].
    out : numpy.ndarray, optional
        Float64 array of the same shape to write into; may be ``z`` itself.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)``; column ``d`` is
        :math:`x_d` [-].

    References
    ----------
    .. [1] Uhlenbeck, G. E. & Ornstein, L. S. (1930). On the theory of the
       Brownian motion. *Physical Review*, 36(5), 823-841.
    .. [2] Glasserman, P. (2004). *Monte Carlo Methods in Financial
       Engineering*. Springer. Section 3.3.1 (exact simulation of Gaussian
       mean-reverting short rates).
    """
    start = check_finite(x0, "x0")
    half_life = check_positive(reversion_half_life_years, "reversion_half_life_years")
    sigma = check_volatility(volatility_per_year, "volatility_per_year")
    z = check_z(z)
    out = np.empty(z.shape, dtype=np.float64) if out is None else check_out(out, z.shape)
    kappa = math.log(2.0) / half_life
    phi = math.exp(-kappa * _DT)
    # (1 - phi^2) / (2 kappa), accurate also for very slow reversion (kappa -> 0).
    scale = sigma * math.sqrt(-math.expm1(-2.0 * kappa * _DT) / (2.0 * kappa))
    if sigma == 0.0:
        out[...] = np.arange(1, z.shape[1] + 1, dtype=np.float64)
        out *= -kappa * _DT
        np.exp(out, out=out)  # phi^(d + 1)
        out *= start
    else:
        _ar1_rows(np.asarray(z, dtype=np.float64), phi, scale, start, out)
    return out


def powerlaw_price(
    start_usd: float,
    start_date: datetime.date,
    intercept: float,
    slope: float,
    reversion_half_life_years: float,
    volatility_per_year: float,
    z: np.ndarray,
    *,
    out: np.ndarray | None = None,
) -> np.ndarray:
    r"""Power-law trend times the exponential of an Ornstein-Uhlenbeck residual.

    .. math::

        S_d = P(D_d)\, e^{x_d}, \qquad
        x_0 = \ln S_0 - \ln P(D_0), \qquad
        \ln P(D) = \ln 10\,(a + b \log_{10} D)

    where :math:`D_0` is the age of the chain at ``start_date`` [day],
    :math:`D_d = D_0 + d + 1`, and :math:`x_d` is :func:`ou_residual` started
    from :math:`x_0`. The price starts from :math:`S_0` wherever it is
    relative to the trend and is pulled back towards it with half-life
    :math:`h`; the median path approaches the trend.

    ``volatility_per_year`` is the volatility of the residual's daily changes.
    The daily log return is the trend's daily log growth plus the residual's
    change, and the trend is smooth, so for a slow reversion (half-life of a
    year or more) :math:`\sigma` is close to the volatility of daily log
    returns. In the long run the residual's standard deviation is
    :math:`\sigma / \sqrt{2\kappa}` (natural-log units).

    Parameters
    ----------
    start_usd : float
        Price at time 0, :math:`S_0` [USD/BTC], > 0.
    start_date : datetime.date
        Calendar date of time 0, after :data:`GENESIS`.
    intercept : float
        Trend intercept :math:`a` [log10 USD/BTC].
    slope : float
        Trend slope :math:`b` [-].
    reversion_half_life_years : float
        Half-life of the residual's mean reversion, :math:`h` [year], > 0.
    volatility_per_year : float
        Residual volatility, :math:`\sigma` [1/sqrt(year)], >= 0.
    z : numpy.ndarray
        Standard normals, shape ``(n_paths, n_days)`` [-].
    out : numpy.ndarray, optional
        Float64 array of the same shape to write into; may be ``z`` itself.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` [USD/BTC]; column ``d`` is
        the price at the end of day ``d`` (the start value is not included).

    References
    ----------
    .. [1] Santostasi, G. (2024). The Bitcoin Power Law Theory. Medium.
    .. [2] Burger, H. C. (2019). Bitcoin's natural long-term power-law corridor
       of growth. Medium.
    .. [3] Uhlenbeck, G. E. & Ornstein, L. S. (1930). On the theory of the
       Brownian motion. *Physical Review*, 36(5), 823-841.
    """
    start = check_positive(start_usd, "start_usd")
    offset = _genesis_offset(start_date)
    a = check_finite(intercept, "intercept")
    b = check_finite(slope, "slope")
    z = check_z(z)
    x0 = math.log(start) - _LN10 * (a + b * math.log10(offset))
    out = ou_residual(x0, reversion_half_life_years, volatility_per_year, z, out=out)
    log_trend = np.log10(days_since_genesis(start_date, z.shape[1]))
    log_trend *= b
    log_trend += a
    log_trend *= _LN10
    out += log_trend
    np.exp(out, out=out)
    return out
