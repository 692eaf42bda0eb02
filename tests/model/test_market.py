"""Tests for simulator.model.price.basic, model.network.basic and model.shocks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulator.model.network.basic import constant_hashrate, gbm_hashrate, growth_hashrate
from simulator.model.price.basic import (
    DAYS_PER_YEAR,
    apply_shocks,
    cagr_price,
    constant_price,
    correlate,
    day_end_times,
    draw_normals,
    gbm_price,
    log_random_walk,
)

SEED = 12345
N_PATHS = 20_000
N_DAYS = 1096  # 3 years of 365.25 days = 1095.75 -> 1096 whole days
T_YEARS = N_DAYS / DAYS_PER_YEAR  # horizon of the last column [year]
DT = 1.0 / DAYS_PER_YEAR

S0 = 100_000.0  # [USD/BTC]
MU = 0.3  # [1/year]
SIGMA = 0.6  # [1/sqrt(year)]


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def gbm_horizon() -> np.ndarray:
    """Horizon prices of N_PATHS GBM paths (the big array is built in place and dropped)."""
    rng = np.random.default_rng(SEED)
    z = draw_normals(rng, N_PATHS, N_DAYS)
    paths = gbm_price(S0, MU, SIGMA, z, out=z)
    return paths[:, -1].copy()


# ------------------------------------------------------------------ shapes and conventions
def test_day_end_times() -> None:
    # t_d = (d + 1) / 365.25: day 0 ends one day after the start, time 0 is not included.
    t = day_end_times(3)
    np.testing.assert_array_equal(t, np.array([1.0, 2.0, 3.0]) / 365.25)
    assert DAYS_PER_YEAR == 365.25


@pytest.mark.parametrize(
    "make",
    [
        lambda z: constant_price(50.0, *z.shape),
        lambda z: cagr_price(50.0, 0.1, *z.shape),
        lambda z: gbm_price(50.0, 0.1, 0.5, z),
        lambda z: log_random_walk(50.0, 0.1, 0.5, z),
        lambda z: constant_hashrate(900.0, *z.shape),
        lambda z: growth_hashrate(900.0, 0.3, *z.shape),
        lambda z: growth_hashrate(900.0, 0.3, *z.shape, noise_volatility_per_year=0.2, z=z),
        lambda z: gbm_hashrate(900.0, 0.3, 0.2, z),
        lambda z: correlate(z, z[::-1].copy(), 0.5),
    ],
)
def test_shapes_and_dtype(make) -> None:
    z = draw_normals(np.random.default_rng(SEED), 7, 11)
    out = make(z)
    assert out.shape == (7, 11)
    assert out.dtype == np.float64


def test_zero_sizes() -> None:
    assert constant_price(1.0, 0, 5).shape == (0, 5)
    assert cagr_price(1.0, 0.1, 3, 0).shape == (3, 0)
    assert gbm_price(1.0, 0.1, 0.5, np.zeros((2, 0))).shape == (2, 0)


def test_constant_models() -> None:
    assert np.all(constant_price(62_000.0, 3, 4) == 62_000.0)
    assert np.all(constant_hashrate(900.0, 3, 4) == 900.0)


def test_draw_normals_reproducible_and_out() -> None:
    a = draw_normals(np.random.default_rng(SEED), 5, 8)
    out = np.empty((5, 8))
    b = draw_normals(np.random.default_rng(SEED), 5, 8, out=out)
    assert b is out
    np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ known answers
def test_cagr_known_answer() -> None:
    # 365.25 * 2 = 730.5 is not a whole day, so use 4 years = 4 * 365.25 = 1461 days:
    # the end of day d = 1460 is t = 1461 / 365.25 = 4 years, and
    # S = 100 * 1.25**4 = 100 * 2.44140625 = 244.140625.
    p = cagr_price(100.0, 0.25, 2, 1461)
    assert p[0, 1460] == pytest.approx(244.140625, rel=1e-12)
    assert p[1, 1460] == p[0, 1460]
    # Two years are between day 729 (t = 730 / 365.25) and day 730 (t = 731 / 365.25):
    # S(2 years) = 100 * 1.25**2 = 156.25 lies between them.
    assert p[0, 729] < 156.25 < p[0, 730]
    assert p[0, 729] == pytest.approx(100.0 * 1.25 ** (730 / 365.25), rel=1e-12)
    # Column 0 is the end of day 0, one day after the start (the start is not included).
    assert p[0, 0] == pytest.approx(100.0 * 1.25 ** (1 / 365.25), rel=1e-14)


def test_gbm_vol_zero_is_deterministic_exponential() -> None:
    # sigma = 0: S_d = S0 * exp(mu * t_d), whatever z is.
    z = draw_normals(np.random.default_rng(SEED), 3, 1461)
    p = gbm_price(100.0, 0.3, 0.0, z)
    expected = 100.0 * np.exp(0.3 * day_end_times(1461))
    np.testing.assert_allclose(p, np.broadcast_to(expected, p.shape), rtol=1e-14)
    # after 4 years: 100 * e^1.2 = 332.0116922736547
    assert p[0, -1] == pytest.approx(100.0 * math.exp(1.2), rel=1e-12)


def test_gbm_zero_noise_is_median_path() -> None:
    # z = 0 exercises the cumulative-sum branch: S_d = S0 exp((mu - sigma^2/2) t_d).
    # mu = 0.3, sigma = 0.6: median log growth 0.3 - 0.36 / 2 = 0.12 per year,
    # i.e. e^0.12 - 1 = 12.75 % a year.
    p = gbm_price(100.0, 0.3, 0.6, np.zeros((2, 1461)))
    np.testing.assert_allclose(p[0], 100.0 * np.exp(0.12 * day_end_times(1461)), rtol=1e-12)
    # day 1460 ends at t = 1461 / 365.25 = 4 years: annualised growth (S/S0)^(1/4) - 1 = e^0.12 - 1
    assert (p[0, -1] / 100.0) ** 0.25 - 1 == pytest.approx(math.exp(0.12) - 1, rel=1e-12)


def test_gbm_out_in_place_equals_fresh() -> None:
    z = draw_normals(np.random.default_rng(SEED), 4, 50)
    fresh = gbm_price(10.0, 0.2, 0.8, z)
    same = gbm_price(10.0, 0.2, 0.8, z, out=z)
    assert same is z
    np.testing.assert_array_equal(fresh, same)


def test_gbm_hashrate_reuses_gbm_price() -> None:
    z = draw_normals(np.random.default_rng(SEED), 4, 50)
    np.testing.assert_array_equal(gbm_hashrate(900.0, 0.3, 0.2, z), gbm_price(900.0, 0.3, 0.2, z))


def test_growth_hashrate_deterministic_trend() -> None:
    # No noise: H_d = H0 (1 + g)^t_d; after 1461 days (4 years): 900 * 1.5**4 = 4556.25 EH/s.
    h = growth_hashrate(900.0, 0.5, 2, 1461)
    np.testing.assert_array_equal(h, cagr_price(900.0, 0.5, 2, 1461))
    assert h[0, -1] == pytest.approx(4556.25, rel=1e-12)
    # With noise but z = 0 the path is exactly the trend (the noise is driftless in log).
    hz = growth_hashrate(900.0, 0.5, 2, 1461, noise_volatility_per_year=0.4, z=np.zeros((2, 1461)))
    np.testing.assert_allclose(hz, h, rtol=1e-12)


# ------------------------------------------------------------------ statistics (tolerance = 4 SE)
def test_gbm_mean_at_horizon(gbm_horizon: np.ndarray) -> None:
    n = gbm_horizon.size
    theory = S0 * math.exp(MU * T_YEARS)  # E[S_T] = S0 e^{mu T}
    # SE of the sample mean = sd(S_T) / sqrt(n), sd(S_T) = S0 e^{mu T} sqrt(e^{sigma^2 T} - 1)
    se = theory * math.sqrt(math.expm1(SIGMA**2 * T_YEARS)) / math.sqrt(n)
    assert abs(gbm_horizon.mean() - theory) < 4 * se


def test_gbm_median_at_horizon(gbm_horizon: np.ndarray) -> None:
    n = gbm_horizon.size
    m = S0 * math.exp((MU - SIGMA**2 / 2) * T_YEARS)  # median(S_T) = S0 e^{(mu - sigma^2/2) T}
    # Lognormal density at its median: f(m) = 1 / (m s sqrt(2 pi)), s = sigma sqrt(T).
    # SE of the sample median = 1 / (2 f(m) sqrt(n)) = m s sqrt(2 pi) / (2 sqrt(n)).
    s = SIGMA * math.sqrt(T_YEARS)
    f_m = 1.0 / (m * s * math.sqrt(2 * math.pi))
    se = 1.0 / (2 * f_m * math.sqrt(n))
    assert abs(np.median(gbm_horizon) - m) < 4 * se


def test_gbm_daily_log_returns() -> None:
    n_paths = 1_000
    z = draw_normals(np.random.default_rng(SEED), n_paths, N_DAYS)
    logp = np.log(gbm_price(S0, MU, SIGMA, z, out=z), out=z)
    r = np.diff(logp, axis=1, prepend=math.log(S0))  # includes the first day's return from S0
    n = r.size
    # Daily log returns are iid N((mu - sigma^2/2) dt, sigma^2 dt).
    var_theory = SIGMA**2 * DT
    # SE of the sample variance of normal data = var * sqrt(2 / (n - 1))
    se_var = var_theory * math.sqrt(2.0 / (n - 1))
    assert abs(r.var(ddof=1) - var_theory) < 4 * se_var
    # SE of the sample mean = sd / sqrt(n) = sigma sqrt(dt) / sqrt(n)
    mean_theory = (MU - SIGMA**2 / 2) * DT
    se_mean = SIGMA * math.sqrt(DT) / math.sqrt(n)
    assert abs(r.mean() - mean_theory) < 4 * se_mean


def test_growth_hashrate_median_follows_trend() -> None:
    h0, g, sigma = 900.0, 0.4, 0.3
    rng = np.random.default_rng(SEED)
    z = draw_normals(rng, N_PATHS, N_DAYS)
    h = growth_hashrate(h0, g, N_PATHS, N_DAYS, noise_volatility_per_year=sigma, z=z, out=z)
    n = N_PATHS
    for day in (364, N_DAYS - 1):
        t = (day + 1) / DAYS_PER_YEAR
        trend = h0 * (1 + g) ** t  # median of H_d
        s = sigma * math.sqrt(t)  # sd of log(H_d)
        # SE of the sample median of a lognormal = m s sqrt(2 pi) / (2 sqrt(n))  (as above)
        se = trend * s * math.sqrt(2 * math.pi) / (2 * math.sqrt(n))
        assert abs(np.median(h[:, day]) - trend) < 4 * se


@pytest.mark.parametrize("rho", [-0.8, 0.0, 0.35, 0.6])
def test_correlate_sample_correlation(rho: float) -> None:
    rng = np.random.default_rng(SEED)
    zp = draw_normals(rng, 200, 1_000)
    zo = draw_normals(rng, 200, 1_000)
    zp_before = zp.copy()
    zc = correlate(zp, zo, rho)
    n = zp.size
    # SE of the sample correlation of bivariate normals ~ (1 - rho^2) / sqrt(n)
    se_r = (1 - rho**2) / math.sqrt(n)
    r = np.corrcoef(zp.ravel(), zc.ravel())[0, 1]
    assert abs(r - rho) < 4 * se_r
    # the result is still N(0, 1): SE of the sample variance = sqrt(2 / (n - 1))
    assert abs(zc.var(ddof=1) - 1.0) < 4 * math.sqrt(2.0 / (n - 1))
    np.testing.assert_array_equal(zp, zp_before)


def test_correlate_in_place_and_edges() -> None:
    rng = np.random.default_rng(SEED)
    zp = draw_normals(rng, 3, 20)
    zo = draw_normals(rng, 3, 20)
    fresh = correlate(zp, zo, 0.6)
    np.testing.assert_allclose(fresh, 0.6 * zp + 0.8 * zo, rtol=1e-13, atol=1e-15)
    in_place = correlate(zp, zo, 0.6, out=zo)
    assert in_place is zo
    np.testing.assert_allclose(in_place, fresh, rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(correlate(zp, zo, 1.0), zp)
    np.testing.assert_array_equal(correlate(zp, zo, -1.0), -zp)
    np.testing.assert_array_equal(correlate(zp, zo, 0.0), zo)


# ------------------------------------------------------------------ shocks
def test_shock_applies_from_its_day_onward() -> None:
    p = constant_price(100.0, 2, 30)
    out = apply_shocks(p, [10], [-0.5])
    assert out is p
    assert np.all(p[:, :10] == 100.0)  # days 0..9 untouched
    assert np.all(p[:, 10:] == 50.0)  # end of day 10 onward: -50 %


def test_shocks_compose() -> None:
    p = constant_price(100.0, 1, 30)
    apply_shocks(p, [5, 10, 10], [1.0, -0.5, -0.5])
    assert np.all(p[0, :5] == 100.0)
    assert np.all(p[0, 5:10] == 200.0)  # 100 * 2
    assert np.all(p[0, 10:] == 50.0)  # 100 * 2 * 0.5 * 0.5


def test_no_shocks_is_identity() -> None:
    p = constant_price(100.0, 1, 5)
    assert np.all(apply_shocks(p, [], []) == 100.0)


def test_invalid_shock_leaves_paths_untouched() -> None:
    p = constant_price(100.0, 1, 30)
    with pytest.raises(ValueError, match=r"changes\[1\] must be > -1"):
        apply_shocks(p, [5, 10], [0.5, -1.0])
    assert np.all(p == 100.0)


# ------------------------------------------------------------------ bad inputs
_Z = np.zeros((2, 5))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: constant_price(-1.0, 2, 5), r"start_usd must be > 0 \(got -1.0\)"),
        (lambda: constant_price(0.0, 2, 5), "start_usd must be > 0"),
        (lambda: constant_price(1.0, -2, 5), "n_paths must be a non-negative integer"),
        (lambda: constant_price(1.0, 2, 2.5), "n_days must be a non-negative integer"),
        (lambda: cagr_price(1.0, -1.0, 2, 5), "growth_per_year must be > -1"),
        (lambda: cagr_price(1.0, math.nan, 2, 5), "growth_per_year must be a finite number"),
        (lambda: gbm_price(-5.0, 0.1, 0.5, _Z), "start_usd must be > 0"),
        (lambda: gbm_price(1.0, 0.1, -0.5, _Z), "volatility_per_year must be >= 0"),
        (lambda: gbm_price(1.0, math.inf, 0.5, _Z), "expected_return_per_year must be a finite"),
        (lambda: gbm_price(1.0, 0.1, 0.5, np.zeros(5)), "z must be a 2-D array"),
        (
            lambda: gbm_price(1.0, 0.1, 0.5, _Z, out=np.empty((2, 4))),
            r"out has shape \(2, 4\), expected \(2, 5\)",
        ),
        (
            lambda: gbm_price(1.0, 0.1, 0.5, _Z, out=np.empty((2, 5), np.float32)),
            "out must be a float64 numpy array",
        ),
        (lambda: correlate(_Z, _Z.copy(), 1.5), r"rho must be between -1 and 1 \(got 1.5\)"),
        (lambda: correlate(_Z, np.zeros((2, 4)), 0.5), r"z_other has shape \(2, 4\)"),
        (lambda: correlate(_Z, _Z.copy(), 0.5, out=_Z), "out must not share memory"),
        (lambda: apply_shocks(np.ones((2, 5)), [1], [-1.0]), r"changes\[0\] must be > -1"),
        (lambda: apply_shocks(np.ones((2, 5)), [5], [0.1]), r"shock_days\[0\] must be in \[0, 5\)"),
        (lambda: apply_shocks(np.ones((2, 5)), [1, 2], [0.1]), "same length"),
        (lambda: apply_shocks(np.ones(5), [1], [0.1]), "paths must be a 2-D array"),
        (lambda: apply_shocks([[1.0, 2.0]], [1], [0.1]), "paths must be a float64 numpy array"),
        (lambda: constant_hashrate(-900.0, 2, 5), "start_ehs must be > 0"),
        (
            lambda: growth_hashrate(900.0, 0.3, 2, 5, noise_volatility_per_year=0.2),
            "z is required when noise_volatility_per_year > 0",
        ),
        (
            lambda: growth_hashrate(900.0, 0.3, 3, 5, 0.2, z=_Z),
            r"z has shape \(2, 5\), expected \(n_paths, n_days\) = \(3, 5\)",
        ),
        (
            lambda: growth_hashrate(900.0, 0.3, 2, 5, noise_volatility_per_year=-0.1, z=_Z),
            "noise_volatility_per_year must be >= 0",
        ),
        (lambda: gbm_hashrate(900.0, 0.3, -0.2, _Z), "volatility_per_year must be >= 0"),
        (lambda: draw_normals(np.random.default_rng(1), 2, 5, out=np.empty((5, 2))), "out has"),
        (lambda: draw_normals(12345, 2, 5), "rng must be a numpy.random.Generator"),
    ],
)
def test_bad_inputs_raise(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


# ------------------------------------------------------------------ properties
_z_arrays = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 4), st.integers(1, 60)),
    elements=st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=60, deadline=None)
@given(
    z=_z_arrays,
    start=st.floats(1e-2, 1e7),
    mu=st.floats(-2.0, 2.0),
    sigma=st.floats(0.0, 3.0),
)
def test_gbm_strictly_positive_and_finite(z, start, mu, sigma) -> None:
    p = gbm_price(start, mu, sigma, z)
    assert np.all(np.isfinite(p))
    assert np.all(p > 0.0)


@settings(max_examples=60, deadline=None)
@given(
    n_days=st.integers(1, 40),
    shocks=st.lists(
        st.tuples(st.integers(0, 39), st.floats(-0.99, 5.0)),
        max_size=6,
    ),
)
def test_shocks_compose_multiplicatively(n_days, shocks) -> None:
    shocks = [(d % n_days, c) for d, c in shocks]
    days = [d for d, _ in shocks]
    changes = [c for _, c in shocks]
    together = apply_shocks(constant_price(100.0, 2, n_days), days, changes)
    one_by_one = constant_price(100.0, 2, n_days)
    for d, c in shocks:
        apply_shocks(one_by_one, [d], [c])
    np.testing.assert_allclose(together, one_by_one, rtol=1e-12)
    # the last day carries every shock: 100 * prod(1 + c)
    assert together[0, -1] == pytest.approx(100.0 * math.prod(1 + c for c in changes), rel=1e-12)
    assert np.all(together > 0.0)
