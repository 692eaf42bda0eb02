"""Every price and network model through the engine: shipped scenarios, streams, shocks, errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from support import PROJECT, REAL_HISTORY
from typer.testing import CliRunner

from cli import app
from simulator import load_scenario, simulate
from simulator.engine.plan import BLOCK_PATHS, market_block, plan

ROOT = PROJECT
MODELS = ROOT / "scenarios" / "price_models"
DATA = REAL_HISTORY
runner = CliRunner()
PRICE_FILES = sorted(MODELS.glob("*.toml"))


def _needs_data(path: Path) -> None:
    if "history_file" in path.read_text() and not DATA.is_file():
        pytest.skip(f"real data not found at {DATA}")


def _block(path: Path, n: int, block: int = 0, sets: tuple[str, ...] = ()):
    model = load_scenario(path, ["scenario.horizon_years=1", *sets]).model
    p = plan(model, str(path))
    return market_block(
        model, p.market, model.scenario.seed, block, n, p.n_days, p.shock_days, p.shock_changes
    )


def test_one_scenario_per_price_model() -> None:
    from simulator.inputs.schema import PRICE_MODELS

    names = {load_scenario(f).model.market.price.model for f in PRICE_FILES}
    assert names == set(PRICE_MODELS)


@pytest.mark.parametrize("path", PRICE_FILES, ids=lambda p: p.stem)
def test_price_model_scenarios_run_and_reproduce(path: Path) -> None:
    _needs_data(path)
    sets = ["scenario.paths=300", "scenario.horizon_years=1"]
    a = simulate(load_scenario(path, sets), workers=1)
    b = simulate(load_scenario(path, sets), workers=2)
    assert a.percentiles.equals(b.percentiles)  # bit-identical, whatever the threads
    price = a.percentiles.query("variable == 'price_usd'")
    assert np.isfinite(price[["p5", "p50", "p95"]].to_numpy()).all()
    assert (price.p5 > 0).all() and (price.p5 <= price.p95).all()


@pytest.mark.parametrize("path", PRICE_FILES, ids=lambda p: p.stem)
def test_first_paths_do_not_depend_on_the_total(path: Path) -> None:
    _needs_data(path)
    # Block 1 of a run is the same whether or not more blocks follow.
    small_price, small_rest = _block(path, 10, block=1)
    big_price, big_rest = _block(path, 50, block=1)
    assert np.array_equal(small_price, big_price[:10])
    assert np.array_equal(small_rest, big_rest[:10])


@pytest.mark.parametrize("path", PRICE_FILES, ids=lambda p: p.stem)
def test_dated_shock_applies_to_every_model(path: Path) -> None:
    _needs_data(path)
    shock = ("market.price.shocks=[{date = 2026-01-01, change = -0.5}]",)
    plain, _ = _block(path, 20)
    shocked, _ = _block(path, 20, sets=shock)
    day = (np.datetime64("2026-01-01") - np.datetime64("2025-07-17")).astype(int) - 1
    # Before the shock the paths agree; from its day on, every price is exactly halved.
    np.testing.assert_array_equal(plain[:, :day], shocked[:, :day])
    np.testing.assert_allclose(shocked[:, day:], 0.5 * plain[:, day:], rtol=1e-12)


def test_csv_paths_cycle_bear_base_bull() -> None:
    price, _ = _block(MODELS / "csv.toml", 6)
    # Day 0 ends 2025-07-18, one day after the common start 119,429: three paths, twice.
    assert np.array_equal(price[0], price[3]) and np.array_equal(price[2], price[5])
    assert price[0, -1] < price[1, -1] < price[2, -1]
    # Log-linear interpolation: bear falls from 119,429 to 55,000 over 532 days
    # (2025-07-17 .. 2026-12-31), so after 365 days it is 119429 * (55000/119429)^(365/532).
    expected = 119429 * (55000 / 119429) ** (365 / 532)
    assert price[0, 364] == pytest.approx(expected, rel=1e-12)


def test_network_follows_price_under_the_economic_model() -> None:
    path = ROOT / "scenarios" / "baseline.toml"  # the baseline's network is economic
    sets = ("market.network.noise_volatility_per_year=0", "market.network.correlation_with_price=0")
    price, rest = _block(path, 400, sets=sets)
    # Without noise the hashrate is a function of the price path: higher final prices
    # must come with higher hashrate (rank correlation well above zero).
    rank = lambda x: np.argsort(np.argsort(x))  # noqa: E731
    rho = np.corrcoef(rank(price[:, -1]), rank(rest[:, -1]))[0, 1]
    assert rho > 0.8


def test_t_innovations_correlate_with_network_noise() -> None:
    path = MODELS / "t.toml"
    sets = ("market.network.model=gbm", "market.network.volatility_per_year=0.3")
    for rho in (0.0, 0.6):
        price, rest = _block(
            path, BLOCK_PATHS, sets=(*sets, f"market.network.correlation_with_price={rho}")
        )
        a = np.diff(np.log(price), axis=1).ravel()
        b = np.diff(np.log(rest), axis=1).ravel()
        r = np.corrcoef(a, b)[0, 1]
        # Sample correlation of ~372,000 pairs: se about 1/sqrt(n) = 0.0016 (t tails inflate it).
        assert abs(r - rho) < 8 / math.sqrt(len(a)) + 0.02


def test_market_is_common_across_policies() -> None:
    # Same market section, different mining tariff: identical price and network paths.
    a = _block(ROOT / "scenarios" / "pakistan_subsidised_tariff.toml", 30)
    b = _block(ROOT / "scenarios" / "pakistan_cost_reflective_tariff.toml", 30)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (
            ["market.price.history_file=nowhere.csv"],
            "market.price.history_file: file not found (file nowhere.csv)",
        ),
        (
            ["market.price.window_start=2025-06-20"],
            "market.price.window_start: the window 2025-06-20:2025-06-30 holds 11 days",
        ),
    ],
)
def test_bootstrap_input_errors(sets: list[str], message: str) -> None:
    _needs_data(MODELS / "bootstrap.toml")
    path = MODELS / "bootstrap.toml"
    result = runner.invoke(
        app, ["run", str(path), "--paths", "10", *sum((["--set", s] for s in sets), [])]
    )
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {path}: ")
    assert message in result.output


def test_csv_path_must_cover_the_horizon(tmp_path: Path) -> None:
    short = tmp_path / "short.csv"
    short.write_text("date,base\n2025-07-17,119429\n2026-07-17,150000\n")
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        f'extends = "{MODELS / "csv.toml"}"\n[market.price]\npath_file = "short.csv"\n'
    )
    result = runner.invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 2
    # The path file is read relative to the scenario that names it.
    assert f"{scenario}: market.price.path_file:" in result.output
    assert str(short) in result.output


def test_powerlaw_inputs_are_checked(tmp_path: Path) -> None:
    path = MODELS / "powerlaw.toml"
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0
    result = runner.invoke(app, ["run", str(path), "--set", "market.price.powerlaw_preset=nope"])
    assert result.exit_code == 2
    assert "market.price.powerlaw_preset: unknown" in result.output.replace("\n", " ")
    result = runner.invoke(app, ["run", str(path), "--set", "market.price.powerlaw_slope=5.7"])
    assert result.exit_code == 2
    assert "give powerlaw_preset or intercept and slope, not both" in result.output


def test_inputs_list_only_what_the_models_read() -> None:
    gbm = load_scenario(MODELS / "gbm.toml").inputs
    assert "market.price.volatility_per_year" in gbm
    assert "market.price.degrees_of_freedom" not in gbm  # a t-model field
    assert "market.network.marginal_efficiency_j_per_th" in gbm  # the baseline's economic network
    growth = load_scenario(ROOT / "scenarios" / "network_models" / "growth.toml").inputs
    assert "market.network.growth_per_year" in growth
    assert "market.network.marginal_efficiency_j_per_th" not in growth  # an economic-model field
    power = load_scenario(MODELS / "powerlaw.toml").inputs
    # Inherited from the baseline file but not read by the power law: not an input.
    assert "market.price.expected_return_per_year" not in power
    assert power["market.price.powerlaw_preset"].value == "btcsim_2010_2025"


def test_model_tables_name_real_fields() -> None:
    from simulator.inputs.market_schema import MARKET_SECTIONS

    for section in MARKET_SECTIONS.values():
        fields = set(section.spec.model_fields)
        assert section.common <= fields
        assert set(section.models) == set(section.spec.model_fields["model"].annotation.__args__)
        for name, entry in section.models.items():
            assert entry.reads <= fields, (section.key, name)
            assert set(entry.needs) <= entry.reads, (section.key, name)
            assert not entry.reads & section.common, (section.key, name)


def test_inputs_follow_the_model_table() -> None:
    from simulator.inputs.market_schema import PRICE_MODEL_TABLE

    t_inputs = load_scenario(MODELS / "t.toml").inputs
    price_keys = {
        k.removeprefix("market.price.") for k in t_inputs if k.startswith("market.price.")
    }
    assert {"model", "start_usd"} | PRICE_MODEL_TABLE["t"].reads <= price_keys
    assert price_keys - {"model", "start_usd"} - PRICE_MODEL_TABLE["t"].reads <= {"shocks"}
