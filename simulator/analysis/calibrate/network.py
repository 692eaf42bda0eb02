r"""Fit the economic network hashrate model to history.

The model (:mod:`simulator.model.network.economic`) moves the log hashrate a fixed
fraction of the way toward the zero-profit target each day. Over a week of
``7`` days with a near-constant target that is

.. math::

    y_w = \ln H_{w+1} - \ln H_w = \beta\,(x_w - \ln F) + u_w
        = \alpha + \beta x_w + u_w, \qquad
    x_w = \ln H^*_w - \ln H_w,\quad \beta = 1 - (1 - a)^7

where ``H_w`` is the 7-day mean hashrate of week ``w`` [EH/s] and ``H*_w``
the 7-day mean target computed with ``all_in_cost_factor = 1``. The fitted
intercept absorbs the all-in factor: ``ln F = -alpha / beta``.

What is **assumed** (arguments, defaulting to the schema defaults, written to
the snippet as ``fixed`` values): the marginal fleet efficiency
``efficiency_j_per_th`` at the window's **last day**, extended back in time
with ``efficiency_improvement_per_year`` (``e(t) = e_last (1 - g)^{(t -
t_last)/365.25}``), and the electricity price. Anchoring at the last day makes
the fitted ``F`` consistent with a scenario that starts right after the window
with the same ``marginal_efficiency_j_per_th``.

What is **fitted**:

* ``adjustment_half_life_days = 7 ln 2 / -ln(1 - beta)``.
* ``all_in_cost_factor = exp(-alpha / beta)``, clipped to >= 1 (the schema's
  range: revenue must at least pay the power bill).
* ``noise_volatility_per_year`` from the residual variance, less the block-luck
  variance of the weekly hashrate estimate, scaled to a year.
* ``max_growth_per_month``: the 95th percentile of the monthly growth of the
  30-day mean hashrate in the window.

The daily reward in the target is the file's own ``issuance_btc + fees_btc``.
Because Coin Metrics' hashrate is ``difficulty x blocks x 2^32 / 86,400``,
the block count cancels in ``x_w`` (it is in both ``H*`` and ``H``), so ``x``
is the log ratio of *hashprice* (revenue per TH/s at the current difficulty)
to cost and carries no block-luck error: no errors-in-variables bias. (With
the nominal 144 blocks/day instead, the luck in ``H_w`` would bias ``beta``
up by ``var(luck) / var(x)``, about 0.0035 a week on 2019-2025, as large as
``beta`` itself.) The luck stays in ``y`` as noise.

Standard errors: OLS coefficients with Newey-West (Bartlett kernel) HAC
covariance, lag ``floor(4 (n / 100)^(2/9))`` weeks, which allows for the
MA(1) in ``u`` from block luck and from differencing weekly means; derived
quantities use the delta method; ranges map the 95 % interval of ``beta``
through the (monotone) half-life formula.

References
----------
.. [1] Nerlove, M. (1958). *The Dynamics of Supply*. Johns Hopkins Press.
.. [2] Newey, W. K., West, K. D. (1987). A simple, positive semi-definite,
   heteroskedasticity and autocorrelation consistent covariance matrix.
   *Econometrica* 55(3), 703-708. Lag rule: Newey and West (1994), *Review
   of Economic Studies* 61(4), 631-653.
.. [3] Working, H. (1960). Note on the correlation of first differences of
   averages in a random chain. *Econometrica* 28(4), 916-918. (Differences
   of n-day means of a random walk have variance (2n^2 + 1)/(3n) days'
   worth of increments, not n.)
.. [4] Conover, W. J. (1999). *Practical Nonparametric Statistics* (3rd
   ed.). Wiley. Section 3.2, confidence intervals for a quantile.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from simulator.analysis.calibrate.result import Z95, Calibration, Estimate, checked
from simulator.inputs.history import select_window
from simulator.model.network.economic import marginal_cost_usd_per_th_day
from simulator.model.units import DAYS_PER_MONTH, DAYS_PER_YEAR

__all__ = ["fit_network_economic", "ols_newey_west"]

_WEEK = 7
_MAX_HALF_LIFE = 3650.0  # the schema's upper bound [day]
#: Variance of the difference of consecutive 7-day means of a daily random
#: walk, in days' worth of increments: (2 n^2 + 1) / (3 n) for n = 7 (Working 1960).
_WORKING_DAYS = (2 * _WEEK**2 + 1) / (3 * _WEEK)
_REQUIRED = ("price_usd", "hashrate_ehs", "issuance_btc", "fees_btc")


def _bartlett_long_run(g: np.ndarray, lags: int) -> np.ndarray:
    """Newey-West long-run covariance of the rows of ``g`` (n, k), Bartlett weights."""
    s = g.T @ g
    for lag in range(1, min(lags, len(g) - 1) + 1):
        gamma = g[lag:].T @ g[:-lag]
        s += (1.0 - lag / (lags + 1.0)) * (gamma + gamma.T)
    return s


def ols_newey_west(
    x: np.ndarray, y: np.ndarray, lags: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """OLS of ``y`` on ``[1, x]`` with a Newey-West HAC covariance.

    Parameters
    ----------
    x, y : numpy.ndarray
        Regressor and response, shape ``(n,)`` [units of the data].
    lags : int, optional
        Bartlett lag truncation; default ``floor(4 (n / 100)^(2/9))``.

    Returns
    -------
    coef : numpy.ndarray
        ``(alpha, beta)``.
    cov : numpy.ndarray
        Their 2 x 2 HAC covariance (with the n / (n - 2) small-sample factor).
    resid : numpy.ndarray
        Residuals, shape ``(n,)``.
    """
    n = len(y)
    if lags is None:
        lags = int(math.floor(4.0 * (n / 100.0) ** (2.0 / 9.0)))
    design = np.column_stack([np.ones(n), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    bread = np.linalg.inv(design.T @ design)
    meat = _bartlett_long_run(design * resid[:, None], lags)
    cov = bread @ meat @ bread * n / (n - 2)
    return coef, cov, resid


def _half_life_days(beta: float) -> float:
    """Daily-model half-life [day] of a weekly adjustment fraction ``beta``."""
    if beta <= 0.0:
        return math.inf
    if beta >= 1.0:
        return 0.0
    return _WEEK * math.log(2.0) / -math.log1p(-beta)


def _growth_quantile(
    hashrate: pd.Series, q: float = 0.95
) -> tuple[float, float, float, float, int]:
    """Quantile of monthly growth of the 30-day mean, with an order-statistic interval.

    Returns value, se, low, high and the number of (overlapping) daily growths.
    The interval takes the binomial rank interval of Conover (1999) with an
    effective sample size of one per 30 days (growths 30 days apart share no
    data), i.e. ``p -/+ 1.96 sqrt(p (1 - p) / n_eff)``; se = its width / 3.92.
    """
    mean30 = hashrate.rolling(30).mean()
    growth = ((mean30 / mean30.shift(30)) ** (DAYS_PER_MONTH / 30.0) - 1.0).dropna()
    values = growth.to_numpy()
    if len(values) < 60:
        raise ValueError("max_growth_per_month needs at least 120 days of hashrate")
    n_eff = len(values) / 30.0
    half = Z95 * math.sqrt(q * (1.0 - q) / n_eff)
    value = float(np.quantile(values, q))
    low = float(np.quantile(values, max(q - half, 0.0)))
    high = float(np.quantile(values, min(q + half, 1.0)))
    return value, (high - low) / (2 * Z95), low, high, len(values)


def fit_network_economic(
    frame: pd.DataFrame,
    first: dt.date | None = None,
    last: dt.date | None = None,
    efficiency_j_per_th: float = 20.0,
    efficiency_improvement_per_year: float = 0.10,
    electricity_usd_per_kwh: float = 0.05,
    *,
    hac_lags: int | None = None,
) -> Calibration:
    """Fit the economic network model to a history window (weekly OLS).

    See the module docstring for the regression. Assumed (not fitted):
    ``efficiency_j_per_th`` (at ``last``), ``efficiency_improvement_per_year``
    and ``electricity_usd_per_kwh``. Fitted: ``adjustment_half_life_days``,
    ``all_in_cost_factor``, ``noise_volatility_per_year`` and
    ``max_growth_per_month``.

    Parameters
    ----------
    frame : pandas.DataFrame
        A :func:`simulator.inputs.history.load_history` frame with ``price_usd``,
        ``hashrate_ehs``, ``issuance_btc`` and ``fees_btc`` (``blocks`` is
        used, if present, to remove block luck from the noise).
    first, last : datetime.date, optional
        Window, inclusive; ``None`` = the file's first or last day. Whole weeks
        are counted back from ``last``; leftover days at the start are dropped.
    efficiency_j_per_th : float, default 20.0
        Assumed marginal fleet efficiency on ``last`` [J/TH].
    efficiency_improvement_per_year : float, default 0.10
        Assumed yearly fall of the marginal J/TH [1/year].
    electricity_usd_per_kwh : float, default 0.05
        Assumed marginal electricity price [USD/kWh] (CBECI default).
    hac_lags : int, optional
        Newey-West lag truncation [weeks]; default ``floor(4 (n/100)^(2/9))``.

    Returns
    -------
    Calibration
        Model ``network-economic`` for ``[market.network]`` with
        ``model = "economic"``; the assumptions are in ``fixed``.

    Raises
    ------
    ValueError
        If a needed column is missing or the window holds fewer than 26 weeks.
    """
    for column in _REQUIRED:
        if column not in frame.columns:
            raise ValueError(f"fit_network_economic needs the column {column!r} (not in the file)")
    part = select_window(frame, first, last, min_days=27 * _WEEK)
    part = part.iloc[len(part) % _WEEK :]
    n_days = len(part)
    # validate the assumptions; cost on day t = e_last (1 - g)^((t - t_last)/365.25) x 0.024 p
    marginal_cost_usd_per_th_day(
        efficiency_j_per_th, efficiency_improvement_per_year, electricity_usd_per_kwh, 1.0, 0
    )
    years_to_last = (part.index - part.index[-1]).days.to_numpy(dtype=np.float64) / 365.25
    efficiency = efficiency_j_per_th * np.exp(
        math.log1p(-efficiency_improvement_per_year) * years_to_last
    )
    cost = efficiency * (24.0 / 1000.0) * electricity_usd_per_kwh
    reward = (part["issuance_btc"] + part["fees_btc"]).to_numpy()
    target = part["price_usd"].to_numpy() * reward / cost / 1e6
    week = np.arange(n_days) // _WEEK
    log_h = np.log(pd.Series(part["hashrate_ehs"].to_numpy()).groupby(week).mean().to_numpy())
    log_t = np.log(pd.Series(target).groupby(week).mean().to_numpy())
    x = (log_t - log_h)[:-1]
    y = np.diff(log_h)
    n = len(y)
    (alpha, beta), cov, resid = ols_newey_west(x, y, hac_lags)
    se_beta = math.sqrt(cov[1, 1])
    lags = hac_lags if hac_lags is not None else int(4.0 * (n / 100.0) ** (2.0 / 9.0))
    comments = [
        f"weekly OLS y = alpha + beta x on {n} weeks: beta = {beta:.4f} (HAC se {se_beta:.4f}, "
        f"Newey-West {lags} lags), alpha = {alpha:.4f} (se {math.sqrt(cov[0, 0]):.4f})",
        f"assumed: marginal fleet {efficiency_j_per_th:g} J/TH on {part.index[-1].date()}, "
        f"improving {efficiency_improvement_per_year:.0%}/yr; electricity "
        f"USD {electricity_usd_per_kwh:g}/kWh",
    ]

    # half-life: delta-method se; range = beta's 95 % interval mapped through the formula
    half_life = min(_half_life_days(beta), _MAX_HALF_LIFE)
    beta_low, beta_high = beta - Z95 * se_beta, beta + Z95 * se_beta
    if beta > 0.0:
        slope = _WEEK * math.log(2.0) / (math.log1p(-beta) ** 2 * (1.0 - beta))
        se_half = slope * se_beta
    else:
        se_half = math.nan
    if beta_low <= 0.0:
        comments.append(
            "beta is not significantly > 0: the adjustment speed is not identified in this "
            f"window (half-life above {min(_half_life_days(beta_high), _MAX_HALF_LIFE):.0f} "
            "days at 95 %); all_in_cost_factor = exp(-alpha/beta) is then unreliable"
        )
    half = Estimate(
        "adjustment_half_life_days",
        half_life,
        se_half,
        min(_half_life_days(beta_high), half_life),
        max(min(_half_life_days(beta_low), _MAX_HALF_LIFE), half_life),
        "7 ln2 / -ln(1 - beta), weekly OLS slope; range from beta's 95 % interval",
    )

    # all-in factor: ln F = -alpha / beta, delta method
    if beta > 0.0:
        log_f = -alpha / beta
        grad = np.array([-1.0 / beta, alpha / beta**2])
        se_log_f = math.sqrt(float(grad @ cov @ grad))
    else:
        log_f, se_log_f = math.nan, math.nan
    factor = math.exp(min(log_f, math.log(20.0))) if math.isfinite(log_f) else 1.0
    if not math.isfinite(log_f):
        comments.append("beta <= 0: all_in_cost_factor cannot be fitted, set to 1")
    elif log_f > math.log(20.0):
        comments.append(f"all_in_cost_factor fitted exp({log_f:.2f}) > 20, clipped to 20")
    if factor < 1.0:
        # below 1 would mean revenue does not even pay the assumed power bill
        comments.append(f"all_in_cost_factor fitted {factor:.3f} < 1, clipped to 1")
    se_factor = factor * se_log_f
    all_in = Estimate.normal(
        "all_in_cost_factor",
        max(factor, 1.0),
        se_factor,
        "exp(-alpha / beta), delta method; clipped to >= 1",
        lower=1.0,
        upper=20.0,
    )

    # noise: residual variance less block luck, per day via Working's factor
    luck = np.zeros(n)
    if "blocks" in part.columns:
        blocks = pd.Series(part["blocks"].to_numpy()).groupby(week).sum().to_numpy()
        luck = 1.0 / blocks[1:] + 1.0 / blocks[:-1]  # var(eps_{w+1} - eps_w); x has no eps
    else:
        comments.append("no blocks column: block luck is left in the noise")
    moment = resid**2 * n / (n - 2) - luck
    var_week = max(float(moment.mean()), 0.0)
    se_var = math.sqrt(_bartlett_long_run((moment - moment.mean())[:, None], lags)[0, 0]) / n
    per_year = DAYS_PER_YEAR / _WORKING_DAYS
    sigma = math.sqrt(var_week * per_year)
    se_sigma = se_var * per_year / (2 * sigma) if sigma > 0 else math.nan
    noise = Estimate.normal(
        "noise_volatility_per_year",
        sigma,
        se_sigma,
        "residual variance less block luck (1/blocks), x 365.25 / 4.71 (Working 1960)",
        lower=0.0,
        upper=5.0,
    )

    value, se_g, low, high, n_growth = _growth_quantile(part["hashrate_ehs"])
    growth = Estimate(
        "max_growth_per_month",
        value,
        se_g,
        low,
        high,
        f"95th percentile of {n_growth} daily 30-day growths of the 30-day mean; "
        "order-statistic interval, n_eff = n / 30",
    )
    return checked(
        Calibration(
            model="network-economic",
            section="market.network",
            scenario_model="economic",
            estimates=(half, all_in, noise, growth),
            source=str(frame.attrs.get("source", "history")),
            window=f"{part.index[0].date()}:{part.index[-1].date()}",
            n_obs=n,
            fixed={
                "marginal_efficiency_j_per_th": float(efficiency_j_per_th),
                "efficiency_improvement_per_year": float(efficiency_improvement_per_year),
                "marginal_electricity_usd_per_kwh": float(electricity_usd_per_kwh),
            },
            comments=tuple(comments),
        )
    )
