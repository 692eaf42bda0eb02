"""The compiled kernel against the numpy reference, and the engine's reproducibility."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from simulator.engine import kernel
from simulator.engine import plan as engine
from simulator.engine.reference import run_block_numpy
from simulator.inputs.facts import load_facts
from simulator.inputs.scenario import ResolvedScenario, resolve
from simulator.model.protocol import HASHES_PER_DIFFICULTY, SECONDS_PER_DAY

START = "2025-07-17"
START_USD = 118_000.0


@pytest.fixture(scope="module")
def registry():
    return load_facts()


def scenario(**meta: Any) -> dict[str, Any]:
    """A small scenario: GBM price, growing and noisy network, no entities."""
    return {
        "scenario": {
            "name": "kernel_test",
            "start_date": START,
            "horizon_years": 2.0,
            "paths": 200,
            "seed": 11,
            "freq": "D",
            **meta,
        },
        "market": {
            "price": {
                "model": "gbm",
                "start_usd": START_USD,
                "expected_return_per_year": 0.2,
                "volatility_per_year": 0.7,
            },
            "network": {
                "model": "growth",
                "start_ehs": 904.0,
                "growth_per_year": 0.25,
                "noise_volatility_per_year": 0.15,
                "correlation_with_price": 0.3,
            },
        },
        "chain": {
            "start_height": 906_013,
            "start_difficulty": 126.27e12,
            "fees_btc_per_block": 0.032,
        },
    }


def mining_op(name: str = "op", **kw: Any) -> dict[str, Any]:
    """An operation whose break-even is near the start price (electricity 0.12 USD/kWh)."""
    return {
        "name": name,
        "power_mw": 500.0,
        "electricity_usd_per_kwh": 0.12,
        "other_opex_usd_per_mw_year": 60_000.0,
        "ramp": [
            {"date": "2025-09-01", "fraction": 0.25},
            {"date": "2026-01-01", "fraction": 1.0},
        ],
        "refreshes": [{"date": "2026-07-01", "efficiency_j_per_th": 12.0}],
        **kw,
    }


def run_both(res: ResolvedScenario) -> dict[str, Any]:
    """Run kernel and reference on the same block of paths; return both outputs."""
    model = res.model
    p = engine.plan(model)
    n = model.scenario.paths
    assert n <= engine.BLOCK_PATHS
    price, rest = engine.market_block(
        model, p.market, model.scenario.seed, 0, n, p.n_days, p.shock_days, p.shock_changes
    )
    args = p.kernel_inputs(price, rest, model.market.price.start_usd)
    shape_out = (len(p.variables), len(p.out_days), n)
    out_k, final_k = np.full(shape_out, np.nan, np.float32), np.full((len(p.finals), n), np.nan)
    out_r, final_r = np.full(shape_out, -1.0, np.float32), np.full((len(p.finals), n), -1.0)
    kernel.run_block(*args, out_k, final_k)
    run_block_numpy(*args, out_r, final_r)
    return {
        "plan": p,
        "price": price,
        "out": out_k,
        "final": final_k,
        "out_ref": out_r,
        "final_ref": final_r,
    }


def assert_agree(run: dict[str, Any]) -> None:
    """Kernel and reference agree: finals to 1e-9, recorded float32 values to 1e-6.

    The tolerance is relative to each value, with an absolute floor relative to
    the largest value of the same variable (differences of nearly equal sums,
    such as BTC kept = mined - sold, lose relative precision).
    """
    p = run["plan"]
    # the rows both write (the plan derives the rest, e.g. emissions, after the kernel)
    for i, name in enumerate(p.finals[: p.kernel_finals]):
        a, b = run["final"][i], run["final_ref"][i]
        scale = np.max(np.abs(a[np.isfinite(a)]), initial=1.0)
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * scale, err_msg=str(name))
    for i, name in enumerate(p.variables[: p.kernel_variables]):
        a = run["out"][i].astype(np.float64)
        b = run["out_ref"][i].astype(np.float64)
        scale = np.max(np.abs(a[np.isfinite(a)]), initial=1.0)
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6 * scale, err_msg=str(name))


def column(run: dict[str, Any], owner: str, var: str, final: bool = False) -> np.ndarray:
    names = run["plan"].finals if final else run["plan"].variables
    return (run["final"] if final else run["out"])[names.index((owner, var))]


# ------------------------------------------------------------------ kernel == reference
def test_market_only(registry) -> None:
    run = run_both(resolve(scenario(), "test", registry))
    assert_agree(run)
    assert run["out"].shape == (3, run["plan"].n_days, 200)


@pytest.mark.parametrize("shutdown", [True, False])
@pytest.mark.parametrize("disposal", ["hold", "sell_all", "sell_to_cover"])
def test_mining_disposal(registry, disposal: str, shutdown: bool) -> None:
    data = scenario()
    data["reserve"] = [{"name": "state", "holdings_btc": 100.0, "cost_basis_usd": 5e6}]
    data["mining"] = [
        mining_op(disposal=disposal, reserve="state", shutdown_when_unprofitable=shutdown)
    ]
    run = run_both(resolve(data, "test", registry))
    assert_agree(run)
    p = run["plan"]
    days_on = column(run, "op", "days_running", final=True)
    powered = int(np.count_nonzero(p.own_ths[0] > 0))
    if shutdown:
        # The price paths cross the threshold: some paths shut down on some days.
        assert days_on.min() < powered
        assert days_on.max() > 0
        assert np.unique(days_on).size > 10
    else:
        np.testing.assert_array_equal(days_on, powered)
    kept = column(run, "op", "btc_kept_btc", final=True)
    hold = column(run, "state", "holdings_btc", final=True)
    if disposal == "sell_all":
        np.testing.assert_array_equal(kept, 0.0)
        np.testing.assert_array_equal(hold, 100.0)
    else:
        np.testing.assert_allclose(hold, 100.0 + kept, rtol=1e-12)
        assert kept.max() > 0


def test_shutdown_on_a_price_crash(registry) -> None:
    # Constant market, the price halves on 2026-01-01 and recovers on 2026-06-01.
    data = scenario(horizon_years=1.5, paths=4)
    data["market"]["price"] = {
        "model": "constant",
        "start_usd": START_USD,
        "shocks": [{"date": "2026-01-01", "change": -0.5}, {"date": "2026-06-01", "change": 1.5}],
    }
    data["market"]["network"] = {"model": "constant", "start_ehs": 904.0}
    data["reserve"] = [{"name": "state"}]
    data["mining"] = [
        mining_op(
            disposal="sell_to_cover",
            reserve="state",
            shutdown_when_unprofitable=True,
            electricity_usd_per_kwh=0.09,
            refreshes=[],
        )
    ]
    run = run_both(resolve(data, "test", registry))
    assert_agree(run)
    btc = column(run, "op", "btc_per_day")[:, 0]
    dates = run["plan"].dates
    crash = (dates >= "2026-01-01") & (dates < "2026-06-01")
    online = dates >= "2025-09-01"
    assert np.all(btc[crash] == 0.0)
    assert np.all(btc[online & ~crash] > 0.0)


def test_reserves(registry) -> None:
    data = scenario()
    data["reserve"] = [
        {
            "name": "buyer",
            "holdings_btc": 6_000.0,
            "cost_basis_usd": 3e8,
            "purchases": [
                {"btc_per_day": 1.0, "start_date": "2025-09-01", "end_date": "2026-12-31"},
            ],
            "sales": [{"date": "2026-03-15", "btc": 500.0}, {"date": "2026-08-01", "btc": 1e6}],
        },
        {
            "name": "dca",
            "purchases": [
                {"usd_per_month": 5e6, "start_date": "2026-01-01", "budget_usd": 2e7},
                {"btc_per_day": 0.2, "end_date": "2025-12-31"},
            ],
        },
        {
            "name": "seller",
            "holdings_btc": 1_000.0,
            "cost_basis_usd": 2e7,
            "purchases": [{"btc_per_day": 0.5, "budget_usd": 3e7}],
            "sell_rules": [{"above_price_usd": 150_000.0, "fraction": 0.1, "min_days_between": 20}],
        },
    ]
    data["mining"] = [mining_op(disposal="hold", reserve="seller")]
    run = run_both(resolve(data, "test", registry))
    assert_agree(run)
    p, px = run["plan"], run["price"]
    # The USD budget binds on every path (after four months): spent = budget + the
    # BTC/day programme's cost up to 2025-12-31.
    before_2026 = p.dates <= "2025-12-31"
    expected = 2e7 + 0.2 * px[:, before_2026].sum(axis=1)
    np.testing.assert_allclose(column(run, "dca", "usd_spent_usd", True), expected, rtol=1e-12)
    # The 0.5 BTC/day programme's budget binds on some paths and not on others.
    spent_seller = column(run, "seller", "usd_spent_usd", True)
    assert spent_seller.max() == pytest.approx(3e7, rel=1e-12)
    assert (spent_seller < 3e7 * (1 - 1e-9)).any()
    # The second sale empties the buyer's reserve; the sell rule fires on some paths.
    hold = column(run, "buyer", "holdings_btc")
    t_sale = p.dates.get_loc("2026-08-01")
    np.testing.assert_array_equal(hold[t_sale], 0.0)
    assert (hold[t_sale + 1] > 0).all()
    assert (column(run, "seller", "btc_sold_btc", True) > 0).any()
    assert (column(run, "seller", "btc_sold_btc", True) == 0).any()


def test_long_horizon_crosses_halving_and_retargets(registry) -> None:
    data = scenario(horizon_years=4.0, paths=300, freq="W")
    data["reserve"] = [
        {
            "name": "state",
            "holdings_btc": 6_000.0,
            "purchases": [{"usd_per_month": 1e6, "budget_usd": 2e7}],
            "sales": [{"date": "2027-01-01", "btc": 100.0}],
            "sell_rules": [{"above_price_usd": 250_000.0, "fraction": 0.05}],
        }
    ]
    data["mining"] = [
        mining_op("a", disposal="sell_to_cover", reserve="state", shutdown_when_unprofitable=True),
        mining_op("b", disposal="hold", reserve="state", adds_to_network=False, ramp=[]),
    ]
    run = run_both(resolve(data, "test", registry))
    assert_agree(run)
    p = run["plan"]
    # Subsidy per block recovered from the recorded hashprice: 3.125 at start, 1.5625 at the end.
    hashprice = column(run, "a", "hashprice_usd_per_ph_day").astype(np.float64)
    dif = column(run, "market", "difficulty").astype(np.float64)
    px = column(run, "market", "price_usd").astype(np.float64)
    reward = hashprice * dif * HASHES_PER_DIFFICULTY / (1e15 * SECONDS_PER_DAY * px)
    subsidy = reward - p.fees[p.out_days][:, None]
    np.testing.assert_allclose(subsidy[0], 3.125, rtol=1e-5)
    np.testing.assert_allclose(subsidy[-1], 1.5625, rtol=1e-5)
    # Every path retargets many times (about every 2 weeks), each on its own schedule.
    changes = (np.diff(dif, axis=0) != 0).sum(axis=0)
    assert changes.min() > 60
    assert np.unique(dif[len(dif) // 2]).size > 100


# ------------------------------------------------------------------ engine reproducibility
def engine_scenario(paths: int) -> dict[str, Any]:
    data = scenario(horizon_years=0.3, paths=paths, seed=2025)
    data["reserve"] = [
        {
            "name": "state",
            "holdings_btc": 100.0,
            "purchases": [{"usd_per_month": 1e6}],
            "sell_rules": [{"above_price_usd": 125_000.0, "fraction": 0.2}],
        }
    ]
    data["mining"] = [mining_op(disposal="sell_to_cover", reserve="state")]
    return data


def simulate(registry, data: dict[str, Any], workers: int) -> tuple[np.ndarray, np.ndarray]:
    res = resolve(copy.deepcopy(data), "test", registry)
    return engine.simulate_arrays(res, engine.plan(res.model), workers=workers)


def test_bit_identical_across_workers_and_repeats(registry) -> None:
    data = engine_scenario(2 * engine.BLOCK_PATHS + 50)  # three blocks
    out1, final1 = simulate(registry, data, workers=1)
    out2, final2 = simulate(registry, data, workers=2)
    out3, final3 = simulate(registry, data, workers=1)
    assert np.isfinite(final1).all()
    assert np.array_equal(out1, out2) and np.array_equal(final1, final2)
    assert np.array_equal(out1, out3) and np.array_equal(final1, final3)
    other = copy.deepcopy(data)
    other["scenario"]["seed"] = 2026
    out4, _ = simulate(registry, other, workers=2)
    assert not np.array_equal(out1, out4)


@pytest.fixture(scope="module")
def big_run(registry) -> tuple[np.ndarray, np.ndarray]:
    return simulate(registry, engine_scenario(2 * engine.BLOCK_PATHS + 50), workers=2)


@pytest.mark.parametrize("n", [1, 300, engine.BLOCK_PATHS + 7])
def test_first_paths_equal_smaller_run(registry, big_run, n: int) -> None:
    out_big, final_big = big_run
    out_small, final_small = simulate(registry, engine_scenario(n), workers=2)
    assert np.array_equal(out_big[..., :n], out_small)
    assert np.array_equal(final_big[:, :n], final_small)
