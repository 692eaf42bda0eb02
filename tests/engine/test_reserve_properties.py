"""Property tests of reserve accounting in the compiled kernel.

Random small reserves (holdings, BTC/day and USD/month purchases with random
dates and budgets, dated sales, sell rules, and the inflow of a mining
operation with a random disposal policy) run through :func:`kernel.run_block`;
on every path the holdings balance, never go negative, and the USD spent on
purchases matches a recomputation from the price path and stays within the
budgets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from simulator.engine import kernel
from simulator.engine import plan as engine
from simulator.inputs.facts import load_facts
from simulator.inputs.scenario import resolve

START = dt.date(2025, 7, 17)
START_USD = 100_000.0
N_PATHS = 8
DAYS_PER_YEAR = 365.25
REGISTRY = load_facts()


def day(offset: int) -> str:
    """The date ``offset`` days after the start; it ends simulated day ``offset - 1``."""
    return (START + dt.timedelta(days=offset)).isoformat()


@st.composite
def purchases(draw: st.DrawFn) -> dict[str, Any]:
    item: dict[str, Any] = {}
    if draw(st.booleans()):
        item["btc_per_day"] = draw(st.floats(0.0, 20.0))
    else:
        item["usd_per_month"] = draw(st.floats(0.0, 1e8))
    first = draw(st.none() | st.integers(-30, 120))
    last = draw(st.none() | st.integers(-30, 150))
    if first is not None and last is not None and last < first:
        first, last = last, first
    if first is not None:
        item["start_date"] = day(first)
    if last is not None:
        item["end_date"] = day(last)
    if draw(st.booleans()):
        item["budget_usd"] = draw(st.floats(1e3, 3e7))
    return item


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    horizon = draw(st.sampled_from([0.1, 0.2, 0.3]))
    holdings = draw(st.floats(0.0, 5_000.0))
    reserve: dict[str, Any] = {
        "name": "state",
        "holdings_btc": holdings,
        "cost_basis_usd": holdings * draw(st.floats(0.0, 150_000.0)),
        "purchases": draw(st.lists(purchases(), max_size=2)),
        "sales": [
            {"date": day(offset), "btc": btc}
            for offset, btc in draw(
                st.lists(st.tuples(st.integers(1, 120), st.floats(1e-3, 3_000.0)), max_size=3)
            )
        ],
        "sell_rules": [
            {"above_price_usd": above, "fraction": fraction, "min_days_between": gap}
            for above, fraction, gap in draw(
                st.lists(
                    st.tuples(
                        st.floats(60_000.0, 160_000.0), st.floats(0.01, 1.0), st.integers(1, 30)
                    ),
                    max_size=2,
                )
            )
        ],
    }
    data: dict[str, Any] = {
        "scenario": {
            "name": "property",
            "start_date": START.isoformat(),
            "horizon_years": horizon,
            "paths": N_PATHS,
            "seed": draw(st.integers(0, 2**32)),
            "freq": "D",
        },
        "market": {
            "price": {"model": "gbm", "start_usd": START_USD, "volatility_per_year": 0.8},
            "network": {
                "model": "growth",
                "start_ehs": 900.0,
                "growth_per_year": 0.3,
                "noise_volatility_per_year": 0.2,
            },
        },
        "chain": {"start_height": 906_013, "start_difficulty": 126.27e12},
        "reserve": [reserve],
    }
    if draw(st.booleans()):
        data["mining"] = [
            {
                "name": "op",
                "power_mw": draw(st.floats(1.0, 1_000.0)),
                "electricity_usd_per_kwh": draw(st.floats(0.0, 0.2)),
                "other_opex_usd_per_mw_year": draw(st.floats(0.0, 100_000.0)),
                "disposal": draw(st.sampled_from(["hold", "sell_all", "sell_to_cover"])),
                "shutdown_when_unprofitable": draw(st.booleans()),
                "reserve": "state",
                "ramp": [
                    {"date": day(draw(st.integers(0, 60))), "fraction": draw(st.floats(0.05, 1.0))}
                ],
            }
        ]
    return data


def run(data: dict[str, Any]) -> tuple[engine.Plan, np.ndarray, np.ndarray, np.ndarray]:
    """Plan and run one block through the kernel; return plan, price, out, final."""
    model = resolve(data, "property", REGISTRY).model
    p = engine.plan(model)
    price, rest = engine.market_block(
        model, p.market, model.scenario.seed, 0, N_PATHS, p.n_days, p.shock_days, p.shock_changes
    )
    out = np.empty((len(p.variables), len(p.out_days), N_PATHS), dtype=np.float32)
    final = np.empty((len(p.finals), N_PATHS))
    kernel.run_block(*p.kernel_inputs(price, rest, START_USD), out, final)
    return p, price, out, final


def programme_spend(item: dict[str, Any], price: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """USD spent and BTC bought per path by one programme, recomputed from its terms.

    Day ``t`` ends on ``start + t + 1``; a programme buys on the days whose end
    date lies in ``[start_date, end_date]``, at that day's price, until its
    budget is spent (the last purchase is cut to what is left).
    """
    n_days = price.shape[1]
    ends = np.array([START + dt.timedelta(days=t + 1) for t in range(n_days)])
    first = dt.date.fromisoformat(item.get("start_date", "1900-01-01"))
    last = dt.date.fromisoformat(item.get("end_date", "2999-12-31"))
    active = (ends >= first) & (ends <= last)
    if "btc_per_day" in item:
        cost = np.where(active, item["btc_per_day"], 0.0) * price
    else:
        cost = np.broadcast_to(
            np.where(active, item["usd_per_month"] * 12 / DAYS_PER_YEAR, 0.0), price.shape
        )
    cum = np.cumsum(cost, axis=1)
    budget = item.get("budget_usd", np.inf)
    spent = np.clip(np.minimum(cum, budget) - (cum - cost), 0.0, None)
    return spent.sum(axis=1), (spent / price).sum(axis=1)


def binding_case() -> dict[str, Any]:
    """A case that surely exercises every rule: budgets that bind, sales, rules, mining."""
    data = {
        "scenario": {
            "name": "binding",
            "start_date": START.isoformat(),
            "horizon_years": 0.3,
            "paths": N_PATHS,
            "seed": 5,
            "freq": "D",
        },
        "market": {
            "price": {"model": "gbm", "start_usd": START_USD, "volatility_per_year": 0.8},
            "network": {"model": "constant", "start_ehs": 900.0},
        },
        "chain": {"start_height": 906_013, "start_difficulty": 126.27e12},
        "reserve": [
            {
                "name": "state",
                "holdings_btc": 50.0,
                "cost_basis_usd": 4e6,
                "purchases": [
                    {"btc_per_day": 2.0, "start_date": day(10), "budget_usd": 5e6},
                    {"usd_per_month": 3e6, "end_date": day(80), "budget_usd": 4e6},
                ],
                "sales": [{"date": day(20), "btc": 30.0}, {"date": day(60), "btc": 1e4}],
                "sell_rules": [{"above_price_usd": 100_000.0, "fraction": 0.3}],
            }
        ],
        "mining": [
            {
                "name": "op",
                "power_mw": 100.0,
                "electricity_usd_per_kwh": 0.05,
                "disposal": "sell_to_cover",
                "reserve": "state",
            }
        ],
    }
    return data


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
@example(binding_case())
def test_reserve_accounting(data: dict[str, Any]) -> None:
    p, price, out, final = run(data)
    fin = {name: final[i] for i, name in enumerate(p.finals)}
    hold = fin[("state", "holdings_btc")]
    bought = fin[("state", "btc_bought_btc")]
    sold = fin[("state", "btc_sold_btc")]
    spent = fin[("state", "usd_spent_usd")]
    kept = fin[("op", "btc_kept_btc")] if data.get("mining") else np.zeros(N_PATHS)
    hold0 = data["reserve"][0]["holdings_btc"]

    # Holdings balance: initial + bought + mined inflow kept - sold.
    # Tolerance relative to the gross flows (holdings may end near 0 after large sales).
    error = np.abs(hold - (hold0 + bought + kept - sold))
    assert (error <= 1e-9 * (hold0 + bought + kept + sold + 1.0)).all(), error
    if data.get("mining") and data["mining"][0]["disposal"] == "sell_all":
        np.testing.assert_array_equal(kept, 0.0)

    # Holdings never negative, on any day of any path.
    daily = out[p.variables.index(("state", "holdings_btc"))]
    assert daily.shape == (p.n_days, N_PATHS)
    assert (daily >= 0).all()
    assert (hold >= 0).all()

    # USD spent = sum over days of BTC bought x that day's price, recomputed per programme.
    programmes = data["reserve"][0]["purchases"]
    usd, btc = np.zeros(N_PATHS), np.zeros(N_PATHS)
    for item in programmes:
        u, b = programme_spend(item, price)
        usd, btc = usd + u, btc + b
    np.testing.assert_allclose(spent, usd, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(bought, btc, rtol=1e-9, atol=1e-12)

    # Budgets are never exceeded.
    budgets = [item.get("budget_usd", np.inf) for item in programmes]
    assert (spent <= sum(budgets) * (1 + 1e-12)).all()
    if len(programmes) == 1 and np.isfinite(budgets[0]):
        assert (spent <= budgets[0] * (1 + 1e-12)).all()
