"""Per-day schedules of a mining operation (power online, efficiency, costs), from its entry.

The formulas are :mod:`simulator.model.mining`'s; this module applies them to
a validated ``[[mining]]`` entry over the calendar of a run.

References
----------
.. [1] DESIGN.md, section 3 "Mining" (ramps, refreshes, capex and straight-line depreciation).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.inputs.schema import Mining
from simulator.model.ledger import energy_mwh_per_day
from simulator.model.mining import energy_cost_usd_per_day, own_hashrate_ths
from simulator.model.units import DAYS_PER_YEAR, day_index

__all__ = ["AiSchedule", "MiningSchedule", "build_ai_schedule", "build_schedule", "straight_line"]


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
    energy_mwh : ndarray
        Energy drawn when running [MWh/day].
    """

    own_ths: npt.NDArray[np.float64]
    energy_usd: npt.NDArray[np.float64]
    opex_usd: npt.NDArray[np.float64]
    capex_usd: npt.NDArray[np.float64]
    depreciation_usd: npt.NDArray[np.float64]
    energy_mwh: npt.NDArray[np.float64]


def _first_day(start: dt.date, when: dt.date) -> int:
    """First simulated day [day index] of a state that holds from ``when`` on (0 if earlier)."""
    return max(day_index(start, when), 0)


def _online(op: Mining, start: dt.date, n_days: int) -> npt.NDArray[np.float64]:
    """Share of the site's power online on each day [-], from its ramp (all of it without one)."""
    online = np.ones(n_days) if not op.ramp else np.zeros(n_days)
    for step in sorted(op.ramp, key=lambda s: s.date):
        online[_first_day(start, step.date) :] = step.fraction
    return online


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

    Notes
    -----
    Ramp steps and refreshes are states that hold from their date on: one
    dated on or before ``start`` is in effect from day 0 (the latest such
    step wins), and a refresh then buys its fleet on day 0 as the initial
    fleet would. One-off events are different; see
    :func:`simulator.engine.plan.plan`.
    """
    online = _online(op, start, n_days)
    efficiency = np.full(n_days, op.efficiency_j_per_th)
    refresh_days = []
    for refresh in sorted(op.refreshes, key=lambda r: r.date):
        i = _first_day(start, refresh.date)
        if i < n_days:
            efficiency[i:] = refresh.efficiency_j_per_th
            refresh_days.append(i)
    power = op.power_mw * online
    own = np.asarray(own_hashrate_ths(power, op.mining_share, op.uptime, op.pue, efficiency))
    energy = np.asarray(
        energy_cost_usd_per_day(power, op.mining_share, op.uptime, op.electricity_usd_per_kwh)
    )
    opex = power * op.mining_share * op.other_opex_usd_per_mw_year / DAYS_PER_YEAR
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
    mwh = np.asarray(energy_mwh_per_day(power, op.mining_share, op.uptime))
    depreciation = straight_line(capex, op.depreciation_years)
    return MiningSchedule(own, energy, opex, capex, depreciation, mwh)


def straight_line(capex_usd: npt.NDArray[np.float64], years: float) -> npt.NDArray[np.float64]:
    """Straight-line depreciation [USD/day] of each day's outlay ``capex_usd`` over ``years``.

    Each outlay is spread evenly over the ``round(years * 365.25)`` days from
    the day it is spent; what falls after the last simulated day is not charged.
    """
    n_days = len(capex_usd)
    life = max(1, int(round(years * DAYS_PER_YEAR)))
    spread = np.cumsum(capex_usd) / life  # each outlay spread over `life` days
    return spread - np.concatenate([np.zeros(life), spread])[:n_days]


@dataclass(frozen=True)
class AiSchedule:
    """Deterministic per-day ledger of a site's AI side, arrays of shape ``(n_days,)``.

    Attributes
    ----------
    mw : float
        Nameplate of the AI side: ``power_mw * (1 - mining_share)`` [MW].
    revenue_usd : ndarray
        Lease revenue of the utilised MW [USD/day].
    energy_mwh : ndarray
        Energy the utilised MW draw [MWh/day].
    opex_usd : ndarray
        Operating cost of the MW built, power not included [USD/day].
    capex_usd : ndarray
        Capex of the halls built each day [USD].
    depreciation_usd : ndarray
        Straight-line depreciation of the halls' capex [USD/day].
    """

    mw: float
    revenue_usd: npt.NDArray[np.float64]
    energy_mwh: npt.NDArray[np.float64]
    opex_usd: npt.NDArray[np.float64]
    capex_usd: npt.NDArray[np.float64]
    depreciation_usd: npt.NDArray[np.float64]


def build_ai_schedule(op: Mining, start: dt.date, n_days: int) -> AiSchedule | None:
    """The AI side of a site (its power not mined), following the site's ramp; None without one.

    Built MW are ``power_mw * (1 - mining_share) * ramp``; each new high is
    built at ``capex_usd_per_mw``. The utilised share earns the lease and
    draws 24 MWh per MW-day (the site's ``uptime`` is the mining fleet's).
    """
    ai = op.ai
    if ai is None:
        return None
    online = _online(op, start, n_days)
    mw = op.power_mw * (1.0 - op.mining_share)
    built = mw * online
    capex = np.diff(np.maximum.accumulate(built), prepend=0.0) * ai.capex_usd_per_mw
    return AiSchedule(
        mw=mw,
        revenue_usd=built * ai.utilisation * ai.revenue_usd_per_mw_year / DAYS_PER_YEAR,
        energy_mwh=np.asarray(energy_mwh_per_day(built, ai.utilisation, 1.0)),
        opex_usd=built * ai.opex_usd_per_mw_year / DAYS_PER_YEAR,
        capex_usd=capex,
        depreciation_usd=straight_line(capex, ai.depreciation_years),
    )
