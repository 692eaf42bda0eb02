"""Readable numpy reference of the fused day loop :func:`simulator.engine.kernel.run_block`.

The same step as the compiled kernel, written with one array operation per
variable per day over all paths of a block, and a Python loop over days. It
uses the plain formula functions of :mod:`simulator.model.mining` on arrays,
:func:`simulator.model.chain.chain_day_numpy` for the chain, and the protocol's era
tables for the subsidy. It favours clarity over speed; the tests run both
implementations on the same inputs and check that they agree.

The order of the floating-point operations follows the kernel, so the two
agree to rounding, and decisions taken on thresholds (economic shutdown,
budget caps, sell rules) come out the same.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simulator.engine.kernel import MINING_FINALS, RESERVE_FINALS, SELL_ALL, SELL_TO_COVER
from simulator.model.chain import BLOCKS_PER_EHS_DAY, chain_day_numpy
from simulator.model.mining import btc_mined_per_day, hashprice_usd_per_ph_day, network_share
from simulator.model.protocol import (
    ERA_START_ISSUED_SAT,
    ERA_SUBSIDY_SAT,
    HALVING_INTERVAL,
    MAX_HALVINGS,
    SAT_PER_BTC,
)

__all__ = ["subsidy_btc", "cumulative_btc", "run_block_numpy"]

FloatArray = npt.NDArray[np.float64]
_ERA_START_BTC = ERA_START_ISSUED_SAT.astype(np.float64) / SAT_PER_BTC
_ERA_SUBSIDY_BTC = ERA_SUBSIDY_SAT.astype(np.float64) / SAT_PER_BTC
#: Row of each final metric in the per-operation and per-reserve tables.
_M = {name: i for i, name in enumerate(MINING_FINALS)}
_R = {name: i for i, name in enumerate(RESERVE_FINALS)}


def _era(position: FloatArray) -> npt.NDArray[np.int64]:
    """Subsidy era of each chain position, capped at the last (zero-subsidy) era."""
    return np.minimum(position // HALVING_INTERVAL, MAX_HALVINGS).astype(np.int64)


def subsidy_btc(position: FloatArray) -> FloatArray:
    """Subsidy of the next block at each fractional chain position [BTC]."""
    return _ERA_SUBSIDY_BTC[_era(position)]


def cumulative_btc(position: FloatArray) -> FloatArray:
    """Subsidy issued below each fractional chain position [BTC], closed form per era."""
    era = _era(position)
    return _ERA_START_BTC[era] + (position - era * HALVING_INTERVAL) * _ERA_SUBSIDY_BTC[era]


def _ratio(
    num: FloatArray, den: FloatArray, where: npt.NDArray[np.bool_], other: float
) -> FloatArray:
    """``num / den`` where ``where`` holds, ``other`` elsewhere (no division warnings)."""
    return np.where(where, num / np.where(where, den, 1.0), other)


def run_block_numpy(
    price: FloatArray,
    rest_ehs: FloatArray,
    start_price: float,
    chain0: FloatArray,
    fees: FloatArray,
    own_ths: FloatArray,
    energy: FloatArray,
    opex: FloatArray,
    mine_par: FloatArray,
    hold0: FloatArray,
    basis0: FloatArray,
    prog_reserve: npt.NDArray[np.int64],
    prog_btc: FloatArray,
    prog_usd: FloatArray,
    prog_budget: FloatArray,
    sale_btc: FloatArray,
    rule_par: FloatArray,
    out_days: npt.NDArray[np.int64],
    out: npt.NDArray[np.float32],
    final: FloatArray,
) -> None:
    """Run a block of paths through all days, vectorised over paths.

    Parameters
    ----------
    price, rest_ehs : ndarray (n, T)
        BTC price [USD] and hashrate of the rest of the network [EH/s] per day.
    start_price : float
        Price at the start date [USD], for the initial value of reserves.
    chain0 : ndarray (4,)
        Start position [blocks], difficulty, epoch start [blocks], epoch start day.
    fees : ndarray (T,)
        Fees per block [BTC/block].
    own_ths, energy, opex : ndarray (M, T)
        Fleet hashrate [TH/s], energy cost [USD/day], other opex [USD/day].
    mine_par : ndarray (M, 5)
        Pool fee, adds-to-network flag, disposal code, reserve index (-1 none),
        shutdown flag.
    hold0, basis0 : ndarray (R,)
        Initial holdings [BTC] and cost basis [USD].
    prog_reserve : ndarray (K,) int
        Reserve of each purchase programme.
    prog_btc, prog_usd : ndarray (K, T)
        BTC [BTC/day] or USD [USD/day] each programme buys per day.
    prog_budget : ndarray (K,)
        Total USD cap per programme (inf: none).
    sale_btc : ndarray (R, T)
        Scheduled sales [BTC/day].
    rule_par : ndarray (Q, 4)
        Reserve index, price threshold [USD], fraction, minimum days between sales.
    out_days : ndarray (n_out,) int
        Days whose state is recorded, ascending.
    out : ndarray (V, n_out, n) float32
        Recorded variables (written), layout as :func:`simulator.engine.kernel.run_block`.
    final : ndarray (F, n)
        Final per-path metrics (written), layout as :func:`simulator.engine.kernel.run_block`.
    """
    n, n_days = price.shape
    n_ops, n_res = own_ths.shape[0], hold0.shape[0]
    pos, dif, ep, ep_day = (np.full(n, float(x)) for x in chain0)
    hold = np.repeat(hold0[:, None].astype(np.float64), n, axis=1)  # (R, n) [BTC]
    basis = np.repeat(basis0[:, None].astype(np.float64), n, axis=1)  # (R, n) [USD]
    peak = hold * start_price  # highest value so far [USD]
    fr = np.zeros((n_res, len(RESERVE_FINALS), n))
    fm = np.zeros((n_ops, len(MINING_FINALS), n))
    budget = np.repeat(prog_budget[:, None].astype(np.float64), n, axis=1)
    last_rule = np.full((rule_par.shape[0], n), -1e18)
    running = np.zeros((n_ops, n), dtype=bool)
    day_btc = np.zeros((n_ops, n))
    day_cash = np.zeros((n_ops, n))
    k_out = 0
    for t in range(n_days):
        px, rest = price[:, t], rest_ehs[:, t]
        reward = subsidy_btc(pos) + fees[t]  # [BTC/block] at the start of the day
        total = rest.copy()
        # Which fleets run today, and the network hashrate they make up.
        for m in range(n_ops):
            pool_fee, adds, _, _, shutdown = mine_par[m]
            own = own_ths[m, t] * 1e-6  # [EH/s]
            running[m] = own > 0.0
            if own > 0.0 and shutdown > 0.5:
                trial = rest + own if adds > 0.5 else rest
                est = own / trial * BLOCKS_PER_EHS_DAY * trial / dif * reward
                running[m] &= ~(est * (1.0 - pool_fee) * px < energy[m, t])
            if adds > 0.5:
                total += np.where(running[m], own, 0.0)
        # Chain: blocks found, retargets, and what the day issued.
        before = pos.copy()
        found = chain_day_numpy(pos, dif, ep, ep_day, float(t), total)
        issued = cumulative_btc(pos) - cumulative_btc(before) + found * fees[t]
        # Mining: BTC earned, disposal, and the kept BTC into the reserve.
        for m in range(n_ops):
            pool_fee, _, code, r, _ = mine_par[m]
            own = np.where(running[m], own_ths[m, t] * 1e-6, 0.0)
            share = network_share(own, total)
            btc = np.asarray(btc_mined_per_day(share, issued, pool_fee))
            spent_energy = np.where(running[m], energy[m, t], 0.0)
            cash = opex[m, t] + spent_energy
            sold: np.ndarray = np.zeros(n)
            if code == SELL_ALL:
                sold = btc
            elif code == SELL_TO_COVER:
                sold = np.minimum(btc, cash / px)
            paid = np.maximum(cash - sold * px, 0.0)
            if r >= 0 and code != SELL_ALL:
                hold[int(r)] += btc - sold
                basis[int(r)] += paid
            f = fm[m]
            f[_M["btc_mined_btc"]] += btc
            f[_M["revenue_usd"]] += btc * px
            f[_M["energy_cost_usd"]] += spent_energy
            f[_M["other_opex_usd"]] += opex[m, t]
            f[_M["btc_sold_btc"]] += sold
            f[_M["btc_kept_btc"]] += btc - sold
            f[_M["uncovered_cash_usd"]] += paid
            f[_M["days_running"]] += running[m]
            f[_M["mean_network_share"]] += share
            day_btc[m], day_cash[m] = btc, cash
        # Purchases, capped by each programme's remaining budget.
        for k, r in enumerate(prog_reserve):
            if prog_btc[k, t] > 0.0:
                btc = np.full(n, prog_btc[k, t])
                usd = btc * px
            else:
                usd = np.full(n, prog_usd[k, t])
                btc = usd / px
            over = usd > budget[k]
            cap = np.where(over, budget[k], 0.0)  # inf budgets never enter the product
            btc = np.where(over, _ratio(btc * cap, usd, over & (usd > 0.0), 0.0), btc)
            usd = np.where(over, budget[k], usd)
            budget[k] -= usd
            hold[r] += btc
            basis[r] += usd
            fr[r, _R["btc_bought_btc"]] += btc
            fr[r, _R["usd_spent_usd"]] += usd
        # Scheduled sales, capped at holdings; the basis falls pro rata.
        for r in range(n_res):
            sell = np.minimum(sale_btc[r, t], hold[r])
            now = sell > 0.0
            basis[r] -= np.where(now, _ratio(basis[r] * sell, hold[r], now, 0.0), 0.0)
            hold[r] -= np.where(now, sell, 0.0)
            fr[r, _R["btc_sold_btc"]] += np.where(now, sell, 0.0)
            fr[r, _R["usd_received_usd"]] += np.where(now, sell * px, 0.0)
        # Sell rules: a fraction of holdings above a price, at most every so many days.
        for q, (r_, above, fraction, gap) in enumerate(rule_par):
            r = int(r_)
            now = (px > above) & (t - last_rule[q] >= gap) & (hold[r] > 0)
            sell = fraction * hold[r]
            basis[r] -= np.where(now, basis[r] * fraction, 0.0)
            hold[r] -= np.where(now, sell, 0.0)
            fr[r, _R["btc_sold_btc"]] += np.where(now, sell, 0.0)
            fr[r, _R["usd_received_usd"]] += np.where(now, sell * px, 0.0)
            last_rule[q] = np.where(now, t, last_rule[q])
        # Drawdown of each reserve's value from its running peak.
        for r in range(n_res):
            value = hold[r] * px
            up = value > peak[r]
            down = ~up & (peak[r] > 0.0)
            drawdown = 1.0 - _ratio(value, peak[r], down, 0.0)
            dd = fr[r, _R["max_drawdown"]]
            fr[r, _R["max_drawdown"]] = np.where(down, np.maximum(dd, drawdown), dd)
            peak[r] = np.where(up, value, peak[r])
        if k_out < len(out_days) and out_days[k_out] == t:
            out[0:3, k_out] = px, total, dif
            for m in range(n_ops):
                b = 3 + 6 * m
                own = np.where(running[m], own_ths[m, t] * 1e-6, 0.0)
                out[b, k_out] = day_btc[m]
                out[b + 1, k_out] = fm[m, _M["btc_mined_btc"]]
                out[b + 2, k_out] = network_share(own, total)
                out[b + 3, k_out] = hashprice_usd_per_ph_day(dif, subsidy_btc(pos) + fees[t], px)
                out[b + 4, k_out] = _ratio(day_cash[m], day_btc[m], day_btc[m] > 0, np.inf)
                out[b + 5, k_out] = (
                    fm[m, _M["revenue_usd"]]
                    - fm[m, _M["energy_cost_usd"]]
                    - fm[m, _M["other_opex_usd"]]
                )
            for r in range(n_res):
                b = 3 + 6 * n_ops + 4 * r
                out[b : b + 4, k_out] = hold[r], hold[r] * px, basis[r], hold[r] * px < basis[r]
            k_out += 1
    fm[:, _M["mean_network_share"]] /= n_days
    fr[:, _R["holdings_btc"]] = hold
    fr[:, _R["value_usd"]] = hold * price[:, n_days - 1]
    fr[:, _R["cost_basis_usd"]] = basis
    final[:] = np.concatenate([fm.reshape(-1, n), fr.reshape(-1, n)])
