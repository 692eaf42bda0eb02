"""Horizon metrics per reserve and mining operation, from per-path final states.

Definitions
-----------
Reserve: holdings [BTC], value [USD] and cost basis [USD] at the horizon;
``prob_below_cost`` = share of paths whose value ends below the cost basis;
``max_drawdown`` = largest fall of the reserve's USD value from its running
peak (purchases and inflows included); ``value_share_of_benchmark`` = value /
the scenario's benchmark (for instance the cited $7 bn IMF facility).

Mining: BTC mined in total and per year; revenue = BTC mined x that day's
price; energy and other cash costs; ``margin_usd`` = revenue - cash costs;
``cash_cost_per_btc_usd`` = cash costs / BTC mined (the average break-even
price); ``cost_per_btc_usd`` adds straight-line depreciation of capex;
``breakeven_price_usd`` is the last day's cash cost / BTC mined;
``mean_network_share`` is the daily share averaged over the horizon.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from simulator.engine.plan import Plan
from simulator.results.result import summary_rows
from simulator.inputs.schema import Scenario

__all__ = ["summary_frame", "summary_and_path_metrics"]


def summary_frame(
    name: str, model: Scenario, plan: Plan, out: np.ndarray, final: np.ndarray
) -> pd.DataFrame:
    """Build the summary frame (one row per entity and metric)."""
    return summary_and_path_metrics(name, model, plan, out, final)[0]


def summary_and_path_metrics(
    name: str, model: Scenario, plan: Plan, out: np.ndarray, final: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Summary frame and the per-path horizon value of every metric.

    Returns
    -------
    summary : pandas.DataFrame
        One row per entity and metric (p5 .. p95, mean).
    path_metrics : pandas.DataFrame
        One row per path, one float64 column per ``"entity.metric"``; the
        values the summary's percentiles are taken over (what
        :func:`simulator.analysis.compare.compare` compares path by path).
    """
    f = {key: final[i] for i, key in enumerate(plan.finals)}
    v = {key: out[i, -1] for i, key in enumerate(plan.variables)}
    years = plan.n_days / 365.25
    rows: list[dict[str, Any]] = []
    per_path: dict[str, np.ndarray] = {}

    def add(entity: str, metric: str, unit: str, values: Any, probability: bool = False) -> None:
        values = np.broadcast_to(np.asarray(values, dtype=np.float64), final.shape[1:])
        rows.append(summary_rows(name, entity, metric, unit, values, probability))
        per_path[f"{entity}.{metric}"] = values

    add("market", "price_usd", "USD/BTC", v[("market", "price_usd")])
    add("market", "network_hashrate_ehs", "EH/s", v[("market", "network_hashrate_ehs")])
    bench = model.scenario.benchmark_usd
    for res in model.reserve:
        e = res.name
        value, basis = f[(e, "value_usd")], f[(e, "cost_basis_usd")]
        add(e, "holdings_btc", "BTC", f[(e, "holdings_btc")])
        add(e, "value_usd", "USD", value)
        add(e, "cost_basis_usd", "USD", basis)
        add(e, "prob_below_cost", "probability", (value < basis).astype(float), probability=True)
        add(e, "max_drawdown", "fraction", f[(e, "max_drawdown")])
        add(e, "btc_bought_btc", "BTC", f[(e, "btc_bought_btc")])
        add(e, "usd_spent_usd", "USD", f[(e, "usd_spent_usd")])
        if bench:
            add(e, "value_share_of_benchmark", "fraction", value / bench)
    for i, op in enumerate(model.mining):
        e = op.name
        mined = f[(e, "btc_mined_btc")]
        cash = f[(e, "energy_cost_usd")] + f[(e, "other_opex_usd")]
        depreciation = float(plan.depreciation[i].sum())
        with np.errstate(divide="ignore", invalid="ignore"):
            add(e, "btc_mined_btc", "BTC", mined)
            add(e, "btc_mined_per_year_btc", "BTC/yr", mined / years)
            add(e, "btc_kept_btc", "BTC", f[(e, "btc_kept_btc")])
            add(e, "btc_sold_btc", "BTC", f[(e, "btc_sold_btc")])
            add(e, "revenue_usd", "USD", f[(e, "revenue_usd")])
            add(e, "energy_cost_usd", "USD", f[(e, "energy_cost_usd")])
            add(e, "other_opex_usd", "USD", f[(e, "other_opex_usd")])
            add(e, "capex_usd", "USD", float(plan.capex[i].sum()))
            add(e, "margin_usd", "USD", f[(e, "revenue_usd")] - cash)
            add(e, "cash_cost_per_btc_usd", "USD/BTC", cash / mined)
            add(e, "cost_per_btc_usd", "USD/BTC", (cash + depreciation) / mined)
            add(e, "breakeven_price_usd", "USD/BTC", v[(e, "breakeven_price_usd")])
            add(e, "mean_network_share", "fraction", f[(e, "mean_network_share")])
            add(e, "uncovered_cash_usd", "USD", f[(e, "uncovered_cash_usd")])
    return pd.DataFrame(rows), pd.DataFrame(per_path)
