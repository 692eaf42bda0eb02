"""The ``[market.fx]`` exchange rate: schema, unused keys, and its per-block engine draw.

Statistical checks use a fixed seed and a tolerance of 4 Monte Carlo standard
errors (SE), written next to each check.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError
from support import MINIMAL_SCENARIO, write_scenario
from typer.testing import CliRunner

from cli import app
from simulator import load_scenario
from simulator.engine.market import BLOCK_PATHS, market_block, market_block_fx
from simulator.engine.plan import plan
from simulator.inputs.errors import ScenarioError
from simulator.inputs.market_schema import MARKET_SECTIONS, FxSpec
from simulator.inputs.schema import unread_market_keys, unused_market_keys
from simulator.model.fx import cagr_fx, gbm_fx
from simulator.model.units import DAYS_PER_YEAR

runner = CliRunner()

GBM_PRICE = 'model = "gbm"\nstart_usd = 100000\nvolatility_per_year = 0.5'
PRICES = {
    "gbm": GBM_PRICE,
    "t": GBM_PRICE.replace('"gbm"', '"t"'),
    "jump": GBM_PRICE.replace('"gbm"', '"jump"')
    + "\njump_intensity_per_year = 4\njump_mean_log = -0.1\njump_sd_log = 0.2",
    "constant": 'model = "constant"\nstart_usd = 100000',
}
NOISY_NETWORK = (
    'model = "gbm"\nstart_ehs = 900\nvolatility_per_year = 0.3\ncorrelation_with_price = 0.4'
)
GBM_FX = """
[market.fx]
model = "gbm"
currency = "PKR"
start_lcu_per_usd = 283.5
expected_growth_per_year = 0.08
volatility_per_year = 0.1
correlation_with_price = 0.3
"""


def _text(price: str = "gbm", fx: str = "", network: str = NOISY_NETWORK) -> str:
    text = MINIMAL_SCENARIO.replace(GBM_PRICE, PRICES[price])
    text = text.replace('model = "constant"\nstart_ehs = 900', network)
    return text.replace("[chain]", fx + "\n[chain]")


def _blocks(tmp_path: Path, text: str, n: int, block: int = 0, sets: tuple[str, ...] = ()):
    path = write_scenario(tmp_path, text)
    model = load_scenario(path, sets).model
    p = plan(model, str(path))
    seed = model.scenario.seed
    return market_block_fx(model, p.market, seed, block, n, p.n_days, p.shock_days, p.shock_changes)


# ------------------------------------------------------------------ engine
@pytest.mark.parametrize("price", ["gbm", "t", "jump", "constant"])
def test_price_and_network_do_not_depend_on_fx(tmp_path: Path, price: str) -> None:
    fx = GBM_FX if price != "constant" else GBM_FX.replace("0.3\n", "0\n")
    p0, r0, f0 = _blocks(tmp_path, _text(price), 40)
    p1, r1, f1 = _blocks(tmp_path, _text(price, fx), 40)
    assert f0 is None and f1 is not None and f1.shape == (40, 365) and f1.dtype == np.float64
    np.testing.assert_array_equal(p0, p1)  # bit-identical
    np.testing.assert_array_equal(r0, r1)


@pytest.mark.parametrize("price", ["gbm", "t", "jump"])
def test_fx_is_reproducible_and_its_first_paths_do_not_depend_on_n(
    tmp_path: Path, price: str
) -> None:
    text = _text(price, GBM_FX)
    _, _, a = _blocks(tmp_path, text, 50, block=1)
    _, _, b = _blocks(tmp_path, text, 50, block=1)
    _, _, small = _blocks(tmp_path, text, 10, block=1)
    _, _, full = _blocks(tmp_path, text, BLOCK_PATHS, block=1)
    assert a is not None and b is not None and small is not None and full is not None
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(small, a[:10])
    np.testing.assert_array_equal(a, full[:50])
    _, _, other = _blocks(tmp_path, text, 10, block=2)
    assert other is not None and not np.array_equal(other, small)


def test_market_block_is_market_block_fx_without_fx(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, _text("gbm", GBM_FX))
    model = load_scenario(path).model
    p = plan(model, str(path))
    args = (model, p.market, 7, 0, 20, p.n_days, p.shock_days, p.shock_changes)
    pair = market_block(*args)
    price, rest, fx = market_block_fx(*args)
    assert len(pair) == 2 and fx is not None
    np.testing.assert_array_equal(pair[0], price)
    np.testing.assert_array_equal(pair[1], rest)


def test_dated_price_shocks_do_not_move_fx(tmp_path: Path) -> None:
    text = _text("gbm", GBM_FX)
    shock = ("market.price.shocks=[{date = 2026-01-01, change = -0.5}]",)
    plain, _, fx_plain = _blocks(tmp_path, text, 20)
    shocked, _, fx_shocked = _blocks(tmp_path, text, 20, sets=shock)
    assert not np.array_equal(plain, shocked)
    np.testing.assert_array_equal(fx_plain, fx_shocked)


def test_deterministic_fx_models_through_the_engine(tmp_path: Path) -> None:
    cagr = GBM_FX.replace('"gbm"', '"cagr"') + "growth_per_year = 0.10\n"
    _, _, fx = _blocks(tmp_path, _text("gbm", cagr), 5)
    np.testing.assert_array_equal(fx, cagr_fx(283.5, 0.10, 5, 365))
    const = GBM_FX.replace('"gbm"', '"constant"')
    _, _, fx = _blocks(tmp_path, _text("gbm", const), 5)
    assert fx is not None and (fx == 283.5).all()
    # gbm without volatility draws nothing: X_d = 283.5 e^(0.08 t_d), t_d = (d + 1) / 365.25.
    still = GBM_FX.replace("volatility_per_year = 0.1", "volatility_per_year = 0")
    _, _, fx = _blocks(tmp_path, _text("gbm", still), 3)
    t = np.arange(1, 366) / DAYS_PER_YEAR
    np.testing.assert_allclose(fx, np.tile(283.5 * np.exp(0.08 * t), (3, 1)), rtol=1e-13)


def test_fx_noise_is_stream_b_2(tmp_path: Path) -> None:
    # Uncorrelated, block b's FX noise is SeedSequence(seed, spawn_key=(b, 2)), row by row.
    fx = GBM_FX.replace("correlation_with_price = 0.3", "correlation_with_price = 0")
    _, _, rate = _blocks(tmp_path, _text("gbm", fx), 8, block=3)
    seed = load_scenario(write_scenario(tmp_path, _text("gbm", fx))).model.scenario.seed
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(3, 2))))
    z = rng.standard_normal((8, 365))
    np.testing.assert_array_equal(rate, gbm_fx(283.5, 0.08, 0.1, z))


@pytest.mark.parametrize("rho", [0.6, -0.4, 0.0])
def test_fx_shocks_correlate_with_price_shocks(tmp_path: Path, rho: float) -> None:
    fx = GBM_FX.replace("correlation_with_price = 0.3", f"correlation_with_price = {rho}")
    price, _, rate = _blocks(tmp_path, _text("gbm", fx), BLOCK_PATHS)
    assert rate is not None
    # Daily log changes are (mu - sigma^2/2) dt + sigma sqrt(dt) z: an affine map of the
    # shocks z, so their sample correlation is that of the price's and the rate's z.
    r_price = np.diff(np.log(price), axis=1, prepend=math.log(100_000.0)).ravel()
    r_fx = np.diff(np.log(rate), axis=1, prepend=math.log(283.5)).ravel()
    n = r_price.size  # 1,024 paths x 365 days = 373,760
    se = (1 - rho**2) / math.sqrt(n)  # SE of a sample correlation, about 0.0011 at rho = 0.6
    assert abs(np.corrcoef(r_price, r_fx)[0, 1] - rho) < 4 * se


# ------------------------------------------------------------------ schema
BASE_FX = {"model": "gbm", "currency": "PKR", "start_lcu_per_usd": 283.5}


@pytest.mark.parametrize("code", ["pkr", "PK", "PKRR", "P1R", "", " PKR", "PKR\n"])
def test_bad_currency_is_refused(code: str) -> None:
    with pytest.raises(ValidationError, match="3-letter upper-case currency code"):
        FxSpec.model_validate({**BASE_FX, "currency": code})


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"start_lcu_per_usd": -1.0}, "greater than 0"),
        ({"start_lcu_per_usd": 0.0035}, "inverse quote"),  # USD per PKR by mistake
        ({"correlation_with_price": 1.5}, "less than or equal to 1"),
        ({"growth_per_year": -1.0}, "greater than -1"),
    ],
)
def test_bad_numbers_are_refused(change: dict[str, float], says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        FxSpec.model_validate({**BASE_FX, **change})
    FxSpec.model_validate(BASE_FX)  # the base itself is fine


def test_fx_table_is_optional_and_currency_and_start_are_required() -> None:
    with pytest.raises(ValidationError, match="currency"):
        FxSpec.model_validate({"model": "constant", "start_lcu_per_usd": 283.5})
    with pytest.raises(ValidationError, match="start_lcu_per_usd"):
        FxSpec.model_validate({"model": "constant", "currency": "PKR"})


def test_correlation_needs_a_price_model_with_shocks(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, _text("constant", GBM_FX))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.key == "market.fx"
    assert "correlation_with_price = 0.3 needs a price model" in caught.value.message
    assert "'constant'" in caught.value.message
    # Without the correlation, or with a model that does not read it, the file is fine.
    load_scenario(write_scenario(tmp_path, _text("constant", GBM_FX.replace("0.3\n", "0\n"))))
    cagr = GBM_FX.replace('"gbm"', '"cagr"')
    load_scenario(write_scenario(tmp_path, _text("constant", cagr)))


def test_validate_cli_names_file_and_key_on_one_line(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, _text("constant", GBM_FX), "bad_fx.toml")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    line = result.output.strip()
    assert "\n" not in line
    assert line.startswith(f"error: {path}: market.fx: correlation_with_price = 0.3")
    ok = runner.invoke(app, ["validate", str(write_scenario(tmp_path, _text("gbm", GBM_FX)))])
    assert ok.exit_code == 0, ok.output


# ------------------------------------------------------------------ unused keys
def test_unused_keys_of_a_cagr_fx(tmp_path: Path) -> None:
    cagr = GBM_FX.replace('"gbm"', '"cagr"')
    model = load_scenario(write_scenario(tmp_path, _text("gbm", cagr))).model
    unused = unused_market_keys(model)
    fx_unused = {k for k in unused if k.startswith("market.fx")}
    assert fx_unused == {
        "market.fx.expected_growth_per_year",
        "market.fx.volatility_per_year",
        "market.fx.correlation_with_price",
    }
    keys = ["market.fx.volatility_per_year", "market.fx.growth_per_year", "market.fx.currency"]
    assert unread_market_keys(model, keys) == [("market.fx.volatility_per_year", "cagr")]
    assert MARKET_SECTIONS["market.fx"].unused("gbm") == ["growth_per_year"]


def test_no_fx_table_lists_no_fx_inputs(tmp_path: Path) -> None:
    resolved = load_scenario(write_scenario(tmp_path, _text("gbm")))
    assert resolved.model.market.fx is None
    assert "market.fx" in unused_market_keys(resolved.model)
    assert not [k for k in resolved.inputs if k.startswith("market.fx")]
    assert unread_market_keys(resolved.model, ["market.fx", "market.fx.currency"]) == []
