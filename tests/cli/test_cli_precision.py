"""``btcsim run``: standard errors in the table and files, and ``--precision``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from support import MINIMAL_SCENARIO, write_scenario
from typer.testing import CliRunner

from cli import app
from simulator.engine.plan import BLOCK_PATHS

runner = CliRunner()


def test_summary_files_and_table_carry_standard_errors(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, MINIMAL_SCENARIO)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(path), "--paths", "300", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out / "summary.csv")
    for col in ("p5_se", "p50_se", "p95_se", "mean_se", "defined_share"):
        assert col in summary.columns
    value = summary[(summary.entity == "treasury") & (summary.metric == "value_usd")].iloc[0]
    assert 0 < value.p50_se < value.p50  # 300 paths of a 50 %/yr GBM: a few per cent
    assert "±" in result.output and " pp" in result.output


def test_precision_adds_blocks_until_the_target_is_met(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, MINIMAL_SCENARIO)
    out = tmp_path / "out"
    args = ["run", str(path), "--paths", "200", "--out", str(out), "--precision", "0.02"]
    result = runner.invoke(app, [*args, "--precision-metric", "treasury.value_usd.p50"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    got = manifest["precision"]
    assert got["reached"] and got["relative_se"] <= 0.02 and got["rounds"] >= 2
    assert got["paths"] % BLOCK_PATHS == 0 and manifest["paths"] == got["paths"]
    assert "precision: reserve.treasury.value_usd.p50 relative se" in result.output
    # The result is exactly a plain run with that many paths and the same seed.
    plain = tmp_path / "plain"
    again = runner.invoke(
        app, ["run", str(path), "--paths", str(got["paths"]), "--out", str(plain)]
    )
    assert again.exit_code == 0, again.output
    a, b = pd.read_csv(out / "summary.csv"), pd.read_csv(plain / "summary.csv")
    pd.testing.assert_frame_equal(a, b)


def test_precision_cap_is_reported_not_hidden(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, MINIMAL_SCENARIO)
    args = ["run", str(path), "--paths", "100", "--out", str(tmp_path / "o")]
    result = runner.invoke(app, [*args, "--precision", "0.001", "--max-paths", "1024"])
    assert result.exit_code == 0, result.output
    assert "warning: precision not reached" in result.output
    assert "the cap of 1,024 paths (--max-paths)" in result.output


def test_precision_bad_input_is_one_line(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, MINIMAL_SCENARIO)
    for extra, message in [
        (["--precision", "1.5"], "--precision: expected a relative standard error between 0 and 1"),
        (["--precision-metric", "treasury.value_usd"], "--precision-metric: needs --precision"),
        (["--max-paths", "5000"], "--max-paths: needs --precision"),
        (["--precision", "0.1", "--precision-metric", "treasury.prob_below_cost.p5"],
         "--precision-metric: prob_below_cost is a probability: it has a mean, no p5/p95"),
        (["--precision", "0.1", "--precision-metric", "nobody.value_usd"],
         "--precision-metric: nobody.value_usd: no reserve or mining operation named 'nobody'"),
    ]:  # fmt: skip
        result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "x"), *extra])
        assert result.exit_code == 2, result.output
        assert message in result.output
        assert not (tmp_path / "x").exists()


def test_precision_does_not_stop_on_rough_qmc_errors(tmp_path: Path) -> None:
    # 512 QMC paths are two Sobol' sets: an error with 1 degree of freedom. A loose
    # target is met at once, but the run goes on to 8 sets (2,048 paths) before it stops.
    path = write_scenario(tmp_path, MINIMAL_SCENARIO)
    out = tmp_path / "out"
    args = ["run", str(path), "--paths", "512", "--out", str(out), "--precision", "0.5"]
    qmc = ["--set", 'scenario.variance_reduction="qmc"']
    result = runner.invoke(app, [*args, *qmc, "--precision-metric", "treasury.value_usd.p50"])
    assert result.exit_code == 0, result.output
    got = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["precision"]
    assert got["reached"] and got["paths"] == 2048 and got["rounds"] == 2
    assert "from the spread between 8 QMC sets of 256 paths" in result.output
    # with a cap below 2,048 the target is met but not trusted: said, not hidden
    capped = runner.invoke(
        app, [*args[:-2], "--out", str(tmp_path / "c"), "--precision", "0.5", *qmc,
              "--max-paths", "1024"],
    )  # fmt: skip
    assert capped.exit_code == 0, capped.output
    assert "warning: precision not reached" in capped.output
    assert "qmc errors need 2,048 paths" in capped.output
