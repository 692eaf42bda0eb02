"""The kernel's inputs and output layout: named tuples of arrays and the variable names.

Part of :mod:`simulator.engine.kernel`, which re-exports every name here.
Variable layout of ``out`` (per output day and path): :data:`MARKET_VARS`,
then :data:`MINING_VARS` per operation, then :data:`RESERVE_VARS` per reserve
(``engine.Plan.variables`` names them). ``final`` holds :data:`MINING_FINALS`
per operation, then :data:`RESERVE_FINALS` per reserve (``Plan.finals``).
Every column index is taken from these name tuples.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

MARKET_VARS = ("price_usd", "network_hashrate_ehs", "difficulty")
MINING_VARS = (
    "btc_per_day", "btc_mined_btc", "network_share", "hashprice_usd_per_ph_day",
    "breakeven_price_usd", "margin_usd", "energy_mwh", "net_fiscal_usd",
)  # fmt: skip
RESERVE_VARS = ("holdings_btc", "value_usd", "cost_basis_usd", "below_cost")
MINING_FINALS = (
    "btc_mined_btc", "revenue_usd", "energy_cost_usd", "other_opex_usd", "btc_sold_btc",
    "btc_kept_btc", "uncovered_cash_usd", "days_running", "mean_network_share",
    "breakeven_price_usd", "energy_mwh", "btc_sold_usd", "depreciation_usd", "kept_value_usd",
)  # fmt: skip
RESERVE_FINALS = (
    "holdings_btc", "value_usd", "cost_basis_usd", "max_drawdown", "btc_bought_btc",
    "usd_spent_usd", "btc_sold_btc", "usd_received_usd",
)  # fmt: skip
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
M_BREAKEVEN, M_MWH, M_SOLD_USD, M_DEPRECIATION, M_KEPT_VALUE = _at(
    MINING_FINALS, "breakeven_price_usd", "energy_mwh", "btc_sold_usd", "depreciation_usd",
    "kept_value_usd",
)  # fmt: skip
V_MWH, V_NET = _at(MINING_VARS, "energy_mwh", "net_fiscal_usd")
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
    mwh: Floats  # energy used when running [MWh/day] (M, T)
    tariff: Floats  # tariff charged [USD/kWh] (M,)
    cost_reflective: Floats  # cost-reflective tariff [USD/kWh] (M,)
    depreciation: Floats  # straight-line depreciation of the capex [USD/day] (M, T)


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
