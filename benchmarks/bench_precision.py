"""Time to a target precision: plain Monte Carlo, antithetic variates and randomised QMC.

Run: python benchmarks/bench_precision.py [--pilot 8192] [--seeds 16]

For the baseline (10 years) and each ``scenario.variance_reduction``:

* a pilot run of ``--pilot`` paths gives each target's standard error; the
  paths needed are the pilot's times (se / target)^2 (errors shrink as
  1/sqrt(paths); for QMC as 1/sqrt(sets), each a fixed 256-point Sobol' set),
  rounded up to whole 1,024-path blocks, at least 1,024 (2,048 for QMC: 8
  sets, so that its error has 7 degrees of freedom); a second run at that
  count measures the wall time and the error it reports;
* the true error: where the count found is at most the pilot's, ``--seeds``
  runs at that count with other seeds give the spread of the estimate over
  seeds (printed as "sd over seeds"), the error the method really reaches;
* the error check: ``--seeds`` pilot runs with other seeds give the spread of
  each estimate over seeds, printed against the root-mean-square of the
  errors those runs report (1.0 means the reported errors are honest). The
  spread over 16 seeds has 15 degrees of freedom, so even honest errors give
  a ratio between 0.48 and 1.59 99.8 % of the time (chi-square; QMC's
  reported errors have 31 degrees of freedom each, so much the same).

Targets (the issue's):

* El Salvador's median value at the horizon: relative standard error 1 %;
* El Salvador's P(value below cost) at the horizon: standard error 0.5 pp;
* and, to show where the methods help less, Pakistan's median mining margin:
  relative standard error 1 %.

Prints paths, wall time and error per method and target, the ratio of time to
precision against plain Monte Carlo, and the load average before and after,
since the machine may be shared. The kernel is compiled and warmed first.
Not a test: it prints, it does not assert.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np

from simulator.inputs.scenario import load_scenario
from simulator.results.simulate import simulate

BASE = "scenarios/baseline.toml"
#: (label, entity, metric, statistic, target, relative?)
TARGETS = (
    ("El Salvador median value, 1 % rel.", "el_salvador", "value_usd", "p50", 0.01, True),
    ("El Salvador P(below cost), 0.5 pp", "el_salvador", "prob_below_cost", "mean", 0.005, False),
    ("Pakistan median margin, 1 % rel.", "pakistan", "margin_usd", "p50", 0.01, True),
)
METHODS = ("none", "antithetic", "qmc")
#: Fewest paths per method: one block; for QMC 8 Sobol' sets, for errors with 7 degrees
#: of freedom (the scenario check allows 2 sets, 512 paths).
FLOOR = {"none": 1024, "antithetic": 1024, "qmc": 2048}


def _run(method: str, paths: int, seed: int | None = None) -> tuple[float, object]:
    sets = [f'scenario.variance_reduction="{method}"', f"scenario.paths={paths}"]
    if seed is not None:
        sets.append(f"scenario.seed={seed}")
    scenario = load_scenario(BASE, sets)
    began = time.perf_counter()
    result = simulate(scenario)
    return time.perf_counter() - began, result


def _row(result: object, entity: str, metric: str) -> object:
    return result.summary.set_index(["entity", "metric"]).loc[(entity, metric)]  # type: ignore[attr-defined]


def _error(result: object, entity: str, metric: str, stat: str, relative: bool) -> float:
    row = _row(result, entity, metric)
    se = float(row[f"{stat}_se"])  # type: ignore[index]
    return abs(se / float(row[stat])) if relative else se  # type: ignore[index]


def _shown(error: float, relative: bool) -> str:
    return f"{error:.2%}" if relative else f"{error * 100:.2f} pp"


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pilot", type=int, default=8192)
    parser.add_argument("--seeds", type=int, default=16, help="runs per spread over seeds")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    _run("qmc", 2048)  # compile and warm the kernel and the bridge
    print(f"baseline, 10 years; pilot {args.pilot:,} paths; kernel warm")
    times: dict[tuple[str, str], float] = {}
    checks: dict[tuple[str, str], float] = {}
    print(
        f"{'target':<36} {'method':<11} {'paths':>8} {'wall s':>7} {'error reached':>14}"
        f" {'sd over seeds':>14}"
    )
    for method in METHODS:
        seeds = [None, *range(1001, 1000 + args.seeds)]  # the scenario's seed first
        pilots = [_run(method, args.pilot, seed)[1] for seed in seeds]
        for label, entity, metric, stat, target, relative in TARGETS:
            estimates = [float(_row(p, entity, metric)[stat]) for p in pilots]  # type: ignore[index]
            reported = [float(_row(p, entity, metric)[f"{stat}_se"]) for p in pilots]  # type: ignore[index]
            checks[(label, method)] = float(
                np.std(estimates, ddof=1) / math.sqrt(np.mean(np.square(reported)))
            )
            se = _error(pilots[0], entity, metric, stat, relative)
            need = max(FLOOR[method], math.ceil(args.pilot * (se / target) ** 2 / 1024) * 1024)
            seconds, result = _run(method, need)
            got = _error(result, entity, metric, stat, relative)
            times[(label, method)] = seconds
            spread = "-"
            if need <= args.pilot:
                again = [result, *(_run(method, need, seed)[1] for seed in seeds[1:])]
                values = [float(_row(r, entity, metric)[stat]) for r in again]  # type: ignore[index]
                sd = float(np.std(values, ddof=1))
                spread = _shown(sd / abs(float(np.mean(values))) if relative else sd, relative)
            floor = " (floor)" if need == FLOOR[method] else ""
            print(
                f"{label:<36} {method:<11} {need:>8,} {seconds:>7.2f} "
                f"{_shown(got, relative):>14} {spread:>14}{floor}"
            )
    print("time to precision, plain / method (a method at its floor: at least this):")
    for label, *_ in TARGETS:
        ratios = "   ".join(
            f"{m} {times[(label, 'none')] / times[(label, m)]:.1f}x" for m in METHODS[1:]
        )
        print(f"  {label:<36} {ratios}")
    print(f"error check, sd over {args.seeds} seeds / reported error, at {args.pilot:,} paths:")
    for label, *_ in TARGETS:
        line = "   ".join(f"{m} {checks[(label, m)]:.2f}" for m in METHODS)
        print(f"  {label:<36} {line}")
    print(
        f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after; 2 cores"
    )


if __name__ == "__main__":
    main()
