"""Scenario discovery: PRIM's and CART's known answers, Latin hypercube sampling, determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import qmc
from support import MINIMAL_SCENARIO, write_scenario

from simulator.analysis.discover import latin_hypercube, plan_discover, run_discover
from simulator.analysis.discover_boxes import find_box, find_cart_box
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


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cart_recovers_a_known_box(seed: int) -> None:
    """The same box, bad <=> x1 > 0.7 and x2 > 0.4, found by CART's leaves.

    A split lies halfway between two neighbouring samples of the node being
    split. The node holds at least 30 % of the 1,000 samples, so neighbours
    in one input are about 1/300 = 0.0033 apart; tolerance 0.02 allows six
    such gaps. The leaf holds only bad samples: density 1, coverage 1.
    """
    n, tol = 1000, 0.02
    x = pd.DataFrame(qmc.LatinHypercube(d=3, seed=seed).random(n), columns=["x1", "x2", "x3"])
    bad = ((x.x1 > 0.7) & (x.x2 > 0.4)).to_numpy()
    box = find_cart_box(x, bad, {k: (0.0, 1.0) for k in x})
    limits = box.limits.set_index("key")
    assert box.method == "cart" and box.restricted == ["x1", "x2"]
    assert abs(limits.loc["x1", "box_low"] - 0.7) <= tol
    assert abs(limits.loc["x2", "box_low"] - 0.4) <= tol
    assert limits.loc["x1", "box_high"] == 1.0 and limits.loc["x3", "box_low"] == 0.0
    assert box.coverage == 1.0 and box.density == 1.0
    # mass: the true box is 0.3 x 0.6 = 18 % of the unit square
    assert abs(box.mass - 0.18) <= 2 * tol
    # every leaf is a row; the others hold no bad sample
    others = box.trajectory[~box.trajectory.chosen]
    assert len(others) >= 1 and (others.coverage == 0).all()


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


@pytest.mark.parametrize("method", ["prim", "cart"])
def test_same_seed_same_boxes_for_each_method(tmp_path: Path, method: str) -> None:
    scenario = load_scenario(write_scenario(tmp_path, RANGED))
    found = []
    for backend in ("serial", "threads"):
        plan = plan_discover(
            scenario, "plant.margin_usd", 1.0e6, samples=30, paths=8, method=method
        )
        found.append(run_discover(plan, backend=backend))
    a, b = found
    assert a.box is not None and b.box is not None and a.box.method == method
    pd.testing.assert_frame_equal(a.box.trajectory, b.box.trajectory)
    pd.testing.assert_frame_equal(a.box.limits, b.box.limits)
    assert a.manifest()["method"] == method and a.manifest()["choice_rule"] == a.box.rule


def test_samples_go_to_parquet_with_pyarrow_and_csv_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pyarrow")
    import importlib.util

    scenario = load_scenario(write_scenario(tmp_path, RANGED))
    disc = run_discover(plan_discover(scenario, "plant.margin_usd", 1.0e6, samples=12, paths=4))
    disc.save(tmp_path / "pq")
    back = pd.read_parquet(tmp_path / "pq" / "samples.parquet")
    pd.testing.assert_frame_equal(back, disc.samples)
    assert "samples.parquet" in disc.files and not (tmp_path / "pq" / "samples.csv").exists()

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a)
    )
    disc.files.clear()
    disc.save(tmp_path / "csv")
    back = pd.read_csv(tmp_path / "csv" / "samples.csv", keep_default_na=False)
    assert list(back.columns) == list(disc.samples.columns) and len(back) == 12
    assert "samples.csv" in disc.files and not (tmp_path / "csv" / "samples.parquet").exists()


def test_cart_with_one_input_and_with_no_split() -> None:
    # one input: ema_workbench 2.5 alone fails (IndexError) on a one-column tree
    x = pd.DataFrame({"a": np.linspace(0.0, 1.0, 101)})
    box = find_cart_box(x, (x.a > 0.5).to_numpy(), {"a": (0.0, 1.0)})
    assert box.restricted == ["a"] and box.density == 1.0 and box.coverage == 1.0
    # the split lies halfway between the samples 0.50 and 0.51
    assert box.limits.box_low.iloc[0] == pytest.approx(0.505)
    assert list(box.limits.key) == ["a"]
    # every sample bad: the tree cannot split; the only leaf is the whole box
    every = find_cart_box(x.assign(b=x.a[::-1].to_numpy()), np.ones(101, bool))
    assert len(every.trajectory) == 1 and every.restricted == []
    assert (every.coverage, every.density, every.mass) == (1.0, 1.0, 1.0)


def test_runs_in_chunks_give_the_same_outcomes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of 3 variants (7 samples: 3 + 3 + 1) give what one batch gives."""
    from simulator.analysis import batch_values

    scenario = load_scenario(write_scenario(tmp_path, RANGED))
    plan = plan_discover(scenario, "plant.margin_usd", 1.0e6, samples=7, paths=8)
    whole = run_discover(plan, backend="serial")
    monkeypatch.setattr(batch_values, "VALUE_CHUNK", 3)
    chunked = run_discover(plan, backend="serial")
    pd.testing.assert_frame_equal(whole.samples, chunked.samples)
    assert whole.samples.outcome.notna().all()
