"""Tests for the heavy-tailed, bootstrap, power-law and dated-path price models.

Statistical checks use a fixed seed and tolerances of 4 Monte Carlo standard
errors (SE); the SE formula and the arithmetic of the theory are written next
to each check.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy import optimize, stats

from simulator.model.paths import cycle_paths, interpolate_paths
from simulator.model.price.basic import DAYS_PER_YEAR, draw_normals, gbm_price
from simulator.model.price.bootstrap import (
    bootstrap_price,
    recentre_shift,
    standardised_innovations,
    stationary_bootstrap_indices,
)
from simulator.model.price.heavy import (
    _poisson_cdf,
    draw_jumps,
    draw_standard_t,
    jump_diffusion_price,
    student_t_price,
)
from simulator.model.price.powerlaw import (
    GENESIS,
    POWERLAW_PRESETS,
    days_since_genesis,
    ou_residual,
    powerlaw_price,
    powerlaw_trend_usd,
    resolve_preset,
)

SEED = 20240601
N_PATHS = 2_000
N_DAYS = 365
N = N_PATHS * N_DAYS  # 730,000 daily returns
DT = 1.0 / DAYS_PER_YEAR
T_YEARS = N_DAYS * DT  # horizon of the last column [year]
S0 = 100_000.0  # [USD/BTC]
K_SE = 4.0  # tolerance in standard errors


def log_returns_of(prices: np.ndarray, start: float = S0) -> np.ndarray:
    """Daily log returns of price paths that start (time 0) at ``start``."""
    return np.diff(np.log(prices), axis=1, prepend=math.log(start))


def quantile_se(p: float, n: int, density: float) -> float:
    """SE of a sample p-quantile: sqrt(p (1 - p) / n) / f(q) (order-statistic asymptotics)."""
    return math.sqrt(p * (1.0 - p) / n) / density


# ================================================================== Student-t
NU = 5.0  # kurtosis of a t_5 is 3 + 6 / (nu - 4) = 9 (finite, so the variance SE exists)
MU, SIGMA = 0.3, 0.6


def test_student_t_log_return_moments() -> None:
    eps = draw_standard_t(np.random.default_rng(SEED), NU, N_PATHS, N_DAYS)
    r = log_returns_of(student_t_price(S0, MU, SIGMA, eps, out=eps))
    # Mean: (mu - sigma^2/2) dt = (0.3 - 0.18) / 365.25 = 3.285e-4 [1/day];
    # SE = sigma sqrt(dt) / sqrt(N) = 0.6 * 0.05232 / 854.4 = 3.67e-5.
    mean_theory = (MU - 0.5 * SIGMA**2) * DT
    se_mean = SIGMA * math.sqrt(DT / N)
    assert abs(r.mean() - mean_theory) < K_SE * se_mean
    # Variance: sigma^2 dt = 0.36 / 365.25 = 9.856e-4; SE of a sample variance is
    # sqrt((kurtosis - 1) / N) var = sqrt(8 / 730,000) var = 3.3e-3 var.
    var_theory = SIGMA**2 * DT
    kurtosis = 3.0 + 6.0 / (NU - 4.0)
    se_var = math.sqrt((kurtosis - 1.0) / N) * var_theory
    assert abs(r.var() - var_theory) < K_SE * se_var
    # So the annualised volatility sqrt(var / dt) means what it says.
    assert abs(math.sqrt(r.var() / DT) - SIGMA) < 0.01


@pytest.mark.parametrize("p", [0.005, 0.995])
def test_student_t_tail_quantiles(p: float) -> None:
    nu = 4.0
    eps = draw_standard_t(np.random.default_rng(SEED + 1), nu, N_PATHS, N_DAYS).ravel()
    # Unit-variance t: eps = T sqrt((nu - 2) / nu); q_0.005 = -4.604 * 0.7071 = -3.256,
    # beyond the normal's -2.576 (heavy tail). Density of eps at q: f_t(q / c) / c.
    c = math.sqrt((nu - 2.0) / nu)
    q = float(stats.t.ppf(p, nu)) * c
    se = quantile_se(p, eps.size, float(stats.t.pdf(q / c, nu)) / c)  # about 0.016
    assert abs(np.quantile(eps, p) - q) < K_SE * se
    assert abs(q) > abs(stats.norm.ppf(p)) + 0.5
    assert abs(eps.var() - 1.0) < 0.02


def test_student_t_zero_volatility_is_deterministic_growth() -> None:
    # sigma = 0: S_d = S0 exp(mu t_d); e.g. t = 365.25 days -> S0 e^0.3.
    eps = np.full((2, 366), np.nan)  # not read when sigma = 0
    paths = student_t_price(S0, MU, 0.0, eps)
    np.testing.assert_allclose(paths[:, -1], S0 * math.exp(MU * 366 * DT), rtol=1e-12)


# ================================================================== Merton jumps
LAM, M_J, S_J = 10.0, -0.05, 0.10  # 10 jumps a year of about -5 % +- 10 %
SIGMA_J = 0.5
KAPPA = math.expm1(M_J + 0.5 * S_J**2)  # e^(-0.045) - 1 = -0.0440


@pytest.fixture(scope="module")
def jump_returns() -> tuple[np.ndarray, np.ndarray]:
    """Daily log returns and horizon prices of N_PATHS jump-diffusion paths."""
    rng = np.random.default_rng(SEED + 2)
    z = draw_normals(rng, N_PATHS, N_DAYS)
    jumps = draw_jumps(rng, LAM, M_J, S_J, N_PATHS, N_DAYS)
    paths = jump_diffusion_price(S0, MU, SIGMA_J, LAM, M_J, S_J, z, jumps, out=z)
    return log_returns_of(paths), paths[:, -1].copy()


def _jump_cdf_pdf(x: float) -> tuple[float, float]:
    """CDF and density of one day's log return: a Poisson mixture of normals."""
    a = (MU - 0.5 * SIGMA_J**2 - LAM * KAPPA) * DT
    cdf = pdf = 0.0
    for n in range(12):  # P(N >= 12) ~ (0.027)^12 / 12! is negligible
        w = stats.poisson.pmf(n, LAM * DT)
        sd = math.sqrt(SIGMA_J**2 * DT + n * S_J**2)
        cdf += w * stats.norm.cdf(x, a + n * M_J, sd)
        pdf += w * stats.norm.pdf(x, a + n * M_J, sd)
    return cdf, pdf


def test_jump_log_return_moments(jump_returns: tuple[np.ndarray, np.ndarray]) -> None:
    r, _ = jump_returns
    lam_dt = LAM * DT
    # Mean: (mu - sigma^2/2 - lambda k) dt + lambda dt m
    #     = (0.3 - 0.125 + 0.440) dt - 0.5 dt = 0.115 dt = 3.15e-4 [1/day].
    mean_theory = (MU - 0.5 * SIGMA_J**2 - LAM * KAPPA) * DT + lam_dt * M_J
    # Variance: sigma^2 dt + lambda dt (s^2 + m^2) = (0.25 + 10 * 0.0125) dt = 0.375 dt.
    var_theory = SIGMA_J**2 * DT + lam_dt * (S_J**2 + M_J**2)
    se_mean = math.sqrt(var_theory / N)  # 3.75e-5
    assert abs(r.mean() - mean_theory) < K_SE * se_mean
    # SE of the variance: sqrt((mu4 - var^2) / N), mu4 = kappa4 + 3 var^2 with the
    # jump cumulant kappa4 = lambda dt E[Y^4], E[Y^4] = m^4 + 6 m^2 s^2 + 3 s^4.
    mu4 = lam_dt * (M_J**4 + 6 * M_J**2 * S_J**2 + 3 * S_J**4) + 3 * var_theory**2
    se_var = math.sqrt((mu4 - var_theory**2) / N)  # about 0.44 % of var
    assert abs(r.var() - var_theory) < K_SE * se_var


def test_jump_expected_price_is_compensated(jump_returns: tuple[np.ndarray, np.ndarray]) -> None:
    _, horizon = jump_returns
    # E[S_T] / S0 = exp(mu T) = exp(0.3 * 365 / 365.25) = 1.3497; without the
    # compensation it would be exp((mu + lambda k) T) = exp(-0.14 T) = 0.87.
    ratio = horizon / S0
    se = ratio.std(ddof=1) / math.sqrt(ratio.size)  # SE of a sample mean, about 0.02
    assert abs(ratio.mean() - math.exp(MU * T_YEARS)) < K_SE * se


@pytest.mark.parametrize("p", [0.001, 0.999])
def test_jump_tail_quantile(jump_returns: tuple[np.ndarray, np.ndarray], p: float) -> None:
    r, _ = jump_returns
    # Quantile of the mixture sum_n P(N=n) N(a + n m, sigma^2 dt + n s^2), by root finding.
    q = optimize.brentq(lambda x: _jump_cdf_pdf(x)[0] - p, -2.0, 2.0, xtol=1e-12)
    se = quantile_se(p, r.size, _jump_cdf_pdf(q)[1])
    assert abs(np.quantile(r, p) - q) < K_SE * se
    if p < 0.5:  # the left tail is far beyond the diffusion's own: -3.09 * 0.0262 = -0.081
        assert q < stats.norm.ppf(p) * SIGMA_J * math.sqrt(DT) - 0.03


def test_jump_counts_are_poisson() -> None:
    # With m = 1 and s = 0 the daily jump sum is the count N ~ Poisson(lambda dt).
    # lambda = 365.25 a year -> 1 a day: P(0) = P(1) = e^-1 = 0.368, P(2) = 0.184.
    counts = draw_jumps(np.random.default_rng(SEED + 3), 365.25, 1.0, 0.0, 200, 1000)
    n = counts.size
    assert np.array_equal(counts, np.round(counts))
    for k in range(5):
        pk = stats.poisson.pmf(k, 1.0)
        se = math.sqrt(pk * (1 - pk) / n)  # binomial SE, at most 1.1e-3
        assert abs(np.mean(counts == k) - pk) < K_SE * se


@pytest.mark.parametrize("rate", [1e-6, 10.0 / 365.25, 1.0, 30.0, 900.0])
def test_poisson_cdf_table(rate: float) -> None:
    # The inversion table against scipy (cumulative-sum rounding stays below 1e-12,
    # far below any sampling error); its last entry is 1 (the tail beyond is < 1e-25).
    cdf = _poisson_cdf(rate)
    np.testing.assert_allclose(cdf, stats.poisson.cdf(np.arange(cdf.size), rate), atol=1e-12)
    assert cdf[-1] == pytest.approx(1.0, abs=1e-12) and cdf.max() <= 1.0


def test_jumps_zero_intensity_and_reproducible() -> None:
    rng = np.random.default_rng(SEED)
    state = rng.bit_generator.state
    assert not draw_jumps(rng, 0.0, M_J, S_J, 3, 10).any()
    assert rng.bit_generator.state == state  # nothing drawn
    a = draw_jumps(np.random.default_rng(7), LAM, M_J, S_J, 50, 200)
    b = draw_jumps(np.random.default_rng(7), LAM, M_J, S_J, 50, 200)
    c = draw_jumps(np.random.default_rng(7), LAM, M_J, 0.0, 50, 200)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a != 0, c != 0)  # same jump days whatever s


def test_jump_diffusion_without_jumps_is_gbm() -> None:
    z = draw_normals(np.random.default_rng(SEED), 4, 100)
    zero = np.zeros_like(z)
    np.testing.assert_allclose(
        jump_diffusion_price(S0, MU, SIGMA, 0.0, M_J, S_J, z, zero),
        gbm_price(S0, MU, SIGMA, z),
        rtol=1e-12,
    )
    with pytest.raises(ValueError, match="jumps"):
        jump_diffusion_price(S0, MU, SIGMA, 0.0, M_J, S_J, z, zero, out=zero)


# ================================================================== bootstrap
N_SOURCE = 1_000


@pytest.fixture(scope="module")
def source() -> np.ndarray:
    """A synthetic history of daily log returns (t_4 shocks, 60 % a year)."""
    rng = np.random.default_rng(99)
    return 0.0005 + 0.6 * math.sqrt(DT) * draw_standard_t(rng, 4.0, 1, N_SOURCE)[0]


def test_bootstrap_indices_follow_the_recursion() -> None:
    shape, n, length = (6, 40), 7, 3.0
    idx = stationary_bootstrap_indices(np.random.default_rng(5), n, length, *shape)
    # Replay the documented draws: uniforms per cell, then integers per block start.
    rng = np.random.default_rng(5)
    new = rng.random(shape) < 1.0 / length
    new[:, 0] = True
    starts = iter(rng.integers(0, n, size=int(new.sum())))
    expected = np.empty(shape, dtype=np.int64)
    for i in range(shape[0]):
        for d in range(shape[1]):
            expected[i, d] = next(starts) if new[i, d] else (expected[i, d - 1] + 1) % n
    np.testing.assert_array_equal(idx, expected)


@pytest.mark.parametrize("length", [20.0, 1.0])
def test_bootstrap_continuation_fraction(length: float) -> None:
    idx = stationary_bootstrap_indices(
        np.random.default_rng(SEED), N_SOURCE, length, N_PATHS, N_DAYS
    )
    assert idx.dtype == np.int64 and idx.min() >= 0 and idx.max() < N_SOURCE
    cont = idx[:, 1:] == (idx[:, :-1] + 1) % N_SOURCE
    # P(continue) = (1 - p) + p / n (a new block may start at idx + 1 by chance):
    # L = 20: 0.95 + 0.05 / 1000 = 0.95005; L = 1 (iid): 1 / 1000.
    p = 1.0 / length
    q = (1.0 - p) + p / N_SOURCE
    se = math.sqrt(q * (1.0 - q) / cont.size)  # binomial, 728,000 pairs: 2.6e-4 / 3.7e-5
    assert abs(cont.mean() - q) < K_SE * se


def test_bootstrap_mean_log_return(source: np.ndarray) -> None:
    idx = stationary_bootstrap_indices(np.random.default_rng(SEED), N_SOURCE, 30.0, 500, N_DAYS)
    shift = 1e-4
    r = log_returns_of(bootstrap_price(S0, source, idx, shift_per_day=shift))
    # Each bootstrap day is uniform on the source, so E[r] = mean(source) + shift.
    # Days within a path are dependent (blocks), paths are independent: the SE
    # comes from the spread of the per-path means.
    path_means = r.mean(axis=1)
    se = path_means.std(ddof=1) / math.sqrt(path_means.size)
    assert abs(r.mean() - (source.mean() + shift)) < K_SE * se


def test_bootstrap_price_known_answer() -> None:
    r = np.array([0.1, -0.2, 0.3])
    idx = np.array([[0, 1, 2], [2, 2, 0]])
    # Path 0: cumsum(0.11, -0.19, 0.31) = 0.11, -0.08, 0.23; path 1: 0.31, 0.62, 0.73.
    expected = 10.0 * np.exp([[0.11, -0.08, 0.23], [0.31, 0.62, 0.73]])
    np.testing.assert_allclose(bootstrap_price(10.0, r, idx, shift_per_day=0.01), expected)


def test_recentre_shift(source: np.ndarray) -> None:
    mu = 0.25
    c = recentre_shift(source, mu)
    assert abs(np.mean(np.exp(source + c)) / math.exp(mu * DT) - 1.0) < 1e-12
    # Large returns do not overflow (log-sum-exp): mean(exp(r + c)) = exp(mu dt) still.
    big = np.array([800.0, 801.0])
    log_mean = math.log(np.mean(np.exp(big - 800.0))) + 800.0 + recentre_shift(big, mu)
    assert abs(log_mean - mu * DT) < 1e-12
    # iid resampling: E[S_T] / S0 = exp(mu T) = exp(0.25 * 365 / 365.25) = 1.284.
    idx = stationary_bootstrap_indices(np.random.default_rng(SEED), N_SOURCE, 1.0, N_PATHS, N_DAYS)
    ratio = bootstrap_price(S0, source, idx, shift_per_day=c)[:, -1] / S0
    se = ratio.std(ddof=1) / math.sqrt(ratio.size)  # about 0.018
    assert abs(ratio.mean() - math.exp(mu * T_YEARS)) < K_SE * se


def test_standardised_innovations(source: np.ndarray) -> None:
    every = standardised_innovations(source, np.arange(N_SOURCE)[None, :])
    assert abs(every.mean()) < 1e-12 and abs(every.std() - 1.0) < 1e-12
    idx = np.array([[3, 4, 5], [999, 0, 1]])
    out = np.empty((2, 3))
    got = standardised_innovations(source, idx, out)
    assert got is out
    np.testing.assert_allclose(got, (source[idx] - source.mean()) / source.std())


# ================================================================== power law
def test_ou_residual_ar1_fit() -> None:
    half_life, sigma, n = 0.5, 0.6, 200_000  # 1 path of 200,000 days (548 years)
    z = draw_normals(np.random.default_rng(SEED), 1, n)
    x = ou_residual(0.0, half_life, sigma, z, out=z)[0]
    kappa = math.log(2.0) / half_life  # 1.386 a year
    phi = math.exp(-kappa * DT)  # exp(-1.386 / 365.25) = 0.99621
    # OLS AR(1) slope through the origin; SE = sqrt((1 - phi^2) / n) = 1.95e-4
    # (its small-sample bias, about -(1 + 3 phi) / n = -2e-5, is well inside).
    phi_hat = float(np.dot(x[1:], x[:-1]) / np.dot(x[:-1], x[:-1]))
    se_phi = math.sqrt((1.0 - phi**2) / n)
    assert abs(phi_hat - phi) < K_SE * se_phi
    # Implied half-life h = ln 2 dt / (-ln phi); delta method: dh/dphi = ln2 dt / (phi ln^2 phi),
    # 132 years per unit of phi -> SE = 0.026 years around 0.5.
    h_hat = math.log(2.0) * DT / -math.log(phi_hat)
    se_h = math.log(2.0) * DT / (phi * math.log(phi) ** 2) * se_phi
    assert abs(h_hat - half_life) < K_SE * se_h
    # Stationary variance sigma^2 / (2 kappa) = 0.36 / 2.773 = 0.1298; for an AR(1)
    # Var(s^2) = 2 v^2 (1 + phi^2) / ((1 - phi^2) n) -> SE = 0.1298 * 0.0513 = 0.0067.
    v = sigma**2 / (2.0 * kappa)
    se_v = v * math.sqrt(2.0 * (1 + phi**2) / ((1 - phi**2) * n))
    assert abs(x.var() - v) < K_SE * se_v


def test_ou_residual_zero_volatility_known_answer() -> None:
    # x_d = x0 phi^(d + 1) with phi = 2^(-1 / 365.25) for a 1-year half-life:
    # after 1461 days (= 4 * 365.25, column 1460) x = 0.5 * 2^-4 = 0.03125.
    x = ou_residual(0.5, 1.0, 0.0, np.full((2, 1461), np.nan))
    np.testing.assert_allclose(x[:, 1460], 0.03125, rtol=1e-12)
    np.testing.assert_allclose(x[0, 0], 0.5 * 2.0 ** (-DT), rtol=1e-12)


def test_powerlaw_trend_known_answer() -> None:
    burger = resolve_preset("burger_2019")
    # log10 P = -17.01593313 + 5.84509376 * log10(6000)
    #         = -17.01593313 + 5.84509376 * 3.77815125 = 5.06771517 -> P = 116,873 USD.
    p = powerlaw_trend_usd(np.array([6000.0]), burger.intercept, burger.slope)
    np.testing.assert_allclose(p, [116_873.2626], rtol=1e-8)
    assert resolve_preset("santostasi").intercept == pytest.approx(-16.99494825, abs=1e-8)
    assert set(POWERLAW_PRESETS) >= {"santostasi", "burger_2019", "bitcoinpower_law_2026"}
    assert all(name == preset.name for name, preset in POWERLAW_PRESETS.items())
    with pytest.raises(ValueError, match="burger_2019"):
        resolve_preset("plan_b")


def test_days_since_genesis() -> None:
    # 2025-01-01 is 5842 days after 2009-01-03; day d ends 5842 + d + 1 days after genesis.
    np.testing.assert_array_equal(
        days_since_genesis(datetime.date(2025, 1, 1), 3), [5843.0, 5844.0, 5845.0]
    )
    with pytest.raises(ValueError, match="after the genesis"):
        days_since_genesis(GENESIS, 3)


def test_powerlaw_price_starts_from_its_residual() -> None:
    pre = resolve_preset("burger_2019")
    start_date = datetime.date(2025, 1, 1)
    days = days_since_genesis(start_date, 1461)
    trend = powerlaw_trend_usd(days, pre.intercept, pre.slope)
    trend0 = float(powerlaw_trend_usd(np.array([5842.0]), pre.intercept, pre.slope)[0])
    z = np.zeros((2, 1461))
    # Start at twice the trend, sigma = 0, 1-year half-life: x0 = ln 2 and
    # x_d = ln 2 * 2^-(t_d), so after 4 years S = trend * 2^(1/16) = trend * 1.04427.
    s = powerlaw_price(2 * trend0, start_date, pre.intercept, pre.slope, 1.0, 0.0, z, out=z)
    np.testing.assert_allclose(s[:, -1], trend[-1] * 2.0 ** (1 / 16), rtol=1e-10)
    np.testing.assert_allclose(s[0, 0], trend[0] * 2.0 ** (2.0**-DT), rtol=1e-10)
    # Starting on the trend stays on it.
    on = powerlaw_price(trend0, start_date, pre.intercept, pre.slope, 1.0, 0.0, np.zeros((1, 1461)))
    np.testing.assert_allclose(on[0], trend, rtol=1e-10)


# ================================================================== dated paths
def test_interpolate_paths_known_answers() -> None:
    # 100 -> 400 over 2 days: day 1 is sqrt(100 * 400) = 200.
    got = interpolate_paths(np.array([0.0, 2.0]), np.array([[100.0], [400.0]]), 2)
    np.testing.assert_allclose(got, [[200.0, 400.0]])
    # From offset -1 to 3: 1 -> 16 is 2^(t + 1) and 16 -> 1 is 2^(3 - t).
    got = interpolate_paths(np.array([-1.0, 3.0]), np.array([[1.0, 16.0], [16.0, 1.0]]), 3)
    np.testing.assert_allclose(got, [[4.0, 8.0, 16.0], [4.0, 2.0, 1.0]])
    # Three points: constant growth within each segment.
    got = interpolate_paths(np.array([0.0, 1.0, 3.0]), np.array([[1.0], [10.0], [1000.0]]), 3)
    np.testing.assert_allclose(got, [[10.0, 100.0, 1000.0]])


def test_interpolate_paths_coverage() -> None:
    with pytest.raises(ValueError, match=r"last covered offset 5\b.*last needed offset 6"):
        interpolate_paths(np.array([0.0, 5.0]), np.ones((2, 1)), 6)
    with pytest.raises(ValueError, match="needs offsets 1 .. 3"):
        interpolate_paths(np.array([2.0, 5.0]), np.ones((2, 1)), 3)


def test_cycle_paths() -> None:
    named = np.arange(3.0)[:, None] * np.ones((1, 4))  # path j is all j
    np.testing.assert_array_equal(cycle_paths(named, 4, 5)[:, 0], [1, 2, 0, 1, 2])
    whole = cycle_paths(named, 0, 10)
    blocks = np.vstack([cycle_paths(named, 0, 4), cycle_paths(named, 4, 6)])
    np.testing.assert_array_equal(whole, blocks)  # independent of block boundaries


# ================================================================== validation
RNG = np.random.default_rng(0)
Z = np.zeros((2, 3))
R = np.array([0.01, -0.02, 0.03])
IDX = np.zeros((2, 3), dtype=np.int64)
D0 = datetime.date(2025, 1, 1)

BAD_CALLS: list[tuple[str, Callable[[], object], str]] = [
    ("t nu <= 2", lambda: draw_standard_t(RNG, 2.0, 2, 3), "degrees_of_freedom"),
    ("t nan nu", lambda: draw_standard_t(RNG, math.nan, 2, 3), "degrees_of_freedom"),
    ("t no rng", lambda: draw_standard_t(None, 4.0, 2, 3), "rng"),  # type: ignore[arg-type]
    ("t size", lambda: draw_standard_t(RNG, 4.0, -1, 3), "n_paths"),
    ("t price vol", lambda: student_t_price(S0, MU, -0.1, Z), "volatility"),
    ("t price start", lambda: student_t_price(0.0, MU, SIGMA, Z), "start_usd"),
    ("t price shape", lambda: student_t_price(S0, MU, SIGMA, np.zeros(3)), "eps"),
    ("jump intensity", lambda: draw_jumps(RNG, -1.0, M_J, S_J, 2, 3), "jump_intensity"),
    ("jump sd", lambda: draw_jumps(RNG, LAM, M_J, -0.1, 2, 3), "jump_sd_log"),
    ("jump mean", lambda: draw_jumps(RNG, LAM, math.inf, S_J, 2, 3), "jump_mean_log"),
    (
        "jd shapes",
        lambda: jump_diffusion_price(S0, MU, SIGMA, LAM, M_J, S_J, Z, np.zeros((2, 4))),
        "jumps has shape",
    ),
    (
        "jd intensity",
        lambda: jump_diffusion_price(S0, MU, SIGMA, -LAM, M_J, S_J, Z, Z),
        "jump_intensity",
    ),
    ("bs block", lambda: stationary_bootstrap_indices(RNG, 10, 0.5, 2, 3), "mean_block_days"),
    ("bs source", lambda: stationary_bootstrap_indices(RNG, 0, 5.0, 2, 3), "n_source"),
    ("bs range", lambda: bootstrap_price(S0, R, IDX + 3), r"in \[0, 3\)"),
    ("bs float idx", lambda: bootstrap_price(S0, R, Z), "integers"),
    ("bs short", lambda: bootstrap_price(S0, R[:1], IDX), "at least 2"),
    ("bs nan", lambda: recentre_shift(np.array([0.1, math.nan]), 0.1), "finite"),
    ("bs 2-D source", lambda: recentre_shift(Z, 0.1), "1-D"),
    ("bs constant", lambda: standardised_innovations(np.ones(3), IDX), "standard deviation"),
    ("ou half-life", lambda: ou_residual(0.0, 0.0, SIGMA, Z), "half_life"),
    ("ou vol", lambda: ou_residual(0.0, 1.0, -SIGMA, Z), "volatility"),
    ("ou z", lambda: ou_residual(0.0, 1.0, SIGMA, np.zeros(3)), "z must be a 2-D"),
    (
        "pl date",
        lambda: powerlaw_price(S0, datetime.date(2008, 1, 1), -17.0, 5.8, 1.0, SIGMA, Z),
        "after the genesis",
    ),
    ("pl days", lambda: powerlaw_trend_usd(np.array([0.0, 1.0]), -17.0, 5.8), "days"),
    ("pl start", lambda: powerlaw_price(-1.0, D0, -17.0, 5.8, 1.0, SIGMA, Z), "start_usd"),
    ("ip one point", lambda: interpolate_paths(np.array([0.0]), np.ones((1, 1)), 0), "at least 2"),
    (
        "ip order",
        lambda: interpolate_paths(np.array([0.0, 3.0, 2.0]), np.ones((3, 1)), 1),
        "increasing",
    ),
    ("ip value", lambda: interpolate_paths(np.array([0.0, 3.0]), -np.ones((2, 1)), 1), "> 0"),
    ("ip shape", lambda: interpolate_paths(np.array([0.0, 3.0]), np.ones((3, 1)), 1), r"\(k, m\)"),
    ("cy first", lambda: cycle_paths(np.ones((2, 3)), -1, 2), "first_path"),
    ("cy paths", lambda: cycle_paths(np.ones(3), 0, 2), "2-D"),
]


@pytest.mark.parametrize(
    ("call", "match"), [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS]
)
def test_argument_validation(call: Callable[[], object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
