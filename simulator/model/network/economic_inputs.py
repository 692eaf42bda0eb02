"""The two daily inputs of the economic network model: miners' reward and the marginal cost.

:func:`nominal_reward_btc_per_day` is the protocol's issuance plus fees on
the nominal 144-block day; :func:`marginal_cost_usd_per_th_day` is the power
bill of the marginal fleet per TH/s and day. :mod:`simulator.model.network.economic`
turns them into a target hashrate; its docstring gives the equations and
references.

References
----------
.. [1] Hayes, A. S. (2017). Cryptocurrency value formation: an empirical study
   leading to a cost of production model for valuing bitcoin. Telematics and
   Informatics 34(7), 1308-1321.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from simulator.model.protocol import SAT_PER_BTC, subsidy_sat
from simulator.model.shocks import check_finite, check_positive, check_size
from simulator.model.units import DAYS_PER_YEAR

__all__ = ["BLOCKS_PER_DAY", "marginal_cost_usd_per_th_day", "nominal_reward_btc_per_day"]

#: Blocks per day on the nominal 600 s schedule [blocks/day].
BLOCKS_PER_DAY: int = 144


def nominal_reward_btc_per_day(
    start_height: int, fees_btc_per_block: npt.ArrayLike, n_days: int
) -> np.ndarray:
    r"""Miners' reward per day on the nominal 10-minute schedule.

    .. math:: R_d = 144 \,\big(\mathrm{subsidy}(h_0 + 144 (d + 1)) + f_d\big)

    The subsidy is that of the nominal height at the end of day ``d``, so the
    whole day on which the nominal height crosses a halving pays the new
    subsidy. The simulated chain's own halving may come days to weeks
    earlier (or later) than this nominal date; see the module docstring.

    Parameters
    ----------
    start_height : int
        Height of the last block of the start date, :math:`h_0` [blocks], >= 0.
    fees_btc_per_block : float or array_like
        Fees per block :math:`f_d`, scalar or shape ``(n_days,)`` [BTC/block], >= 0.
    n_days : int
        Number of simulated days [day].

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_days,)`` [BTC/day].

    References
    ----------
    .. [1] Bitcoin Core, ``GetBlockSubsidy`` (src/validation.cpp).
    """
    if isinstance(start_height, bool) or not isinstance(start_height, int | np.integer):
        raise ValueError(f"start_height must be an integer (got {start_height!r})")
    if start_height < 0:
        raise ValueError(f"start_height must be >= 0 (got {start_height})")
    _, n = check_size(0, n_days)
    fees = np.asarray(fees_btc_per_block, dtype=np.float64)
    if fees.ndim > 1 or (fees.ndim == 1 and fees.shape != (n,)):
        raise ValueError(f"fees_btc_per_block must be a scalar or shape ({n},)")
    if not np.all(np.isfinite(fees)) or np.any(fees < 0.0):
        raise ValueError("fees_btc_per_block must be finite and >= 0")
    heights = int(start_height) + BLOCKS_PER_DAY * np.arange(1, n + 1, dtype=np.int64)
    subsidy = np.asarray(subsidy_sat(heights), dtype=np.float64) / SAT_PER_BTC
    return BLOCKS_PER_DAY * (subsidy + fees)


def marginal_cost_usd_per_th_day(
    efficiency_j_per_th: float,
    efficiency_improvement_per_year: float,
    electricity_usd_per_kwh: float,
    all_in_cost_factor: float,
    n_days: int,
) -> np.ndarray:
    r"""Cost of running one TH/s of the marginal fleet for a day.

    .. math::

        e_d = e_0 (1 - g)^{t_d}, \qquad
        C_d = e_d \cdot \frac{24}{1000} \cdot p \cdot F

    ``e`` [J/TH] = [W per TH/s]; times 24 h / 1000 gives kWh per day per TH/s.
    For example 20 J/TH: 20 W x 24 h = 480 Wh = 0.48 kWh a day, which at
    USD 0.05/kWh costs USD 0.024 per TH/s per day.

    Parameters
    ----------
    efficiency_j_per_th : float
        Marginal fleet efficiency at time 0, :math:`e_0` [J/TH], > 0.
    efficiency_improvement_per_year : float
        Yearly relative fall of the marginal J/TH, :math:`g` [1/year], in [0, 1).
    electricity_usd_per_kwh : float
        Marginal miner's electricity price, :math:`p` [USD/kWh], > 0.
    all_in_cost_factor : float
        All-in cost / electricity cost, :math:`F` [-], > 0 (1 = electricity only).
    n_days : int
        Number of simulated days [day].

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_days,)`` [USD/(TH/s)/day]; entry ``d`` at
        :math:`t_d = (d + 1)/365.25` [year].

    References
    ----------
    .. [1] CCAF (2022/2023), CBECI methodology: power = hashrate x J/TH;
       USD 0.05/kWh default.
    .. [2] Hayes (2017), Telematics and Informatics 34(7): cost of production
       = electricity x energy per hash.
    """
    e0 = check_positive(efficiency_j_per_th, "efficiency_j_per_th")
    g = check_finite(efficiency_improvement_per_year, "efficiency_improvement_per_year")
    if not 0.0 <= g < 1.0:
        raise ValueError(f"efficiency_improvement_per_year must be in [0, 1) (got {g})")
    price = check_positive(electricity_usd_per_kwh, "electricity_usd_per_kwh")
    factor = check_positive(all_in_cost_factor, "all_in_cost_factor")
    _, n = check_size(0, n_days)
    t = np.arange(1, n + 1, dtype=np.float64) / DAYS_PER_YEAR
    return e0 * np.exp(math.log1p(-g) * t) * (24.0 / 1000.0) * price * factor
