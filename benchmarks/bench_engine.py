"""Throughput and memory of the engine on the baseline scenario (prints figures).

Run: python benchmarks/bench_engine.py [--paths 10000 100000] [--years 10] [--no-fx]

For each path count, in a fresh process: wall time (after a warm-up run that
compiles the kernel), path-days per second, peak RSS, and the ratio of the
total time to the time numpy takes just to draw the same number of standard
normals (one per path-day for each random path the scenario draws: price,
network and, for the baseline's rupee, the exchange rate), the floor for any
Monte Carlo of this size. ``--no-fx`` runs the baseline without its
``[market.fx]`` path (the Pakistani reserve valued in USD only), to show what
the exchange rate costs. Not a test: it prints, it does not assert.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _without_fx(scenario: Any) -> Any:
    """The scenario without its exchange-rate path, every reserve valued in USD only."""
    model = scenario.model
    update = {
        "market": model.market.model_copy(update={"fx": None}),
        "reserve": [r.model_copy(update={"currency": "USD"}) for r in model.reserve],
    }
    return dataclasses.replace(scenario, model=model.model_copy(update=update))


def _one(paths: int, years: float, no_fx: bool) -> dict[str, float]:
    import numpy as np

    from simulator import load_scenario, simulate

    sets = [f"scenario.paths={paths}", f"scenario.horizon_years={years}"]
    warm = load_scenario(ROOT / "scenarios" / "baseline.toml", ["scenario.paths=64", sets[1]])
    simulate(warm)  # compile (or load the cached) kernel
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml", sets)
    if no_fx:
        scenario = _without_fx(scenario)
    fx = scenario.model.market.fx
    draws = 2 + (fx is not None and fx.model == "gbm" and fx.volatility_per_year > 0)
    began = time.perf_counter()
    result = simulate(scenario)
    wall = time.perf_counter() - began
    days = result.meta["days"]
    rng = np.random.default_rng(0)
    began = time.perf_counter()
    for lo in range(0, paths, 1024):  # same block size, same count of draws
        n = min(1024, paths - lo)
        for _ in range(draws):
            rng.standard_normal((n, days))
    floor = time.perf_counter() - began
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "paths": paths,
        "days": days,
        "wall_s": wall,
        "path_days_per_s": paths * days / wall,
        "draw_floor_s": floor,
        "ratio_to_floor": wall / floor,
        "peak_rss_mb": rss_mb,
    }


def main() -> None:
    """Run each size in its own process so peak RSS is per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--no-fx", action="store_true", help="without the baseline's FX path")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_one(args.one, args.years, args.no_fx)))
        return
    print(
        f"{'paths':>8} {'days':>6} {'wall s':>8} {'path-days/s':>12} {'floor s':>8} "
        f"{'ratio':>6} {'peak RSS MB':>12}"
    )
    for paths in args.paths:
        proc = subprocess.run(
            [sys.executable, __file__, "--one", str(paths), "--years", str(args.years)]
            + (["--no-fx"] if args.no_fx else []),
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(
            f"{r['paths']:>8,} {r['days']:>6} {r['wall_s']:>8.2f} {r['path_days_per_s']:>12.3g} "
            f"{r['draw_floor_s']:>8.2f} {r['ratio_to_floor']:>6.2f} {r['peak_rss_mb']:>12,.0f}"
        )


if __name__ == "__main__":
    main()
