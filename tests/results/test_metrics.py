"""The metric registry: one entry per summary metric, and every view reads it."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support import PROJECT
from typer.testing import CliRunner

from cli import app
from simulator import load_scenario, simulate
from simulator.analysis import compare as compare_mod
from simulator.analysis import variants
from simulator.cli.run import RUN_METRICS
from simulator.results import metrics as reg
from simulator.results.ledger import reports
from simulator.results.result import Result

ROOT = PROJECT
SCEN = ROOT / "scenarios"
BASELINE = SCEN / "baseline.toml"
SMALL = ["scenario.paths=200", "scenario.horizon_years=1"]
runner = CliRunner()

#: Metrics the summary reports only under a condition (documented in the registry):
#: the baseline meets all but the AI side's (pakistan_mining_and_ai.toml has one).
CONDITIONAL = {m.name for m in reg.METRICS if m.needs}
AI_METRICS = {m.name for m in reg.METRICS if m.needs == "ai"}


@pytest.fixture(scope="module")
def baseline() -> Result:
    return simulate(load_scenario(BASELINE, SMALL))


@pytest.fixture(scope="module")
def no_benchmark() -> Result:
    """The baseline without benchmarks, FX path, power-sale price or PKR reserve."""
    s = load_scenario(BASELINE, SMALL)
    m = s.model
    mining = [op.model_copy(update={"power_sale_usd_per_kwh": None}) for op in m.mining]
    reserve = [r.model_copy(update={"currency": "USD"}) for r in m.reserve]
    market = m.market.model_copy(update={"fx": None})
    update = {"benchmark": [], "mining": mining, "reserve": reserve, "market": market}
    return simulate(replace(s, model=m.model_copy(update=update)))


@pytest.fixture(scope="module")
def with_ai() -> Result:
    return simulate(load_scenario(SCEN / "pakistan_mining_and_ai.toml", SMALL))


MODEL = load_scenario(BASELINE, SMALL).model


def _entity_model(name: str, kind: str) -> Any:
    """The baseline's reserve or mining entry of ``name`` (None for the market)."""
    entries = {"reserve": MODEL.reserve, "mining": MODEL.mining}.get(kind, [])
    return next((e for e in entries if e.name == name), None)


def _entity_kinds() -> dict[str, set[str]]:
    """Entity name -> kinds it has in the baseline (a name can be a reserve and a mine)."""
    model = load_scenario(BASELINE, SMALL).model
    kinds: dict[str, set[str]] = {"market": {"market"}}
    for r in model.reserve:
        kinds.setdefault(r.name, set()).add("reserve")
    for m in model.mining:
        kinds.setdefault(m.name, set()).add("mining")
    return kinds


def test_registry_is_well_formed() -> None:
    names = [m.name for m in reg.METRICS]
    assert len(names) == len(set(names))
    for m in reg.METRICS:
        assert m.kind in reg.KINDS
        assert m.unit
        assert m.meaning.strip() and "\n" not in m.meaning
        assert m.probability == (m.unit == "probability")
        assert m.higher_is_better in (True, False, None)
        assert reg.metric(m.name) is m
    # kinds come in summary order: market, reserve, mining
    kinds = [m.kind for m in reg.METRICS]
    assert kinds == sorted(kinds, key=reg.KINDS.index)
    for kind in reg.KINDS:
        keys = sorted(m.key for m in reg.METRICS if m.kind == kind and m.key is not None)
        assert keys == list(range(len(keys)))
    with pytest.raises(KeyError):
        reg.metric("no_such_metric")


def test_registry_module_is_light() -> None:
    code = (
        "import sys, simulator.results.metrics; "
        "print(any(m in sys.modules for m in ('numpy', 'pandas')))"
    )
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert got.stdout.strip() == "False"


def test_cli_start_up_does_not_import_the_analysis_layer() -> None:
    code = (
        "import sys, cli; print(sorted(m for m in ('numpy', 'pandas', "
        "'simulator.analysis.variants') if m in sys.modules))"
    )
    got = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert got.stdout.strip() == "[]"


def test_every_summary_metric_is_in_the_registry_with_its_unit(
    baseline: Result, no_benchmark: Result
) -> None:
    kinds = _entity_kinds()
    for result in (baseline, no_benchmark):
        for row in result.summary.itertuples():
            m = reg.metric(str(row.metric))
            assert row.unit == m.unit, row.metric
            assert m.kind in kinds[str(row.entity)], (row.entity, row.metric)
            if m.probability:
                assert np.isnan(row.p50) and 0 <= row.mean <= 1


def test_every_registry_metric_is_in_a_baseline_summary(
    baseline: Result, no_benchmark: Result, with_ai: Result
) -> None:
    s = baseline.summary
    assert set(s.metric) == {m.name for m in reg.METRICS} - AI_METRICS
    assert AI_METRICS <= set(with_ai.summary.metric)
    # per entity and kind (a reserve and a mine may share a name), in registry order
    for entity in s.entity.unique():
        got = list(s[s.entity == entity].metric)
        for kind in {reg.kind_of(n) for n in got}:
            entity_model = _entity_model(entity, kind)
            want = tuple(n for n in reg.metric_names(kind) if reports(MODEL, n, entity_model))
            assert tuple(n for n in got if reg.kind_of(n) == kind) == want
    # conditional metrics are documented as such and missing without their condition
    missing = {m.name for m in reg.METRICS} - set(no_benchmark.summary.metric)
    assert missing == CONDITIONAL
    for m in reg.METRICS:
        assert bool(m.condition) == (m.name in CONDITIONAL)
        assert m.needs in ("", *reg.NEEDS)


def test_views_are_derived_from_the_registry() -> None:
    for kind in reg.KINDS:
        assert variants.ALL_METRICS[kind] == tuple(m.name for m in reg.METRICS if m.kind == kind)
        assert variants.KEY_METRICS[kind] == reg.key_metrics(kind)
        assert RUN_METRICS[kind] == tuple(
            m.name for m in reg.METRICS if m.kind == kind and m.in_run_table
        )
    assert variants.PROBABILITY_METRICS == {m.name for m in reg.METRICS if m.probability}
    assert compare_mod.KEY_METRICS is variants.KEY_METRICS
    # the orders the comparison and sweep tables have always used
    assert reg.key_metrics("reserve") == (
        "value_usd",
        "holdings_btc",
        "prob_below_cost",
        "max_drawdown",
        "net_position_usd",
    )
    assert reg.key_metrics("mining") == (
        "btc_mined_per_year_btc",
        "margin_usd",
        "cash_cost_per_btc_usd",
        "breakeven_price_usd",
        "subsidy_cost_usd",
        "net_fiscal_usd",
        "energy_twh",
        "emissions_tco2",
    )
    assert reg.key_metrics("market") == ("price_usd", "network_hashrate_ehs")


def test_compare_scoring_direction_comes_from_the_registry(
    baseline: Result, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = {m.name: m.higher_is_better for m in reg.METRICS if m.higher_is_better is not None}
    assert compare_mod.HIGHER_IS_BETTER == expected
    assert reg.higher_is_better() == expected
    for m in reg.METRICS:
        assert compare_mod.HIGHER_IS_BETTER.get(m.name) is m.higher_is_better
        if m.kind == "market":
            assert m.higher_is_better is None
    # path_outcomes follows the direction: a higher price path for B "beats" A only
    # when more is better
    lower = Result.__new__(Result)
    lower.__dict__.update(baseline.__dict__)
    assert baseline.path_metrics is not None
    lower.path_metrics = baseline.path_metrics - 1.0
    for name in ("value_usd", "cash_cost_per_btc_usd"):
        m = reg.metric(name)
        entity = "pakistan"
        ref = variants.MetricRef(m.kind, entity, name)
        beats, same = compare_mod.path_outcomes(lower, baseline, ref)
        assert same == 0.0
        assert beats == (1.0 if m.higher_is_better else 0.0)
    # an unscored metric is not scored
    beats, _ = compare_mod.path_outcomes(
        lower, baseline, variants.MetricRef("market", "market", "price_usd")
    )
    assert np.isnan(beats)


def test_comparison_table_directions_match_the_registry(baseline: Result) -> None:
    scenario = load_scenario(BASELINE, SMALL)
    table = compare_mod.comparison_table([baseline, baseline], [scenario.model])
    for row in table.to_dict("records"):
        m = reg.metric(row["metric"])
        assert row["kind"] == m.kind
        assert row["unit"] == m.unit
        assert row["higher_is_better"] == ("" if m.higher_is_better is None else m.higher_is_better)


def test_run_json_rows_carry_the_kind(tmp_path: Path) -> None:
    args = ["run", str(BASELINE), "--paths", "200", "--years", "1", "--json"]
    got = runner.invoke(app, [*args, "--out", str(tmp_path / "r")])
    assert got.exit_code == 0, got.output
    rows = json.loads(got.stdout)[0]["summary"]
    for row in rows:
        assert list(row)[:4] == ["scenario", "entity", "kind", "metric"]
        assert row["kind"] == reg.kind_of(row["metric"])
        if row["entity"] == "market":
            assert row["kind"] == "market"
    assert {r["kind"] for r in rows} == set(reg.KINDS)
    # the CSV keeps its columns: no kind there
    header = (tmp_path / "r" / "summary.csv").read_text().splitlines()[0]
    assert "kind" not in header.split(",")
