"""Engine: statistics against theory, common random numbers, real-data chain, CLI run."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import PROJECT, REAL_HISTORY
from typer.testing import CliRunner

from cli import app
from simulator import load_scenario, simulate
from simulator.model.chain import simulate_chain

ROOT = PROJECT
DATA = REAL_HISTORY
SCEN = ROOT / "scenarios"
runner = CliRunner()

MARKET_ONLY = """
[scenario]
name = "gbm"
start_date = 2025-07-17
horizon_years = {years}
paths = {paths}
seed = 42
freq = "M"

[market.price]
model = "gbm"
start_usd = 100000
expected_return_per_year = {mu}
volatility_per_year = {sigma}

[market.network]
model = "constant"
start_ehs = 900

[chain]
start_height = 906013
start_difficulty = 126.27e12
"""


def test_gbm_mean_and_median_at_horizon(tmp_path: Path) -> None:
    mu, sigma, paths = 0.2, 0.6, 20_000
    path = tmp_path / "gbm.toml"
    path.write_text(MARKET_ONLY.format(years=5, paths=paths, mu=mu, sigma=sigma))
    result = simulate(load_scenario(path), keep_paths=True)
    assert result.paths is not None
    s_t = result.paths[result.variables.index(("market", "price_usd")), -1].astype(np.float64)
    t = result.meta["days"] / 365.25  # horizon in years (1,826 days)
    s0 = 100_000.0
    # Mean: E[S_T] = S0 e^{mu T}; sd(S_T) = E[S_T] sqrt(e^{sigma^2 T} - 1); SE = sd / sqrt(n)
    mean_theory = s0 * math.exp(mu * t)
    se_mean = mean_theory * math.sqrt(math.exp(sigma**2 * t) - 1) / math.sqrt(paths)
    assert abs(s_t.mean() - mean_theory) < 4 * se_mean
    # Median: m = S0 e^{(mu - sigma^2/2) T}; SE of a sample median = 1 / (2 f(m) sqrt(n)),
    # f the lognormal density at its median: f(m) = 1 / (m sigma sqrt(T) sqrt(2 pi)).
    median_theory = s0 * math.exp((mu - sigma**2 / 2) * t)
    density = 1 / (median_theory * sigma * math.sqrt(t) * math.sqrt(2 * math.pi))
    se_median = 1 / (2 * density * math.sqrt(paths))
    assert abs(np.median(s_t) - median_theory) < 4 * se_median


def test_common_random_numbers_across_policies() -> None:
    sets = ["scenario.paths=300", "scenario.horizon_years=3"]
    hold = simulate(load_scenario(SCEN / "el_salvador_hold.toml", sets), keep_paths=True)
    buy = simulate(load_scenario(SCEN / "el_salvador_accumulate.toml", sets), keep_paths=True)
    assert hold.paths is not None and buy.paths is not None
    for var in ("price_usd", "network_hashrate_ehs"):
        i = hold.variables.index(("market", var))
        assert np.array_equal(hold.paths[i], buy.paths[buy.variables.index(("market", var))])
    # ... and the policy does differ: 1 BTC a day for 3 years is 1,096 BTC more
    extra = buy.metric("el_salvador", "holdings_btc") - hold.metric("el_salvador", "holdings_btc")
    assert extra == pytest.approx(1096, abs=1e-6)


def test_same_seed_bit_identical_and_seed_matters() -> None:
    sets = ["scenario.paths=1500", "scenario.horizon_years=2"]
    s = load_scenario(SCEN / "baseline.toml", sets)
    a, b = simulate(s, workers=1), simulate(s, workers=2)
    pd.testing.assert_frame_equal(a.percentiles, b.percentiles, check_exact=True)
    pd.testing.assert_frame_equal(a.summary, b.summary, check_exact=True)
    other = simulate(load_scenario(SCEN / "baseline.toml", [*sets, "scenario.seed=1"]))
    assert not a.summary["p50"].equals(other.summary["p50"])


def test_chain_replays_real_history(real_history_file: Path) -> None:
    # The raw columns (hashrate in TH/s), as the file has them
    real_history = pd.read_csv(real_history_file, parse_dates=["date"]).set_index("date")
    # Height at the end of 2022-12-31: 930,345 at the end of 2025-12-31 minus blocks since.
    start_height = 930_345 - int(real_history.loc["2023-01-01":, "blocks"].sum())
    hashrate = real_history["hashrate_ths"].rolling(7, center=True, min_periods=1).mean() / 1e6
    window = hashrate["2023-01-01":"2025-06-30"]
    chain = simulate_chain(
        window.to_numpy(), start_height, float(real_history.loc["2022-12-31", "difficulty"])
    )
    halving_day = window.index[int(np.argmax(chain.height[0] >= 840_000))]
    assert abs((halving_day - pd.Timestamp("2024-04-20")).days) <= 2
    real = real_history.loc["2023-01-01":"2025-06-30", "difficulty"].to_numpy()
    error = np.abs(chain.difficulty[0] / real - 1)
    assert np.median(error) < 0.02


def test_run_cli_json_and_files(tmp_path: Path) -> None:
    out = tmp_path / "res"
    args = ["run", str(SCEN / "baseline.toml"), "--paths", "300", "--years", "2", "--json"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    metrics = {(r["entity"], r["metric"]) for r in data[0]["summary"]}
    assert ("el_salvador", "prob_below_cost") in metrics
    assert ("pakistan", "breakeven_price_usd") in metrics
    assert sorted(p.name for p in out.iterdir()) == [
        "inputs.csv",
        "manifest.json",
        "percentiles.csv",
        "summary.csv",
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 20250717 and manifest["paths"] == 300
    cited = [i for i in manifest["inputs"] if i["provenance"] == "cited"]
    assert {i["fact_id"] for i in cited} >= {"el_salvador.reserve_btc"}
    frame = pd.read_csv(out / "percentiles.csv")
    assert list(frame.columns) == [
        "scenario",
        "entity",
        "variable",
        "date",
        "p5",
        "p25",
        "p50",
        "p75",
        "p95",
        "mean",
        "defined_share",
    ]
    assert ((frame.defined_share >= 0) & (frame.defined_share <= 1)).all()
    known = frame.dropna(subset=["p5", "p50", "p95"])  # break-even is undefined before the ramp
    assert len(known) > 0.9 * len(frame)
    assert (known.p5 <= known.p50).all() and (known.p50 <= known.p95).all()
    assert not list(tmp_path.glob(".res.*")), "temporary folders left behind"


def test_run_cli_bad_input_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(SCEN / "baseline.toml"), "--set", "mining.x.pue=2"])
    assert result.exit_code == 2
    assert result.output.startswith("error: --set mining.x.pue=2: mining.x: no entity")
    result = runner.invoke(app, ["run", str(tmp_path / "missing.toml")])
    assert result.exit_code == 2 and "file not found" in result.output


def test_run_real_subprocess_default_baseline(tmp_path: Path) -> None:
    exe = shutil.which("btcsim") or str(Path(sys.executable).with_name("btcsim"))
    env = {**os.environ, "COLUMNS": "120"}
    out = tmp_path / "base"
    proc = subprocess.run(
        [exe, "run", "--paths", "200", "--years", "1", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "baseline: reserve el_salvador" in proc.stdout
    assert (out / "summary.csv").is_file()
    assert "Traceback" not in proc.stderr


def test_retarget_measures_2015_intervals_like_core() -> None:
    # Hashrate exactly matching the difficulty finds 144 blocks a day, so an epoch takes
    # 14 days; Core measures first-to-last block, 2,015 intervals = 14 x 2015/2016 days,
    # so the next difficulty is D x 14 / (14 x 2015/2016) = D x 2016/2015.
    from simulator.model.protocol import hashrate_hs_from_difficulty

    d0 = 100e12
    h_ehs = float(hashrate_hs_from_difficulty(d0)) / 1e18
    chain = simulate_chain(np.full(20, h_ehs), 2016 * 400 - 1, d0, epoch_elapsed_days=0.0)
    assert chain.difficulty[0, -1] == pytest.approx(d0 * 2016 / 2015, rel=1e-12)
