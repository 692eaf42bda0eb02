"""The summary's Monte Carlo standard errors against the spread over independent seeds.

One scenario is run with ``M = 100`` seeds of ``n = 500`` paths. For every
statistic (p5, p50, p95 and mean of the reserve's value, and the probability
of ending below cost) the standard deviation of its 100 estimates is the
truth the reported ``*_se`` (averaged over the seeds) should match.

Tolerance, from the sampling error of a standard deviation: with ``M``
independent estimates, the sample sd has relative standard error
``1 / sqrt(2 (M - 1)) = 1 / sqrt(198) = 7.1 %``; the mean reported se varies
much less (it averages 100 values). Three standard errors give a band of
``+- 21 %`` on the ratio reported / observed; the order-statistic estimator's
own bias at n = 500 is a few per cent, inside the band.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support import write_scenario

from simulator.inputs.scenario import load_scenario
from simulator.results.simulate import simulate

SEEDS, PATHS = 100, 500
TOLERANCE = 3 / np.sqrt(2 * (SEEDS - 1))  # 0.213

SCENARIO = """
[scenario]
name = "se"
start_date = 2025-07-17
horizon_years = 1
paths = 500
freq = "M"

[market.price]
model = "gbm"
start_usd = 100000
expected_return_per_year = 0.1
volatility_per_year = 0.5

[market.network]
model = "constant"
start_ehs = 900

[chain]
start_height = 906013
start_difficulty = 126.27e12

[[reserve]]
name = "treasury"
holdings_btc = 100
cost_basis_usd = 9_000_000
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list:
    path = write_scenario(Path(tmp_path_factory.mktemp("se")), SCENARIO)
    return [
        simulate(load_scenario(path, [f"scenario.seed={seed}"]), workers=1).summary
        for seed in range(1, SEEDS + 1)
    ]


@pytest.mark.parametrize(
    ("metric", "stat"),
    [
        ("value_usd", "p5"),
        ("value_usd", "p50"),
        ("value_usd", "p95"),
        ("value_usd", "mean"),
        ("prob_below_cost", "mean"),
    ],
)
def test_standard_error_matches_spread_over_seeds(runs: list, metric: str, stat: str) -> None:
    rows = [s[(s.entity == "treasury") & (s.metric == metric)].iloc[0] for s in runs]
    estimates = np.array([r[stat] for r in rows])
    reported = np.mean([r[f"{stat}_se"] for r in rows])
    observed = estimates.std(ddof=1)
    ratio = reported / observed
    assert abs(ratio - 1) < TOLERANCE, (metric, stat, reported, observed, ratio)
