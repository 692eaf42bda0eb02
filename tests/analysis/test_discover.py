"""Scenario discovery: PRIM's known answer, Latin hypercube sampling and determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import qmc
from support import MINIMAL_SCENARIO, write_scenario

from simulator.analysis.discover import latin_hypercube, plan_discover, run_discover
from simulator.analysis.discover_prim import find_box
from simulator.inputs.scenario import load_scenario

pytest.importorskip("ema_workbench")

# Two ranged inputs on the minimal scenario: the plant's electricity price (an
# assumption) and its uptime; the margin goes below a threshold when power is dear.
RANGED = MINIMAL_SCENARIO.replace(
    "electricity_usd_per_kwh = 0.05",
    "electricity_usd_per_kwh = { value = 0.05, low = 0.02, high = 0.12, note = 'test' }\n"
    "uptime = { value = 0.95, low = 0.8, high = 1.0, note = 'test' }",
)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_prim_recovers_a_known_box(seed: int) -> None:
    """bad <=> x1 > 0.7 and x2 > 0.4 on 1,000 uniform samples of three inputs.

    Tolerance 0.06 on each inner limit: one peel removes 5 % of the box's
    points, i.e. 0.05 x 0.6 = 0.03 of x2's span inside the bad region (0.015
    of x1's), plus the sampling grid 1/sqrt(n) = 0.032 where the nearest
    sample to the true edge can lie.
    """
    n, tol = 1000, 0.06
    x = pd.DataFrame(qmc.LatinHypercube(d=3, seed=seed).random(n), columns=["x1", "x2", "x3"])
    bad = ((x.x1 > 0.7) & (x.x2 > 0.4)).to_numpy()
    box = find_box(x, bad, {k: (0.0, 1.0) for k in x})
    limits = box.limits.set_index("key")
    assert set(box.restricted[:2]) == {"x1", "x2"}
    assert abs(limits.loc["x1", "box_low"] - 0.7) <= tol
    assert abs(limits.loc["x2", "box_low"] - 0.4) <= tol
    assert limits.loc["x1", "box_high"] >= 1 - tol and limits.loc["x2", "box_high"] >= 1 - tol
    assert limits.loc["x3", "box_high"] - limits.loc["x3", "box_low"] >= 1 - tol
    assert box.coverage >= 0.9 and box.density >= 0.95
    assert bool(box.trajectory.chosen.iloc[box.chosen])


def test_latin_hypercube_scales_and_rounds(tmp_path: Path) -> None:
    scenario = load_scenario(write_scenario(tmp_path, RANGED))
    plan = plan_discover(scenario, "plant.margin_usd", 0.0, samples=10, paths=4)
    frame = latin_hypercube(plan.items, 50, 7)
    assert frame.equals(latin_hypercube(plan.items, 50, 7))
    for item in plan.items:
        assert frame[item.key].between(item.low, item.high).all()
        # one sample in each of the 50 equal strata of the range
        strata = np.floor((frame[item.key] - item.low) / (item.high - item.low) * 50)
        assert sorted(strata.clip(0, 49).astype(int)) == list(range(50))


def test_same_seed_same_samples_and_outcomes_on_any_backend(tmp_path: Path) -> None:
    scenario = load_scenario(write_scenario(tmp_path, RANGED))
    runs = []
    for backend in ("serial", "threads"):
        plan = plan_discover(scenario, "plant.margin_usd", 1.0e6, samples=12, paths=8)
        runs.append(run_discover(plan, backend=backend))
    a, b = runs
    pd.testing.assert_frame_equal(a.samples, b.samples)
    assert a.box is not None and b.box is not None
    pd.testing.assert_frame_equal(a.box.limits, b.box.limits)
    assert a.samples.bad.any() and not a.samples.bad.all()
