r"""Fit the price models of ``[market.price]`` to a window of daily history.

Each fit takes ``prices``, a :class:`pandas.Series` of closes [USD/BTC] on
consecutive days, and returns a :class:`~simulator.analysis.calibrate.result.Calibration`
keyed like :class:`simulator.inputs.schema.PriceSpec`. Time is in years,
:math:`\Delta t = 1/365.25` [year], :math:`r_d = \ln(S_d/S_{d-1})` [-].

``gbm``
    :math:`r \sim N((\mu - \sigma^2/2)\Delta t,\ \sigma^2\Delta t)`; moments.
``t``
    :math:`r = (\mu - \sigma^2/2)\Delta t + \sigma\sqrt{\Delta t}\,T_\nu\sqrt{(\nu-2)/\nu}`;
    :math:`\sigma` from the moments as for ``gbm``, :math:`\nu` and the location by
    profile likelihood.
``jump``
    :math:`r = (\mu - \sigma^2/2 - \lambda k)\Delta t + \sigma\sqrt{\Delta t}\,z
    + \sum_{j=1}^{N} Y_j`, :math:`N \sim \mathrm{Poisson}(\lambda\Delta t)`,
    :math:`Y \sim N(m, s^2)`, :math:`k = e^{m+s^2/2} - 1` [2]_; maximum likelihood [3]_.
``powerlaw``
    :math:`\log_{10} S = a + b\log_{10} t` (``t`` = days since 2009-01-03) by OLS
    with an AR(1) residual; fitted in :mod:`simulator.analysis.calibrate.powerlaw`.

Maximum-likelihood standard errors come from the observed information (a
central-difference Hessian of the negative log-likelihood at the optimum, in
an unconstrained parametrisation, returns scaled to unit sd) and the delta
method (the t fit's two steps: a sandwich covariance [4]_). Intervals are
95 %; those of positive parameters are built on the log scale,
:math:`v\,e^{\pm 1.96\,se/v}`, so they stay in the schema's valid range. This
module does no I/O.

References
----------
.. [1] Campbell, J. Y., Lo, A. W. & MacKinlay, A. C. (1997), *The Econometrics of
   Financial Markets*, Princeton University Press, s. 9.3 (estimating the
   parameters of a geometric Brownian motion; span versus frequency).
.. [2] Merton, R. C. (1976), "Option pricing when underlying stock returns are
   discontinuous", *J. Financial Economics* 3:125-144.
.. [3] Press, S. J. (1967), "A compound events model for security prices",
   *J. Business* 40:317-335.
.. [4] Newey, W. K. & McFadden, D. (1994), "Large sample estimation and hypothesis
   testing", *Handbook of Econometrics* 4:2111-2245, s. 6 (two-step estimators).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln

from simulator.analysis.calibrate.result import (
    Calibration,
    check_daily,
    normal_estimate,
    positive_estimate,
    price_calibration,
)
from simulator.model.units import DAYS_PER_YEAR

__all__ = [
    "MIN_RETURNS",
    "log_returns",
    "fit_gbm",
    "fit_student_t",
    "fit_jump",
]

_DT = 1.0 / DAYS_PER_YEAR
_MAX_JUMPS = 10  # truncation of the Poisson mixture
_MU = 4.99  # schema: -5 < expected_return_per_year < 5
#: Fewest daily returns a maximum-likelihood or power-law fit accepts.
MIN_RETURNS = 30
Fn = Callable[[np.ndarray], float]


# ------------------------------------------------------------------ helpers
def log_returns(prices: pd.Series) -> np.ndarray:
    r"""Daily log returns :math:`r_d = \ln(S_d/S_{d-1})` [-].

    Parameters
    ----------
    prices : pandas.Series
        Closes [USD/BTC] indexed by dates, one row per consecutive day.

    Returns
    -------
    numpy.ndarray
        ``len(prices) - 1`` log returns.

    Raises
    ------
    ValueError
        If a day is missing (the first gap is reported), the dates do not
        increase, a price is not positive, or fewer than 2 prices are given.
    """
    return np.diff(np.log(check_daily(prices)))


def _returns(prices: pd.Series, model: str, minimum: int = MIN_RETURNS) -> np.ndarray:
    r = log_returns(prices)
    if len(r) < minimum:
        raise ValueError(f"the {model} fit needs at least {minimum} daily returns (got {len(r)})")
    return r


def _hessian(f: Fn, x: np.ndarray, h: float = 1e-3) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``x`` (parameters of order 1)."""
    k = len(x)
    out = np.empty((k, k))
    e = np.eye(k) * h
    for i in range(k):
        for j in range(i, k):
            val = f(x + e[i] + e[j]) - f(x + e[i] - e[j]) - f(x - e[i] + e[j]) + f(x - e[i] - e[j])
            out[i, j] = out[j, i] = val / (4 * h * h)
    return out


def _delta(
    g: Callable[[np.ndarray], np.ndarray], x: np.ndarray, hess: np.ndarray, inverse: bool = True
) -> tuple[list[float], list[float]]:
    """``g(x)`` and delta-method errors, ``cov = hess^-1`` (``hess`` if not ``inverse``)."""
    value = g(x)
    try:
        np.linalg.cholesky(hess if np.isfinite(hess).all() else np.zeros_like(hess))
    except np.linalg.LinAlgError:
        return [float(v) for v in value], [math.nan] * len(value)
    cov = np.linalg.inv(hess) if inverse else hess
    e = np.eye(len(x)) * 1e-6
    jac = np.column_stack([(g(x + step) - g(x - step)) / 2e-6 for step in e])
    var = np.einsum("ij,jk,ik->i", jac, cov, jac)
    return [float(v) for v in value], [float(v) for v in np.sqrt(np.maximum(var, 0.0))]


def _minimise(nll: Fn, starts: list[list[float]], bounds: list[tuple[float, float]]) -> np.ndarray:
    """Best L-BFGS-B optimum of ``nll`` over several starting points."""
    fits = [minimize(nll, np.array(s), method="L-BFGS-B", bounds=bounds) for s in starts]
    return np.asarray(min(fits, key=lambda res: res.fun).x, dtype=np.float64)


# --------------------------------------------------------------------- fits
def fit_gbm(prices: pd.Series, source: str = "", window: str = "") -> Calibration:
    r"""Geometric Brownian motion from the moments of the daily log returns.

    .. math::
        \hat\sigma = s_r/\sqrt{\Delta t},\quad \hat\mu = \bar r/\Delta t + \hat\sigma^2/2,\quad
        se(\hat\sigma) = \frac{\hat\sigma}{\sqrt{2(n-1)}},\quad
        se(\hat\mu) = \sqrt{\hat\sigma^2/T + \hat\sigma^2 se(\hat\sigma)^2}

    with :math:`\bar r, s_r` the mean and sample sd of the ``n`` returns and
    :math:`T = n\Delta t` [year] the span. The drift's error is at least
    :math:`\sigma/\sqrt{T}` however often prices are sampled ([1]_ s. 9.3):
    with :math:`\sigma = 0.65` even 9 years leave :math:`\pm 0.42`/yr at 95 %.
    The drift is estimated very imprecisely, which is why the snippet gives
    its whole range.

    Parameters
    ----------
    prices : pandas.Series
        Daily closes [USD/BTC] on consecutive days (at least 3).
    source, window : str
        File name and ``FIRST:LAST`` for the provenance note; default
        ``"history"`` and the series' own first and last dates.

    Returns
    -------
    Calibration
        ``expected_return_per_year`` [1/year], ``volatility_per_year`` [1/sqrt(year)].
    """
    r = _returns(prices, "gbm", minimum=2)
    n = len(r)
    sigma = float(np.std(r, ddof=1)) / math.sqrt(_DT)
    mu = float(np.mean(r)) / _DT + sigma**2 / 2
    se_sigma = sigma / math.sqrt(2 * (n - 1))
    se_mu = math.sqrt(sigma**2 / (n * _DT) + sigma**2 * se_sigma**2)
    estimates = [
        normal_estimate(
            "expected_return_per_year", mu, se_mu, "mean log return/dt + sigma^2/2", -_MU, _MU
        ),
        positive_estimate(
            "volatility_per_year", sigma, se_sigma, "sd of log returns * sqrt(365.25)", 5.0
        ),
    ]
    comment = f"mean log return {np.mean(r) / _DT:+.4f}/yr over {n * _DT:.2f} years"
    return price_calibration("gbm", prices, source, window, n, estimates, [comment])


def _t_loglik(z: np.ndarray, th: np.ndarray) -> np.ndarray:
    r"""Log-density of each ``z``, ``th = (ln sd, location, ln(nu-2))``, scale sd*sqrt(1-2/nu)."""
    nu = 2 + math.exp(th[2])
    c = math.exp(th[0]) * math.sqrt(1 - 2 / nu)
    const = gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * math.log(nu * math.pi) - math.log(c)
    return np.asarray(const - (nu + 1) / 2 * np.log1p(((z - th[1]) / c) ** 2 / nu))


def _t_covariance(z: np.ndarray, th: np.ndarray, h: float = 1e-4) -> np.ndarray:
    r"""Sandwich covariance :math:`A^{-1}BA^{-\top}/n` of the two-step t fit ([4]_ s. 6).

    Stacked per return: the variance moment :math:`\tilde z^2 n/(n-1)\,e^{-2\theta_0}
    - 1` (:math:`\tilde z` demeaned) and the scores of :func:`_t_loglik` in
    :math:`(\ell, \ln(\nu-2))`; :math:`B` their mean outer product, :math:`A`
    the Jacobian of their mean (central differences).
    """
    n, zc = len(z), z - z.mean()

    def g(x: np.ndarray) -> np.ndarray:
        steps = [np.eye(3)[k] * h for k in (1, 2)]
        scores = [(_t_loglik(z, x + e) - _t_loglik(z, x - e)) / (2 * h) for e in steps]
        return np.column_stack([zc**2 * n / (n - 1) * math.exp(-2 * x[0]) - 1, *scores])

    jac = [(g(th + e).mean(axis=0) - g(th - e).mean(axis=0)) / (2 * h) for e in np.eye(3) * h]
    try:
        inv_a = np.linalg.inv(np.column_stack(jac))
    except np.linalg.LinAlgError:
        return np.full((3, 3), math.nan)
    gi = g(th)
    return np.asarray(inv_a @ (gi.T @ gi / n) @ inv_a.T / n)


def fit_student_t(prices: pd.Series, source: str = "", window: str = "") -> Calibration:
    r"""Student-t random walk: the sd from the moments, the tail by profile likelihood.

    The returns are :math:`r = \ell + c\,T_\nu` with the scale tied to the
    sample sd :math:`s_r` (ddof 1), :math:`c = s_r\sqrt{(\nu-2)/\nu}`:

    .. math::
        \hat\sigma = s_r/\sqrt{\Delta t},\quad
        (\hat\ell, \hat\nu) = \arg\max \sum_d \ln f_\nu\big((r_d - \ell)/c\big) - \ln c,
        \quad \hat\mu = \hat\ell/\Delta t + \hat\sigma^2/2,

    with :math:`f_\nu` the t density, maximised over :math:`(\ell, \ln(\nu-2))`
    from three starting points. So ``volatility_per_year`` is :func:`fit_gbm`'s
    (sd of daily log returns annualised), ``degrees_of_freedom`` the tail
    weight at that sd, and ``expected_return_per_year`` has GBM's meaning (log
    drift :math:`\mu - \sigma^2/2`): :func:`fit_gbm`'s plus
    :math:`(\hat\ell - \bar r)/\Delta t`, the t location against the mean.

    Standard errors: sandwich covariance of both steps (:func:`_t_covariance`),
    delta method. The information at fixed :math:`\hat\sigma` ignores that
    :math:`\hat\nu` moves with :math:`\hat\sigma`, and fit_gbm's
    :math:`\hat\sigma/\sqrt{2(n-1)}` holds for normal returns only; here
    :math:`se(\hat\sigma) \approx \hat\sigma\sqrt{(\hat\kappa - 1)/(4n)}`
    (:math:`\hat\kappa` the sample kurtosis). For :math:`\nu \le 4` the kurtosis
    is infinite and the 95 % ranges are too narrow (simulated coverage 75-82 %
    at :math:`\nu = 3`, 8 years; 93-95 % at 6); a comment says so.

    Parameters
    ----------
    prices : pandas.Series
        Daily closes [USD/BTC] on consecutive days (at least 31).
    source, window : str
        Provenance labels, as in :func:`fit_gbm`.

    Returns
    -------
    Calibration
        ``expected_return_per_year`` [1/year], ``volatility_per_year``
        [1/sqrt(year)], ``degrees_of_freedom`` [-].
    """
    r = _returns(prices, "t")
    s_hat = float(np.std(r, ddof=1))
    z = r / s_hat

    def nll(th: np.ndarray) -> float:
        return float(-_t_loglik(z, np.array([0.0, th[0], th[1]])).sum())

    def params(x: np.ndarray) -> np.ndarray:
        sigma = np.exp(x[0]) * s_hat / math.sqrt(_DT)
        return np.array([x[1] * s_hat / _DT + sigma**2 / 2, sigma, 2 + np.exp(x[2])])

    starts = [[float(np.median(z)), math.log(nu - 2)] for nu in (2.5, 4.0, 10.0)]
    th = np.concatenate([[0.0], _minimise(nll, starts, [(-5.0, 5.0), (-7.0, math.log(998.0))])])
    (mu, sigma, nu), se = _delta(params, th, _t_covariance(z, th), inverse=False)
    how = ["t location/dt + sigma^2/2", "sd of log returns * sqrt(365.25)", "t profile likelihood"]
    estimates = [
        normal_estimate("expected_return_per_year", mu, se[0], how[0], -_MU, _MU),
        positive_estimate("volatility_per_year", sigma, se[1], how[1], 5.0),
        positive_estimate("degrees_of_freedom", nu, se[2], how[2], 1000.0, floor=2.0),
    ]
    loc, mean = th[1] * s_hat, float(np.mean(r))
    comments = [
        f"daily location {loc:+.4g}, mean {mean:+.4g}, t scale {s_hat * math.sqrt(1 - 2 / nu):.4g}"
        f"; expected return = gbm's {mu - (loc - mean) / _DT:.4f} + (location - mean)/dt"
    ]
    if nu <= 4:
        comments.append("degrees of freedom <= 4: infinite kurtosis, so the ranges are too narrow")
    return price_calibration("t", prices, source, window, len(r), estimates, comments)


def fit_jump(
    prices: pd.Series,
    source: str = "",
    window: str = "",
    max_jumps_per_year: float | None = None,
) -> Calibration:
    r"""Merton jump-diffusion by maximum likelihood on the Poisson mixture.

    With :math:`p_n = e^{-\lambda\Delta t}(\lambda\Delta t)^n/n!` one return has
    the density ([3]_, truncated at :math:`N \le 10`)

    .. math::
        f(r) = \sum_{n=0}^{10} p_n\,\phi\big(r;\ a + n m,\ \sigma^2\Delta t + n s^2\big),
        \qquad a = (\mu - \sigma^2/2 - \lambda k)\Delta t,

    maximised over :math:`(a, \ln\sigma, \ln\lambda, m, \ln s)` (L-BFGS-B, three
    starting points, the best kept; :math:`\lambda \le 365`/yr) and mapped back
    with :math:`\mu = a/\Delta t + \sigma^2/2 + \lambda k` [2]_. Jumps and
    diffusion are told apart only by the shape of the tails. On BTC returns,
    whose volatility clusters, the likelihood prefers frequent small jumps (a
    scale mixture of normals) to rare large ones; a comment flags it.

    Parameters
    ----------
    prices : pandas.Series
        Daily closes [USD/BTC] on consecutive days (at least 31).
    source, window : str
        Provenance labels, as in :func:`fit_gbm`.
    max_jumps_per_year : float, optional
        Upper bound of :math:`\lambda` [1/year] (default 365). Unbounded, the
        fit on BTC returns lands on hundreds of small jumps a year; a bound
        such as 12 asks for the best fit with rare jumps (crashes and
        spikes) instead, and the snippet says the bound was used.

    Returns
    -------
    Calibration
        ``expected_return_per_year`` [1/year], ``volatility_per_year`` [1/sqrt(year)],
        ``jump_intensity_per_year`` [1/year], ``jump_mean_log``, ``jump_sd_log`` [-].
    """
    r = _returns(prices, "jump")
    s_hat = float(np.std(r))
    z = r / s_hat
    n_j = np.arange(_MAX_JUMPS + 1, dtype=np.float64)
    log_fact = gammaln(n_j + 1)

    def nll(th: np.ndarray) -> float:
        var = math.exp(2 * th[1]) + n_j * math.exp(2 * th[4])
        base = n_j * th[2] - math.exp(th[2]) - log_fact - 0.5 * np.log(2 * math.pi * var)
        terms = base - (z[:, None] - (th[0] + n_j * th[3])) ** 2 / (2 * var)
        top = terms.max(axis=1)
        return float(-(top + np.log(np.exp(terms - top[:, None]).sum(axis=1))).sum())

    def params(th: np.ndarray) -> np.ndarray:
        sigma = np.exp(th[1]) * s_hat / math.sqrt(_DT)
        lam, m, s = np.exp(th[2]) / _DT, th[3] * s_hat, np.exp(th[4]) * s_hat
        k = np.exp(m + s**2 / 2) - 1
        return np.array([th[0] * s_hat / _DT + sigma**2 / 2 + lam * k, sigma, lam, m, s])

    a0 = float(np.median(z))
    starts = [[a0, math.log(d), math.log(p), 0.0, math.log(s)] for d, p, s in
              [(0.7, 0.05, 2.5), (0.5, 0.2, 1.5), (0.85, 0.01, 4.0)]]  # fmt: skip
    cap = 365.0 if max_jumps_per_year is None else float(max_jumps_per_year)
    if not 0 < cap <= 365:
        raise ValueError(f"max_jumps_per_year must be in (0, 365] (got {cap})")
    top = math.log(cap * _DT)
    starts = [[v[0], v[1], min(v[2], top - 0.1), v[3], v[4]] for v in starts]
    bounds = [(-3.0, 3.0), (-5.0, 1.0), (math.log(1e-5), top), (-10.0, 10.0), (-4.0, 3.0)]
    th = _minimise(nll, starts, bounds)
    how = "Merton jump-diffusion maximum likelihood"
    if max_jumps_per_year is not None and top - th[2] < 1e-6:
        # The bound binds: lambda is fixed there, the other four are profiled.
        free = [0, 1, 3, 4]

        def fill(t4: np.ndarray) -> np.ndarray:
            full = th.copy()
            full[free] = t4
            return full

        hess = _hessian(lambda t4: nll(fill(t4)), th[free])
        (mu, sigma, lam, m, s), se = _delta(lambda t4: params(fill(t4)), th[free], hess)
        how += f"; intensity fixed at the bound {cap:g}/yr"
    else:
        (mu, sigma, lam, m, s), se = _delta(params, th, _hessian(nll, th))
    estimates = [
        normal_estimate("expected_return_per_year", mu, se[0], how, -_MU, _MU),
        positive_estimate("volatility_per_year", sigma, se[1], how, 5.0),
        positive_estimate("jump_intensity_per_year", lam, se[2], how, 365.0),
        normal_estimate("jump_mean_log", m, se[3], how, -3.0, 3.0),
        positive_estimate("jump_sd_log", s, se[4], how, 3.0),
    ]
    jump_var = lam * (m**2 + s**2)
    comments = [
        f"k = E[exp(Y)] - 1 = {math.exp(m + s**2 / 2) - 1:+.4f}; total volatility "
        f"{math.sqrt(sigma**2 + jump_var):.4f}/sqrt(yr), {jump_var / (sigma**2 + jump_var):.0%} "
        "of the variance from jumps"
    ]
    if max_jumps_per_year is not None:
        comments.append(f"jump intensity bounded by max_jumps_per_year = {cap:g}")
    if lam > 52:
        comments.append(
            "more than a jump a week: the fit mimics volatility clustering with frequent "
            "small jumps rather than rare crashes"
        )
    on_bound = [min(abs(t - b) for b in bnd) < 1e-6 for t, bnd in zip(th, bounds, strict=True)]
    if max_jumps_per_year is not None:
        on_bound[2] = False
    if any(on_bound):
        comments.append("the optimum lies on a search bound: treat the jump estimates with care")
    return price_calibration("jump", prices, source, window, len(r), estimates, comments)
