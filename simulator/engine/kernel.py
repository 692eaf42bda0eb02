"""The fused per-path day loop: chain, mining operations and reserves.

One compiled function runs a block of Monte Carlo paths through every day:
advance the chain by the day's hashrate, credit each mining operation its
share of the issuance, apply its disposal policy, then purchases and sales of
each reserve, and record outputs on the output days. The equations are the
ones of :mod:`simulator.model.chain` and :mod:`simulator.model.mining` (compiled from the
same Python functions); :mod:`simulator.engine.reference` is a readable numpy
implementation of the same step, and the tests check the two agree.

The kernel releases the GIL, so blocks run in parallel threads; each path
only reads its own inputs, so results do not depend on the thread count.

Variable layout of ``out`` (per output day and path): the market variables,
then :data:`MINING_VARS` per operation, then :data:`RESERVE_VARS` per reserve
(``engine.Plan.variables`` names them). ``final`` holds :data:`MINING_FINALS`
per operation, then :data:`RESERVE_FINALS` per reserve (``Plan.finals``).

Policy notes: a fleet with ``shutdown_when_unprofitable`` stops on a day when
its expected revenue is below the day's *energy* cost (other opex is paid
either way, so it does not enter the decision). The cost basis of mined BTC
kept in a reserve is the net cash the state paid that day (cash cost minus
sales proceeds), so a day that sells everything and still runs short raises
the basis without adding BTC: the shortfall is a real cost of that reserve.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulator.model.chain import _ERA_SUBSIDY_BTC, BLOCKS_PER_EHS_DAY, chain_day, cumulative_btc
from simulator.model.mining import btc_mined_per_day, hashprice_usd_per_ph_day, network_share
from simulator.model.protocol import HALVING_INTERVAL, MAX_HALVINGS

__all__ = [
    "MARKET_VARS",
    "MINING_VARS",
    "RESERVE_VARS",
    "MINING_FINALS",
    "RESERVE_FINALS",
    "HOLD",
    "SELL_ALL",
    "SELL_TO_COVER",
    "run_block",
]

MARKET_VARS = ("price_usd", "network_hashrate_ehs", "difficulty")
MINING_VARS = (
    "btc_per_day",
    "btc_mined_btc",
    "network_share",
    "hashprice_usd_per_ph_day",
    "breakeven_price_usd",
    "margin_usd",
)
RESERVE_VARS = ("holdings_btc", "value_usd", "cost_basis_usd", "below_cost")
MINING_FINALS = (
    "btc_mined_btc",
    "revenue_usd",
    "energy_cost_usd",
    "other_opex_usd",
    "btc_sold_btc",
    "btc_kept_btc",
    "uncovered_cash_usd",
    "days_running",
    "mean_network_share",
)
RESERVE_FINALS = (
    "holdings_btc",
    "value_usd",
    "cost_basis_usd",
    "max_drawdown",
    "btc_bought_btc",
    "usd_spent_usd",
    "btc_sold_btc",
    "usd_received_usd",
)
HOLD, SELL_ALL, SELL_TO_COVER = 0, 1, 2
#: Columns of the mining parameter table ``mine_par``.
POOL_FEE, ADDS, DISPOSAL, RESERVE, SHUTDOWN = range(5)

_share = njit(network_share, cache=True, nogil=True)
_mined = njit(btc_mined_per_day, cache=True, nogil=True)
_hashprice = njit(hashprice_usd_per_ph_day, cache=True, nogil=True)


@njit(cache=True, nogil=True)
def _subsidy_btc(position: float) -> float:
    era = int(position / HALVING_INTERVAL)  # positions are >= 0: truncation is floor
    return _ERA_SUBSIDY_BTC[min(era, MAX_HALVINGS)]


@njit(cache=True, nogil=True)
def _next_halving(position: float) -> float:
    return (int(position / HALVING_INTERVAL) + 1) * float(HALVING_INTERVAL)


@njit(cache=True, nogil=True)
def run_block(  # noqa: PLR0913, PLR0915
    price: np.ndarray,
    rest_ehs: np.ndarray,
    start_price: float,
    chain0: np.ndarray,
    fees: np.ndarray,
    own_ths: np.ndarray,
    energy: np.ndarray,
    opex: np.ndarray,
    mine_par: np.ndarray,
    hold0: np.ndarray,
    basis0: np.ndarray,
    prog_reserve: np.ndarray,
    prog_btc: np.ndarray,
    prog_usd: np.ndarray,
    prog_budget: np.ndarray,
    sale_btc: np.ndarray,
    rule_par: np.ndarray,
    out_days: np.ndarray,
    out: np.ndarray,
    final: np.ndarray,
) -> None:
    """Run a block of paths through all days (see the module docstring).

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
        Recorded variables (written).
    final : ndarray (F, n)
        Final per-path metrics (written).
    """
    n_paths, n_days = price.shape
    n_ops = own_ths.shape[0]
    n_res = hold0.shape[0]
    n_prog = prog_reserve.shape[0]
    n_rules = rule_par.shape[0]
    nv_m = 6
    nv_r = 4
    base_r = 3 + nv_m * n_ops
    nf_m = 9
    hold = np.empty(n_res)
    basis = np.empty(n_res)
    peak = np.empty(n_res)
    fr = np.empty((n_res, 8))
    fm = np.empty((n_ops, nf_m))
    budget = np.empty(n_prog)
    last_rule = np.empty(n_rules)
    running = np.empty(n_ops, dtype=np.bool_)
    day_btc = np.empty(n_ops)
    day_cash = np.empty(n_ops)
    for p in range(n_paths):
        pos, dif, ep, ep_day = chain0[0], chain0[1], chain0[2], chain0[3]
        subsidy = _subsidy_btc(pos)
        halving = _next_halving(pos)
        for r in range(n_res):
            hold[r] = hold0[r]
            basis[r] = basis0[r]
            peak[r] = hold0[r] * start_price
            fr[r, :] = 0.0
        fm[:, :] = 0.0
        budget[:] = prog_budget
        last_rule[:] = -1e18
        k_out = 0
        for t in range(n_days):
            px = price[p, t]
            rest = rest_ehs[p, t]
            reward = subsidy + fees[t]
            total = rest
            for m in range(n_ops):
                own = own_ths[m, t] * 1e-6
                running[m] = own > 0.0
                if running[m] and mine_par[m, SHUTDOWN] > 0.5:
                    trial = rest + own if mine_par[m, ADDS] > 0.5 else rest
                    est = own / trial * BLOCKS_PER_EHS_DAY * trial / dif * reward
                    if est * (1.0 - mine_par[m, POOL_FEE]) * px < energy[m, t]:
                        running[m] = False
                if running[m] and mine_par[m, ADDS] > 0.5:
                    total += own
            before = pos
            pos, dif, ep, ep_day, found = chain_day(pos, dif, ep, ep_day, t, total)
            if pos < halving:
                issued = found * (subsidy + fees[t])
            else:  # the day crosses a halving: issue each side at its own subsidy
                issued = cumulative_btc(pos) - cumulative_btc(before) + found * fees[t]
                subsidy = _subsidy_btc(pos)
                halving = _next_halving(pos)
            for m in range(n_ops):
                own = own_ths[m, t] * 1e-6 if running[m] else 0.0
                share = _share(own, total)
                btc = _mined(share, issued, mine_par[m, POOL_FEE])
                cash = opex[m, t] + (energy[m, t] if running[m] else 0.0)
                code = int(mine_par[m, DISPOSAL])
                sold = 0.0
                if code == SELL_ALL:
                    sold = float(btc)
                elif code == SELL_TO_COVER:
                    sold = min(btc, cash / px)
                paid = max(cash - sold * px, 0.0)
                r = int(mine_par[m, RESERVE])
                if r >= 0 and code != SELL_ALL:
                    hold[r] += btc - sold
                    basis[r] += paid
                fm[m, 0] += btc
                fm[m, 1] += btc * px
                fm[m, 2] += energy[m, t] if running[m] else 0.0
                fm[m, 3] += opex[m, t]
                fm[m, 4] += sold
                fm[m, 5] += btc - sold
                fm[m, 6] += paid
                fm[m, 7] += 1.0 if running[m] else 0.0
                fm[m, 8] += share
                day_btc[m] = btc
                day_cash[m] = cash
            for k in range(n_prog):
                r = prog_reserve[k]
                if prog_btc[k, t] > 0.0:
                    btc = prog_btc[k, t]
                    usd = btc * px
                else:
                    usd = prog_usd[k, t]
                    btc = usd / px
                if usd > budget[k]:
                    btc = btc * budget[k] / usd if usd > 0.0 else 0.0
                    usd = budget[k]
                budget[k] -= usd
                hold[r] += btc
                basis[r] += usd
                fr[r, 4] += btc
                fr[r, 5] += usd
            for r in range(n_res):
                sell = min(sale_btc[r, t], hold[r])
                if sell > 0.0:
                    basis[r] -= basis[r] * sell / hold[r]
                    hold[r] -= sell
                    fr[r, 6] += sell
                    fr[r, 7] += sell * px
            for q in range(n_rules):
                r = int(rule_par[q, 0])
                if px > rule_par[q, 1] and t - last_rule[q] >= rule_par[q, 3] and hold[r] > 0:
                    sell = rule_par[q, 2] * hold[r]
                    basis[r] -= basis[r] * rule_par[q, 2]
                    hold[r] -= sell
                    fr[r, 6] += sell
                    fr[r, 7] += sell * px
                    last_rule[q] = t
            for r in range(n_res):
                value = hold[r] * px
                if value > peak[r]:
                    peak[r] = value
                elif peak[r] > 0.0:
                    fr[r, 3] = max(fr[r, 3], 1.0 - value / peak[r])
            if k_out < out_days.shape[0] and out_days[k_out] == t:
                out[0, k_out, p] = px
                out[1, k_out, p] = total
                out[2, k_out, p] = dif
                for m in range(n_ops):
                    b = 3 + nv_m * m
                    own = own_ths[m, t] * 1e-6 if running[m] else 0.0
                    out[b, k_out, p] = day_btc[m]
                    out[b + 1, k_out, p] = fm[m, 0]
                    out[b + 2, k_out, p] = _share(own, total)
                    out[b + 3, k_out, p] = _hashprice(dif, subsidy + fees[t], px)
                    out[b + 4, k_out, p] = day_cash[m] / day_btc[m] if day_btc[m] > 0 else np.inf
                    out[b + 5, k_out, p] = fm[m, 1] - fm[m, 2] - fm[m, 3]
                for r in range(n_res):
                    b = base_r + nv_r * r
                    out[b, k_out, p] = hold[r]
                    out[b + 1, k_out, p] = hold[r] * px
                    out[b + 2, k_out, p] = basis[r]
                    out[b + 3, k_out, p] = 1.0 if hold[r] * px < basis[r] else 0.0
                k_out += 1
        px = price[p, n_days - 1]
        for m in range(n_ops):
            for j in range(nf_m):
                final[m * nf_m + j, p] = fm[m, j]
            final[m * nf_m + 8, p] = fm[m, 8] / n_days
        for r in range(n_res):
            b = nf_m * n_ops + 8 * r
            final[b, p] = hold[r]
            final[b + 1, p] = hold[r] * px
            final[b + 2, p] = basis[r]
            for j in range(3, 8):
                final[b + j, p] = fr[r, j]
