"""btcsim evaluate as a user runs it: a small real run, its folder and figures, bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app

pytest.importorskip("scoringrules")
runner = CliRunner()
#: Five origins, two horizons, 60 paths: a few seconds.
SMALL = ["--from", "2023-01-01", "--to", "2024-06-30", "--step", "120", "--horizons", "30,90",
         "--paths", "60"]  # fmt: skip


def test_small_real_run_writes_the_folder_and_figures(
    real_history_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "ev"
    result = runner.invoke(app, ["evaluate", str(real_history_file), *SMALL, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "price: out-of-sample forecasts of the close, 4y window" in result.output
    assert "network: out-of-sample forecasts of the 7-day mean hashrate" in result.output
    assert "5 origins 2023-01-01..2024-04-25 every 120 days" in result.output
    # five origins are too few to judge coverage by, and the run says so
    assert "warning: only 5 origin(s): coverage and CRPS from so few forecasts" in result.output
    files = {p.name for p in out.iterdir()}
    assert files == {"scores.csv", "forecasts.csv", "failures.csv", "manifest.json",
                     "coverage.png", "pit_price.png", "pit_network.png"}  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["files"]) == files and manifest["settings"]["window"] == "4y"
    scores = pd.read_csv(out / "scores.csv")
    models = scores.groupby("kind", sort=False)["model"].unique()
    assert list(models["price"]) == ["gbm", "t", "jump", "bootstrap", "powerlaw", "baseline",
                                     "naive"]  # fmt: skip
    assert list(models["network"]) == ["growth", "gbm", "economic", "baseline", "naive"]
    assert (scores.loc[scores["model"] == "naive", "skill"] == 0).all()
    forecasts = pd.read_csv(out / "forecasts.csv")
    # 5 origins x 30 days, 4 of them also x 90 days (2024-04-25 + 90 > 2024-06-30), x 12 rows
    assert len(forecasts) == (5 + 4) * 12
    assert (pd.to_datetime(forecasts["target_date"]) <= "2024-06-30").all()
    # the same seed, the same bits; a second run into the same folder needs --overwrite
    before = {name: (out / name).read_bytes() for name in files}
    again = runner.invoke(app, ["evaluate", str(real_history_file), *SMALL, "--out", str(out)])
    assert again.exit_code == 2 and again.output.startswith(f"error: --out {out}: ")
    again = runner.invoke(
        app, ["evaluate", str(real_history_file), *SMALL, "--out", str(out), "--overwrite"]
    )
    assert again.exit_code == 0, again.output
    assert {name: (out / name).read_bytes() for name in files} == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--price", "gbm,garch"], "--price: unknown model 'garch'"),
        (["--network", "econ"], "--network: unknown model 'econ' (did you mean 'economic'?)"),
        (["--horizons", "30,x"], "--horizons: expected whole days from 7 to 3660"),
        (["--horizons", "3"], "--horizons: expected whole days from 7 to 3660"),
        (["--from", "2025-06-01", "--to", "2025-01-01"], "--from: 2025-06-01 is after --to"),
        (["--from", "2016-13-01"], "--from: expected YYYY-MM-DD"),
        (["--window", "0.5y"], "--window: at least 1y"),
        (["--window", "4 years"], "--window: expected years such as 4y, or expanding"),
        (["--from", "2012-01-01"], "--window: the 4y window of the first origin 2012-01-01"),
        (["--from", "2025-12-15"], "--horizons: no origin from 2025-12-15"),
        (["--price", "none", "--network", "none"], "--price/--network: nothing to evaluate"),
        (["--scenario", "no_such.toml"], "no_such.toml"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    real_history_file: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(
        app, ["evaluate", str(real_history_file), *args, "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: ") and message in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


def test_missing_history_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(tmp_path / "none.csv")])
    assert result.exit_code == 2 and result.output.startswith("error: ")
    assert "none.csv" in result.output and len(result.output.strip().splitlines()) == 1


def test_without_scoringrules_it_says_what_to_install(
    real_history_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "scoringrules", None)  # import scoringrules now fails
    result = runner.invoke(app, ["evaluate", str(real_history_file)])
    assert result.exit_code == 2
    assert (
        result.output == 'error: btcsim evaluate needs scoringrules: pip install -e ".[evaluate]"\n'
    )
