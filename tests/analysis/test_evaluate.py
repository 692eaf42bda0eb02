"""Rolling-origin evaluation: no look-ahead, a known answer, the scores against scoringrules."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.evaluate import EvaluateConfig, EvaluateError, evaluate, plan_origins
from simulator.analysis.evaluate_models import fit_hashrate
from simulator.analysis.evaluate_origin import OriginTask, ScenarioMarket, forecast_origin
from simulator.analysis.evaluate_scores import crps_log, score_table, skill, summarise_ensembles
from simulator.inputs.history import load_history
from simulator.inputs.scenario import load_scenario
from simulator.inputs.shipped import BASELINE, find_scenario

sr = pytest.importorskip("scoringrules")

QUANTILE_COLUMNS = ["q05", "q25", "q50", "q75", "q95"]


def _baseline_market() -> ScenarioMarket:
    model = load_scenario(find_scenario(BASELINE)).model
    return ScenarioMarket("baseline", model.market.price, model.market.network)


def test_forecasts_do_not_look_ahead(real_history_file: Path, tmp_path: Path) -> None:
    """Tripling every value after the origin leaves the forecast made at it bit-identical."""
    origin = dt.date(2021, 3, 1)
    raw = pd.read_csv(real_history_file)
    after = pd.to_datetime(raw["date"]) > pd.Timestamp(origin)
    changed = raw.copy()
    numbers = [c for c in raw.columns if c != "date"]
    changed.loc[after, numbers] = raw.loc[after, numbers] * 3
    changed_file = tmp_path / "changed.csv"
    changed.to_csv(changed_file, index=False)
    config = EvaluateConfig(
        horizons=(30, 90), first=origin, last=dt.date(2021, 6, 30), step_days=1000, paths=64
    )
    market = _baseline_market()
    runs = [
        evaluate(f, config, market, backend="serial") for f in (real_history_file, changed_file)
    ]
    real, moved = (r.forecasts for r in runs)
    assert len(real) == 2 * (7 + 5) and (real["origin"] == origin).all()  # 7 price, 5 network rows
    assert runs[0].failures.empty and runs[1].failures.empty
    # the truth moved (x3) but not one bit of any forecast did
    assert np.allclose(moved["realised"], 3 * real["realised"])
    for column in ["window_first", "kind", "model", "horizon_days", "start", *QUANTILE_COLUMNS]:
        assert real[column].tolist() == moved[column].tolist(), column
    # the whole ensembles, too (the bootstrap reads the changed file itself)
    first = origin - dt.timedelta(days=1461)
    tasks = [
        OriginTask(
            head=load_history(f).loc[: pd.Timestamp(origin)],
            first=first,
            horizons=(30, 90),
            history_file=str(f),
            price_models=config.price_models,
            network_models=config.network_models,
            paths=config.paths,
            seed=config.seed,
            scenario=market,
        )
        for f in (real_history_file, changed_file)
    ]
    one, two = (forecast_origin(t).forecasts for t in tasks)
    assert [f.model for f in one] == [f.model for f in two]
    for a, b in zip(one, two, strict=True):
        assert a.values is not None and b.values is not None
        assert np.array_equal(a.values, b.values), (a.kind, a.model)


def _synthetic_gbm(path: Path, mu: float, sigma: float, first: str, last: str) -> None:
    """A plain ``date,price_usd`` history that *is* a GBM with the given parameters."""
    days = pd.date_range(first, last, freq="D")
    dt_ = 1 / 365.25
    steps = np.random.default_rng(11).standard_normal(len(days) - 1)
    log_price = np.log(1000.0) + np.concatenate(
        [[0.0], np.cumsum((mu - sigma**2 / 2) * dt_ + sigma * math.sqrt(dt_) * steps)]
    )
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "price_usd": np.exp(log_price)}).to_csv(
        path, index=False
    )


def test_coverage_and_pit_are_nominal_when_the_model_is_the_truth(tmp_path: Path) -> None:
    history = tmp_path / "gbm.csv"
    _synthetic_gbm(history, mu=0.3, sigma=0.6, first="2010-01-01", last="2064-12-31")
    config = EvaluateConfig(
        price_models=("gbm",), network_models=(), horizons=(90,), first=dt.date(2014, 1, 2),
        last=dt.date(2064, 12, 31), step_days=90, paths=400,
    )  # fmt: skip
    ev = evaluate(history, config, backend="serial")
    row = ev.scores.set_index("model").loc["gbm"]
    n = int(row["origins"])
    assert n == 206  # 2014-01-02 + 90 k + 90 days <= 2064-12-31
    # Origins 90 days apart with a 90-day horizon do not overlap, so the hits are independent
    # Bernoulli trials. Under the true model the 90 % interval covers with p = 0.90, less a
    # little for the estimated drift: its se over the 4-year window is sigma / sqrt(T) =
    # 0.6 / 2 = 0.30 a year, 0.30 x 90 / 365.25 = 0.074 in log over the horizon, against a
    # forecast sd of 0.6 x sqrt(90 / 365.25) = 0.298: variance x (1 + 0.074^2 / 0.298^2) = 1.06,
    # which moves the nominal 90 % to about 89 %. Binomial se = sqrt(0.9 x 0.1 / 206) = 0.0209;
    # three of them: 0.063, so 0.837 <= coverage <= 0.963.
    se90 = math.sqrt(0.9 * 0.1 / n)
    assert abs(row["cov90"] - 0.9) <= 3 * se90
    # 50 %: se = sqrt(0.25 / 206) = 0.0348; three of them: 0.104.
    assert abs(row["cov50"] - 0.5) <= 3 * math.sqrt(0.25 / n)
    # PIT uniform: mean 1/2 with se sqrt(1/12 / n) = 0.0201; each of the 10 bins holds
    # n/10 = 20.6 with binomial sd sqrt(206 x 0.1 x 0.9) = 4.31, three of them 12.9.
    assert abs(row["pit_mean"] - 0.5) <= 3 * math.sqrt(1 / 12 / n)
    counts = row[[f"pit_{k}" for k in range(1, 11)]].to_numpy(dtype=float)
    assert np.all(np.abs(counts - n / 10) <= 3 * math.sqrt(n * 0.1 * 0.9))
    # and the truth has positive skill against the driftless random walk, or at worst ties
    assert row["skill"] > -0.05


def test_crps_is_scoringrules_fair_ensemble_crps_on_logs() -> None:
    values = np.array([[90.0, 100.0, 110.0, 130.0], [1.0, 2.0, 4.0, 8.0]])
    realised = np.array([105.0, 1.5])
    ours = crps_log(values, realised)
    theirs = sr.crps_ensemble(np.log(realised), np.log(values), estimator="pwm", backend="numpy")
    np.testing.assert_array_equal(ours, theirs)
    # the fair estimator: E|X - y| - sum_{i,j} |x_i - x_j| / (2 M (M - 1)), on logs
    x, y, m = np.log(values), np.log(realised), values.shape[1]
    spread = np.abs(x[:, :, None] - x[:, None, :]).sum(axis=(1, 2)) / (2 * m * (m - 1))
    np.testing.assert_allclose(ours, np.abs(x - y[:, None]).mean(axis=1) - spread, rtol=1e-12)
    stats = summarise_ensembles(values, realised)
    assert stats["pit"].tolist() == [0.5, 0.25]
    assert stats["in_90"].tolist() == [True, True] and stats["in_50"].tolist() == [True, False]


def test_skill_of_the_naive_against_itself_is_zero() -> None:
    crps = np.array([0.1, 0.3, np.nan, 0.2])
    assert skill(crps, crps) == 0.0
    assert skill(crps * 0.5, crps) == pytest.approx(0.5)
    rows = pd.DataFrame(
        {
            "kind": "price", "model": ["naive", "naive", "gbm", "gbm"], "horizon_days": 30,
            "in_50": [True, False, True, True], "in_90": True, "pit": [0.1, 0.6, 0.5, 0.95],
            "crps_log": [0.1, 0.3, 0.05, 0.15], "crps_naive_log": [0.1, 0.3, 0.1, 0.3],
        }
    )  # fmt: skip
    table = score_table(rows, step_days=30).set_index("model")
    assert table.loc["naive", "skill"] == 0.0 and table.loc["gbm", "skill"] == pytest.approx(0.5)
    assert table.loc["naive", "cov50"] == 0.5 and table.loc["naive", "cov50_se"] == pytest.approx(
        0.5 / 2**0.5
    )
    assert table.loc["gbm", ["pit_6", "pit_10"]].tolist() == [1, 1]


def test_same_seed_same_bits_and_backends_agree(real_history_file: Path) -> None:
    config = EvaluateConfig(
        price_models=("gbm", "bootstrap"), network_models=("gbm",), horizons=(30,),
        first=dt.date(2024, 1, 1), last=dt.date(2024, 6, 30), step_days=60, paths=50,
    )  # fmt: skip
    a = evaluate(real_history_file, config, backend="serial").forecasts
    b = evaluate(real_history_file, config, backend="threads", workers=2).forecasts
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    other = EvaluateConfig(**{**config.__dict__, "seed": 1})
    c = evaluate(real_history_file, other, backend="serial").forecasts
    assert not np.array_equal(a["q50"], c["q50"])


def test_origin_plan_and_its_errors(real_history: pd.DataFrame) -> None:
    config = EvaluateConfig(horizons=(30, 365), first=dt.date(2024, 12, 30), step_days=100)
    origins = plan_origins(real_history, config)
    assert [o.day for o in origins] == [dt.date(2024, 12, 30), dt.date(2025, 4, 9),
                                        dt.date(2025, 7, 18), dt.date(2025, 10, 26)]  # fmt: skip
    assert origins[0].horizons == (30, 365) and origins[1].horizons == (30,)
    assert origins[0].first == dt.date(2020, 12, 30)  # 1,461 days = 4 x 365.25 before
    bad = {
        "--from": {"first": dt.date(2026, 1, 1), "last": dt.date(2025, 1, 1)},
        "--window": {"first": dt.date(2012, 1, 1)},
        "--horizons": {"first": dt.date(2025, 12, 15)},
    }
    for option, change in bad.items():
        with pytest.raises(EvaluateError, match=f"^{option}: "):
            plan_origins(real_history, EvaluateConfig(**{**config.__dict__, **change}))


def test_hashrate_fit_recovers_a_random_walk() -> None:
    rng = np.random.default_rng(3)
    days = pd.date_range("2018-01-01", periods=4 * 365, freq="D")
    drift, sigma = 0.5, 0.3  # log drift [1/yr], volatility [1/sqrt(yr)]
    log_h = np.cumsum(drift / 365.25 + sigma / math.sqrt(365.25) * rng.standard_normal(len(days)))
    fit = fit_hashrate(pd.DataFrame({"hashrate_ehs": 100 * np.exp(log_h)}, index=days))
    # 4 years: the drift's se is sigma / sqrt(4) = 0.15; sigma's about sigma / sqrt(2 x 207 weeks)
    assert fit.log_drift_per_year == pytest.approx(drift, abs=3 * 0.15)
    assert fit.volatility_per_year == pytest.approx(sigma, rel=3 / math.sqrt(2 * fit.n_weeks))


def test_origin_state_is_what_start_from_reads(real_history_file: Path) -> None:
    from simulator.analysis.evaluate_models import origin_state
    from simulator.inputs.start_state import start_state

    day = dt.date(2019, 7, 4)
    state = origin_state(load_history(real_history_file).loc[: pd.Timestamp(day)])
    values = {k: v.value for k, v in start_state(real_history_file, day).values.items()}
    assert state.price_usd == values["market.price.start_usd"]
    assert state.hashrate_ehs == pytest.approx(values["market.network.start_ehs"], rel=1e-12)
    assert state.fees_btc_per_block == pytest.approx(values["chain.fees_btc_per_block"], rel=1e-12)
    assert state.height == values["chain.start_height"]
