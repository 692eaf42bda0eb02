"""The policy ledger of each mining operation at the horizon, per path, from the kernel's finals.

Energy, emissions, the subsidy's fiscal cost, the state's net position, the
value of the power sold instead, and the AI side of the site, with the
equations of :mod:`simulator.model.ledger`. Which of them an operation
reports follows :attr:`simulator.results.metrics.Metric.needs`
(:func:`reports`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from simulator.engine.plan import Plan
from simulator.engine.schedule import build_ai_schedule
from simulator.inputs.schema import Mining, Reserve, Scenario
from simulator.model.ledger import (
    KWH_PER_MWH,
    emissions_tco2,
    mining_vs_power_sale_usd,
    power_sale_value_usd,
    state_net_usd,
    subsidy_cost_usd,
)
from simulator.model.units import DAYS_PER_YEAR
from simulator.results.metrics import metric

__all__ = ["entity_reports", "ledger_rows", "per_btc", "reports", "with_emissions"]

#: ``(operation name, final name) -> per-path values`` of the kernel's mining finals.
Finals = Mapping[tuple[str, str], np.ndarray]


def entity_reports(model: Scenario, needs: str, entity: Mining | Reserve | None = None) -> bool:
    """Whether an entity meets a metric's :attr:`~simulator.results.metrics.Metric.needs` code.

    Parameters
    ----------
    model : Scenario
        The validated scenario.
    needs : str
        The code (``""``, ``"fx"``, ``"local_currency"``, ``"benchmark"``,
        ``"power_sale"``, ``"ai"``).
    entity : Mining or Reserve, optional
        The operation or reserve, for the per-entity codes.
    """
    op = entity if isinstance(entity, Mining) else None
    if needs == "fx":
        return model.market.fx is not None
    if needs == "local_currency":
        return isinstance(entity, Reserve) and entity.currency != "USD"
    if needs == "benchmark":
        return isinstance(entity, Reserve) and bool(model.benchmarks_for(entity.name))
    if needs == "power_sale":
        return op is not None and op.power_sale_usd_per_kwh is not None
    if needs == "ai":
        return op is not None and op.ai is not None
    return True


def reports(model: Scenario, name: str, entity: Mining | Reserve | None = None) -> bool:
    """Whether the summary reports metric ``name`` (for ``entity``, if one)."""
    return entity_reports(model, metric(name).needs, entity)


def ledger_rows(
    model: Scenario,
    plan: Plan,
    i: int,
    fm: Finals,
    add: Callable[[str, str, object], None],
) -> None:
    """Add operation ``i``'s ledger metrics with ``add(entity, metric, values)``.

    Parameters
    ----------
    model : Scenario
        The validated scenario.
    plan : Plan
        Its plan (calendar, schedules).
    i : int
        Index of the operation in ``model.mining``.
    fm : mapping
        The kernel's mining finals by ``(operation, final)``.
    add : callable
        Records one metric per path.
    """
    op = model.mining[i]
    e = op.name
    years = plan.n_days / DAYS_PER_YEAR
    mwh, mined = fm[(e, "energy_mwh")], fm[(e, "btc_mined_btc")]
    revenue, energy_cost = fm[(e, "revenue_usd")], fm[(e, "energy_cost_usd")]
    opex, depreciation = fm[(e, "other_opex_usd")], fm[(e, "depreciation_usd")]
    kept_value, sold_usd = fm[(e, "kept_value_usd")], fm[(e, "btc_sold_usd")]
    subsidy = subsidy_cost_usd(mwh, op.cost_reflective, op.electricity_usd_per_kwh)
    net = state_net_usd(sold_usd, kept_value, energy_cost, opex, subsidy, depreciation)
    emitted = emissions_tco2(mwh, op.emission_factor_tco2_per_mwh)
    add(e, "energy_mwh_per_day", mwh / plan.n_days)
    add(e, "energy_gwh", mwh / 1e3)
    add(e, "energy_twh", mwh / 1e6)
    add(e, "energy_twh_per_year", mwh / 1e6 / years)
    add(e, "emissions_tco2", emitted)
    add(e, "emissions_tco2_per_year", emitted / years)
    add(e, "emissions_per_btc_tco2", per_btc(emitted, mined))
    add(e, "subsidy_cost_usd", subsidy)
    add(e, "depreciation_usd", depreciation)
    add(e, "kept_btc_gain_usd", kept_value - (revenue - sold_usd))
    add(e, "net_fiscal_usd", net)
    add(e, "prob_net_fiscal_positive", np.asarray(net > 0, dtype=float))
    if op.power_sale_usd_per_kwh is not None:
        sale = op.power_sale_usd_per_kwh
        benefit = mining_vs_power_sale_usd(net, mwh, sale, op.cost_reflective)
        add(e, "power_sale_value_usd", power_sale_value_usd(mwh, sale))
        add(e, "mining_vs_power_sale_usd", benefit)
        add(e, "prob_mining_beats_power_sale", np.asarray(benefit > 0, dtype=float))
    ai = build_ai_schedule(op, model.scenario.start_date, plan.n_days)
    if ai is not None:
        ai_net = float(
            ai.revenue_usd.sum()
            - ai.opex_usd.sum()
            - ai.energy_mwh.sum() * KWH_PER_MWH * op.cost_reflective
            - ai.depreciation_usd.sum()
        )
        per_mw = net / (op.power_mw * op.mining_share)
        ai_per_mw = ai_net / ai.mw
        add(e, "net_fiscal_usd_per_mw", per_mw)
        add(e, "ai_net_usd", ai_net)
        add(e, "ai_net_usd_per_mw", ai_per_mw)
        add(e, "ai_capex_usd", float(ai.capex_usd.sum()))
        add(e, "ai_depreciation_usd", float(ai.depreciation_usd.sum()))
        ai_mwh = float(ai.energy_mwh.sum())
        add(e, "ai_energy_twh", ai_mwh / 1e6)
        add(e, "ai_emissions_tco2", emissions_tco2(ai_mwh, op.emission_factor_tco2_per_mwh))
        add(e, "prob_mining_beats_ai", np.asarray(per_mw > ai_per_mw, dtype=float))


def with_emissions(model: Scenario, percentiles: pd.DataFrame) -> pd.DataFrame:
    """The percentile frame with each operation's emissions so far [tCO2] over time.

    Emissions are the energy used so far times a constant factor, so their
    percentiles and mean are the energy's times the factor: derived here
    rather than recorded per path, which would hold one more float32 series
    of every path in memory.
    """
    rows = [percentiles]
    for op in model.mining:
        energy = percentiles[
            (percentiles["entity"] == op.name) & (percentiles["variable"] == "energy_mwh")
        ]
        emitted = energy.copy()
        emitted["variable"] = "emissions_tco2"
        stats = [c for c in emitted.columns if c.startswith("p") or c == "mean"]
        emitted[stats] = emissions_tco2(energy[stats], op.emission_factor_tco2_per_mwh)
        rows.append(emitted)
    return pd.concat(rows, ignore_index=True) if len(rows) > 1 else percentiles


def per_btc(amount: object, btc: np.ndarray) -> np.ndarray:
    """An amount per BTC mined, per path; ``inf`` on a path that mined nothing (even at no cost).

    A path with no BTC has no finite cost per BTC: it ranks above every
    finite value (the worst, as less is better), and the summary's
    ``defined_share`` counts it out.
    """
    value = np.broadcast_to(np.asarray(amount, dtype=np.float64), btc.shape)
    return np.divide(value, btc, out=np.full(btc.shape, np.inf), where=btc > 0)
