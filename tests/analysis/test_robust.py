"""Robust decision: regret arithmetic, common sampled inputs and determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.robust import plan_robust, regret_table, run_robust, summarise
from simulator.analysis.variants import CompareError
from simulator.inputs.scenario import ScenarioError, load_scenario

SCENARIOS = Path(__file__).parents[2] / "scenarios"
FILES = [SCENARIOS / "el_salvador_hold.toml", SCENARIOS / "el_salvador_accumulate.toml"]
TINY = ["scenario.horizon_years=1"]


def _policies() -> list:
    return [load_scenario(f, TINY) for f in FILES]


def test_regret_known_answer_higher_is_better() -> None:
    # sample | A  B  C | best | regret A  B  C
    #   0    | 10  7  4 |  10  |       0  3  6
    #   1    |  2  8  5 |   8  |       6  0  3
    #   2    |  5  5  9 |   9  |       4  4  0
    #   3    |  6  1  6 |   6  |       0  5  0
    values = pd.DataFrame({"A": [10, 2, 5, 6], "B": [7, 8, 5, 1], "C": [4, 5, 9, 6]}, dtype=float)
    regrets = regret_table(values, higher=True)
    expected = {"A": [0, 6, 4, 0], "B": [3, 0, 4, 5], "C": [6, 3, 0, 0]}
    assert regrets.to_dict(orient="list") == expected
    table = summarise(values, regrets, higher=True, satisfice=6).set_index("policy")
    # max regret: A 6, B 5, C 6; mean value: A 23/4, B 21/4, C 24/4
    assert table.max_regret.to_dict() == {"A": 6, "B": 5, "C": 6}
    assert table["mean"].to_dict() == {"A": 5.75, "B": 5.25, "C": 6.0}
    # p95 of A's values [2, 5, 6, 10] (linear, position 0.95 x 3 = 2.85): 6 + 0.85 x 4 = 9.4
    assert table.p95["A"] == pytest.approx(9.4)
    # p90 of A's regrets [0, 0, 4, 6] (linear): 4 + 0.7 * (6 - 4) = 5.4
    assert table.p90_regret["A"] == pytest.approx(5.4)
    # share >= 6: A {10, 6} 2/4, B {7, 8} 2/4, C {9, 6} 2/4
    assert table.satisfice_share.to_dict() == {"A": 0.5, "B": 0.5, "C": 0.5}


def test_regret_known_answer_lower_is_better_and_failed_runs() -> None:
    # lower is better: regret = value - min of the row
    #   0 | A 3, B 1 | min 1 | regret A 2, B 0
    #   1 | A 2, B 5 | min 2 | regret A 0, B 3
    #   2 | A nan, B 4 -> a failed run: no regret on that sample
    values = pd.DataFrame({"A": [3, 2, np.nan], "B": [1, 5, 4]}, dtype=float)
    regrets = regret_table(values, higher=False)
    assert regrets.iloc[:2].to_dict(orient="list") == {"A": [2, 0], "B": [0, 3]}
    assert regrets.iloc[2].isna().all()
    table = summarise(values, regrets, higher=False, satisfice=2).set_index("policy")
    # share <= 2: A {2} of [3, 2] = 1/2; B {1} of [1, 5, 4] = 1/3
    assert table.satisfice_share["A"] == 0.5
    assert table.satisfice_share["B"] == pytest.approx(1 / 3)


def test_every_policy_sees_the_same_sampled_inputs(tmp_path: Path) -> None:
    plan = plan_robust(_policies(), "el_salvador.value_usd", samples=6, paths=4)
    result = run_robust(plan, backend="serial")
    result.save(tmp_path / "r")
    table = pd.read_csv(tmp_path / "r" / "samples.csv")
    keys = [i.key for i in plan.items]
    assert keys and set(table.policy) == {p.name for p in plan.policies}
    by_policy = [g.set_index("sample")[keys] for _, g in table.groupby("policy")]
    for other in by_policy[1:]:
        pd.testing.assert_frame_equal(by_policy[0], other)
    assert len(table) == 6 * 2 and (table.regret >= 0).all()
    assert (table.groupby("sample").regret.min() == 0).all()
    # every run uses the first file's seed and paths
    seeds = {v.model.scenario.seed for v in plan.variants}
    assert seeds == {plan.policies[0].model.scenario.seed}
    assert {v.model.scenario.paths for v in plan.variants} == {4}


def test_same_seed_gives_the_same_table() -> None:
    runs = []
    for _ in range(2):
        plan = plan_robust(_policies(), "el_salvador.value_usd", samples=4, paths=4)
        runs.append(run_robust(plan, backend="serial").table)
    pd.testing.assert_frame_equal(runs[0], runs[1])


def test_bad_inputs() -> None:
    policies = _policies()
    with pytest.raises(CompareError, match="at least 2"):
        plan_robust(policies[:1], "el_salvador.value_usd")
    with pytest.raises(ScenarioError, match="not scored"):
        plan_robust(policies, "el_salvador.cost_basis_usd", samples=2, paths=2)
    with pytest.raises(ScenarioError, match="--stat"):
        plan_robust(policies, "el_salvador.value_usd", stat="p7")
