"""Orchestration: seeds, path blocks, market -> chain -> entities -> Result.

Reproducibility rules:

* The seed feeds a :class:`numpy.random.SeedSequence`. Paths are cut into
  fixed blocks of :data:`BLOCK_PATHS`; block ``b`` draws price shocks from the
  stream ``SeedSequence(seed, spawn_key=(b, 0))`` and network shocks from
  ``(b, 1)``. Results are therefore bit-identical whatever the number of
  worker threads, and the first ``n`` paths of a bigger run equal a run of
  ``n`` paths.
* Market draws depend only on the seed and the market section, so two
  scenarios that differ only in policy see identical price and hashrate paths
  (common random numbers): differences come from the policy, not from luck.
* Memory is bounded by the block for the day loop; what grows with the path
  count is only the state kept at the output days (float32).

References
----------
.. [1] NumPy, "Parallel random number generation" (SeedSequence spawning).
.. [2] P. Glasserman, Monte Carlo Methods in Financial Engineering (2003),
   s. 4.2 on common random numbers.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.engine import kernel as k
from simulator.engine.market import (
    BLOCK_PATHS,
    MarketData,
    market_block,
    market_block_fx,
    prepare_market,
)
from simulator.engine.schedule import build_schedule
from simulator.inputs.scenario import ResolvedScenario, ScenarioError
from simulator.inputs.schema import Scenario
from simulator.model.chain import initial_epoch
from simulator.model.units import DAYS_PER_YEAR, day_index

__all__ = [
    "BLOCK_PATHS",
    "FX_VAR",
    "LCU_VAR",
    "Plan",
    "plan",
    "market_block",
    "compute_block",
    "block_slice",
    "n_blocks",
    "simulate_arrays",
    "output_days",
]


#: Name of the exchange-rate variable and final [LCU/USD], and of a reserve's value in it [LCU].
FX_VAR, LCU_VAR = "fx_lcu_per_usd", "value_lcu"


def output_days(start: dt.date, n_days: int, freq: str) -> np.ndarray:
    """Indices of the days whose state is recorded (always includes the last).

    Day ``t`` ends on ``start + t + 1`` days. ``D`` records every day, ``W``
    every 7th day counted back from the horizon, ``M`` each month's last day.
    """
    if freq == "D":
        return np.arange(n_days)
    if freq == "W":
        return np.arange(n_days - 1, -1, -7)[::-1].copy()
    dates = pd.date_range(start + dt.timedelta(days=1), periods=n_days, freq="D")
    month_end = np.flatnonzero(dates.is_month_end)
    return np.union1d(month_end, [n_days - 1]).astype(np.int64)


@dataclass(frozen=True)
class Plan:
    """Everything deterministic about a run: calendar, schedules, names."""

    n_days: int
    dates: pd.DatetimeIndex
    out_days: np.ndarray
    freq: str
    chain: k.Chain
    fees: np.ndarray
    own_ths: np.ndarray
    energy: np.ndarray
    opex: np.ndarray
    capex: np.ndarray
    depreciation: np.ndarray
    fleet: k.Fleet
    reserves: k.Reserves
    shock_days: np.ndarray
    shock_changes: np.ndarray
    variables: list[tuple[str, str]]
    finals: list[tuple[str, str]]
    market: MarketData
    kernel_variables: int  # the first rows of ``variables``: the kernel's; the rest derived
    kernel_finals: int  # likewise of ``finals``

    def kernel_inputs(
        self, price: np.ndarray, rest_ehs: np.ndarray, start_usd: float
    ) -> tuple[k.MarketBlock, k.Chain, k.Fleet, k.Reserves, np.ndarray]:
        """Arguments of :func:`kernel.run_block` before ``out`` and ``final``."""
        market = k.MarketBlock(price, rest_ehs, float(start_usd))
        return market, self.chain, self.fleet, self.reserves, self.out_days


def _span(start: dt.date, n_days: int, first: dt.date | None, last: dt.date | None) -> slice:
    """Simulated days [day index] of a purchase window ``[first, last]``.

    A window is a state that holds from ``first`` on: the part of it on or
    before the start is in the past, so it buys from day 0, and a window that
    ended before the start buys nothing (one-off events, by contrast, must
    fall after the start: :func:`_day`).
    """
    a = 0 if first is None else max(day_index(start, first), 0)
    b = n_days if last is None else min(day_index(start, last) + 1, n_days)
    return slice(a, max(a, b))


def _day(start: dt.date, when: dt.date, file: str, where: str) -> int:
    """Day index of a one-off event (a sale, a shock); raise if it is not after ``start``.

    :func:`simulator.inputs.scenario.load_scenario` already refuses such a date
    (an event on or before the start is in the starting state); this guards
    models built without it.
    """
    t = day_index(start, when)
    if t < 0:
        raise ScenarioError(file, where, f"is not after the start date {start} (got {when})")
    return t


def _fleet(model: Scenario, stack: Callable[[str], np.ndarray], own_ths: np.ndarray) -> k.Fleet:
    """The mining operations' schedules ``(M, T)`` and parameters ``(M,)`` for the kernel."""
    ops = model.mining
    floats = lambda values: np.array(values, dtype=np.float64)  # noqa: E731
    reserves = [r.name for r in model.reserve]
    disposal = {"hold": k.HOLD, "sell_all": k.SELL_ALL, "sell_to_cover": k.SELL_TO_COVER}
    return k.Fleet(
        own_ths=own_ths,
        energy=stack("energy_usd"),
        opex=stack("opex_usd"),
        pool_fee=floats([op.pool_fee for op in ops]),
        adds=np.array([op.adds_to_network for op in ops], dtype=np.bool_),
        disposal=np.array([disposal[op.disposal] for op in ops], dtype=np.int64),
        reserve=np.array(
            [reserves.index(op.reserve) if op.reserve else -1 for op in ops], dtype=np.int64
        ),
        shutdown=np.array([op.shutdown_when_unprofitable for op in ops], dtype=np.bool_),
        mwh=stack("energy_mwh"),
        tariff=floats([op.electricity_usd_per_kwh for op in ops]),
        cost_reflective=floats([op.cost_reflective for op in ops]),
        depreciation=stack("depreciation_usd"),
    )


def _reserves(model: Scenario, file: str, n_days: int) -> k.Reserves:
    """The reserves' initial state, purchase programmes, sales and sell rules for the kernel."""
    start = model.scenario.start_date
    prog_reserve, prog_btc, prog_usd, prog_budget = [], [], [], []
    sale_btc = np.zeros((len(model.reserve), n_days))
    rules: list[tuple[int, float, float, int]] = []
    for r, res in enumerate(model.reserve):
        for purchase in res.purchases:
            btc, usd = np.zeros(n_days), np.zeros(n_days)
            span = _span(start, n_days, purchase.start_date, purchase.end_date)
            if purchase.btc_per_day is not None:
                btc[span] = purchase.btc_per_day
            else:
                usd[span] = (purchase.usd_per_month or 0.0) * 12 / DAYS_PER_YEAR
            prog_reserve.append(r)
            prog_btc.append(btc)
            prog_usd.append(usd)
            prog_budget.append(purchase.budget_usd if purchase.budget_usd else np.inf)
        for i, sale in enumerate(res.sales):
            t = _day(start, sale.date, file, f"reserve.{res.name}.sales.{i}.date")
            if t < n_days:
                sale_btc[r, t] += sale.btc
        for rule in res.sell_rules:
            rules.append((r, rule.above_price_usd, rule.fraction, rule.min_days_between))
    n_prog = len(prog_reserve)
    return k.Reserves(
        hold0=np.array([r.holdings_btc for r in model.reserve], dtype=np.float64),
        basis0=np.array([r.cost_basis_usd for r in model.reserve], dtype=np.float64),
        prog_reserve=np.array(prog_reserve, dtype=np.int64),
        prog_btc=np.array(prog_btc, dtype=np.float64).reshape(n_prog, n_days),
        prog_usd=np.array(prog_usd, dtype=np.float64).reshape(n_prog, n_days),
        prog_budget=np.array(prog_budget, dtype=np.float64),
        sale_btc=sale_btc,
        rule_reserve=np.array([q[0] for q in rules], dtype=np.int64),
        rule_above=np.array([q[1] for q in rules], dtype=np.float64),
        rule_fraction=np.array([q[2] for q in rules], dtype=np.float64),
        rule_gap=np.array([q[3] for q in rules], dtype=np.int64),
    )


def _shocks(model: Scenario, file: str, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Days [day index] and relative changes [-] of the price shocks inside the horizon."""
    start = model.scenario.start_date
    days, changes = [], []
    for i, shock in enumerate(model.market.price.shocks):
        t = _day(start, shock.date, file, f"market.price.shocks.{i}.date")
        if t < n_days:
            days.append(t)
            changes.append(shock.change)
    return np.array(days, dtype=np.int64), np.array(changes, dtype=np.float64)


def plan(model: Scenario, file: str = "", freq: str | None = None) -> Plan:
    """Turn a validated scenario into the arrays the kernel needs.

    Raises
    ------
    ScenarioError
        For dated inputs that fall before the start date.
    """
    meta = model.scenario
    start = meta.start_date
    n_days = max(int(round(meta.horizon_years * DAYS_PER_YEAR)), 1)
    dates = pd.date_range(start + dt.timedelta(days=1), periods=n_days, freq="D")
    use = freq or meta.freq
    if use == "auto":
        use = "D" if meta.horizon_years <= 2 else "M"
    epoch, epoch_day = initial_epoch(model.chain.start_height, model.chain.epoch_elapsed_days)
    years = np.arange(1, n_days + 1) / DAYS_PER_YEAR
    fees = model.chain.fees_btc_per_block * (1 + model.chain.fees_growth_per_year) ** years
    fees = np.ascontiguousarray(fees, dtype=np.float64)

    ops = model.mining
    reserves = [r.name for r in model.reserve]
    schedules = [build_schedule(op, start, n_days) for op in ops]
    stack = lambda attr: np.array([getattr(s, attr) for s in schedules]).reshape(len(ops), n_days)  # noqa: E731
    own_ths, energy, opex = stack("own_ths"), stack("energy_usd"), stack("opex_usd")
    reserve_inputs = _reserves(model, file, n_days)
    shock_days, shock_changes = _shocks(model, file, n_days)

    variables = [("market", v) for v in k.MARKET_VARS]
    variables += [(op.name, v) for op in ops for v in k.MINING_VARS]
    variables += [(name, v) for name in reserves for v in k.RESERVE_VARS]
    finals = [(op.name, v) for op in ops for v in k.MINING_FINALS]
    finals += [(name, v) for name in reserves for v in k.RESERVE_FINALS]
    # after the kernel's own rows, filled by compute_block: the exchange rate and the
    # reserves valued in it
    kernel_variables, kernel_finals = len(variables), len(finals)
    if model.market.fx is not None:
        local = [(r.name, LCU_VAR) for r in model.reserve if r.currency != "USD"]
        variables += [("market", FX_VAR), *local]
        finals += [("market", FX_VAR), *local]
    return Plan(
        n_days=n_days,
        dates=dates,
        out_days=output_days(start, n_days, use),
        freq=use,
        chain=k.Chain(
            position=float(model.chain.start_height + 1),
            difficulty=float(model.chain.start_difficulty),
            epoch_start=float(epoch),
            epoch_start_day=float(epoch_day),
            fees=fees,
        ),
        fees=fees,
        own_ths=own_ths,
        energy=energy,
        opex=opex,
        capex=stack("capex_usd"),
        depreciation=stack("depreciation_usd"),
        fleet=_fleet(model, stack, own_ths),
        reserves=reserve_inputs,
        shock_days=shock_days,
        shock_changes=shock_changes,
        variables=variables,
        finals=finals,
        market=prepare_market(model, file, n_days, fees),
        kernel_variables=kernel_variables,
        kernel_finals=kernel_finals,
    )


def block_slice(n_paths: int, block: int) -> slice:
    """Paths of block ``block`` in a run of ``n_paths`` paths (the last block may be short)."""
    lo = block * BLOCK_PATHS
    return slice(lo, min(lo + BLOCK_PATHS, n_paths))


def n_blocks(n_paths: int) -> int:
    """Number of path blocks of :data:`BLOCK_PATHS` in a run of ``n_paths`` paths."""
    return -(-n_paths // BLOCK_PATHS)


def compute_block(model: Scenario, plan_: Plan, block: int) -> tuple[np.ndarray, np.ndarray]:
    """Run one block of paths.

    Depends only on ``(model, plan_, block)``: the seed and block index fix
    its random streams, so any process computing it gets the same bits.

    Parameters
    ----------
    model : Scenario
        The validated scenario (seed, paths, market section).
    plan_ : Plan
        From :func:`plan` for the same model.
    block : int
        Block index, ``0 <= block < n_blocks(paths)``.

    Returns
    -------
    out : numpy.ndarray
        ``(V, n_out, n)`` float32 recorded state of the block's ``n`` paths.
    final : numpy.ndarray
        ``(F, n)`` float64 horizon values.
    """
    p = plan_
    span = block_slice(model.scenario.paths, block)
    n = span.stop - span.start
    price, rest, fx = market_block_fx(
        model, p.market, model.scenario.seed, block, n, p.n_days, p.shock_days, p.shock_changes
    )
    out = np.empty((len(p.variables), len(p.out_days), n), dtype=np.float32)
    final = np.empty((len(p.finals), n))
    k.run_block(*p.kernel_inputs(price, rest, model.market.price.start_usd), out, final)
    if fx is not None:
        _local_currency(model, p, fx, out, final)
    return out, final


def _local_currency(
    model: Scenario, p: Plan, fx: np.ndarray, out: np.ndarray, final: np.ndarray
) -> None:
    """Fill the exchange rate [LCU/USD] and each reserve's value in it [LCU] (after the kernel)."""
    rows = {key: i for i, key in enumerate(p.variables)}
    ends = {key: i for i, key in enumerate(p.finals)}
    rate = fx[:, p.out_days].T  # (n_out, n)
    out[rows[("market", FX_VAR)]] = rate
    final[ends[("market", FX_VAR)]] = fx[:, -1]
    for res in (r for r in model.reserve if r.currency != "USD"):
        value = out[rows[(res.name, "value_usd")]].astype(np.float64)
        out[rows[(res.name, LCU_VAR)]] = value * rate
        final[ends[(res.name, LCU_VAR)]] = final[ends[(res.name, "value_usd")]] * fx[:, -1]


def simulate_arrays(
    scenario: ResolvedScenario,
    plan_: Plan,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run every path block in threads; return ``out (V, n_out, paths)`` and ``final (F, paths)``.

    The in-process path of one scenario; :func:`simulator.results.simulate.simulate_many`
    runs many scenarios on any backend with the same blocks.
    """
    model = scenario.model
    n_paths = model.scenario.paths
    p = plan_
    out = np.empty((len(p.variables), len(p.out_days), n_paths), dtype=np.float32)
    final = np.empty((len(p.finals), n_paths))
    count = n_blocks(n_paths)

    def run(block: int) -> int:
        span = block_slice(n_paths, block)
        out[:, :, span], final[:, span] = compute_block(model, p, block)
        return span.stop - span.start

    n_workers = max(1, min(workers or min(2, os.cpu_count() or 1), count))
    if n_workers == 1:
        for b in range(count):
            done = run(b)
            if progress:
                progress(done)
    else:
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            for done in pool.map(run, range(count)):
                if progress:
                    progress(done)
    return out, final
