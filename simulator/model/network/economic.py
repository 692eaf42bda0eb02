r"""Economic network hashrate: the fleet moves toward what miners' revenue pays for.

The rest of the network's hashrate follows a *target*, the hashrate at which
the day's mining revenue just pays the electricity (times an all-in factor) of
the marginal fleet, with a partial adjustment toward it and a cap on growth.

Equations (day ``d = 0 .. n_days - 1``, ``t_d = (d + 1) / 365.25`` [year])::

    reward   R_d = 144 * (subsidy(h_0 + 144 (d + 1)) + fee_d)        [BTC/day]
    fleet    e_d = e_0 (1 - g)^{t_d}                                 [J/TH]
    cost     C_d = e_d * 24 / 1000 * p_elec * F                     [USD/(TH/s)/day]
    target   H*_d = S_d R_d / C_d / 1e6                              [EH/s]
    path     ln H_d = ln H_{d-1} + min(a (ln H*_d - ln H_{d-1}), c)
                      + sigma sqrt(dt) z_d,    H_{-1} = H_0

with ``a = 1 - 2^(-1 / half_life_days)`` (with a constant target the gap
``ln H* - ln H`` halves every ``half_life_days``), ``c = ln(1 +
max_growth_per_month) / (365.25 / 12)`` [1/day] and ``dt = 1 / 365.25``.
``e`` in J/TH equals W per TH/s, so one TH/s for a day uses ``e * 24 / 1000``
kWh. ``S`` is the price [USD/BTC].

* The target is the **zero-profit** hashrate of a free-entry industry: miners
  add machines while revenue per TH exceeds the marginal machine's cost, and
  switch off the least efficient ones when it falls below (Hayes 2017, marginal
  cost of production; CBECI's profitability threshold).
* The adjustment is Nerlove's partial adjustment: each day a fixed fraction
  ``a`` of the log gap is closed, because machines take months to order,
  ship and install, and old ones are retired gradually.
* **Growth is capped, falls are not**: hardware supply (chip foundry capacity,
  shipping, site build-out) limits how fast hashrate can be added, while
  unprofitable machines can be switched off overnight (as after the 2021 China
  ban and at halvings).
* The reward uses the **nominal** schedule: the height at the end of day ``d``
  is taken as ``h_0 + 144 (d + 1)`` (one block per 600 s), so the target can be
  computed before the chain is simulated. A simulated chain whose hashrate
  grows finds blocks faster and halves days to weeks earlier than this
  nominal date; the target's halving step therefore lags the chain's by that
  much, which moves the path by less than one adjustment step.

Defaults of :class:`simulator.inputs.schema.NetworkSpec` and why
-----------------------------------------------------------
``marginal_efficiency_j_per_th = 20``
    The marginal (least efficient still profitable) machine of 2025 is of
    the Antminer S19 XP / S19k Pro class (21-24 J/TH), one generation behind
    the S21 class (15-17.5 J/TH) (CBECI's hardware list, 2023-2025).
``efficiency_improvement_per_year = 0.10``
    The best-available J/TH fell from ~30 (S19 Pro, 2020) to ~15 (S21 Pro,
    2024), about 15 %/yr; improvements are slowing as chips approach 3 nm, so
    10 %/yr is taken for the next decade (CBECI hardware efficiency list).
``marginal_electricity_usd_per_kwh = 0.05``
    CBECI's default electricity price for miners (CCAF 2022/2023
    methodology: USD 0.05/kWh).
``all_in_cost_factor = 1.5``
    Electricity alone (factor 1) would say the marginal machine runs while
    revenue covers its power bill (CBECI's profitability threshold), but then
    the June 2025 target is about 2.2 times the real hashrate. Hosting,
    maintenance and capital recovery raise the cost at which the fleet stops
    growing: ``btcsim calibrate --model network-economic`` on Coin Metrics
    2016-01-01:2025-06-30 gives 1.53 (95 %: 1.0-2.4) with the other defaults.
``adjustment_half_life_days = 425``
    ASIC lead times of 3-6 months from order to hashing would suggest a few
    months, but history is slower: the same calibration gives 426 days (95 %:
    304-710) on 2016-2025, and on 2019-2025 rules out half-lives below about
    340 days (the speed is not identified there: the 2021 China ban and the
    2022 deployments of machines ordered in 2021 dominate).
``max_growth_per_month = 0.10``
    Near the upper end of the observed monthly growth of the 30-day mean
    hashrate: its 95th percentile is 0.11 on 2022-2025 and 0.14 on
    2019-2025 (the latter includes the re-plugging of Chinese machines after
    the 2021 ban, which needed no new hardware).

References
----------
.. [1] Cambridge Centre for Alternative Finance (2022, 2023). *Cambridge
   Bitcoin Electricity Consumption Index: methodology*. USD 0.05/kWh default
   electricity price; a machine is in the fleet while it is profitable at it.
.. [2] Hayes, A. S. (2017). Cryptocurrency value formation: an empirical
   study leading to a cost of production model for valuing bitcoin.
   *Telematics and Informatics* 34(7), 1308-1321. (Marginal cost of
   production: miners produce until marginal cost equals marginal revenue.)
.. [3] Nerlove, M. (1958). *The Dynamics of Supply: Estimation of Farmers'
   Response to Price*. Johns Hopkins Press. (Partial adjustment.)
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from simulator.model.network.economic_inputs import (
    BLOCKS_PER_DAY,
    marginal_cost_usd_per_th_day,
    nominal_reward_btc_per_day,
)
from simulator.model.shocks import (
    check_out,
    check_positive,
    check_volatility,
    check_z,
)
from simulator.model.units import DAYS_PER_MONTH, DAYS_PER_YEAR

__all__ = [
    "BLOCKS_PER_DAY",
    "adjustment_rate_per_day",
    "economic_hashrate",
    "growth_cap_per_day",
    "marginal_cost_usd_per_th_day",
    "nominal_reward_btc_per_day",
    "target_hashrate_ehs",
]

_TH_PER_EH = 1e6


def _check_row(values: npt.ArrayLike, name: str, n_days: int) -> np.ndarray:
    """Return a float64 ``(n_days,)`` row (scalars broadcast), finite and > 0."""
    row = np.asarray(values, dtype=np.float64)
    if row.ndim > 1:
        raise ValueError(f"{name} must be a scalar or 1-D array (got shape {row.shape})")
    try:
        row = np.broadcast_to(row, (n_days,))
    except ValueError:
        raise ValueError(f"{name} has {row.size} values, expected n_days = {n_days}") from None
    if not np.all(np.isfinite(row)) or np.any(row <= 0.0):
        raise ValueError(f"{name} must be finite and > 0")
    return row


def adjustment_rate_per_day(half_life_days: float) -> float:
    r"""Daily fraction of the log gap closed, :math:`a = 1 - 2^{-1/T_{1/2}}` [1/day].

    After ``half_life_days`` days of a constant target the remaining gap is
    :math:`(1 - a)^{T_{1/2}} = 1/2` of the first.
    """
    half_life = check_positive(half_life_days, "adjustment_half_life_days")
    return -math.expm1(-math.log(2.0) / half_life)


def growth_cap_per_day(max_growth_per_month: float) -> float:
    r"""Largest daily log step, :math:`c = \ln(1 + m) / (365.25/12)` [1/day].

    Thirty-and-a-bit days (one mean month) at the cap multiply the hashrate
    by exactly :math:`1 + m`.
    """
    m = check_positive(max_growth_per_month, "max_growth_per_month")
    return math.log1p(m) / DAYS_PER_MONTH


def target_hashrate_ehs(
    price: npt.ArrayLike, reward_btc_per_day: npt.ArrayLike, cost_usd_per_th_day: npt.ArrayLike
) -> np.ndarray:
    r"""Zero-profit hashrate: revenue just pays the marginal fleet's cost.

    .. math:: H^*_d = \frac{S_d R_d}{C_d} \cdot 10^{-6}

    Revenue :math:`S R` [USD/day] divided by the cost of one TH/s for a day
    :math:`C` [USD/(TH/s)/day] is the TH/s it can pay for; 1e6 TH/s = 1 EH/s.

    Parameters
    ----------
    price : array_like
        BTC price :math:`S_d`, shape ``(n_paths, n_days)`` [USD/BTC], > 0.
    reward_btc_per_day : array_like
        Miners' reward :math:`R_d`, shape ``(n_days,)`` [BTC/day], > 0.
    cost_usd_per_th_day : array_like
        Marginal cost :math:`C_d`, shape ``(n_days,)`` [USD/(TH/s)/day], > 0.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` [EH/s].

    References
    ----------
    .. [1] Hayes (2017): marginal cost equals marginal revenue in equilibrium.
    """
    s = check_z(np.asarray(price, dtype=np.float64), "price")
    n_days = s.shape[1]
    reward = _check_row(reward_btc_per_day, "reward_btc_per_day", n_days)
    cost = _check_row(cost_usd_per_th_day, "cost_usd_per_th_day", n_days)
    if not np.all(np.isfinite(s)) or np.any(s <= 0.0):
        raise ValueError("price must be finite and > 0")
    return s * (reward / cost / _TH_PER_EH)


@njit(cache=True, nogil=True)
def _economic_paths(
    log_start: float,
    log_price: np.ndarray,
    log_row: np.ndarray,
    a: float,
    cap: float,
    scale: float,
    z: np.ndarray,
    use_z: bool,
    out: np.ndarray,
) -> None:
    """Advance every path: x_d = x_{d-1} + min(a (ln H*_d - x_{d-1}), cap) + scale z_d.

    Writes the log hashrate ``x`` [ln EH/s]; the caller takes the logs and the
    exponential with numpy (vectorised, several times faster than one libm
    call per element in this loop).
    """
    n_paths, n_days = log_price.shape
    for p in range(n_paths):
        x = log_start
        for d in range(n_days):
            step = a * (log_price[p, d] + log_row[d] - x)
            if step > cap:
                step = cap
            x += step
            if use_z:
                x += scale * z[p, d]
            out[p, d] = x


def economic_hashrate(
    start_ehs: float,
    price: npt.ArrayLike,
    reward_btc_per_day: npt.ArrayLike,
    cost_usd_per_th_day: npt.ArrayLike,
    adjustment_half_life_days: float,
    max_growth_per_month: float,
    noise_volatility_per_year: float = 0.0,
    z: np.ndarray | None = None,
    *,
    out: np.ndarray | None = None,
) -> np.ndarray:
    r"""Hashrate of the rest of the network, partially adjusting to its target.

    .. math::

        \ln H_d = \ln H_{d-1}
                  + \min\big(a (\ln H^*_d - \ln H_{d-1}),\ c\big)
                  + \sigma \sqrt{\Delta t}\, z_d, \qquad H_{-1} = H_0

    with :math:`H^*` from :func:`target_hashrate_ehs`,
    :math:`a = 1 - 2^{-1/T_{1/2}}` and :math:`c = \ln(1 + m)/(365.25/12)`.
    With a constant target and :math:`\sigma = 0` the log gap shrinks by the
    factor :math:`1 - a` a day, halving every :math:`T_{1/2}` days, until the
    cap binds. Only growth is capped; falls are not (miners switch machines
    off at once). The noise is added after the cap, so a noisy path may grow
    faster than the cap on some days.

    Parameters
    ----------
    start_ehs : float
        Hashrate at time 0, :math:`H_0` [EH/s], > 0; not in the output.
    price : array_like
        BTC price :math:`S_d`, shape ``(n_paths, n_days)`` [USD/BTC], > 0.
    reward_btc_per_day : array_like
        Miners' reward :math:`R_d`, shape ``(n_days,)`` [BTC/day], > 0; see
        :func:`nominal_reward_btc_per_day`.
    cost_usd_per_th_day : array_like
        Marginal cost :math:`C_d`, shape ``(n_days,)`` [USD/(TH/s)/day], > 0;
        see :func:`marginal_cost_usd_per_th_day`.
    adjustment_half_life_days : float
        Half-life of the log gap to the target, :math:`T_{1/2}` [day], > 0.
    max_growth_per_month : float
        Cap :math:`m` on growth per mean month (365.25/12 days) [-], > 0.
    noise_volatility_per_year : float, default 0.0
        Volatility of the log noise, :math:`\sigma` [1/sqrt(year)], >= 0.
    z : numpy.ndarray, optional
        Standard normals :math:`z_d`, shape ``(n_paths, n_days)`` [-];
        required when :math:`\sigma > 0`, not read when :math:`\sigma = 0`.
    out : numpy.ndarray, optional
        Float64 array of shape ``(n_paths, n_days)`` to write into; may be
        ``z`` or ``price`` itself (each element is read before it is written).

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` [EH/s]; column ``d`` is the
        hashrate at the end of day ``d`` (the start value is not included).

    Raises
    ------
    ValueError
        On invalid parameters or shapes, or if ``z`` is missing with
        :math:`\sigma > 0`.

    References
    ----------
    .. [1] Nerlove (1958), partial adjustment.
    .. [2] Hayes (2017), marginal cost of production.
    .. [3] CCAF (2022/2023), CBECI methodology.
    """
    h0 = check_positive(start_ehs, "start_ehs")
    s = check_z(np.asarray(price, dtype=np.float64), "price")
    with np.errstate(divide="ignore", invalid="ignore"):
        log_price = np.log(s)  # finite exactly where the price is finite and > 0
    if not np.isfinite(log_price).all():
        raise ValueError("price must be finite and > 0")
    n_days = s.shape[1]
    reward = _check_row(reward_btc_per_day, "reward_btc_per_day", n_days)
    cost = _check_row(cost_usd_per_th_day, "cost_usd_per_th_day", n_days)
    a = adjustment_rate_per_day(adjustment_half_life_days)
    cap = growth_cap_per_day(max_growth_per_month)
    sigma = check_volatility(noise_volatility_per_year, "noise_volatility_per_year")
    if sigma > 0.0 and z is None:
        raise ValueError("z is required when noise_volatility_per_year > 0")
    use_z = sigma > 0.0
    noise = s
    if z is not None:
        z = check_z(z, shape=s.shape)
        if use_z:
            noise = z if z.dtype == np.float64 else z.astype(np.float64)
    out = np.empty(s.shape, dtype=np.float64) if out is None else check_out(out, s.shape)
    log_row = np.log(reward / cost / _TH_PER_EH)
    scale = sigma * math.sqrt(1.0 / DAYS_PER_YEAR)
    _economic_paths(math.log(h0), log_price, log_row, a, cap, scale, noise, use_z, out)
    np.exp(out, out=out)
    return out
