"""A reserve that sells reports what it sold and what it received (issue 12, section 4).

Before this the kernel tracked both, but the summary dropped them: a reserve's
sales showed only as lower holdings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.inputs.scenario import load_scenario
from simulator.results.simulate import simulate
from tests.support import PROJECT


def test_sales_at_a_constant_price(tmp_path: Path) -> None:
    path = tmp_path / "sells.toml"
    path.write_text(
        f'extends = "{(PROJECT / "scenarios/price_models/constant.toml").as_posix()}"\n'
        '[scenario]\nname = "sells"\n'
        '[[reserve]]\nname = "el_salvador"\n'
        "sales = [{ date = 2026-01-01, btc = 100 }, { date = 2027-01-01, btc = 40 }]\n",
        encoding="utf-8",
    )
    scenario = load_scenario(path, ["scenario.paths=8"])
    price = scenario.inputs["market.price.start_usd"].value
    held = scenario.inputs["reserve.el_salvador.holdings_btc"].value
    result = simulate(scenario, backend="serial")
    # 100 + 40 BTC sold, each at the constant price: 140 x price USD received.
    assert result.metric("el_salvador", "btc_sales_btc") == pytest.approx(140, rel=1e-12)
    assert result.metric("el_salvador", "usd_received_usd") == pytest.approx(140 * price, rel=1e-12)
    assert result.metric("el_salvador", "holdings_btc") == pytest.approx(held - 140, rel=1e-12)
    # a reserve that never sells reports zero, not a missing row
    assert result.metric("pakistan", "btc_sales_btc") == 0.0
