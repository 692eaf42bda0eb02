"""The policy ledger of a state mining operation: energy, emissions, subsidy, net position.

Plain arithmetic on floats and numpy arrays alike; the engine compiles the
same functions with numba for its day loop, so the kernel's running ledger
and the summary's horizon ledger share one definition of each equation.

Equations (E energy used [MWh], f emission factor [tCO2/MWh], c the tariff
charged and c_r the cost-reflective tariff [USD/kWh], g the price the power
would fetch sold to the grid or exported [USD/kWh])::

    energy [MWh/day]     = P * s * u * 24 h           (facility power, cooling included)
    emissions [tCO2]     = E * f
    subsidy cost [USD]   = E * 1,000 kWh/MWh * (c_r - c)
    kept BTC gain [USD]  = BTC kept * last price - their value on the days mined
    state net [USD]      = USD from BTC sold + BTC kept * price - energy bill - other opex
                           - subsidy cost - depreciation
                         = margin at c - subsidy - depreciation + kept BTC gain
                         = margin at c_r - depreciation + kept BTC gain
    power sale [USD]     = E * 1,000 * g
    mining vs sale [USD] = state net - (power sale - E * 1,000 * c_r)
                         (the power's cost, E * c_r, is the same either way and cancels)

The state is the consolidated public sector: the utility that generates the
power at cost c_r and the operation that pays c for it. A tariff below c_r
moves (c_r - c) per kWh from the utility to the operation; that transfer is
the subsidy the IMF objects to, and it is zero when the two tariffs agree.

The AI data-centre side of a site (the power not mined) is a deterministic
colocation business: leased MW earn a revenue per MW-year, pay their
electricity at the site's tariff and an opex per MW-year, and depreciate their
capex straight-line; its state net is taken at c_r like the mining's.

References
----------
.. [1] IPCC, "2006 IPCC Guidelines for National Greenhouse Gas Inventories",
   vol. 2, ch. 2, table 2.2: default CO2 emission factors of coal (other
   bituminous 94.6, sub-bituminous 96.1, lignite 101.0 tCO2/TJ of fuel).
.. [2] IMF, "Pakistan: Request for an Extended Arrangement under the Extended
   Fund Facility" (2024): cost-recovery energy tariffs as a programme condition.
.. [3] DESIGN.md, section 3 "Mining".
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = [
    "KWH_PER_MWH",
    "HOURS_PER_DAY",
    "energy_mwh_per_day",
    "emissions_tco2",
    "emission_factor_from_fuel",
    "subsidy_cost_usd",
    "state_net_usd",
    "power_sale_value_usd",
    "mining_vs_power_sale_usd",
]

#: kWh in one MWh.
KWH_PER_MWH = 1_000.0
#: Hours in one simulated day.
HOURS_PER_DAY = 24.0
#: GJ of electricity in one MWh (3.6 GJ).
GJ_PER_MWH = 3.6
Num: TypeAlias = "float | npt.NDArray[np.float64]"


def energy_mwh_per_day(power_mw: Num, share: Num, uptime: Num) -> Num:
    """Energy a site's share draws in a running day [MWh/day]: ``P * s * u * 24``.

    ``P`` is the facility's power [MW], cooling included (the PUE splits it
    between machines and cooling; it does not add to it), so this is the
    energy bought at the meter.
    """
    return power_mw * share * uptime * HOURS_PER_DAY


def emissions_tco2(energy_mwh: Num, factor_tco2_per_mwh: Num) -> Num:
    """CO2 emitted generating ``energy_mwh`` [tCO2]: energy x emission factor."""
    return energy_mwh * factor_tco2_per_mwh


def emission_factor_from_fuel(fuel_tco2_per_tj: float, efficiency: float) -> float:
    """Emission factor of electricity [tCO2/MWh] from a fuel factor [tCO2/TJ] and plant efficiency.

    ``fuel * 3.6 GJ/MWh / 1,000 GJ/TJ / efficiency``: the fuel burnt per MWh
    sent out is 3.6 GJ over the net efficiency. Other bituminous coal [1]_ at
    36 % gives ``94.6 * 0.0036 / 0.36 = 0.946`` tCO2/MWh.
    """
    return fuel_tco2_per_tj * GJ_PER_MWH / 1_000.0 / efficiency


def subsidy_cost_usd(
    energy_mwh: Num, cost_reflective_usd_per_kwh: Num, tariff_usd_per_kwh: Num
) -> Num:
    """Fiscal cost of a tariff below cost [USD]: ``E * 1,000 * (c_r - c)``.

    Zero when the tariff charged is the cost-reflective one; negative if the
    operation pays more than the power costs (it then subsidises the utility).
    """
    return energy_mwh * KWH_PER_MWH * (cost_reflective_usd_per_kwh - tariff_usd_per_kwh)


def state_net_usd(
    sold_usd: Num,
    kept_value_usd: Num,
    energy_cost_usd: Num,
    opex_usd: Num,
    subsidy_usd: Num,
    depreciation_usd: Num,
) -> Num:
    """The state's net position from an operation so far [USD].

    USD from the BTC sold, plus the value of the BTC kept (at the day's price), less the
    energy bill at the tariff charged, the other opex, the subsidy cost and the
    depreciation of the capex. This is the margin at the tariff charged, less
    the subsidy and the depreciation, plus the change in value of the BTC kept
    since the days they were mined (see the module docstring).
    """
    return sold_usd + kept_value_usd - energy_cost_usd - opex_usd - subsidy_usd - depreciation_usd


def power_sale_value_usd(energy_mwh: Num, sale_usd_per_kwh: Num) -> Num:
    """What the same energy would fetch sold to the grid or exported [USD]: ``E * 1,000 * g``."""
    return energy_mwh * KWH_PER_MWH * sale_usd_per_kwh


def mining_vs_power_sale_usd(
    state_net: Num, energy_mwh: Num, sale_usd_per_kwh: Num, cost_reflective_usd_per_kwh: Num
) -> Num:
    """Net benefit to the state of mining the power rather than selling it [USD].

    ``state net - E * 1,000 * (g - c_r)``: the state's net from mining less
    its net from selling the same energy, which would also cost ``c_r`` to
    generate. Positive: mining beats selling the power.
    """
    return state_net - energy_mwh * KWH_PER_MWH * (sale_usd_per_kwh - cost_reflective_usd_per_kwh)
