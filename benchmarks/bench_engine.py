"""Throughput and memory of the engine on the baseline scenario, per backend (prints figures).

Run: python benchmarks/bench_engine.py [--paths 10000 100000] [--years 10] [--no-fx]
     [--backends serial threads processes] [--repeat 3]

For each path count, in a fresh process: the time numpy takes on one thread
just to draw the same number of standard normals (one per path-day for each
random path the scenario draws: price, network and, for the baseline's rupee,
the exchange rate), the floor for any Monte Carlo of this size; then, in the
same process, the wall time of the run on each backend (after a warm-up run
that compiles the kernel; a backend's pool is started by its run, as for a
user), its ratio to the floor, its speed-up over serial, and path-days per
second. Peak RSS is this process's peak so far after each backend's run (a
running maximum: a backend that needs less than an earlier one shows the
earlier figure); the ``processes`` workers are the forkserver's children,
not this process's, and are not counted. With ``--repeat
R`` the whole measurement runs R times (fresh processes) and the medians are
printed too. ``--no-fx`` runs the baseline without its ``[market.fx]`` path
(the Pakistani reserve valued in USD only), to show what the exchange rate
costs. The load average before and after is printed, as the machine may be
shared. Not a test: it prints, it does not assert.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import statistics
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


def _one(paths: int, years: float, no_fx: bool, backends: list[str]) -> dict[str, Any]:
    import numpy as np

    from simulator import load_scenario, simulate

    sets = [f"scenario.paths={paths}", f"scenario.horizon_years={years}"]
    warm = load_scenario(ROOT / "scenarios" / "baseline.toml", ["scenario.paths=64", sets[1]])
    simulate(warm, backend="serial")  # compile (or load the cached) kernel
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml", sets)
    if no_fx:
        scenario = _without_fx(scenario)
    fx = scenario.model.market.fx
    draws = 2 + (fx is not None and fx.model == "gbm" and fx.volatility_per_year > 0)
    days = 0
    rng = np.random.default_rng(0)
    walls: dict[str, float] = {}
    rss_mb: dict[str, float] = {}
    floor = 0.0
    for i, backend in enumerate(backends):
        began = time.perf_counter()
        result = simulate(scenario, backend=backend)
        walls[backend] = time.perf_counter() - began
        days = result.meta["days"]
        rss_mb[backend] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if i == 0:
            began = time.perf_counter()
            for lo in range(0, paths, 1024):  # same block size, same count of draws
                n = min(1024, paths - lo)
                for _ in range(draws):
                    rng.standard_normal((n, days))
            floor = time.perf_counter() - began
        del result
    return {
        "paths": paths,
        "days": days,
        "floor_s": floor,
        "walls": walls,
        "peak_rss_mb": rss_mb,
    }


def _print(r: dict[str, Any], backends: list[str]) -> None:
    serial = r["walls"].get("serial")
    for backend in backends:
        wall = r["walls"][backend]
        speedup = f"{serial / wall:>7.2f}" if serial else f"{'-':>7}"
        print(
            f"{r['paths']:>8,} {backend:<10} {wall:>8.2f} {r['floor_s']:>8.2f} "
            f"{wall / r['floor_s']:>6.2f} {speedup} {r['paths'] * r['days'] / wall:>12.3g} "
            f"{r['peak_rss_mb'][backend]:>12,.0f}"
        )


def main() -> None:
    """Run each size in its own process so peak RSS is per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--no-fx", action="store_true", help="without the baseline's FX path")
    parser.add_argument(
        "--backends", nargs="+", default=["serial", "threads", "processes"], help="in this order"
    )
    parser.add_argument("--repeat", type=int, default=1, help="measure R times; print medians")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_one(args.one, args.years, args.no_fx, args.backends)))
        return
    load_before = os.getloadavg()[0]
    header = (
        f"{'paths':>8} {'backend':<10} {'wall s':>8} {'floor s':>8} {'ratio':>6} {'x serial':>7} "
        f"{'path-days/s':>12} {'peak RSS MB':>12}"
    )
    runs: dict[int, list[dict[str, Any]]] = {p: [] for p in args.paths}
    for rep in range(args.repeat):
        print(f"run {rep + 1} of {args.repeat}" if args.repeat > 1 else "", header, sep="\n")
        for paths in args.paths:
            proc = subprocess.run(
                [sys.executable, __file__, "--one", str(paths), "--years", str(args.years)]
                + ["--backends", *args.backends]
                + (["--no-fx"] if args.no_fx else []),
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            runs[paths].append(r)
            _print(r, args.backends)
    if args.repeat > 1:
        print(f"medians of {args.repeat} runs (each figure its own median)", header, sep="\n")
        for paths, rs in runs.items():
            median = {
                "paths": paths,
                "days": rs[0]["days"],
                "floor_s": statistics.median(r["floor_s"] for r in rs),
                "peak_rss_mb": {
                    b: statistics.median(r["peak_rss_mb"][b] for r in rs) for b in args.backends
                },
                "walls": {b: statistics.median(r["walls"][b] for r in rs) for b in args.backends},
            }
            _print(median, args.backends)
            ratios = {
                b: statistics.median(r["walls"][b] / r["floor_s"] for r in rs)
                for b in args.backends
            }
            print(
                f"{'':>8} median ratio to floor, run by run: "
                + ", ".join(f"{b} {v:.2f}" for b, v in ratios.items())
            )
    print(
        f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after; "
        f"{os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
