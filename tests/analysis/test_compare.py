"""btcsim compare, sweep and sensitivity: the API and the commands, on small runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from support import PROJECT, REAL_HISTORY
from typer.testing import CliRunner

from cli import app
from simulator import load_scenario
from simulator.analysis.compare import (
    ALL_METRICS,
    HIGHER_IS_BETTER,
    KEY_METRICS,
    CompareError,
    Comparison,
    compare,
    parse_metric,
)
from simulator.analysis.sensitivity import Sensitivity, salib_available, sensitivity
from simulator.analysis.sweep import parse_vary, plan_sweep, sweep
from simulator.engine.backends import default_backend
from simulator.inputs.scenario import ScenarioError
from simulator.results import metrics as registry

ROOT = PROJECT
SCEN = ROOT / "scenarios"
DATA = REAL_HISTORY
SUBSIDISED = SCEN / "pakistan_subsidised_tariff.toml"
COST_REFLECTIVE = SCEN / "pakistan_cost_reflective_tariff.toml"
BASELINE = SCEN / "baseline.toml"
TARIFF = "mining.pakistan.electricity_usd_per_kwh"
SMALL = ["scenario.paths=300", "scenario.horizon_years=2"]
runner = CliRunner()


def _one_error_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("error: "), output
    assert "Traceback" not in output
    return lines[0]


def _row(comparison: Comparison, entity: str, metric: str) -> dict:
    t = comparison.table
    rows = t[(t.entity == entity) & (t.metric == metric)]
    assert len(rows) == 1
    return rows.iloc[0].to_dict()


# --------------------------------------------------------------------- compare
@pytest.fixture(scope="module")
def tariffs() -> Comparison:
    """Cost-reflective tariff as the reference, subsidised second."""
    return compare([load_scenario(COST_REFLECTIVE, SMALL), load_scenario(SUBSIDISED, SMALL)])


def test_tariff_compare_has_common_random_numbers(tariffs: Comparison) -> None:
    assert tariffs.common_random_numbers is True
    assert tariffs.market_differences == []
    assert "share the same price and hashrate paths" in tariffs.crn_message()
    a, b = tariffs.results
    pa, pb = a.path_metrics, b.path_metrics
    assert pa is not None and pb is not None
    for col in ("market.price_usd", "market.network_hashrate_ehs"):
        np.testing.assert_array_equal(pa[col].to_numpy(), pb[col].to_numpy())


def test_tariff_compare_inputs_diff_is_only_the_tariff(tariffs: Comparison) -> None:
    diff = tariffs.inputs_diff
    assert diff["key"].tolist() == [TARIFF]  # not scenario.name, description or question
    row = diff.iloc[0]
    assert row["pakistan_cost_reflective_tariff.value"] == 0.12
    assert row["pakistan_subsidised_tariff.value"] == 0.05
    assert row["pakistan_cost_reflective_tariff.provenance"] == "assumption"
    assert row["pakistan_subsidised_tariff.provenance"] == "assumption"
    assert "not from the articles" in row["pakistan_subsidised_tariff.source"]


def test_cheaper_tariff_wins_on_every_path(tariffs: Comparison) -> None:
    sub = "pakistan_subsidised_tariff"
    margin = _row(tariffs, "pakistan", "margin_usd")
    assert margin[f"{sub}.prob_beats"] == 1.0  # same paths, lower cost
    assert margin[f"{sub}.diff_p50"] > 0
    breakeven = _row(tariffs, "pakistan", "breakeven_price_usd")
    assert breakeven[f"{sub}.prob_beats"] == 1.0 and breakeven[f"{sub}.diff_p50"] < 0
    cost = _row(tariffs, "pakistan", "cash_cost_per_btc_usd")
    assert cost[f"{sub}.prob_beats"] == 1.0
    mined = _row(tariffs, "pakistan", "btc_mined_per_year_btc")
    assert mined[f"{sub}.prob_same"] == 1.0 and mined[f"{sub}.diff_p50"] == 0
    price = _row(tariffs, "market", "price_usd")
    assert np.isnan(price[f"{sub}.prob_beats"]) and price["higher_is_better"] == ""
    a, b = tariffs.results
    assert a.path_metrics is not None and b.path_metrics is not None
    assert (b.path_metrics["pakistan.margin_usd"] > a.path_metrics["pakistan.margin_usd"]).all()


def test_energy_cost_difference_is_the_tariff_ratio(tariffs: Comparison) -> None:
    # energy cost = energy used x tariff, and energy used does not depend on the tariff
    # (machines never shut down here), so the saving is (0.12 - 0.05) / 0.12 of the cost.
    cost_reflective, subsidised = (r.metric("pakistan", "energy_cost_usd") for r in tariffs.results)
    assert (cost_reflective - subsidised) / cost_reflective == pytest.approx(7 / 12, rel=1e-9)
    a, b = (r.path_metrics["pakistan.energy_cost_usd"].to_numpy() for r in tariffs.results)  # type: ignore[index]
    np.testing.assert_allclose(b / a, 0.05 / 0.12, rtol=1e-9)


def test_table_has_the_key_metrics_and_documented_directions(tariffs: Comparison) -> None:
    t = tariffs.table
    for kind, metrics in KEY_METRICS.items():
        got = t[t.kind == kind].metric.tolist()
        assert got == list(metrics) * (len(got) // len(metrics))
    for metric in (
        "cash_cost_per_btc_usd",
        "breakeven_price_usd",
        "max_drawdown",
        "prob_below_cost",
    ):
        assert HIGHER_IS_BETTER[metric] is False
    for metric in ("value_usd", "holdings_btc", "margin_usd", "btc_mined_per_year_btc"):
        assert HIGHER_IS_BETTER[metric] is True
    # a probability has no percentiles; its p50 column holds the probability
    prob = _row(tariffs, "pakistan", "prob_below_cost")
    assert np.isnan(prob["pakistan_subsidised_tariff.p5"])
    assert 0 <= prob["pakistan_subsidised_tariff.p50"] <= 1


def test_metric_lists_match_the_summary(tariffs: Comparison) -> None:
    s = tariffs.results[0].summary
    # the tariff scenarios report every metric but the AI side's (they have no ai table)
    shown = {
        k: tuple(n for n in ALL_METRICS[k] if registry.metric(n).needs != "ai") for k in ALL_METRICS
    }
    assert tuple(s[s.entity == "market"].metric) == shown["market"]
    mining = s[(s.entity == "pakistan") & s.metric.isin(ALL_METRICS["mining"])].metric
    assert tuple(mining) == shown["mining"]
    reserve = s[(s.entity == "pakistan") & s.metric.isin(ALL_METRICS["reserve"])].metric
    assert tuple(reserve) == shown["reserve"]
    assert len(s) == len(shown["market"] + shown["mining"] + shown["reserve"])


def test_compare_reports_different_market_inputs() -> None:
    small = ["scenario.paths=200", "scenario.horizon_years=1"]
    base = load_scenario(BASELINE, small)
    t = load_scenario(SCEN / "price_models" / "t.toml", small)
    c = compare([base, t])
    assert c.common_random_numbers is False
    assert set(c.market_differences) == {"market.price.model", "market.price.degrees_of_freedom"}
    assert "market.price.model" in c.crn_message() and "market assumptions" in c.crn_message()
    dof = c.inputs_diff.set_index("key").loc["market.price.degrees_of_freedom"]
    assert dof["baseline.provenance"] == "absent" and dof["price_t.provenance"] == "assumption"


def test_compare_needs_unique_names() -> None:
    s = load_scenario(BASELINE, SMALL)
    with pytest.raises(ScenarioError, match="names must be unique"):
        compare([s, s])
    result = runner.invoke(app, ["compare", str(BASELINE), str(BASELINE), "--paths", "10"])
    assert result.exit_code == 2
    assert "scenario.name=" in _one_error_line(result.output)


# --------------------------------------------------------------------- metrics
def test_parse_metric_accepts_both_spellings() -> None:
    model = load_scenario(BASELINE).model
    full = parse_metric("reserve.pakistan.value_usd.p50", model)
    assert (full.kind, full.entity, full.metric, full.stat) == (
        "reserve",
        "pakistan",
        "value_usd",
        "p50",
    )
    assert parse_metric("pakistan.value_usd", model) == full
    assert parse_metric("pakistan.margin_usd.p95", model).kind == "mining"
    assert parse_metric("market.price_usd.mean", model).column == "market.price_usd.mean"
    with pytest.raises(ScenarioError, match="has no metric 'value_usd'"):
        parse_metric("mining.pakistan.value_usd", model)
    with pytest.raises(ScenarioError, match="did you mean 'value_usd'"):
        parse_metric("pakistan.valu_usd", model)
    with pytest.raises(ScenarioError, match="did you mean 'pakistan'"):
        parse_metric("pakistn.value_usd", model)


# ----------------------------------------------------------------------- sweep
def test_parse_vary_ranges_and_lists() -> None:
    assert parse_vary(f"{TARIFF}=0.03:0.12:4").values == (0.03, 0.06, 0.09, 0.12)
    ints = parse_vary("scenario.paths=100:300:3").values
    assert ints == (100, 200, 300) and all(type(v) is int for v in ints)
    assert parse_vary("k=0:1:3").values == (0.0, 0.5, 1.0)
    assert parse_vary("k=gbm,t").values == ("gbm", "t")
    assert parse_vary("k=[1, 2],[3]").values == ([1, 2], [3])
    for bad, message in (
        ("k=1:2:1", "n >= 2"),
        ("k", "expected key="),
        ("k=1,1.0,1", "listed twice"),
        ("k=1,,2", "empty value"),
    ):
        with pytest.raises(ScenarioError, match=message):
            parse_vary(bad)


def test_sweep_grid_two_by_two_with_heatmap() -> None:
    s = sweep(
        BASELINE,
        [f"{TARIFF}=0.05,0.12", "mining.pakistan.pue=1.05,1.3"],
        overrides=["scenario.paths=200", "scenario.horizon_years=1"],
    )
    assert len(s.table) == 4 and s.failed == 0 and s.mode == "grid"
    assert s.table["scenario"].iloc[0] == "baseline[electricity_usd_per_kwh=0.05,pue=1.05]"
    assert s.metric.column == "pakistan.margin_usd.p50"  # default: first operation's margin
    hm = s.heatmap
    assert hm is not None and hm.shape == (2, 2)
    assert hm.index.tolist() == [0.05, 0.12] and hm.columns.tolist() == [1.05, 1.3]
    cell = s.table.set_index([TARIFF, "mining.pakistan.pue"]).loc[(0.12, 1.3), s.metric.column]
    assert hm.loc[0.12, 1.3] == cell
    assert (hm.loc[0.05] > hm.loc[0.12]).all()  # dearer power, smaller margin
    assert (hm[1.05] > hm[1.3]).all()  # worse cooling, smaller margin


def test_sweep_zip_pairs_values() -> None:
    plan = plan_sweep(BASELINE, [f"{TARIFF}=0.05,0.12", "mining.pakistan.pue=1.05,1.3"], mode="zip")
    assert plan.combos == [(0, 0), (1, 1)]
    with pytest.raises(ScenarioError, match="as many values"):
        plan_sweep(BASELINE, [f"{TARIFF}=0.05,0.12", "mining.pakistan.pue=1.05:1.3:3"], mode="zip")


def test_sweep_checks_keys_before_running() -> None:
    with pytest.raises(ScenarioError) as info:
        plan_sweep(BASELINE, ["mining.pakistan.electricty_usd_per_kwh=0.05,0.1"])
    text = str(info.value)
    assert text.startswith(f"{BASELINE}: --vary mining.pakistan.electricty_usd_per_kwh: ")
    assert "did you mean 'electricity_usd_per_kwh'" in text


def test_sweep_failing_combination_does_not_stop_the_others(tmp_path: Path) -> None:
    if not DATA.is_file():
        pytest.skip(f"real data not found at {DATA}")
    s = sweep(
        SCEN / "price_models" / "bootstrap.toml",
        [f"market.price.history_file={DATA},{tmp_path / 'missing.csv'}"],
        overrides=["scenario.paths=100", "scenario.horizon_years=1"],
    )
    assert s.failed == 1 and s.heatmap is None
    good, bad = s.table.to_dict("records")
    assert good["error"] == "" and np.isfinite(good["pakistan.margin_usd.p50"])
    assert "file not found" in bad["error"] and np.isnan(bad["pakistan.margin_usd.p50"])
    assert s.results[0] is not None and s.results[1] is None
    s.save(tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["failed"] == 1 and manifest["combinations"] == 2


# ----------------------------------------------------------------- sensitivity
@pytest.fixture(scope="module")
def tornado() -> Sensitivity:
    scenario = load_scenario(BASELINE, ["scenario.horizon_years=2"])
    return sensitivity(scenario, "mining.pakistan.margin_usd", paths=200)


def test_sensitivity_is_ranked_by_swing(tornado: Sensitivity) -> None:
    t = tornado.table
    assert list(t.columns[:6]) == ["key", "provenance", "unit", "low", "base_value", "high"]
    assert (np.diff(t.swing.to_numpy()) <= 0).all()
    assert t["rank"].tolist() == list(range(1, len(t) + 1))
    np.testing.assert_allclose(t.swing, (t.metric_high - t.metric_low).abs())
    assert (t.metric_base == tornado.base_value).all() and tornado.paths == 200


def test_sensitivity_tariff_near_the_top(tornado: Sensitivity) -> None:
    row = tornado.table.set_index("key").loc[TARIFF]
    assert row["rank"] <= 3
    assert (row["low"], row["base_value"], row["high"]) == (0.05, 0.08, 0.12)
    assert row["metric_low"] > row["metric_base"] > row["metric_high"]  # dearer power, less margin


def test_sensitivity_labels_cited_facts_and_skips_with_reasons(tornado: Sensitivity) -> None:
    t = tornado.table.set_index("key")
    held = t.loc["reserve.el_salvador.holdings_btc"]
    assert held["provenance"] == "cited" and (held["low"], held["high"]) == (6000, 6240)
    assert held["swing"] == 0  # El Salvador's reserve does not touch Pakistan's margin
    assert t.loc["market.price.start_usd", "provenance"] == "derived"
    skipped = dict(tornado.skipped)
    assert "list" in skipped["mining.pakistan.refreshes.0.efficiency_j_per_th"]
    assert "no spread" in skipped["mining.pakistan.power_mw"]
    assert not set(skipped) & set(t.index)


@pytest.mark.skipif(
    not salib_available(), reason="SALib not installed (pip install -e '.[sensitivity]')"
)
def test_sobol_indices() -> None:
    scenario = load_scenario(SCEN / "el_salvador_hold.toml", ["scenario.horizon_years=1"])
    result = sensitivity(scenario, "el_salvador.value_usd", paths=100, sobol=4)
    sob = result.sobol
    assert sob is not None and result.sobol_n == 4
    assert list(sob.columns) == ["key", "provenance", "S1", "S1_conf", "ST", "ST_conf"]
    assert set(sob.key) == set(result.table.key)
    st = sob.set_index("key").ST
    assert st["chain.fees_btc_per_block"] == 0  # fees do not move a reserve's value
    # an input has a total effect exactly when moving it alone moves the value
    moving = set(result.table.key[result.table.swing > 0])
    assert set(st[st > 0].index) == moving and "market.price.expected_return_per_year" in moving
    with pytest.raises(ScenarioError, match="power of 2"):
        sensitivity(scenario, paths=10, sobol=6)


# ------------------------------------------------------------------------- CLI
def test_cli_compare_writes_files_and_json(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    args = ["compare", str(SUBSIDISED), str(COST_REFLECTIVE), "--paths", "200", "--years", "1"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "common random numbers: all scenarios share the same price and hashrate paths" in (
        result.output
    )
    assert "0.05 (assumption)" in result.output and "0.12 (assumption)" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "comparison.csv",
        "inputs_diff.csv",
        "manifest.json",
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["common_random_numbers"] is True and manifest["paths"] == 200
    assert manifest["reference"] == "pakistan_subsidised_tariff" and "versions" in manifest
    as_json = runner.invoke(app, [*args, "--out", str(out), "--json", "--each", "--overwrite"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert data["common_random_numbers"] is True
    assert [r["key"] for r in data["inputs_diff"]] == [TARIFF]
    assert (out / "scenarios" / "pakistan_subsidised_tariff" / "summary.csv").is_file()


def test_backend_is_passed_through_and_does_not_change_results(tariffs: Comparison) -> None:
    scenarios = [load_scenario(COST_REFLECTIVE, SMALL), load_scenario(SUBSIDISED, SMALL)]
    serial = compare(scenarios, backend="serial", workers=1)
    assert serial.backend == "serial" and tariffs.backend == default_backend()
    assert serial.table.equals(tariffs.table)
    with pytest.raises(CompareError, match="unknown backend"):
        compare(scenarios, backend="nope")


def test_cli_compare_errors(tmp_path: Path) -> None:
    args = ["compare", str(SUBSIDISED), str(COST_REFLECTIVE), "--paths", "10", "--out"]
    backend = runner.invoke(app, [*args, str(tmp_path / "b"), "--backend", "nope"])
    assert backend.exit_code == 2
    assert "--backend: expected one of" in _one_error_line(backend.output)
    assert not (tmp_path / "b").exists()
    one = runner.invoke(app, ["compare", str(BASELINE)])
    assert one.exit_code == 2 and "at least two" in _one_error_line(one.output)
    missing = runner.invoke(app, ["compare", str(BASELINE), str(tmp_path / "nope.toml")])
    assert missing.exit_code == 2 and "file not found" in _one_error_line(missing.output)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    args = ["compare", str(SUBSIDISED), str(COST_REFLECTIVE), "--out", str(blocker)]
    assert runner.invoke(app, args).exit_code == 2
    assert blocker.read_text() == "x"


def test_cli_sweep(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    args = ["sweep", str(BASELINE), "--vary", f"{TARIFF}=0.03:0.12:4", "--vary"]
    args += ["mining.pakistan.pue=1.05,1.3", "--paths", "100", "--years", "1", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "grid: 8 combinations" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["heatmap.csv", "manifest.json", "sweep.csv"]
    data = json.loads(runner.invoke(app, [*args, "--json", "--overwrite"]).stdout)
    assert data["combinations"] == 8 and data["heatmap"]["row_values"] == [0.03, 0.06, 0.09, 0.12]
    metric = [*args, "--metric", "reserve.pakistan.value_usd.p95", "--json", "--overwrite"]
    data = json.loads(runner.invoke(app, metric).stdout)
    assert data["metric"] == "reserve.pakistan.value_usd.p95"
    assert "pakistan.value_usd.p95" in data["table"][0]


def test_cli_sweep_errors() -> None:
    base = ["sweep", str(BASELINE), "--paths", "10"]
    unknown = runner.invoke(app, [*base, "--vary", "mining.pakistan.electricty_usd_per_kwh=1,2"])
    assert unknown.exit_code == 2
    line = _one_error_line(unknown.output)
    assert "--vary mining.pakistan.electricty_usd_per_kwh: unknown key" in line
    zipped = runner.invoke(
        app, [*base, "--vary", f"{TARIFF}=0.05,0.1", "--vary", "mining.pakistan.pue=1.1:1.3:3",
              "--mode", "zip"],
    )  # fmt: skip
    assert zipped.exit_code == 2 and "as many values" in _one_error_line(zipped.output)
    bad_metric = runner.invoke(app, [*base, "--vary", f"{TARIFF}=0.05", "--metric", "x.y"])
    assert bad_metric.exit_code == 2 and "no reserve or mining" in _one_error_line(
        bad_metric.output
    )
    bad_mode = runner.invoke(app, [*base, "--vary", f"{TARIFF}=0.05", "--mode", "diagonal"])
    assert bad_mode.exit_code == 2 and "grid or zip" in _one_error_line(bad_mode.output)


def test_cli_sensitivity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "se"
    args = ["sensitivity", str(SCEN / "el_salvador_hold.toml"), "--paths", "100", "--years", "1"]
    result = runner.invoke(app, [*args, "--top", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "reserve.el_salvador.value_usd.p50" in result.output  # the default metric
    assert "Top 3 of" in result.output and "provenance" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "sensitivity.csv"]
    data = json.loads(
        runner.invoke(app, [*args, "--out", str(out), "--json", "--overwrite"]).stdout
    )
    assert data["table"][0]["rank"] == 1 and data["sobol"] is None
    bad = runner.invoke(app, [*args, "--metric", "el_salvador.margin_usd"])
    assert bad.exit_code == 2 and "has no metric 'margin_usd'" in _one_error_line(bad.output)
    monkeypatch.setattr("simulator.analysis.sensitivity.salib_available", lambda: False)
    no_salib = runner.invoke(app, [*args, "--sobol", "4"])
    assert no_salib.exit_code == 2
    assert _one_error_line(no_salib.output) == (
        "error: --sobol needs SALib: pip install -e '.[sensitivity]'"
    )


def test_reserves_holding_only_btc_tie_on_drawdown() -> None:
    # Regression: the flow-neutral index of a reserve holding only BTC is the price
    # index whatever it holds, but computed from different holdings it differs in the
    # 16th digit, and P(beats A) read that rounding as 41 % of paths "better".
    from simulator.analysis.compare import compare

    hold = load_scenario(ROOT / "scenarios/el_salvador_hold.toml", ["scenario.paths=200"])
    buy = load_scenario(ROOT / "scenarios/el_salvador_accumulate.toml", ["scenario.paths=200"])
    table = compare([hold, buy]).table
    row = table[table.metric == "max_drawdown"].iloc[0]
    assert row["el_salvador_accumulate.prob_same"] == 1.0
    assert row["el_salvador_accumulate.prob_beats"] == 0.0
