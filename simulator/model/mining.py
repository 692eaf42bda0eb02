"""A state mining operation: power -> hashrate -> BTC, costs and break-even.

The formulas are plain arithmetic that work on floats and numpy arrays alike;
the engine compiles the same functions with numba for its per-path kernel, so
there is one definition of each equation. The per-day schedules built from a
scenario's operation are in :mod:`simulator.engine.schedule`.

Equations (P facility power [MW], s mining share, u uptime, e efficiency
[J/TH])::

    own hashrate [TH/s]  = P * 1e6 * s * u / (PUE * e)
    network share        = h / H_total, H_total = H_rest + h if the fleet adds
                         to the network (a new entrant dilutes itself), else H_rest
    BTC mined per day    = share * (subsidy + fees issued that day) * (1 - pool fee)
    energy cost [USD/d]  = P * s * u * 24,000 kWh/MW * price [USD/kWh]
    hashprice [USD/PH/d] = 1e15 * 86,400 / (D * 2^32) * (subsidy + fees per block) * price
    break-even price     = cash cost per day / BTC mined per day
    expected revenue     = h [EH/s] * blocks/day per EH/s at D * (subsidy + fees per block)
                         * (1 - pool fee) * price   (for the economic shutdown)

References
----------
.. [1] Cambridge Centre for Alternative Finance, "Cambridge Bitcoin Electricity
   Consumption Index: methodology" (2023): hashrate from power and efficiency.
.. [2] Luxor Technology, "Hashprice" definition, Hashrate Index (2022):
   miner revenue per unit of hashrate per day.
.. [3] DESIGN.md, section 3 "Mining".
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from simulator.model.chain import BLOCKS_PER_EHS_DAY
from simulator.model.protocol import HASHES_PER_DIFFICULTY, SECONDS_PER_DAY

__all__ = [
    "KWH_PER_MW_DAY",
    "own_hashrate_ths",
    "total_network_ehs",
    "network_share",
    "btc_mined_per_day",
    "energy_cost_usd_per_day",
    "hashprice_usd_per_ph_day",
    "breakeven_price_usd",
    "expected_revenue_usd_per_day",
]

#: Energy of 1 MW over one day [kWh]: 1,000 kW x 24 h.
KWH_PER_MW_DAY = 24_000.0
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


def expected_revenue_usd_per_day(
    own_ehs: Num, difficulty: Num, reward_btc_per_block: Num, pool_fee: Num, price_usd: Num
) -> Num:
    """Revenue a fleet expects from a day's mining at the current difficulty [USD/day].

    ``own [EH/s] * 86,400 * 1e18 / (D * 2^32)`` blocks per day, times the
    reward per block (subsidy + fees) [BTC], less the pool fee, times the
    price [USD/BTC]. The share of the network cancels out: the fleet finds
    blocks at its own hashrate's rate whatever the rest of the network does.
    """
    return (
        own_ehs
        * BLOCKS_PER_EHS_DAY
        / difficulty
        * reward_btc_per_block
        * (1.0 - pool_fee)
        * price_usd
    )
