"""Time to a target precision, plain Monte Carlo against antithetic variates (prints figures).

Run: python benchmarks/bench_precision.py [--pilot 4000]

For the baseline (10 years) and each ``scenario.variance_reduction``: a pilot
run of ``--pilot`` paths gives each target's standard error; the paths needed
are the pilot's times (se / target)^2 (errors shrink as 1/sqrt(paths)),
rounded up to a whole 1,024-path block; a second run at that count measures
the wall time and the error reached. Targets (the issue's):

* El Salvador's median value at the horizon: relative standard error 1 %;
* El Salvador's P(value below cost) at the horizon: standard error 0.5 pp;
* and, to show where pairing helps less, Pakistan's median mining margin:
  relative standard error 1 %.

Prints paths, wall time and error per method and target, and the ratio of
time to precision (plain / antithetic), with the load average before and
after, since the machine may be shared. The kernel is compiled and warmed
first. Not a test: it prints, it does not assert.
"""

from __future__ import annotations

import argparse
import math
import os
import time

from simulator.inputs.scenario import load_scenario
from simulator.results.simulate import simulate

BASE = "scenarios/baseline.toml"
#: (label, entity, metric, statistic, target, relative?)
TARGETS = (
    ("El Salvador median value, 1 % rel.", "el_salvador", "value_usd", "p50", 0.01, True),
    ("El Salvador P(below cost), 0.5 pp", "el_salvador", "prob_below_cost", "mean", 0.005, False),
    ("Pakistan median margin, 1 % rel.", "pakistan", "margin_usd", "p50", 0.01, True),
)
METHODS = ("none", "antithetic")


def _run(method: str, paths: int) -> tuple[float, object]:
    sets = [f'scenario.variance_reduction="{method}"', f"scenario.paths={paths}"]
    scenario = load_scenario(BASE, sets)
    began = time.perf_counter()
    result = simulate(scenario)
    return time.perf_counter() - began, result


def _error(result: object, entity: str, metric: str, stat: str, relative: bool) -> float:
    summary = result.summary.set_index(["entity", "metric"])  # type: ignore[attr-defined]
    row = summary.loc[(entity, metric)]
    se = float(row[f"{stat}_se"])
    return abs(se / float(row[stat])) if relative else se


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pilot", type=int, default=4000)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    _run("none", 1024)  # compile and warm the kernel
    times: dict[tuple[str, str], float] = {}
    print(f"baseline, 10 years; pilot {args.pilot:,} paths; kernel warm")
    print(f"{'target':<36} {'method':<11} {'paths':>8} {'wall s':>7} {'error reached':>14}")
    for label, entity, metric, stat, target, relative in TARGETS:
        for method in METHODS:
            _, pilot = _run(method, args.pilot)
            se = _error(pilot, entity, metric, stat, relative)
            need = max(1024, math.ceil(args.pilot * (se / target) ** 2 / 1024) * 1024)
            seconds, result = _run(method, need)
            got = _error(result, entity, metric, stat, relative)
            times[(label, method)] = seconds
            shown = f"{got:.2%}" if relative else f"{got * 100:.2f} pp"
            print(f"{label:<36} {method:<11} {need:>8,} {seconds:>7.2f} {shown:>14}")
    print("time to precision, plain / antithetic:")
    for label, *_ in TARGETS:
        print(f"  {label:<36} {times[(label, 'none')] / times[(label, 'antithetic')]:.1f}x")
    print(
        f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after; 2 cores"
    )


if __name__ == "__main__":
    main()
