"""btcsim calibrate and backtest as a user runs them, on the real history file."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from support import PROJECT, REAL_HISTORY
from typer.testing import CliRunner

from cli import app
from simulator.analysis.calibrate.powerlaw import fit_powerlaw
from simulator.inputs.history import load_history
from simulator.model.price.powerlaw import resolve_preset

ROOT = PROJECT
DATA = REAL_HISTORY
runner = CliRunner()


def test_calibrate_snippet_pastes_into_a_scenario(real_history_file: Path, tmp_path: Path) -> None:
    snippet = tmp_path / "t.toml"
    args = [
        "calibrate",
        str(real_history_file),
        "--model",
        "t",
        "--window",
        "2018-01-01:2025-06-30",
    ]
    result = runner.invoke(app, [*args, "--out", str(snippet)])
    assert result.exit_code == 0, result.output
    assert "Paste into a scenario file" in result.output
    assert 'note = "calibrated on btc_daily.csv 2018-01-01:2025-06-30"' in result.output
    parsed = tomllib.loads(snippet.read_text())["market"]["price"]
    assert parsed["model"] == "t" and 2 < parsed["degrees_of_freedom"]["value"] < 4
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        f'extends = "{ROOT / "scenarios" / "baseline.toml"}"\n' + snippet.read_text()
    )
    explained = runner.invoke(app, ["explain", str(scenario), "--json"])
    assert explained.exit_code == 0, explained.output
    inputs = {i["key"]: i for i in json.loads(explained.output)["inputs"]}
    dof = inputs["market.price.degrees_of_freedom"]
    assert dof["provenance"] == "assumption" and "calibrated on btc_daily.csv" in dof["source"]
    assert dof["low"] < dof["value"] < dof["high"]


def test_calibrate_json_and_network_model(real_history_file: Path) -> None:
    args = [
        "calibrate",
        str(real_history_file),
        "--model",
        "network-economic",
        "--window",
        "2016-01-01:2025-06-30",
    ]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    keys = {e["key"]: e for e in out["estimates"]}
    # Calibrated values that the schema defaults quote (425 days, factor 1.5).
    assert keys["adjustment_half_life_days"]["value"] == pytest.approx(426, abs=5)
    assert keys["all_in_cost_factor"]["value"] == pytest.approx(1.53, abs=0.02)
    assert "[market.network]" in out["toml"]


def test_btcsim_powerlaw_preset_is_the_fit_on_the_whole_file(real_history_file: Path) -> None:
    # The preset is not typed in by hand: it must equal a fresh fit of the file.
    frame = load_history(real_history_file)
    cal = fit_powerlaw(frame["price_usd"])
    preset = resolve_preset("btcsim_2010_2025")
    assert preset.intercept == pytest.approx(cal.value("powerlaw_intercept"), abs=1e-4)
    assert preset.slope == pytest.approx(cal.value("powerlaw_slope"), abs=1e-5)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "garch"], "--model: expected one of gbm, t, jump, powerlaw"),
        (["--window", "2018-01-01"], "--window: expected FROM:TO"),
        (["--window", "2030-01-01:2031-01-01"], "the window 2030-01-01:2031-01-01 holds 0 days"),
        (["--max-jumps-per-year", "12"], "--max-jumps-per-year: only for --model jump"),
        (["--model", "jump", "--max-jumps-per-year", "0"], "--max-jumps-per-year: must be in"),
        # 2013's bubble: the t fit's drift is 5.16 a year, above the schema's 5: refused.
        (["--model", "t", "--window", "2013-01-01:2013-12-31"], "which a scenario does not accept"),
    ],
)
def test_calibrate_errors(real_history_file: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["calibrate", str(real_history_file), *args])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and message in result.output
    assert "Traceback" not in result.output


def test_backtest_prints_and_saves(real_history_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "bt"
    args = [
        "backtest",
        str(real_history_file),
        "--from",
        "2023-01-01",
        "--to",
        "2024-12-31",
        "--out",
        str(out),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "halving at height 840,000: simulated 2024-04-19, real 2024-04-19" in result.output
    assert "difficulty tracking error" in result.output
    monthly = pd.read_csv(out / "monthly.csv")
    assert len(monthly) == 24
    assert monthly.loc[~monthly.halving, "reward_error_pct"].abs().max() < 3.0
    assert (out / "daily.csv").is_file()


def test_backtest_with_an_operation(real_history_file: Path) -> None:
    args = ["backtest", str(real_history_file), "--from", "2024-06-01", "--to", "2024-12-31",
            "--json", "--scenario", str(ROOT / "scenarios" / "baseline.toml"),
            "--full-power"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["halvings"] == []
    # 2,000 MW x 0.95 uptime / 1.1 PUE / 17.5 J/TH = 98.7 EH/s of a ~750 EH/s network:
    # about 13 % of the ~470 BTC paid per day, i.e. roughly 60 BTC a day over 214 days.
    op = report["operation"]
    assert 0.10 < op["mean_network_share"] < 0.16
    assert 8_000 < op["btc_mined"] < 17_000
    text = runner.invoke(app, [a for a in args if a != "--json"]).output
    assert f"operation: {op['btc_mined']:,.1f} BTC mined" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2031-01-01", "--to", "2031-12-31"], "2031-01-01"),
        (["--from", "01/01/2020"], "--from/--to: expected YYYY-MM-DD"),
        (["--operation", "x"], "--operation needs --scenario FILE"),
        (["--from", "2025-01-01", "--to", "2020-01-01"], "--to: 2020-01-01 is before --from"),
        (["--full-power"], "--full-power needs --scenario FILE"),
        (["--scenario", "scenarios/baseline.toml", "--full-power"], "exceed the real network"),
    ],
)
def test_backtest_errors(real_history_file: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["backtest", str(real_history_file), *args])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and message in result.output
