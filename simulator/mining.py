"""A state mining operation: power -> hashrate -> BTC, costs and break-even.

The formulas are plain arithmetic that work on floats and numpy arrays alike;
the engine compiles the same functions with numba for its per-path kernel, so
there is one definition of each equation. Schedules (power online, fleet
efficiency, costs per day) are deterministic and built per day here.

Equations (P facility power [MW], s mining share, u uptime, e efficiency
[J/TH])::

    own hashrate [TH/s]  = P * 1e6 * s * u / (PUE * e)
    network share        = h / H_total, H_total = H_rest + h if the fleet adds
                         to the network (a new entrant dilutes itself), else H_rest
    BTC mined per day    = share * (subsidy + fees issued that day) * (1 - pool fee)
    energy cost [USD/d]  = P * s * u * 24,000 kWh/MW * price [USD/kWh]
    hashprice [USD/PH/d] = 1e15 * 86,400 / (D * 2^32) * (subsidy + fees per block) * price
    break-even price     = cash cost per day / BTC mined per day

References
----------
.. [1] Cambridge Centre for Alternative Finance, "Cambridge Bitcoin Electricity
   Consumption Index: methodology" (2023): hashrate from power and efficiency.
.. [2] Luxor Technology, "Hashprice" definition, Hashrate Index (2022):
   miner revenue per unit of hashrate per day.
.. [3] DESIGN.md, section 3 "Mining".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from simulator.protocol import HASHES_PER_DIFFICULTY, SECONDS_PER_DAY
from simulator.schema import Mining

__all__ = [
    "KWH_PER_MW_DAY",
    "own_hashrate_ths",
    "total_network_ehs",
    "network_share",
    "btc_mined_per_day",
    "energy_cost_usd_per_day",
    "hashprice_usd_per_ph_day",
    "breakeven_price_usd",
    "MiningSchedule",
    "build_schedule",
    "day_index",
]

#: Energy of 1 MW over one day [kWh]: 1,000 kW x 24 h.
KWH_PER_MW_DAY = 24_000.0
_DAYS_PER_YEAR = 365.25
#: A float or an array of floats: the formulas work on both (and compile with numba).
Num: TypeAlias = "float | npt.NDArray[np.float64]"


def own_hashrate_ths(
    power_mw: Num, mining_share: Num, uptime: Num, pue: Num, efficiency_j_per_th: Num
) -> Num:
    """Hashrate of the fleet [TH/s] from power [MW] and efficiency [J/TH].

    ``P * 1e6 * share * uptime / (PUE * efficiency)``: the facility's power
    less cooling overhead (PUE) divided by the energy per terahash.
    """
    return power_mw * 1e6 * mining_share * uptime / (pue * efficiency_j_per_th)


def total_network_ehs(rest_ehs: Num, own_ehs: Num, adds_to_network: bool) -> Num:
    """Total network hashrate [EH/s]: the rest plus the fleet if it adds to the network.

    A new entrant's machines add to the network and so dilute its own share
    (the default); an operation whose hashrate is already counted in the
    network path (``adds_to_network = false``) does not.
    """
    return rest_ehs + own_ehs if adds_to_network else rest_ehs


def network_share(own_ehs: Num, total_ehs: Num) -> Num:
    """Share of the network's blocks the fleet expects to find: ``own / total`` [-]."""
    return own_ehs / total_ehs


def btc_mined_per_day(share: Num, issued_btc: Num, pool_fee: Num) -> Num:
    """BTC earned in a day: share of the day's subsidy plus fees, less the pool fee."""
    return share * issued_btc * (1.0 - pool_fee)


def energy_cost_usd_per_day(
    power_mw: Num, mining_share: Num, uptime: Num, electricity_usd_per_kwh: Num
) -> Num:
    """Electricity cost of a day's mining [USD/day]: ``P * s * u * 24,000 * price``."""
    return power_mw * mining_share * uptime * KWH_PER_MW_DAY * electricity_usd_per_kwh


def hashprice_usd_per_ph_day(difficulty: Num, reward_btc_per_block: Num, price_usd: Num) -> Num:
    """Expected revenue of 1 PH/s for a day [USD/PH/day].

    ``1e15 * 86,400 / (D * 2^32)`` blocks per day per PH/s, times the reward
    per block (subsidy + fees) [BTC], times the price [USD/BTC].
    """
    return (
        1e15
        * SECONDS_PER_DAY
        / (difficulty * HASHES_PER_DIFFICULTY)
        * (reward_btc_per_block * price_usd)
    )


def breakeven_price_usd(cash_cost_usd_per_day: Num, btc_per_day: Num) -> Num:
    """BTC price at which a day's BTC pays the day's cash cost [USD/BTC]."""
    return cash_cost_usd_per_day / btc_per_day


@dataclass(frozen=True)
class MiningSchedule:
    """Deterministic per-day inputs of one operation, arrays of shape ``(n_days,)``.

    Attributes
    ----------
    own_ths : ndarray
        Fleet hashrate when running [TH/s].
    energy_usd : ndarray
        Electricity cost when running [USD/day].
    opex_usd : ndarray
        Other operating cost, paid whether or not the fleet runs [USD/day].
    capex_usd : ndarray
        Capital spent on each day (ASICs at start and at refreshes,
        infrastructure as power comes online) [USD].
    depreciation_usd : ndarray
        Straight-line depreciation of the capex [USD/day].
    """

    own_ths: npt.NDArray[np.float64]
    energy_usd: npt.NDArray[np.float64]
    opex_usd: npt.NDArray[np.float64]
    capex_usd: npt.NDArray[np.float64]
    depreciation_usd: npt.NDArray[np.float64]


def day_index(start: dt.date, when: dt.date) -> int:
    """Index of the simulated day ending on ``when``: day ``t`` ends on ``start + t + 1``.

    Negative for dates on or before the start date.
    """
    return (when - start).days - 1


def build_schedule(op: Mining, start: dt.date, n_days: int) -> MiningSchedule:
    """Build an operation's per-day schedules from its scenario entry.

    Parameters
    ----------
    op : Mining
        The validated ``[[mining]]`` entry.
    start : datetime.date
        Scenario start date; day 0 is the day after it.
    n_days : int
        Number of simulated days.

    Returns
    -------
    MiningSchedule
    """
    online = np.ones(n_days) if not op.ramp else np.zeros(n_days)
    for step in sorted(op.ramp, key=lambda s: s.date):
        online[max(day_index(start, step.date), 0) :] = step.fraction
    efficiency = np.full(n_days, op.efficiency_j_per_th)
    refresh_days = []
    for refresh in sorted(op.refreshes, key=lambda r: r.date):
        i = max(day_index(start, refresh.date), 0)
        if i < n_days:
            efficiency[i:] = refresh.efficiency_j_per_th
            refresh_days.append(i)
    power = op.power_mw * online
    own = np.asarray(own_hashrate_ths(power, op.mining_share, op.uptime, op.pue, efficiency))
    energy = np.asarray(
        energy_cost_usd_per_day(power, op.mining_share, op.uptime, op.electricity_usd_per_kwh)
    )
    opex = power * op.mining_share * op.other_opex_usd_per_mw_year / _DAYS_PER_YEAR
    # Capex: ASICs and infrastructure for each new high of the fleet (machines
    # switched off by a ramp-down are not bought again); a refresh buys a new fleet.
    installed = np.maximum.accumulate(op.power_mw * op.mining_share * online) if n_days else online
    fleet_th = own / op.uptime  # nameplate TH of the machines running
    capex = np.zeros(n_days)
    for a, b in zip([0, *refresh_days], [*refresh_days, n_days], strict=True):
        if b > a:
            peak = np.maximum.accumulate(fleet_th[a:b])
            capex[a:b] = np.diff(peak, prepend=0.0) * op.asic_usd_per_th
    capex += np.diff(installed, prepend=0.0) * op.infrastructure_usd_per_mw
    life = max(1, int(round(op.depreciation_years * _DAYS_PER_YEAR)))
    spread = np.cumsum(capex) / life  # straight line: each outlay spread over `life` days
    depreciation = spread - np.concatenate([np.zeros(life), spread])[:n_days]
    return MiningSchedule(own, energy, opex, capex, depreciation)
