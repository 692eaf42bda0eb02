"""Backends on a sweep: serial vs processes vs a local dask cluster (prints figures).

Run: python benchmarks/bench_sweep.py [--variants 50] [--paths 10000] [--years 2] [--workers 2]

The sweep is the baseline scenario with ``mining.pakistan.electricity_usd_per_kwh``
over ``--variants`` evenly spaced values from 0.03 to 0.12 USD/kWh, ``--paths``
paths each. The horizon defaults to 2 years (not the baseline's 10) to keep the
run time sane; a 2-year horizon records every day, so the percentile work per
path is higher than at the monthly output of longer horizons.

Each backend runs the whole sweep once after a warm-up run that compiles (or
loads) the numba kernel in this process; the ``processes`` and ``dask`` times
include starting their workers. Printed: wall time per backend, speedup over
serial, and whether the three give identical summaries, percentiles and
per-path metrics. Not a test: it prints, it does not assert.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from simulator import load_scenario
from simulator.results.result import Result
from simulator.results.simulate import VariantError, simulate_many

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"


def _variants(n: int, paths: int, years: float) -> list:
    sets = [f"scenario.paths={paths}", f"scenario.horizon_years={years}"]
    return [
        load_scenario(
            BASELINE,
            [
                *sets,
                f"mining.pakistan.electricity_usd_per_kwh={kwh:.6g}",
                f"scenario.name=baseline_kwh_{kwh:.4f}",
            ],
        )
        for kwh in np.linspace(0.03, 0.12, n)
    ]


def _same(a: list[Result], b: list[Result]) -> bool:
    return all(
        x.summary.equals(y.summary)
        and x.percentiles.equals(y.percentiles)
        and x.path_metrics is not None
        and y.path_metrics is not None
        and x.path_metrics.equals(y.path_metrics)
        for x, y in zip(a, b, strict=True)
    )


def main() -> None:
    """Run the sweep on each backend and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=50)
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backends", nargs="+", default=["serial", "processes", "dask"])
    args = parser.parse_args()
    scenarios = _variants(args.variants, args.paths, args.years)
    print(
        f"sweep: {args.variants} variants x {args.paths:,} paths, horizon {args.years:g} years "
        f"(reduced from the baseline's 10 to keep the run short), {os.cpu_count()} cores, "
        f"{args.workers} workers for processes and dask"
    )
    if hasattr(os, "getloadavg"):  # other work on the machine skews every figure below
        print(f"load average before: {os.getloadavg()[0]:.2f}")
    simulate_many(_variants(1, 64, args.years), backend="serial")  # compile / load the kernel
    times: dict[str, float] = {}
    results: dict[str, list[Result]] = {}
    for backend in args.backends:
        workers = None if backend == "serial" else args.workers
        began = time.perf_counter()
        try:
            out = simulate_many(scenarios, backend=backend, workers=workers)
        except ImportError as exc:
            print(f"{backend:>10}: skipped ({exc})")
            continue
        times[backend] = time.perf_counter() - began
        failed = [o for o in out if isinstance(o, VariantError)]
        if failed:
            print(f"{backend:>10}: {len(failed)} variants failed, first: {failed[0].message}")
            continue
        results[backend] = [o for o in out if isinstance(o, Result)]
    if hasattr(os, "getloadavg"):
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    base = times.get("serial")
    print(f"{'backend':>10} {'wall s':>8} {'s/variant':>10} {'speedup':>8}")
    for backend, wall in times.items():
        speed = f"{base / wall:>7.2f}x" if base else "       -"
        print(f"{backend:>10} {wall:>8.1f} {wall / args.variants:>10.2f} {speed}")
    names = list(results)
    same = all(_same(results[names[0]], results[n]) for n in names[1:])
    print(f"identical: {'yes' if same else 'no'} ({', '.join(names)})")


if __name__ == "__main__":
    main()
