"""Summary metrics keyed by entity kind: a reserve and a mining operation may share a name.

In the baseline both are called ``pakistan`` and both record ``btc_sold_btc``; the
reserve's value (0: it sells nothing) used to overwrite the operation's, so the mine
showed 0 BTC sold beside 41,568 mined and 2,894 kept.
"""

from __future__ import annotations

import numpy as np
from support import PROJECT

from simulator.inputs.scenario import load_scenario
from simulator.results.simulate import simulate


def test_mined_btc_is_kept_plus_sold_when_names_are_shared() -> None:
    scenario = load_scenario(
        PROJECT / "scenarios" / "baseline.toml",
        ["scenario.paths=64", "scenario.horizon_years=2"],
    )
    names = {r.name for r in scenario.model.reserve} & {m.name for m in scenario.model.mining}
    assert names == {"pakistan"}  # the collision this test is about
    result = simulate(scenario, backend="serial")
    per_path = result.path_metrics
    assert per_path is not None
    mined = per_path["pakistan.btc_mined_btc"].to_numpy()
    kept = per_path["pakistan.btc_kept_btc"].to_numpy()
    sold = per_path["pakistan.btc_sold_btc"].to_numpy()
    assert (sold > 0).all()  # sell_to_cover sells every day the fleet runs
    # conservation of the operation's BTC, path by path: mined = kept + sold
    np.testing.assert_allclose(mined, kept + sold, rtol=1e-12)
    row = result.summary.query("entity == 'pakistan' and metric == 'btc_sold_btc'")
    assert len(row) == 1 and row["mean"].iloc[0] == sold.mean()
