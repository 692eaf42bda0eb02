r"""Fit the power-law trend with a mean-reverting residual to daily closes.

Model (the one :func:`simulator.model.price.powerlaw.powerlaw_price` simulates):

.. math::

    \log_{10} S_d = a + b \log_{10} t_d + x_d / \ln 10, \qquad
    x_d = \phi\, x_{d-1} + e_d, \quad e_d \sim N(0, s_e^2)

with :math:`t_d` [day] since the genesis block (2009-01-03) and :math:`x` the
residual in natural-log units, the daily sampling of an Ornstein-Uhlenbeck
process :math:`dx = -\kappa x\,dt + \sigma\,dW`, :math:`\phi = e^{-\kappa\Delta t}`.

Estimation:

1. :math:`a, b` by OLS.
2. :math:`\phi` by OLS of :math:`x_d` on :math:`x_{d-1}`,
   :math:`se(\hat\phi) = \sqrt{(1-\hat\phi^2)/n}` [2]_;
   :math:`\kappa = -\ln\hat\phi/\Delta t`, half-life :math:`\ln 2/\kappa` [year],
   :math:`\sigma = s_e\sqrt{2\kappa/(1-\phi^2)}` [1/sqrt(year)].
3. Standard errors of :math:`a, b` by a **parametric bootstrap** [3]_: 400
   series of the fitted trend plus a simulated stationary AR(1) residual with
   the fitted :math:`\phi, s_e` are refitted by OLS, and the spread of the
   refitted coefficients is the standard error. The residual is so persistent
   (half-lives of months to years) that OLS standard errors are far too small,
   and Newey-West [4]_ with any practical lag still covered the slope only
   45-63 % of the time in simulations with half-lives of 0.5-1.5 years over
   7.5-15 years of data. The bootstrap reproduces the persistence exactly
   under the model; it does not include the uncertainty of :math:`\phi` itself.
   The bootstrap uses a fixed seed, so the output is reproducible.

References
----------
.. [1] Burger, H. C. (2019), "Bitcoin's natural long-term power-law corridor of
   growth", Medium (the log-log regression on days since genesis).
.. [2] Hamilton, J. D. (1994), *Time Series Analysis*, Princeton University
   Press, ch. 8 and 17 (AR(1) by OLS, near a unit root).
.. [3] Efron, B. & Tibshirani, R. J. (1993), *An Introduction to the
   Bootstrap*, Chapman & Hall, ch. 6 (parametric bootstrap standard errors).
.. [4] Newey, W. K. & West, K. D. (1987), *Econometrica* 55:703-708.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from simulator.analysis.calibrate.result import (
    Z95,
    Calibration,
    Estimate,
    check_daily,
    normal_estimate,
    positive_estimate,
    price_calibration,
)
from simulator.model.price.powerlaw import GENESIS
from simulator.model.units import DAYS_PER_YEAR

__all__ = ["fit_powerlaw", "BOOTSTRAP_SERIES", "BOOTSTRAP_SEED"]

#: Number of simulated series in the parametric bootstrap of ``a`` and ``b``.
BOOTSTRAP_SERIES = 400
#: Seed of the bootstrap (fixed: the same data always give the same output).
BOOTSTRAP_SEED = 20250717
_DT = 1.0 / DAYS_PER_YEAR
_MIN_DAYS = 31


def _bootstrap_se(
    x_mat: np.ndarray, phi: float, sd_e: float, n_series: int, seed: int
) -> tuple[float, float]:
    """Standard errors of OLS ``a, b`` under a stationary AR(1) residual [log10 units]."""
    n = x_mat.shape[0]
    rng = np.random.default_rng(seed)
    x = np.empty((n_series, n))
    x[:, 0] = rng.standard_normal(n_series) * sd_e / math.sqrt(1 - phi * phi)
    shocks = rng.standard_normal((n_series, n)) * sd_e
    for d in range(1, n):
        x[:, d] = phi * x[:, d - 1] + shocks[:, d]
    # OLS of each simulated residual series (the trend itself refits exactly).
    coef = np.linalg.lstsq(x_mat, (x / math.log(10)).T, rcond=None)[0]
    return float(coef[0].std(ddof=1)), float(coef[1].std(ddof=1))


def fit_powerlaw(prices: pd.Series, source: str = "", window: str = "") -> Calibration:
    r"""Fit intercept, slope, residual half-life and volatility (see the module docstring).

    Parameters
    ----------
    prices : pandas.Series
        Daily closes [USD/BTC] on consecutive days after 2009-01-03 (at least 31).
    source, window : str
        Provenance labels for the note (file name and ``FIRST:LAST``).

    Returns
    -------
    Calibration
        ``powerlaw_intercept`` [log10 USD], ``powerlaw_slope`` [-],
        ``reversion_half_life_years`` [year], ``volatility_per_year`` [1/sqrt(year)].

    Raises
    ------
    ValueError
        If days are missing, the window is too short or starts before
        genesis, or the residual does not revert (:math:`\hat\phi \notin (0, 1)`).
    """
    values = check_daily(prices)
    n = len(values)
    if n < _MIN_DAYS:
        raise ValueError(f"the powerlaw fit needs at least {_MIN_DAYS} days (got {n})")
    index = pd.DatetimeIndex(prices.index)
    days = (index - pd.Timestamp(GENESIS)).days.to_numpy(dtype=np.float64)
    if days[0] <= 0:
        raise ValueError(f"the powerlaw clock starts on {GENESIS}: prices must start after it")
    x_mat = np.column_stack([np.ones(n), np.log10(days)])
    beta = np.linalg.lstsq(x_mat, np.log10(values), rcond=None)[0]
    x = (np.log10(values) - x_mat @ beta) * math.log(10)
    phi = float(x[1:] @ x[:-1] / (x[:-1] @ x[:-1]))
    shown = window or f"{index[0].date()}:{index[-1].date()}"
    if not 0 < phi < 1:
        raise ValueError(
            f"no mean reversion to the power law in {shown}: the AR(1) coefficient of the "
            f"residual is {phi:.5f} (needs 0 < phi < 1); use a longer window or another model"
        )
    e = x[1:] - phi * x[:-1]
    se_phi = math.sqrt((1 - phi**2) / len(e))

    def half_life(p: float) -> float:
        return math.log(2) * _DT / -math.log(p) if p < 1 else math.inf

    def ou_sigma(sd: float, p: float) -> float:
        return sd * math.sqrt(2 * -math.log(p) / _DT / (1 - p**2))

    hl, sd_e = half_life(phi), float(np.std(e, ddof=1))
    se_a, se_b = _bootstrap_se(x_mat, phi, sd_e, BOOTSTRAP_SERIES, BOOTSTRAP_SEED)
    se_hl = math.log(2) * _DT / (phi * math.log(phi) ** 2) * se_phi
    sigma = ou_sigma(sd_e, phi)
    d_phi = (ou_sigma(sd_e, phi + 1e-7) - ou_sigma(sd_e, phi - 1e-7)) / 2e-7
    se_sigma = math.hypot(sigma / math.sqrt(2 * (len(e) - 1)), d_phi * se_phi)
    hl_low = half_life(max(phi - Z95 * se_phi, 1e-12))
    hl_high = min(half_life(phi + Z95 * se_phi), 100.0)
    ols = f"OLS of log10 price on log10 days since {GENESIS}; parametric-bootstrap se"
    ar = "AR(1) of the ln residual"
    estimates = [
        normal_estimate("powerlaw_intercept", float(beta[0]), se_a, ols, -40.0, 10.0),
        normal_estimate("powerlaw_slope", float(beta[1]), se_b, ols, 0.0, 20.0),
        Estimate("reversion_half_life_years", hl, se_hl, hl_low, max(hl_high, hl), ar),
        positive_estimate("volatility_per_year", sigma, se_sigma, ar, 5.0),
    ]
    trend_end = 10 ** float(beta[0] + beta[1] * math.log10(days[-1]))
    comments = [
        f"residual at {index[-1].date()}: {x[-1]:+.4f} in ln units, price / trend = "
        f"{math.exp(x[-1]):.4f} (trend {trend_end:,.0f} USD)",
        f"AR(1) phi = {phi:.5f} (se {se_phi:.5f}); intercept and slope ranges from a "
        f"{BOOTSTRAP_SERIES}-series parametric bootstrap of the AR(1) residual",
    ]
    return price_calibration("powerlaw", prices, source, window, n, estimates, comments)
