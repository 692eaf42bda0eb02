"""Exchange-rate path models [LCU/USD]: known answers and the GBM mean.

Statistical checks use a fixed seed and a tolerance of 4 Monte Carlo standard
errors (SE); the SE and the arithmetic of the theory are written next to each.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.model.fx import cagr_fx, constant_fx, gbm_fx
from simulator.model.price.basic import day_end_times, draw_normals
from simulator.model.units import DAYS_PER_YEAR

START = 283.5  # PKR per USD, about the rate of July 2025


def test_constant_stays_at_start() -> None:
    x = constant_fx(START, 3, 10)
    assert x.shape == (3, 10) and x.dtype == np.float64
    assert (x == START).all()


def test_cagr_ten_percent_known_answers() -> None:
    x = cagr_fx(START, 0.10, 2, 1461)
    assert (x[0] == x[1]).all()
    # Day d ends at t_d = (d + 1) / 365.25 years, so day 0 is already one day on:
    # X_0 = 283.5 * 1.1^(1 / 365.25).
    assert x[0, 0] == pytest.approx(START * 1.1 ** (1 / 365.25), rel=1e-14)
    # Two years are 2 * 365.25 = 730.5 days: halfway through day d = 730, not a day end
    # (day 729 ends at 730 / 365.25 = 1.99863 yr, day 730 at 731 / 365.25 = 2.00137 yr).
    # The log rate is linear in t, so the geometric mean of the two day ends is the
    # rate at t = (730 + 731) / 2 / 365.25 = 2 yr: 283.5 * 1.1^2 = 283.5 * 1.21 = 343.035.
    assert math.sqrt(x[0, 729] * x[0, 730]) == pytest.approx(START * 1.21, rel=1e-13)
    assert x[0, 729] < START * 1.21 < x[0, 730]
    # Four years are 1461 days exactly: day d = 1460 ends at 1461 / 365.25 = 4 yr,
    # 283.5 * 1.1^4 = 283.5 * 1.4641 = 415.07235.
    assert day_end_times(1461)[1460] == 4.0
    assert x[0, 1460] == pytest.approx(START * 1.4641, rel=1e-13)


def test_cagr_depreciation_of_the_local_currency() -> None:
    # +10 % LCU per USD a year: one LCU is worth 1 / 1.1 = 0.909 as many USD, -9.1 %.
    x = cagr_fx(START, 0.10, 1, 1461)
    usd_per_lcu_after_4y = 1 / x[0, 1460]
    assert usd_per_lcu_after_4y * START == pytest.approx((1 / 1.1) ** 4, rel=1e-13)


def test_gbm_without_volatility_is_exponential_growth() -> None:
    mu, n_days = 0.08, 800
    z = np.full((2, n_days), np.nan)  # not read when sigma = 0
    x = gbm_fx(START, mu, 0.0, z)
    # X_d = 283.5 * e^(0.08 t_d), t_d = (d + 1) / 365.25; at d = 364, t = 365 / 365.25.
    expected = START * np.exp(mu * np.arange(1, n_days + 1) / DAYS_PER_YEAR)
    np.testing.assert_allclose(x[0], expected, rtol=1e-14)
    np.testing.assert_array_equal(x[0], x[1])
    assert x[0, 364] == pytest.approx(START * math.exp(0.08 * 365 / 365.25), rel=1e-14)


def test_gbm_one_step_known_answer_and_in_place() -> None:
    # One day, z = 1: X = X_0 exp((mu - sigma^2/2) dt + sigma sqrt(dt) z).
    mu, sigma, dt = 0.05, 0.2, 1 / 365.25
    z = np.ones((1, 1))
    x = gbm_fx(START, mu, sigma, z, out=z)
    assert x is z
    want = START * math.exp((mu - 0.5 * sigma**2) * dt + sigma * math.sqrt(dt))
    assert x[0, 0] == pytest.approx(want, rel=1e-14)


def test_gbm_mean_at_horizon() -> None:
    # E[X_T] = X_0 e^(mu T); T = 365 / 365.25 yr (day 364).
    # X_T is log-normal with log sd sigma sqrt(T) = 0.15: sd / mean = sqrt(e^0.0225 - 1) = 0.151,
    # so the SE of the mean of 20,000 paths is about 0.151 * 307.1 / sqrt(20000) = 0.33 LCU/USD.
    mu, sigma, n = 0.08, 0.15, 20_000
    z = draw_normals(np.random.default_rng(20250717), n, 365)
    x_t = gbm_fx(START, mu, sigma, z, out=z)[:, -1]
    t = 365 / DAYS_PER_YEAR
    se = x_t.std(ddof=1) / math.sqrt(n)
    assert abs(x_t.mean() - START * math.exp(mu * t)) < 4 * se
    # The median is below the mean: X_0 e^((mu - sigma^2/2) T).
    assert np.median(x_t) < START * math.exp(mu * t)


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (lambda: constant_fx(0.0, 1, 1), "start_lcu_per_usd"),
        (lambda: cagr_fx(-5.0, 0.1, 1, 1), "start_lcu_per_usd"),
        (lambda: cagr_fx(START, -1.0, 1, 1), "growth_per_year"),
        (lambda: gbm_fx(START, 0.0, -0.1, np.zeros((1, 1))), "volatility_per_year"),
        (lambda: gbm_fx(START, math.inf, 0.1, np.zeros((1, 1))), "expected_growth_per_year"),
    ],
)
def test_bad_inputs_are_refused_by_name(call, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        call()
