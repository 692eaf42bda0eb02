"""Horizon metrics per reserve and mining operation, from per-path final states.

What each metric means, its unit, kind and scoring direction are in the
registry :data:`simulator.results.metrics.METRICS`; this module computes them
in the registry's order (a metric with a
:attr:`~simulator.results.metrics.Metric.needs` only where the entity meets
it); the mining ledger is :mod:`simulator.results.ledger`'s. Every value is
float64 from the kernel's per-path finals
(of the recorded float32 paths only each series' last day is used, for the market).
Statistics are over all paths: a metric undefined on some paths (a cost per
BTC where nothing was mined) keeps them, ranked as ``inf``, and the summary's
``defined_share`` says on how many it is defined
(:mod:`simulator.results.stats`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from simulator.engine.kernel import MINING_FINALS
from simulator.engine.plan import FX_VAR, LCU_VAR, Plan
from simulator.inputs.schema import Scenario
from simulator.model.reserve import COST_TOLERANCE, SELL_ALL
from simulator.results.ledger import ledger_rows, per_btc
from simulator.results.metrics import metric
from simulator.results.result import summary_rows
from simulator.results.stats import independent_group

__all__ = ["summary_and_path_metrics"]


def summary_and_path_metrics(
    name: str, model: Scenario, plan: Plan, last: np.ndarray, final: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Summary frame and the per-path horizon value of every metric.

    ``last (V, paths)`` is each recorded series on the last output day and
    ``final (F, paths)`` the kernel's horizon finals.

    Returns
    -------
    summary : pandas.DataFrame
        One row per entity and metric (p5 .. p95, mean, their standard
        errors and the share of paths where the metric is defined).
    path_metrics : pandas.DataFrame
        One row per path, one float64 column per ``"entity.metric"``; the
        values the summary's percentiles are taken over (what
        :func:`simulator.analysis.compare.compare` compares path by path).
    """
    # Finals by kind: a reserve and a mining operation may share a name (the baseline's
    # "pakistan"), and both record btc_sold_btc. Plan.finals lists mining first.
    n_mining = len(model.mining) * len(MINING_FINALS)
    fm = {key: final[i] for i, key in enumerate(plan.finals[:n_mining])}
    fr = {key: final[n_mining + i] for i, key in enumerate(plan.finals[n_mining:])}
    v = {key: last[i] for i, key in enumerate(plan.variables)}
    years = plan.n_days / 365.25
    group = independent_group(model.scenario.variance_reduction)
    rows: list[dict[str, Any]] = []
    per_path: dict[str, np.ndarray] = {}

    def add(entity: str, metric_name: str, values: Any) -> None:
        """Record one metric of ``entity`` per path, with the registry's unit."""
        m = metric(metric_name)
        values = np.broadcast_to(np.asarray(values, dtype=np.float64), final.shape[1:])
        rows.append(summary_rows(name, entity, m.name, m.unit, values, m.probability, group))
        per_path[f"{entity}.{m.name}"] = values

    add("market", "price_usd", v[("market", "price_usd")])
    add("market", "network_hashrate_ehs", v[("market", "network_hashrate_ehs")])
    fx = model.market.fx is not None
    if fx:
        add("market", "fx_lcu_per_usd", fr[("market", FX_VAR)])
    start_usd = float(model.market.price.start_usd)
    for r, res in enumerate(model.reserve):
        e = res.name
        value, basis = fr[(e, "value_usd")], fr[(e, "cost_basis_usd")]
        received, spent = fr[(e, "usd_received_usd")], fr[(e, "usd_spent_usd")]
        # cash the state paid for mined BTC this reserve kept: the uncovered costs of the
        # operations the kernel credits to it (the same fleet arrays), part of its basis
        feeds = (plan.fleet.reserve == r) & (plan.fleet.disposal != SELL_ALL)
        mining_paid = sum(
            (fm[(op.name, "uncovered_cash_usd")] for m, op in enumerate(model.mining) if feeds[m]),
            start=np.zeros(final.shape[1:]),
        )
        start_value = float(plan.reserves.hold0[r]) * start_usd
        net = value + received - spent - mining_paid
        gain = net - start_value
        scale = start_value + spent + received + mining_paid + np.abs(value)
        add(e, "holdings_btc", fr[(e, "holdings_btc")])
        add(e, "value_usd", value)
        add(e, "cost_basis_usd", basis)
        add(e, "prob_below_cost", (value < basis * (1 - COST_TOLERANCE)).astype(float))
        add(e, "max_drawdown", fr[(e, "max_drawdown")])
        add(e, "btc_bought_btc", fr[(e, "btc_bought_btc")])
        add(e, "usd_spent_usd", fr[(e, "usd_spent_usd")])
        add(e, "btc_sales_btc", fr[(e, "btc_sold_btc")])
        add(e, "usd_received_usd", fr[(e, "usd_received_usd")])
        add(e, "net_position_usd", net)
        add(e, "net_gain_usd", gain)
        add(e, "prob_net_loss", (gain < -COST_TOLERANCE * scale).astype(float))
        own = model.benchmarks_for(e)
        if own:
            add(e, "value_share_of_benchmark", value / own[0].value_usd)
        if res.currency != "USD":
            add(e, "value_lcu", fr[(e, LCU_VAR)])
    for i, op in enumerate(model.mining):
        e = op.name
        mined = fm[(e, "btc_mined_btc")]
        cash = fm[(e, "energy_cost_usd")] + fm[(e, "other_opex_usd")]
        depreciation = float(plan.depreciation[i].sum())
        with np.errstate(divide="ignore", invalid="ignore"):
            add(e, "btc_mined_btc", mined)
            add(e, "btc_mined_per_year_btc", mined / years)
            add(e, "btc_kept_btc", fm[(e, "btc_kept_btc")])
            add(e, "btc_sold_btc", fm[(e, "btc_sold_btc")])
            add(e, "revenue_usd", fm[(e, "revenue_usd")])
            add(e, "energy_cost_usd", fm[(e, "energy_cost_usd")])
            add(e, "other_opex_usd", fm[(e, "other_opex_usd")])
            add(e, "capex_usd", float(plan.capex[i].sum()))
            add(e, "margin_usd", fm[(e, "revenue_usd")] - cash)
            add(e, "cash_cost_per_btc_usd", per_btc(cash, mined))
            add(e, "cost_per_btc_usd", per_btc(cash + depreciation, mined))
            add(e, "breakeven_price_usd", fm[(e, "breakeven_price_usd")])
            add(e, "mean_network_share", fm[(e, "mean_network_share")])
            add(e, "uncovered_cash_usd", fm[(e, "uncovered_cash_usd")])
            ledger_rows(model, plan, i, fm, add)
    return pd.DataFrame(rows), pd.DataFrame(per_path)
