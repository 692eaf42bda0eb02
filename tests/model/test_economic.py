"""Economic network hashrate: known answers, the recursion, cap, noise, calibration recovery."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.calibrate.network import fit_network_economic
from simulator.model.network.economic import (
    adjustment_rate_per_day,
    economic_hashrate,
    growth_cap_per_day,
    marginal_cost_usd_per_th_day,
    nominal_reward_btc_per_day,
    target_hashrate_ehs,
)


def test_cost_known_answer() -> None:
    # 20 J/TH = 20 W per TH/s; x 24 h = 480 Wh = 0.48 kWh a day; x USD 0.05 = USD 0.024
    cost = marginal_cost_usd_per_th_day(20.0, 0.0, 0.05, 1.0, 3)
    np.testing.assert_allclose(cost, [0.024, 0.024, 0.024], rtol=1e-15)
    # 10 %/yr improvement and an all-in factor 2: C_d = 0.048 x 0.9^((d + 1) / 365.25)
    cost = marginal_cost_usd_per_th_day(20.0, 0.10, 0.05, 2.0, 366)
    assert cost[0] == pytest.approx(0.048 * 0.9 ** (1 / 365.25), rel=1e-14)
    assert cost[-1] == pytest.approx(0.048 * 0.9 ** (366 / 365.25), rel=1e-14)


def test_target_known_answer() -> None:
    # reward 144 x (3.125 + 0.03) = 450 + 4.32 = 454.32 BTC/day; at USD 100,000 that is
    # USD 45,432,000 a day, which pays 45,432,000 / 0.024 = 1.893e9 TH/s = 1,893 EH/s
    reward = nominal_reward_btc_per_day(900_000, 0.03, 2)
    np.testing.assert_allclose(reward, [454.32, 454.32], rtol=1e-14)
    cost = marginal_cost_usd_per_th_day(20.0, 0.0, 0.05, 1.0, 2)
    target = target_hashrate_ehs(np.full((3, 2), 100_000.0), reward, cost)
    assert target.shape == (3, 2)
    np.testing.assert_allclose(target, 1893.0, rtol=1e-12)


def test_nominal_reward_halves_at_the_nominal_halving() -> None:
    # end of day d is at h0 + 144 (d + 1): 839,855 and 839,999 pay 6.25, 840,143 pays 3.125
    reward = nominal_reward_btc_per_day(839_711, np.zeros(4), 4)
    np.testing.assert_array_equal(reward, [900.0, 900.0, 450.0, 450.0])
    cost = np.full(4, 0.024)
    target = target_hashrate_ehs(np.full((1, 4), 60_000.0), reward, cost)
    assert target[0, 2] == pytest.approx(target[0, 1] / 2, rel=1e-15)


def _constant_setup(n_days: int, target_ehs: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Price, reward and cost whose target is ``target_ehs`` every day."""
    reward = np.full(n_days, 450.0)
    cost = np.full(n_days, 0.024)
    price = np.full((2, n_days), target_ehs * 1e6 * 0.024 / 450.0)
    return price, reward, cost


def test_gap_halves_in_half_life_days() -> None:
    # sigma = 0, constant target T: gap_d = (1 - a)^(d + 1) gap_0, a = 1 - 2^(-1/120)
    price, reward, cost = _constant_setup(360, 800.0)
    h = economic_hashrate(600.0, price, reward, cost, 120.0, 10.0)
    gap0 = math.log(800.0 / 600.0)
    gap = np.log(800.0) - np.log(h[0])
    a = adjustment_rate_per_day(120.0)
    assert a == pytest.approx(1 - 2 ** (-1 / 120), rel=1e-15)
    np.testing.assert_allclose(gap, gap0 * (1 - a) ** np.arange(1, 361), rtol=1e-9)
    assert gap[119] == pytest.approx(gap0 / 2, rel=1e-9)  # after 120 days
    assert gap[239] == pytest.approx(gap0 / 4, rel=1e-9)
    np.testing.assert_array_equal(h[0], h[1])


def test_growth_cap_binds_and_falls_are_not_capped() -> None:
    price, reward, cost = _constant_setup(400, 5000.0)
    h = economic_hashrate(500.0, price, reward, cost, 30.0, 0.10)
    c = growth_cap_per_day(0.10)
    assert c == pytest.approx(math.log(1.1) / 30.4375, rel=1e-15)
    # far below target: every day's log step is exactly the cap
    steps = np.diff(np.log(np.concatenate([[500.0], h[0]])))
    np.testing.assert_allclose(steps[:200], c, rtol=1e-12)
    assert np.all(steps <= c * (1 + 1e-12))
    monthly = h[0, 30:] / h[0, :-30]  # 30 days < one mean month
    assert monthly.max() <= 1.1 ** (30 / 30.4375) * (1 + 1e-12)
    # far above target: the first day falls by a (ln H0 - ln T), far more than the cap
    price, reward, cost = _constant_setup(60, 100.0)
    h = economic_hashrate(1000.0, price, reward, cost, 30.0, 0.10)
    a = adjustment_rate_per_day(30.0)
    fall = math.log(1000.0) - math.log(h[0, 0])
    assert fall == pytest.approx(a * math.log(10.0), rel=1e-12)
    assert fall > 2 * c


def test_noise_moments_match_the_ar1_theory() -> None:
    # Start on the target: g_d = ln H_d - ln T follows g_d = (1 - a) g_{d-1} + s z_d, g_{-1} = 0,
    # so g_d ~ N(0, s^2 (1 - b^(2(d+1))) / (1 - b^2)), b = 1 - a, s = sigma sqrt(1 / 365.25).
    n_paths, n_days, sigma = 4000, 200, 0.4
    price, reward, cost = _constant_setup(n_days, 700.0)
    price = np.broadcast_to(price[:1], (n_paths, n_days))
    z = np.random.default_rng(20250717).standard_normal((n_paths, n_days))
    h = economic_hashrate(700.0, price, reward, cost, 60.0, 100.0, sigma, z)
    g_last = np.log(h[:, -1]) - math.log(700.0)
    b = 1 - adjustment_rate_per_day(60.0)
    s2 = sigma**2 / 365.25
    var_theory = s2 * (1 - b ** (2 * n_days)) / (1 - b**2)
    se_mean = math.sqrt(var_theory / n_paths)
    assert abs(g_last.mean()) < 4 * se_mean
    se_var = var_theory * math.sqrt(2 / (n_paths - 1))  # normal sample variance
    assert abs(g_last.var(ddof=1) - var_theory) < 4 * se_var
    # the first day's increment is exactly s z_0 (no pull on the target)
    np.testing.assert_allclose(np.log(h[:, 0] / 700.0), math.sqrt(s2) * z[:, 0], atol=1e-12)


def test_out_and_z_in_place() -> None:
    price, reward, cost = _constant_setup(50, 700.0)
    z = np.random.default_rng(1).standard_normal(price.shape)
    fresh = economic_hashrate(600.0, price, reward, cost, 90.0, 0.1, 0.3, z)
    same = economic_hashrate(600.0, price, reward, cost, 90.0, 0.1, 0.3, z, out=z)
    assert same is z
    np.testing.assert_array_equal(fresh, same)
    # z is not needed (and not read) without noise
    quiet = economic_hashrate(600.0, price, reward, cost, 90.0, 0.1, 0.0, np.full((2, 50), np.nan))
    assert np.all(np.isfinite(quiet))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"noise_volatility_per_year": 0.2}, "z is required"),
        ({"adjustment_half_life_days": 0.0}, "adjustment_half_life_days must be > 0"),
        ({"max_growth_per_month": -0.1}, "max_growth_per_month must be > 0"),
        ({"start_ehs": 0.0}, "start_ehs must be > 0"),
        ({"price": np.full((2, 5), -1.0)}, "price must be finite and > 0"),
        ({"price": np.ones(5)}, "price must be a 2-D array"),
        ({"reward_btc_per_day": np.ones(4)}, "reward_btc_per_day has 4 values"),
        ({"cost_usd_per_th_day": np.zeros(5)}, "cost_usd_per_th_day must be finite and > 0"),
        ({"noise_volatility_per_year": 0.2, "z": np.ones((2, 4))}, "z has shape"),
    ],
)
def test_economic_hashrate_errors(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "start_ehs": 500.0,
        "price": np.full((2, 5), 1e5),
        "reward_btc_per_day": np.full(5, 450.0),
        "cost_usd_per_th_day": np.full(5, 0.024),
        "adjustment_half_life_days": 120.0,
        "max_growth_per_month": 0.1,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        economic_hashrate(**args)  # type: ignore[arg-type]


def test_helper_errors() -> None:
    with pytest.raises(ValueError, match="efficiency_improvement_per_year must be in"):
        marginal_cost_usd_per_th_day(20.0, 1.0, 0.05, 1.0, 3)
    with pytest.raises(ValueError, match="electricity_usd_per_kwh must be > 0"):
        marginal_cost_usd_per_th_day(20.0, 0.1, 0.0, 1.0, 3)
    with pytest.raises(ValueError, match="start_height must be >= 0"):
        nominal_reward_btc_per_day(-1, 0.0, 3)
    with pytest.raises(ValueError, match="fees_btc_per_block must be a scalar or shape"):
        nominal_reward_btc_per_day(0, np.zeros(2), 3)
    with pytest.raises(ValueError, match="fees_btc_per_block must be finite and >= 0"):
        nominal_reward_btc_per_day(0, -0.1, 3)


def _synthetic_history(seed: int, half_life: float, factor: float, sigma: float) -> pd.DataFrame:
    """Eight years of daily data generated by economic_hashrate, with Poisson block luck."""
    n = 2922
    rng = np.random.default_rng(seed)
    z_price, z_hash = rng.standard_normal((2, 1, n))
    price = 30_000 * np.exp(np.cumsum(0.6 / math.sqrt(365.25) * z_price - 0.18 / 365.25, axis=1))
    reward = np.full(n, 144 * 6.35)
    cost = marginal_cost_usd_per_th_day(30.0, 0.10, 0.05, factor, n)
    true = economic_hashrate(50.0, price, reward, cost, half_life, 0.5, sigma, z_hash)[0]
    blocks = rng.poisson(144, n).astype(float)  # measured hashrate = true x blocks / 144
    index = pd.date_range("2016-01-01", periods=n, freq="D", name="date")
    return pd.DataFrame(
        {
            "price_usd": price[0],
            "hashrate_ehs": true * blocks / 144,
            "issuance_btc": 6.25 * blocks,
            "fees_btc": 0.10 * blocks,
            "blocks": blocks,
        },
        index=index,
    )


def test_fit_recovers_synthetic_parameters() -> None:
    half_life, factor, sigma = 120.0, 1.5, 0.3
    frame = _synthetic_history(7, half_life, factor, sigma)
    # the fit anchors the efficiency at the last day: 30 J/TH x 0.9^(2922 / 365.25)
    fit = fit_network_economic(frame, efficiency_j_per_th=30.0 * 0.9 ** (2922 / 365.25))
    est = fit.frame().set_index("key")
    for key, true in [
        ("adjustment_half_life_days", half_life),
        ("all_in_cost_factor", factor),
        ("noise_volatility_per_year", sigma),
    ]:
        value, se = est.loc[key, "value"], est.loc[key, "se"]
        assert abs(value - true) < 4 * se, (key, value, se)
    assert fit.n_obs == 2922 // 7 - 1
    assert fit.scenario_model == "economic" and fit.section == "market.network"
    assert fit.fixed["marginal_electricity_usd_per_kwh"] == 0.05
    assert 'model = "economic"' in fit.to_toml()


def test_fit_needs_columns() -> None:
    frame = _synthetic_history(1, 120.0, 1.5, 0.3).drop(columns="fees_btc")
    with pytest.raises(ValueError, match="'fees_btc'"):
        fit_network_economic(frame)
