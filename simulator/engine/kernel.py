"""The fused per-path day loop: chain, mining operations and reserves.

One compiled function runs a block of Monte Carlo paths through every day:
advance the chain by the day's hashrate, credit each mining operation its
share of the issuance, apply its disposal policy, then purchases and sales of
each reserve, and record outputs on the output days. The equations are the
ones of :mod:`simulator.model.chain`, :mod:`simulator.model.mining` and
:mod:`simulator.model.reserve` (compiled from the same Python functions);
:mod:`simulator.engine.reference` is a readable numpy implementation of the
same step, and the tests check the two agree.

The kernel releases the GIL, so blocks run in parallel threads; each path
only reads its own inputs, so results do not depend on the thread count.

Inputs are named tuples of arrays (:class:`MarketBlock`, :class:`Chain`,
:class:`Fleet`, :class:`Reserves`), built by ``engine.Plan.kernel_inputs``;
they and the layout of ``out`` and ``final`` are in
:mod:`simulator.engine.kernel_layout`, re-exported here. Each operation's
running ledger (energy used, the state's net position) is recorded with the
equations of :mod:`simulator.model.ledger`.

Policy notes: a fleet with ``shutdown_when_unprofitable`` stops on a day when
its expected revenue is below the day's *energy* cost (other opex is paid
either way, so it does not enter the decision). The cost basis of mined BTC
kept in a reserve is the net cash the state paid that day (cash cost minus
sales proceeds), so a day that sells everything and still runs short raises
the basis without adding BTC: the shortfall is a real cost of that reserve.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import numpy.typing as npt
from numba import njit

from simulator.engine import kernel_layout as _layout_module
from simulator.engine.kernel_cache import refresh_stale_cache
from simulator.engine.kernel_layout import (
    EHS_PER_THS,
    M_BREAKEVEN,
    M_DAYS,
    M_DEPRECIATION,
    M_ENERGY,
    M_KEPT,
    M_KEPT_VALUE,
    M_MINED,
    M_MWH,
    M_OPEX,
    M_REVENUE,
    M_SHARE,
    M_SOLD,
    M_SOLD_USD,
    M_UNCOVERED,
    MARKET_VARS,
    MINING_FINALS,
    MINING_VARS,
    N_MARKET,
    NF_M,
    NF_R,
    NV_M,
    NV_R,
    R_BASIS,
    R_BOUGHT,
    R_DRAWDOWN,
    R_HOLD,
    R_RECEIVED,
    R_SOLD,
    R_SPENT,
    R_VALUE,
    RESERVE_FINALS,
    RESERVE_VARS,
    V_BASIS,
    V_BELOW,
    V_BREAKEVEN,
    V_BTC_DAY,
    V_DIFFICULTY,
    V_HASHPRICE,
    V_HASHRATE,
    V_HOLD,
    V_MARGIN,
    V_MINED,
    V_MWH,
    V_NET,
    V_PRICE,
    V_SHARE,
    V_VALUE,
    Chain,
    Fleet,
    Ints,
    MarketBlock,
    Reserves,
)
from simulator.model import chain as _chain_module
from simulator.model import ledger as _ledger_module
from simulator.model import mining as _mining_module
from simulator.model import protocol as _protocol_module
from simulator.model import reserve as _reserve_module
from simulator.model.chain import chain_day_issued, next_halving, subsidy_at
from simulator.model.ledger import state_net_usd, subsidy_cost_usd
from simulator.model.mining import (
    breakeven_price_usd,
    btc_mined_per_day,
    expected_revenue_usd_per_day,
    hashprice_usd_per_ph_day,
    network_share,
)
from simulator.model.reserve import (
    HOLD,
    NEVER_SOLD_DAY,
    SELL_ALL,
    SELL_TO_COVER,
    below_cost,
    credit,
    dispose_mined,
    purchase,
    scheduled_sale,
    sell_fraction,
    sell_rule_due,
    update_flow_neutral_drawdown,
)

__all__ = [
    "MARKET_VARS",
    "MINING_VARS",
    "RESERVE_VARS",
    "MINING_FINALS",
    "RESERVE_FINALS",
    "HOLD",
    "SELL_ALL",
    "SELL_TO_COVER",
    "MarketBlock",
    "Chain",
    "Fleet",
    "Reserves",
    "KERNEL_SOURCES",
    "kernel_cached",
    "run_block",
]

Floats = npt.NDArray[np.float64]

_share = njit(network_share, cache=True, nogil=True)
_mined = njit(btc_mined_per_day, cache=True, nogil=True)
_hashprice = njit(hashprice_usd_per_ph_day, cache=True, nogil=True)
_breakeven = njit(breakeven_price_usd, cache=True, nogil=True)
_revenue = njit(expected_revenue_usd_per_day, cache=True, nogil=True)
_subsidy = njit(subsidy_cost_usd, cache=True, nogil=True)
_state_net = njit(state_net_usd, cache=True, nogil=True)


#: Source files compiled into :func:`run_block` (its cache is dropped when one changes).
KERNEL_SOURCES = tuple(
    Path(m.__file__ or "")
    for m in (_chain_module, _ledger_module, _mining_module, _protocol_module, _reserve_module)
) + (Path(__file__), Path(_layout_module.__file__ or ""))
refresh_stale_cache(Path(__file__), "run_block", KERNEL_SOURCES)


@njit(cache=True, nogil=True)
def run_block(
    market: MarketBlock,
    chain: Chain,
    fleet: Fleet,
    reserves: Reserves,
    out_days: Ints,
    out: npt.NDArray[np.float32],
    final: Floats,
) -> None:
    """Run a block of paths through all days (see the module docstring).

    Parameters
    ----------
    market : MarketBlock
        Price [USD] and rest-of-network hashrate [EH/s] per path and day (n, T),
        and the start price [USD].
    chain : Chain
        Start position [blocks], difficulty [-], epoch start [blocks] and epoch
        start day [days]; fees per block [BTC/block] per day (T,).
    fleet : Fleet
        Mining operations' schedules and parameters.
    reserves : Reserves
        Reserves' initial state, purchase programmes, sales and sell rules.
    out_days : ndarray (n_out,) int
        Days whose state is recorded, ascending.
    out : ndarray (V, n_out, n) float32
        Recorded variables (written).
    final : ndarray (F, n)
        Final per-path metrics (written).
    """
    # The named tuples are unpacked once: numba increfs an array each time it is taken
    # from a tuple or passed to a function, which in the day loop cost 7x the run time.
    # Step functions called per day therefore take and return scalars only.
    price, rest_ehs = market.price, market.rest_ehs
    fees = chain.fees
    own_ths, energy_usd, opex_usd = fleet.own_ths, fleet.energy, fleet.opex
    pool_fee, adds, disposal, to_reserve, shutdown = (
        fleet.pool_fee, fleet.adds, fleet.disposal, fleet.reserve, fleet.shutdown
    )  # fmt: skip
    mwh, tariff, cost_reflective, depreciation = (
        fleet.mwh, fleet.tariff, fleet.cost_reflective, fleet.depreciation
    )  # fmt: skip
    prog_reserve, prog_btc, prog_usd = reserves.prog_reserve, reserves.prog_btc, reserves.prog_usd
    sale_btc = reserves.sale_btc
    rule_reserve, rule_above = reserves.rule_reserve, reserves.rule_above
    rule_fraction, rule_gap = reserves.rule_fraction, reserves.rule_gap
    n_paths, n_days = price.shape
    n_ops, n_res = own_ths.shape[0], reserves.hold0.shape[0]
    n_prog, n_rules, n_out = prog_reserve.shape[0], rule_reserve.shape[0], out_days.shape[0]
    hold, basis = np.empty(n_res), np.empty(n_res)
    # flow-neutral index of each reserve's position, its peak, the position the day
    # before [USD] and the day's inflow [USD] (purchases and mined BTC kept)
    index, peak = np.empty(n_res), np.empty(n_res)
    before, inflow = np.empty(n_res), np.empty(n_res)
    fr, fm = np.empty((n_res, NF_R)), np.empty((n_ops, NF_M))
    budget, last_rule = np.empty(n_prog), np.empty(n_rules, dtype=np.int64)
    running = np.empty(n_ops, dtype=np.bool_)
    day_btc, day_cash = np.empty(n_ops), np.empty(n_ops)
    for p in range(n_paths):
        for r in range(n_res):
            hold[r] = reserves.hold0[r]
            basis[r] = reserves.basis0[r]
            index[r], peak[r] = 1.0, 1.0
            before[r] = reserves.hold0[r] * market.start_price
        # element loops, not slice assignments: numba compiles a slice assignment's
        # shape-mismatch message (string formatting), about 3 s of the cold start
        for r in range(n_res):
            for k in range(NF_R):
                fr[r, k] = 0.0
        for m in range(n_ops):
            for k in range(NF_M):
                fm[m, k] = 0.0
        for k in range(n_prog):
            budget[k] = reserves.prog_budget[k]
        for k in range(n_rules):
            last_rule[k] = NEVER_SOLD_DAY
        pos, dif, ep = chain.position, chain.difficulty, chain.epoch_start
        ep_day = chain.epoch_start_day
        subsidy, halving = subsidy_at(pos), next_halving(pos)
        k_out = 0
        for t in range(n_days):
            px = price[p, t]
            fee = fees[t]
            for r in range(n_res):
                inflow[r] = 0.0
            # which fleets run today, and the network's total hashrate [EH/s]
            total = rest_ehs[p, t]
            for m in range(n_ops):
                own = own_ths[m, t] * EHS_PER_THS
                running[m] = own > 0.0
                if running[m] and shutdown[m]:
                    if _revenue(own, dif, subsidy + fee, pool_fee[m], px) < energy_usd[m, t]:
                        running[m] = False
                if running[m] and adds[m]:
                    total += own
            pos, dif, ep, ep_day, issued, subsidy, halving = chain_day_issued(
                pos, dif, ep, ep_day, t, total, fee, subsidy, halving
            )
            # each fleet's BTC, its disposal policy, and its reserve
            for m in range(n_ops):
                on = running[m]
                own = own_ths[m, t] * EHS_PER_THS if on else 0.0
                share = _share(own, total)
                btc = float(_mined(share, issued, pool_fee[m]))
                energy = energy_usd[m, t] if on else 0.0
                cash = opex_usd[m, t] + energy
                code = disposal[m]
                sold, paid = dispose_mined(btc, cash, px, code)
                r = to_reserve[m]
                if r >= 0 and code != SELL_ALL:
                    hold[r], basis[r] = credit(hold[r], basis[r], btc - sold, paid)
                    inflow[r] += (btc - sold) * px
                fm[m, M_MINED] += btc
                fm[m, M_REVENUE] += btc * px
                fm[m, M_ENERGY] += energy
                fm[m, M_OPEX] += opex_usd[m, t]
                fm[m, M_SOLD] += sold
                fm[m, M_KEPT] += btc - sold
                fm[m, M_UNCOVERED] += paid
                fm[m, M_DAYS] += 1.0 if on else 0.0
                fm[m, M_SHARE] += share
                fm[m, M_MWH] += mwh[m, t] if on else 0.0
                fm[m, M_SOLD_USD] += sold * px
                fm[m, M_DEPRECIATION] += depreciation[m, t]
                day_btc[m] = btc
                day_cash[m] = cash
            # purchases, scheduled sales, sell rules, drawdown
            for k in range(n_prog):
                r = prog_reserve[k]
                btc, usd = purchase(prog_btc[k, t], prog_usd[k, t], px, budget[k])
                budget[k] -= usd
                hold[r], basis[r] = credit(hold[r], basis[r], btc, usd)
                fr[r, R_BOUGHT] += btc
                fr[r, R_SPENT] += usd
                inflow[r] += usd
            for r in range(n_res):
                hold[r], basis[r], sold = scheduled_sale(hold[r], basis[r], sale_btc[r, t])
                if sold > 0.0:
                    fr[r, R_SOLD] += sold
                    fr[r, R_RECEIVED] += sold * px
            for q in range(n_rules):
                r = rule_reserve[q]
                if sell_rule_due(px, rule_above[q], t, last_rule[q], rule_gap[q], hold[r]):
                    hold[r], basis[r], sold = sell_fraction(hold[r], basis[r], rule_fraction[q])
                    fr[r, R_SOLD] += sold
                    fr[r, R_RECEIVED] += sold * px
                    last_rule[q] = t
            for r in range(n_res):
                position = hold[r] * px + fr[r, R_RECEIVED]
                index[r], peak[r], fr[r, R_DRAWDOWN] = update_flow_neutral_drawdown(
                    position, inflow[r], before[r], index[r], peak[r], fr[r, R_DRAWDOWN]
                )
                before[r] = position
            if k_out < n_out and out_days[k_out] == t:
                out[V_PRICE, k_out, p] = px
                out[V_HASHRATE, k_out, p] = total
                out[V_DIFFICULTY, k_out, p] = dif
                for m in range(n_ops):
                    b = N_MARKET + NV_M * m
                    own = own_ths[m, t] * EHS_PER_THS if running[m] else 0.0
                    btc = day_btc[m]
                    out[b + V_BTC_DAY, k_out, p] = btc
                    out[b + V_MINED, k_out, p] = fm[m, M_MINED]
                    out[b + V_SHARE, k_out, p] = _share(own, total)
                    out[b + V_HASHPRICE, k_out, p] = _hashprice(dif, subsidy + fee, px)
                    out[b + V_BREAKEVEN, k_out, p] = (
                        _breakeven(day_cash[m], btc) if btc > 0 else np.inf
                    )
                    out[b + V_MARGIN, k_out, p] = fm[m, M_REVENUE] - fm[m, M_ENERGY] - fm[m, M_OPEX]
                    out[b + V_MWH, k_out, p] = fm[m, M_MWH]
                    out[b + V_NET, k_out, p] = _state_net(
                        fm[m, M_SOLD_USD], fm[m, M_KEPT] * px, fm[m, M_ENERGY], fm[m, M_OPEX],
                        _subsidy(fm[m, M_MWH], cost_reflective[m], tariff[m]),
                        fm[m, M_DEPRECIATION],
                    )  # fmt: skip
                for r in range(n_res):
                    b = N_MARKET + NV_M * n_ops + NV_R * r
                    out[b + V_HOLD, k_out, p] = hold[r]
                    out[b + V_VALUE, k_out, p] = hold[r] * px
                    out[b + V_BASIS, k_out, p] = basis[r]
                    out[b + V_BELOW, k_out, p] = 1.0 if below_cost(hold[r], basis[r], px) else 0.0
                k_out += 1
        # horizon values
        last = price[p, n_days - 1]
        for m in range(n_ops):
            for j in range(NF_M):
                final[m * NF_M + j, p] = fm[m, j]
            final[m * NF_M + M_SHARE, p] = fm[m, M_SHARE] / n_days
            final[m * NF_M + M_KEPT_VALUE, p] = fm[m, M_KEPT] * last
            final[m * NF_M + M_BREAKEVEN, p] = (
                _breakeven(day_cash[m], day_btc[m]) if day_btc[m] > 0 else np.inf
            )
        for r in range(n_res):
            fr[r, R_HOLD] = hold[r]
            fr[r, R_VALUE] = hold[r] * last
            fr[r, R_BASIS] = basis[r]
            for j in range(NF_R):
                final[NF_M * n_ops + NF_R * r + j, p] = fr[r, j]


def kernel_cached() -> bool:
    """Whether numba's on-disk cache already holds a compiled :func:`run_block` (a heuristic).

    Numba writes ``kernel.run_block-LINE.pyXY.nbi`` beside this file in
    ``__pycache__`` (or under ``$NUMBA_CACHE_DIR``) and reuses it while it is
    newer than this source file. The CLI only uses the answer to say that the
    first run compiles the kernel; when it cannot tell it says nothing (True).
    """
    source = Path(__file__)
    root = os.environ.get("NUMBA_CACHE_DIR")
    places = [Path(root)] if root else [source.parent / "__pycache__"]
    try:
        stamp = source.stat().st_mtime
        found = [p for d in places for p in d.rglob(f"{source.stem}.run_block-*.nbi")]
    except OSError:
        return True
    if not root and not os.access(source.parent, os.W_OK):
        return True  # numba caches elsewhere (a user folder); cannot tell
    return any(p.stat().st_mtime >= stamp for p in found)
