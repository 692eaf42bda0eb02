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
:class:`Fleet`, :class:`Reserves`), built by ``engine.Plan.kernel_inputs``.
Variable layout of ``out`` (per output day and path): :data:`MARKET_VARS`,
then :data:`MINING_VARS` per operation, then :data:`RESERVE_VARS` per reserve
(``engine.Plan.variables`` names them). ``final`` holds :data:`MINING_FINALS`
per operation, then :data:`RESERVE_FINALS` per reserve (``Plan.finals``).
Every column index below is taken from these name tuples.

Policy notes: a fleet with ``shutdown_when_unprofitable`` stops on a day when
its expected revenue is below the day's *energy* cost (other opex is paid
either way, so it does not enter the decision). The cost basis of mined BTC
kept in a reserve is the net cash the state paid that day (cash cost minus
sales proceeds), so a day that sells everything and still runs short raises
the basis without adding BTC: the shortfall is a real cost of that reserve.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from simulator.model.chain import chain_day_issued, next_halving, subsidy_at
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
    update_drawdown,
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
    "run_block",
]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

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
# Column widths, and each column's index looked up by its name in the tuples above.
N_MARKET, NV_M, NV_R = len(MARKET_VARS), len(MINING_VARS), len(RESERVE_VARS)
NF_M, NF_R = len(MINING_FINALS), len(RESERVE_FINALS)
_at = lambda names, *cols: tuple(names.index(c) for c in cols)  # noqa: E731
V_PRICE, V_HASHRATE, V_DIFFICULTY = _at(MARKET_VARS, *MARKET_VARS)
V_BTC_DAY, V_MINED, V_SHARE, V_HASHPRICE, V_BREAKEVEN, V_MARGIN = _at(
    MINING_VARS, "btc_per_day", "btc_mined_btc", "network_share", "hashprice_usd_per_ph_day",
    "breakeven_price_usd", "margin_usd",
)  # fmt: skip
V_HOLD, V_VALUE, V_BASIS, V_BELOW = _at(
    RESERVE_VARS, "holdings_btc", "value_usd", "cost_basis_usd", "below_cost"
)
M_MINED, M_REVENUE, M_ENERGY, M_OPEX, M_SOLD, M_KEPT, M_UNCOVERED, M_DAYS, M_SHARE = _at(
    MINING_FINALS, "btc_mined_btc", "revenue_usd", "energy_cost_usd", "other_opex_usd",
    "btc_sold_btc", "btc_kept_btc", "uncovered_cash_usd", "days_running", "mean_network_share",
)  # fmt: skip
R_HOLD, R_VALUE, R_BASIS, R_DRAWDOWN, R_BOUGHT, R_SPENT, R_SOLD, R_RECEIVED = _at(
    RESERVE_FINALS, "holdings_btc", "value_usd", "cost_basis_usd", "max_drawdown",
    "btc_bought_btc", "usd_spent_usd", "btc_sold_btc", "usd_received_usd",
)  # fmt: skip
EHS_PER_THS = 1e-6


class MarketBlock(NamedTuple):
    """Market paths of one block: price [USD] and rest-of-network hashrate [EH/s], (n, T)."""

    price: Floats
    rest_ehs: Floats
    start_price: float  # price at the start date [USD], for the reserves' initial value


class Chain(NamedTuple):
    """Chain state at the start and the fees per block of each day [BTC/block] (T,)."""

    position: float  # [blocks]
    difficulty: float  # [-]
    epoch_start: float  # [blocks]
    epoch_start_day: float  # [days]
    fees: Floats


class Fleet(NamedTuple):
    """Mining operations: schedules (M, T) and parameters (M,)."""

    own_ths: Floats  # fleet hashrate [TH/s]
    energy: Floats  # energy cost [USD/day]
    opex: Floats  # other opex [USD/day]
    pool_fee: Floats  # [-]
    adds: Bools  # the fleet adds to the network hashrate
    disposal: Ints  # HOLD, SELL_ALL or SELL_TO_COVER
    reserve: Ints  # index of the reserve receiving kept BTC, -1 for none
    shutdown: Bools  # stop on days whose expected revenue is below the energy cost


class Reserves(NamedTuple):
    """Reserves (R), purchase programmes (K) and sell rules (Q)."""

    hold0: Floats  # initial holdings [BTC] (R,)
    basis0: Floats  # initial cost basis [USD] (R,)
    prog_reserve: Ints  # reserve of each programme (K,)
    prog_btc: Floats  # BTC bought per day [BTC/day] (K, T)
    prog_usd: Floats  # USD spent per day [USD/day] (K, T)
    prog_budget: Floats  # total USD cap (inf: none) (K,)
    sale_btc: Floats  # scheduled sales [BTC/day] (R, T)
    rule_reserve: Ints  # reserve of each sell rule (Q,)
    rule_above: Floats  # price threshold [USD] (Q,)
    rule_fraction: Floats  # fraction of holdings sold [-] (Q,)
    rule_gap: Ints  # minimum days between sales [days] (Q,)


class State(NamedTuple):
    """Per-path state of the day loop (reused across the paths of a block)."""

    hold: Floats  # (R,) [BTC]
    basis: Floats  # (R,) [USD]
    peak: Floats  # (R,) highest value so far [USD]
    fr: Floats  # (R, NF_R) reserve finals
    fm: Floats  # (M, NF_M) mining finals
    budget: Floats  # (K,) budget left [USD]
    last_rule: Ints  # (Q,) day of each rule's last sale
    running: Bools  # (M,) fleets running today
    day_btc: Floats  # (M,) BTC mined today
    day_cash: Floats  # (M,) cash cost today [USD]


_share = njit(network_share, cache=True, nogil=True)
_mined = njit(btc_mined_per_day, cache=True, nogil=True)
_hashprice = njit(hashprice_usd_per_ph_day, cache=True, nogil=True)
_breakeven = njit(breakeven_price_usd, cache=True, nogil=True)
_revenue = njit(expected_revenue_usd_per_day, cache=True, nogil=True)


@njit(cache=True, nogil=True)
def _new_state(n_ops: int, n_res: int, n_prog: int, n_rules: int) -> State:
    return State(
        np.empty(n_res), np.empty(n_res), np.empty(n_res), np.empty((n_res, NF_R)),
        np.empty((n_ops, NF_M)), np.empty(n_prog), np.empty(n_rules, dtype=np.int64),
        np.empty(n_ops, dtype=np.bool_), np.empty(n_ops), np.empty(n_ops),
    )  # fmt: skip


@njit(cache=True, nogil=True)
def _reset(s: State, res: Reserves, start_price: float) -> None:
    for r in range(s.hold.shape[0]):
        s.hold[r] = res.hold0[r]
        s.basis[r] = res.basis0[r]
        s.peak[r] = res.hold0[r] * start_price
    s.fr[:, :] = 0.0
    s.fm[:, :] = 0.0
    s.budget[:] = res.prog_budget
    s.last_rule[:] = NEVER_SOLD_DAY


@njit(cache=True, nogil=True)
def _fleets_on(
    fleet: Fleet, t: int, rest: float, dif: float, reward: float, px: float, running: Bools
) -> float:
    """Decide which fleets run today; return the total network hashrate [EH/s]."""
    total = rest
    for m in range(running.shape[0]):
        own = fleet.own_ths[m, t] * EHS_PER_THS
        running[m] = own > 0.0
        if running[m] and fleet.shutdown[m]:
            if _revenue(own, dif, reward, fleet.pool_fee[m], px) < fleet.energy[m, t]:
                running[m] = False
        if running[m] and fleet.adds[m]:
            total += own
    return total


@njit(cache=True, nogil=True)
def _mine(fleet: Fleet, t: int, px: float, total: float, issued: float, s: State) -> None:
    """Credit each fleet its BTC, apply its disposal policy, fill its reserve."""
    for m in range(s.running.shape[0]):
        on = s.running[m]
        own = fleet.own_ths[m, t] * EHS_PER_THS if on else 0.0
        share = _share(own, total)
        btc = float(_mined(share, issued, fleet.pool_fee[m]))
        energy = fleet.energy[m, t] if on else 0.0
        cash = fleet.opex[m, t] + energy
        code = fleet.disposal[m]
        sold, paid = dispose_mined(btc, cash, px, code)
        r = fleet.reserve[m]
        if r >= 0 and code != SELL_ALL:
            s.hold[r], s.basis[r] = credit(s.hold[r], s.basis[r], btc - sold, paid)
        f = s.fm[m]
        f[M_MINED] += btc
        f[M_REVENUE] += btc * px
        f[M_ENERGY] += energy
        f[M_OPEX] += fleet.opex[m, t]
        f[M_SOLD] += sold
        f[M_KEPT] += btc - sold
        f[M_UNCOVERED] += paid
        f[M_DAYS] += 1.0 if on else 0.0
        f[M_SHARE] += share
        s.day_btc[m] = btc
        s.day_cash[m] = cash


@njit(cache=True, nogil=True)
def _trade(res: Reserves, t: int, px: float, s: State) -> None:
    """Purchases, scheduled sales, then sell rules of every reserve."""
    for k in range(s.budget.shape[0]):
        r = res.prog_reserve[k]
        btc, usd = purchase(res.prog_btc[k, t], res.prog_usd[k, t], px, s.budget[k])
        s.budget[k] -= usd
        s.hold[r], s.basis[r] = credit(s.hold[r], s.basis[r], btc, usd)
        s.fr[r, R_BOUGHT] += btc
        s.fr[r, R_SPENT] += usd
    for r in range(s.hold.shape[0]):
        s.hold[r], s.basis[r], sold = scheduled_sale(s.hold[r], s.basis[r], res.sale_btc[r, t])
        if sold > 0.0:
            s.fr[r, R_SOLD] += sold
            s.fr[r, R_RECEIVED] += sold * px
    for q in range(s.last_rule.shape[0]):
        r = res.rule_reserve[q]
        if sell_rule_due(px, res.rule_above[q], t, s.last_rule[q], res.rule_gap[q], s.hold[r]):
            s.hold[r], s.basis[r], sold = sell_fraction(s.hold[r], s.basis[r], res.rule_fraction[q])
            s.fr[r, R_SOLD] += sold
            s.fr[r, R_RECEIVED] += sold * px
            s.last_rule[q] = t
    for r in range(s.hold.shape[0]):
        s.peak[r], s.fr[r, R_DRAWDOWN] = update_drawdown(
            s.hold[r] * px, s.peak[r], s.fr[r, R_DRAWDOWN]
        )


@njit(cache=True, nogil=True)
def _record(
    out: np.ndarray, k: int, p: int, t: int, px: float, total: float, dif: float,
    reward: float, fleet: Fleet, s: State,
) -> None:  # fmt: skip
    """Write the state of output day ``k`` of path ``p``."""
    out[V_PRICE, k, p] = px
    out[V_HASHRATE, k, p] = total
    out[V_DIFFICULTY, k, p] = dif
    n_ops = s.running.shape[0]
    for m in range(n_ops):
        b = N_MARKET + NV_M * m
        own = fleet.own_ths[m, t] * EHS_PER_THS if s.running[m] else 0.0
        btc = s.day_btc[m]
        out[b + V_BTC_DAY, k, p] = btc
        out[b + V_MINED, k, p] = s.fm[m, M_MINED]
        out[b + V_SHARE, k, p] = _share(own, total)
        out[b + V_HASHPRICE, k, p] = _hashprice(dif, reward, px)
        out[b + V_BREAKEVEN, k, p] = _breakeven(s.day_cash[m], btc) if btc > 0 else np.inf
        out[b + V_MARGIN, k, p] = s.fm[m, M_REVENUE] - s.fm[m, M_ENERGY] - s.fm[m, M_OPEX]
    for r in range(s.hold.shape[0]):
        b = N_MARKET + NV_M * n_ops + NV_R * r
        out[b + V_HOLD, k, p] = s.hold[r]
        out[b + V_VALUE, k, p] = s.hold[r] * px
        out[b + V_BASIS, k, p] = s.basis[r]
        out[b + V_BELOW, k, p] = 1.0 if below_cost(s.hold[r], s.basis[r], px) else 0.0


@njit(cache=True, nogil=True)
def _finals(final: np.ndarray, p: int, px: float, n_days: int, s: State) -> None:
    """Write the horizon values of path ``p`` (``px``: the last day's price [USD])."""
    n_ops = s.fm.shape[0]
    for m in range(n_ops):
        for j in range(NF_M):
            final[m * NF_M + j, p] = s.fm[m, j]
        final[m * NF_M + M_SHARE, p] = s.fm[m, M_SHARE] / n_days
    for r in range(s.hold.shape[0]):
        s.fr[r, R_HOLD] = s.hold[r]
        s.fr[r, R_VALUE] = s.hold[r] * px
        s.fr[r, R_BASIS] = s.basis[r]
        for j in range(NF_R):
            final[NF_M * n_ops + NF_R * r + j, p] = s.fr[r, j]


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
    n_paths, n_days = market.price.shape
    s = _new_state(
        fleet.own_ths.shape[0],
        reserves.hold0.shape[0],
        reserves.prog_reserve.shape[0],
        reserves.rule_reserve.shape[0],
    )
    for p in range(n_paths):
        _reset(s, reserves, market.start_price)
        pos, dif, ep = chain.position, chain.difficulty, chain.epoch_start
        ep_day = chain.epoch_start_day
        subsidy, halving = subsidy_at(pos), next_halving(pos)
        k_out = 0
        for t in range(n_days):
            px = market.price[p, t]
            fee = chain.fees[t]
            total = _fleets_on(fleet, t, market.rest_ehs[p, t], dif, subsidy + fee, px, s.running)
            pos, dif, ep, ep_day, issued, subsidy, halving = chain_day_issued(
                pos, dif, ep, ep_day, t, total, fee, subsidy, halving
            )
            _mine(fleet, t, px, total, issued, s)
            _trade(reserves, t, px, s)
            if k_out < out_days.shape[0] and out_days[k_out] == t:
                _record(out, k_out, p, t, px, total, dif, subsidy + fee, fleet, s)
                k_out += 1
        _finals(final, p, market.price[p, n_days - 1], n_days, s)
