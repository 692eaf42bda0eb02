"""Readable numpy reference of the fused day loop :func:`simulator.engine.kernel.run_block`.

The same step as the compiled kernel, written with one array operation per
variable per day over all paths of a block, and a Python loop over days. It
uses the plain formula functions of :mod:`simulator.model.mining` on arrays,
:func:`simulator.model.chain.chain_day_numpy` for the chain, the protocol's era
tables for the subsidy, and the reserve step functions of
:mod:`simulator.model.reserve` mapped over the paths (``numpy.vectorize``), so
the accounting rules are the kernel's own. It favours clarity over speed; the
tests run both implementations on the same inputs and check that they agree.

The order of the floating-point operations follows the kernel, so the two
agree to rounding, and decisions taken on thresholds (economic shutdown,
budget caps, sell rules) come out the same.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simulator.engine.kernel import (
    MINING_FINALS,
    MINING_VARS,
    RESERVE_FINALS,
    RESERVE_VARS,
    SELL_ALL,
    Chain,
    Fleet,
    MarketBlock,
    Reserves,
)
from simulator.model import reserve as rsv
from simulator.model.chain import chain_day_numpy
from simulator.model.ledger import state_net_usd, subsidy_cost_usd
from simulator.model.mining import (
    btc_mined_per_day,
    expected_revenue_usd_per_day,
    hashprice_usd_per_ph_day,
    network_share,
)
from simulator.model.protocol import (
    ERA_START_ISSUED_BTC,
    ERA_SUBSIDY_BTC,
    HALVING_INTERVAL,
    MAX_HALVINGS,
)

__all__ = ["subsidy_btc", "cumulative_btc", "run_block_numpy"]

FloatArray = npt.NDArray[np.float64]
#: Row of each final metric in the per-operation and per-reserve tables.
_M = {name: i for i, name in enumerate(MINING_FINALS)}
_R = {name: i for i, name in enumerate(RESERVE_FINALS)}
# The reserve step functions of :mod:`simulator.model.reserve`, mapped over the paths.
_dispose = np.vectorize(rsv.dispose_mined, otypes=[np.float64, np.float64])
_purchase = np.vectorize(rsv.purchase, otypes=[np.float64, np.float64])
_sale = np.vectorize(rsv.scheduled_sale, otypes=[np.float64, np.float64, np.float64])
_due = np.vectorize(rsv.sell_rule_due, otypes=[np.bool_])
_sell_fraction = np.vectorize(rsv.sell_fraction, otypes=[np.float64, np.float64, np.float64])
_drawdown = np.vectorize(
    rsv.update_flow_neutral_drawdown, otypes=[np.float64, np.float64, np.float64]
)
_below_cost = np.vectorize(rsv.below_cost, otypes=[np.bool_])


def _era(position: FloatArray) -> npt.NDArray[np.int64]:
    """Subsidy era of each chain position, capped at the last (zero-subsidy) era."""
    return np.minimum(position // HALVING_INTERVAL, MAX_HALVINGS).astype(np.int64)


def subsidy_btc(position: FloatArray) -> FloatArray:
    """Subsidy of the next block at each fractional chain position [BTC]."""
    return ERA_SUBSIDY_BTC[_era(position)]


def cumulative_btc(position: FloatArray) -> FloatArray:
    """Subsidy issued below each fractional chain position [BTC], closed form per era."""
    era = _era(position)
    return ERA_START_ISSUED_BTC[era] + (position - era * HALVING_INTERVAL) * ERA_SUBSIDY_BTC[era]


def _ratio(
    num: FloatArray, den: FloatArray, where: npt.NDArray[np.bool_], other: float
) -> FloatArray:
    """``num / den`` where ``where`` holds, ``other`` elsewhere (no division warnings)."""
    return np.where(where, num / np.where(where, den, 1.0), other)


def run_block_numpy(
    market: MarketBlock,
    chain: Chain,
    fleet: Fleet,
    reserves: Reserves,
    out_days: npt.NDArray[np.int64],
    out: npt.NDArray[np.float32],
    final: FloatArray,
) -> None:
    """Run a block of paths through all days, vectorised over paths.

    Parameters and layouts as :func:`simulator.engine.kernel.run_block`: the
    market block, chain start, fleet and reserves (named tuples of arrays),
    the output days, and ``out (V, n_out, n)`` float32 and ``final (F, n)``,
    both written.
    """
    price, rest_ehs, fees, res = market.price, market.rest_ehs, chain.fees, reserves
    n, n_days = price.shape
    n_ops, n_res = fleet.own_ths.shape[0], res.hold0.shape[0]
    pos, dif, ep, ep_day = (np.full(n, float(x)) for x in chain[:4])
    hold = np.repeat(res.hold0[:, None].astype(np.float64), n, axis=1)  # (R, n) [BTC]
    basis = np.repeat(res.basis0[:, None].astype(np.float64), n, axis=1)  # (R, n) [USD]
    index, peak = np.ones((n_res, n)), np.ones((n_res, n))  # flow-neutral index, its peak
    previous = hold * market.start_price  # each reserve's position the day before [USD]
    fr = np.zeros((n_res, len(RESERVE_FINALS), n))
    fm = np.zeros((n_ops, len(MINING_FINALS), n))
    budget = np.repeat(res.prog_budget[:, None].astype(np.float64), n, axis=1)
    last_rule = np.full((res.rule_reserve.shape[0], n), rsv.NEVER_SOLD_DAY, dtype=np.int64)
    running = np.zeros((n_ops, n), dtype=bool)
    day_btc = np.zeros((n_ops, n))
    day_cash = np.zeros((n_ops, n))
    k_out = 0
    for t in range(n_days):
        px, rest = price[:, t], rest_ehs[:, t]
        reward = subsidy_btc(pos) + fees[t]  # [BTC/block] at the start of the day
        total = rest.copy()
        inflow = np.zeros((n_res, n))  # purchases and mined BTC kept today [USD]
        # Which fleets run today, and the network hashrate they make up.
        for m in range(n_ops):
            pool_fee = fleet.pool_fee[m]
            own = fleet.own_ths[m, t] * 1e-6  # [EH/s]
            running[m] = own > 0.0
            if own > 0.0 and fleet.shutdown[m]:
                revenue = expected_revenue_usd_per_day(own, dif, reward, pool_fee, px)
                running[m] &= ~(revenue < fleet.energy[m, t])
            if fleet.adds[m]:
                total += np.where(running[m], own, 0.0)
        # Chain: blocks found, retargets, and what the day issued.
        before = pos.copy()
        found = chain_day_numpy(pos, dif, ep, ep_day, float(t), total)
        issued = cumulative_btc(pos) - cumulative_btc(before) + found * fees[t]
        # Mining: BTC earned, disposal, and the kept BTC into the reserve.
        for m in range(n_ops):
            code, r = int(fleet.disposal[m]), int(fleet.reserve[m])
            own = np.where(running[m], fleet.own_ths[m, t] * 1e-6, 0.0)
            share = network_share(own, total)
            btc = np.asarray(btc_mined_per_day(share, issued, fleet.pool_fee[m]))
            spent_energy = np.where(running[m], fleet.energy[m, t], 0.0)
            cash = fleet.opex[m, t] + spent_energy
            sold, paid = _dispose(btc, cash, px, code)
            if r >= 0 and code != SELL_ALL:
                hold[r] += btc - sold
                basis[r] += paid
                inflow[r] += (btc - sold) * px
            f = fm[m]
            f[_M["btc_mined_btc"]] += btc
            f[_M["revenue_usd"]] += btc * px
            f[_M["energy_cost_usd"]] += spent_energy
            f[_M["other_opex_usd"]] += fleet.opex[m, t]
            f[_M["btc_sold_btc"]] += sold
            f[_M["btc_kept_btc"]] += btc - sold
            f[_M["uncovered_cash_usd"]] += paid
            f[_M["days_running"]] += running[m]
            f[_M["mean_network_share"]] += share
            f[_M["energy_mwh"]] += np.where(running[m], fleet.mwh[m, t], 0.0)
            f[_M["btc_sold_usd"]] += sold * px
            f[_M["depreciation_usd"]] += fleet.depreciation[m, t]
            day_btc[m], day_cash[m] = btc, cash
        # Purchases, capped by each programme's remaining budget.
        for k, r in enumerate(res.prog_reserve):
            btc, usd = _purchase(res.prog_btc[k, t], res.prog_usd[k, t], px, budget[k])
            budget[k] -= usd
            hold[r] += btc
            basis[r] += usd
            fr[r, _R["btc_bought_btc"]] += btc
            fr[r, _R["usd_spent_usd"]] += usd
            inflow[r] += usd
        # Scheduled sales, capped at holdings; the basis falls pro rata.
        for r in range(n_res):
            hold[r], basis[r], sell = _sale(hold[r], basis[r], res.sale_btc[r, t])
            now = sell > 0.0
            fr[r, _R["btc_sold_btc"]] += np.where(now, sell, 0.0)
            fr[r, _R["usd_received_usd"]] += np.where(now, sell * px, 0.0)
        # Sell rules: a fraction of holdings above a price, at most every so many days.
        for q, r in enumerate(res.rule_reserve):
            now = _due(px, res.rule_above[q], t, last_rule[q], res.rule_gap[q], hold[r])
            h, b, sell = _sell_fraction(hold[r], basis[r], res.rule_fraction[q])
            hold[r], basis[r] = np.where(now, h, hold[r]), np.where(now, b, basis[r])
            fr[r, _R["btc_sold_btc"]] += np.where(now, sell, 0.0)
            fr[r, _R["usd_received_usd"]] += np.where(now, sell * px, 0.0)
            last_rule[q] = np.where(now, t, last_rule[q])
        # Drawdown of each reserve's flow-neutral position index from its running peak.
        for r in range(n_res):
            dd = _R["max_drawdown"]
            position = hold[r] * px + fr[r, _R["usd_received_usd"]]
            index[r], peak[r], fr[r, dd] = _drawdown(
                position, inflow[r], previous[r], index[r], peak[r], fr[r, dd]
            )
            previous[r] = position
        if k_out < len(out_days) and out_days[k_out] == t:
            out[0:3, k_out] = px, total, dif
            for m in range(n_ops):
                b = 3 + len(MINING_VARS) * m
                own = np.where(running[m], fleet.own_ths[m, t] * 1e-6, 0.0)
                out[b, k_out] = day_btc[m]
                out[b + 1, k_out] = fm[m, _M["btc_mined_btc"]]
                out[b + 2, k_out] = network_share(own, total)
                out[b + 3, k_out] = hashprice_usd_per_ph_day(dif, subsidy_btc(pos) + fees[t], px)
                out[b + 4, k_out] = _ratio(day_cash[m], day_btc[m], day_btc[m] > 0, np.inf)
                f = fm[m]
                out[b + 5, k_out] = (
                    f[_M["revenue_usd"]] - f[_M["energy_cost_usd"]] - f[_M["other_opex_usd"]]
                )
                out[b + 6, k_out] = f[_M["energy_mwh"]]
                subsidy = subsidy_cost_usd(
                    f[_M["energy_mwh"]], fleet.cost_reflective[m], fleet.tariff[m]
                )
                out[b + 7, k_out] = state_net_usd(
                    f[_M["btc_sold_usd"]], f[_M["btc_kept_btc"]] * px, f[_M["energy_cost_usd"]],
                    f[_M["other_opex_usd"]], subsidy, f[_M["depreciation_usd"]],
                )  # fmt: skip
            for r in range(n_res):
                b = 3 + len(MINING_VARS) * n_ops + len(RESERVE_VARS) * r
                value, below = hold[r] * px, _below_cost(hold[r], basis[r], px)
                out[b : b + 4, k_out] = hold[r], value, basis[r], below
            k_out += 1
    fm[:, _M["mean_network_share"]] /= n_days
    fm[:, _M["breakeven_price_usd"]] = _ratio(day_cash, day_btc, day_btc > 0, np.inf)
    fm[:, _M["kept_value_usd"]] = fm[:, _M["btc_kept_btc"]] * price[:, n_days - 1]
    fr[:, _R["holdings_btc"]] = hold
    fr[:, _R["value_usd"]] = hold * price[:, n_days - 1]
    fr[:, _R["cost_basis_usd"]] = basis
    final[:] = np.concatenate([fm.reshape(-1, n), fr.reshape(-1, n)])
