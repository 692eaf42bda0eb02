"""Price-model calibration: recovery on simulated data, a known answer, TOML, real data, errors."""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import PROJECT, REAL_HISTORY

from simulator.analysis.calibrate.powerlaw import fit_powerlaw
from simulator.analysis.calibrate.price import (
    fit_gbm,
    fit_jump,
    fit_student_t,
    log_returns,
)
from simulator.analysis.calibrate.result import Calibration
from simulator.analysis.calibrate.run import PRICE_FITS, calibrate_price
from simulator.inputs.scenario import load_scenario
from simulator.model.price.powerlaw import GENESIS

ROOT = PROJECT
BASELINE = ROOT / "scenarios" / "baseline.toml"
REAL = REAL_HISTORY
DT = 1 / 365.25
N_DAYS = 7305  # 20 years of daily returns


def _series(log_prices: np.ndarray, start: str = "2005-01-01") -> pd.Series:
    index = pd.date_range(start, periods=len(log_prices), freq="D", name="date")
    return pd.Series(np.exp(log_prices), index=index, name="price_usd")


def _walk(r: np.ndarray) -> pd.Series:
    """Prices from 100 USD and daily log returns ``r``."""
    return _series(np.log(100.0) + np.concatenate([[0.0], np.cumsum(r)]))


def _check_recovery(cal: Calibration, truth: dict[str, float]) -> None:
    for e in cal.estimates:
        assert e.low <= e.value <= e.high, e
        assert math.isfinite(e.se) and e.se > 0, e
        assert abs(e.value - truth[e.key]) <= 4 * e.se, (e.key, e.value, e.se, truth[e.key])
    assert {e.key for e in cal.estimates} == set(truth)


# ------------------------------------------------------------------ recovery
def test_gbm_recovers_parameters() -> None:
    mu, sigma = 0.3, 0.6
    z = np.random.default_rng(11).standard_normal(N_DAYS)
    cal = fit_gbm(_walk((mu - sigma**2 / 2) * DT + sigma * math.sqrt(DT) * z))
    _check_recovery(cal, {"expected_return_per_year": mu, "volatility_per_year": sigma})
    assert cal.n_obs == N_DAYS and cal.scenario_model == "gbm"


def test_student_t_recovers_parameters() -> None:
    # nu = 4 has an infinite kurtosis, so the sd's error is only indicative here; the
    # case with checked standard errors (nu = 6) and the real-data one: test_calibrate_t.py.
    mu, sigma, nu = 0.3, 0.7, 4.0
    eps = np.random.default_rng(12).standard_t(nu, N_DAYS) * math.sqrt((nu - 2) / nu)
    cal = fit_student_t(_walk((mu - sigma**2 / 2) * DT + sigma * math.sqrt(DT) * eps))
    truth = {"expected_return_per_year": mu, "volatility_per_year": sigma}
    _check_recovery(cal, truth | {"degrees_of_freedom": nu})


def test_jump_recovers_parameters() -> None:
    mu, sigma, lam, m, s = 0.3, 0.5, 20.0, -0.03, 0.08
    rng = np.random.default_rng(13)
    k = math.exp(m + s**2 / 2) - 1
    n_jumps = rng.poisson(lam * DT, N_DAYS)
    jumps = m * n_jumps + s * np.sqrt(n_jumps) * rng.standard_normal(N_DAYS)
    diffusion = sigma * math.sqrt(DT) * rng.standard_normal(N_DAYS)
    cal = fit_jump(_walk((mu - sigma**2 / 2 - lam * k) * DT + diffusion + jumps))
    truth = {"expected_return_per_year": mu, "volatility_per_year": sigma}
    truth |= {"jump_intensity_per_year": lam, "jump_mean_log": m, "jump_sd_log": s}
    _check_recovery(cal, truth)


def test_powerlaw_recovers_parameters() -> None:
    a, b, half_life, sigma = -17.0, 5.8, 0.1, 0.6
    kappa = math.log(2) / half_life
    phi = math.exp(-kappa * DT)
    rng = np.random.default_rng(14)
    # exact OU sampling: x_d = phi x_{d-1} + e_d, var(e) = sigma^2 (1 - phi^2) / (2 kappa)
    e = rng.standard_normal(N_DAYS) * sigma * math.sqrt((1 - phi**2) / (2 * kappa))
    x = np.empty(N_DAYS)
    x[0] = rng.standard_normal() * sigma / math.sqrt(2 * kappa)  # stationary start
    for d in range(1, N_DAYS):
        x[d] = phi * x[d - 1] + e[d]
    index = pd.date_range("2012-01-01", periods=N_DAYS, freq="D")
    days = (index - pd.Timestamp(GENESIS)).days.to_numpy(dtype=float)
    prices = pd.Series(10 ** (a + b * np.log10(days)) * np.exp(x), index=index)
    cal = fit_powerlaw(prices)
    truth = {"powerlaw_intercept": a, "powerlaw_slope": b}
    _check_recovery(
        cal, truth | {"reversion_half_life_years": half_life, "volatility_per_year": sigma}
    )
    assert any("price / trend" in c for c in cal.comments)


# --------------------------------------------------------------- known answer
def test_gbm_known_answer() -> None:
    # log returns 0.01, -0.01, 0.02, 0.00 -> mean 0.005
    # squared deviations 25e-6 + 225e-6 + 225e-6 + 25e-6 = 500e-6; sample variance 500e-6 / 3
    # sigma^2 = 500e-6 / 3 * 365.25 = 0.060875, sigma = 0.2467286
    # mu = 0.005 * 365.25 + 0.060875 / 2 = 1.82625 + 0.0304375 = 1.8566875
    # se(sigma) = sigma / sqrt(2 * 3) = 0.1007276
    # se(mu) = sqrt(0.060875 / (4 / 365.25) + 0.060875 * 0.1007276^2) = sqrt(5.5586470 + 0.0006176)
    prices = _walk(np.array([0.01, -0.01, 0.02, 0.0]))
    np.testing.assert_allclose(log_returns(prices), [0.01, -0.01, 0.02, 0.0], atol=1e-14)
    cal = fit_gbm(prices, source="hand.csv", window="2005-01-01:2005-01-05")
    mu, vol = cal.estimates
    assert vol.value == pytest.approx(math.sqrt(0.060875), rel=1e-12)
    assert vol.se == pytest.approx(math.sqrt(0.060875 / 6), rel=1e-12)
    assert mu.value == pytest.approx(1.8566875, rel=1e-12)
    assert mu.se == pytest.approx(math.sqrt(0.060875 * 365.25 / 4 + 0.060875**2 / 6), rel=1e-12)
    assert mu.high == 4.99  # clipped below the schema's bound of 5
    assert mu.low == pytest.approx(1.8566875 - 1.959963984540054 * mu.se, rel=1e-12)
    assert cal.note == "calibrated on hand.csv 2005-01-01:2005-01-05"


# --------------------------------------------------------- TOML -> scenario
@pytest.mark.parametrize("model", PRICE_FITS)
def test_snippet_loads_over_baseline(model: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(15)
    n = 3000
    if model == "powerlaw":  # trend + AR(1) residual with phi = 0.98
        x = np.zeros(n)
        for d in range(1, n):
            x[d] = 0.98 * x[d - 1] + 0.03 * rng.standard_normal()
        days = np.arange(n) + (dt.date(2013, 1, 1) - GENESIS).days
        prices = _series(math.log(10) * (-17 + 5.8 * np.log10(days)) + x, "2013-01-01")
    else:
        prices = _walk(0.0005 + 0.03 * rng.standard_t(4, n))
    frame = pd.DataFrame({"price_usd": prices})
    frame.attrs["source"] = "synthetic.csv"
    cal = calibrate_price(frame, model)
    snippet = cal.to_toml()
    parsed = tomllib.loads(snippet)["market"]["price"]
    assert parsed["model"] == model
    assert set(parsed) == {"model"} | {e.key for e in cal.estimates}
    path = tmp_path / "calibrated.toml"
    path.write_text(f'extends = "{BASELINE.resolve().as_posix()}"\n\n{snippet}')
    scenario = load_scenario(path)
    assert scenario.model.market.price.model == model
    vol = scenario.inputs["market.price.volatility_per_year"]
    assert vol.provenance == "assumption"
    assert "calibrated on synthetic.csv" in vol.source
    assert vol.value == pytest.approx(cal.value("volatility_per_year"), rel=1e-5)


# ---------------------------------------------------------------- real data


@pytest.mark.parametrize("model", PRICE_FITS)
def test_real_window_is_plausible(real_history: pd.DataFrame, model: str) -> None:
    cal = calibrate_price(real_history, model, dt.date(2018, 1, 1), dt.date(2025, 6, 30))
    assert cal.window == "2018-01-01:2025-06-30" and cal.source == "btc_daily.csv"
    print(f"\n{model}:\n{cal.frame().drop(columns='method').to_string(index=False)}")
    print("\n".join(f"  # {c}" for c in cal.comments))
    vol = cal.value("volatility_per_year")
    if model == "jump":
        # the MLE puts most variance into frequent small jumps; check the total volatility
        jumps = cal.value("jump_intensity_per_year") * (
            cal.value("jump_mean_log") ** 2 + cal.value("jump_sd_log") ** 2
        )
        vol = math.sqrt(vol**2 + jumps)
    assert 0.3 < vol < 1.2
    if model == "t":
        assert 2.2 < cal.value("degrees_of_freedom") < 10
    if model == "powerlaw":
        assert 4 < cal.value("powerlaw_slope") < 7
        assert 0.1 < cal.value("reversion_half_life_years") < 10
    assert all(e.low <= e.value <= e.high for e in cal.estimates)


# -------------------------------------------------------------------- errors
def test_gap_in_dates_is_reported() -> None:
    prices = _walk(np.zeros(60)).drop(pd.Timestamp("2005-01-10"))
    with pytest.raises(ValueError, match="1 day.*missing between 2005-01-09 and 2005-01-11"):
        log_returns(prices)
    frame = pd.DataFrame({"price_usd": prices})
    with pytest.raises(ValueError, match="gap in the dates"):
        calibrate_price(frame, "gbm")


def test_unknown_model_lists_the_fits() -> None:
    frame = pd.DataFrame({"price_usd": _walk(np.zeros(60))})
    with pytest.raises(ValueError, match="unknown price model 'garch'.*gbm, t, jump, powerlaw"):
        calibrate_price(frame, "garch")


def test_window_too_short() -> None:
    frame = pd.DataFrame({"price_usd": _walk(np.zeros(100))})
    with pytest.raises(ValueError, match="holds 10 days"):
        calibrate_price(frame, "t", dt.date(2005, 1, 1), dt.date(2005, 1, 10))
    with pytest.raises(ValueError, match="at least 30 daily returns"):
        fit_jump(_walk(np.zeros(10)))


def test_powerlaw_without_reversion() -> None:
    index = pd.date_range("2015-01-01", periods=200, freq="D")
    days = (index - pd.Timestamp(GENESIS)).days.to_numpy(dtype=float)
    x = 1e-3 * 1.03 ** np.arange(200)  # an explosive residual: phi > 1
    prices = pd.Series(10 ** (-17 + 5.8 * np.log10(days)) * np.exp(x), index=index)
    with pytest.raises(ValueError, match="no mean reversion"):
        fit_powerlaw(prices)


def test_jump_fit_with_bounded_intensity_on_real_data(real_history: pd.DataFrame) -> None:
    # Unbounded, the likelihood prefers hundreds of small jumps a year; bounded at 12 it
    # must sit on the bound, keep standard errors for the other four parameters, and say so.
    frame = real_history
    cal = calibrate_price(
        frame, "jump", dt.date(2018, 1, 1), dt.date(2025, 6, 30), max_jumps_per_year=12
    )
    assert cal.value("jump_intensity_per_year") == pytest.approx(12.0)
    table = cal.frame().set_index("key")
    assert np.isfinite(table.loc[["volatility_per_year", "jump_sd_log"], "se"]).all()
    assert table.loc["jump_sd_log", "value"] > 0.05  # rare jumps are large ones
    assert any("bounded by max_jumps_per_year = 12" in c for c in cal.comments)
    with pytest.raises(ValueError, match="max_jumps_per_year must be in"):
        calibrate_price(frame, "jump", max_jumps_per_year=0)
