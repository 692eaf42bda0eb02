"""How long ``btcsim app`` takes to show a change to one assumption (prints figures).

Run: python benchmarks/bench_app.py [--paths 2000] [--changes 7]

Drives the app's own functions (:mod:`simulator.app.session`,
:mod:`simulator.app.runs`) as the page does after an edit and a press of Run:
check the edit, load the edited scenario, run it, build the summary tables,
then draw the three figures shown at first (price, first reserve, first
mining operation) as PNG. The kernel is compiled and warmed by one run
first. Each change moves the Pakistani tariff to a new value, so nothing
comes from the cache. Prints the median and range of each step over the
changes, the time to the summary and to the figures, and the cached redraw
(the tables again from a kept run: what a widget interaction that changes
no input costs, besides Streamlit's own redraw), with the
1-minute load average before and after, since the machine may be shared. Not
a test: it prints, it does not assert.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from simulator.app import runs
from simulator.app.session import AppState, check_edit, load_state

TARIFF = "mining.pakistan.electricity_usd_per_kwh"
SHOWN = ("price", "reserve_el_salvador", "mining_pakistan")


def _one_change(state: AppState, value: float) -> dict[str, float]:
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    edited, error = check_edit(state, TARIFF, value)
    assert error is None, error
    scenario = load_state(edited)
    t1 = time.perf_counter()
    result = runs.run(scenario)
    t2 = time.perf_counter()
    runs.summary_frames(result, scenario)
    t3 = time.perf_counter()
    makers = runs.figure_makers(result)
    for name in SHOWN:
        runs.png(makers[name]())
    t4 = time.perf_counter()
    times["check and load"] = t1 - t0
    times["run"] = t2 - t1
    times["tables"] = t3 - t2
    times["to the summary"] = t3 - t0
    times["figures (3)"] = t4 - t3
    times["to the figures"] = t4 - t0
    return times


def main() -> None:
    """Time the changes and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=7)
    args = parser.parse_args()
    state = AppState("scenarios/baseline.toml", (), args.paths)
    load_before = os.getloadavg()[0]
    runs.run(load_state(state))  # compile and warm the kernel
    rows = [_one_change(state, 0.06 + 0.005 * i) for i in range(args.changes)]
    scenario = load_state(state)
    result = runs.run(scenario)  # what the page's cache holds for an unchanged state
    t = time.perf_counter()
    for _ in range(100):
        runs.summary_frames(result, scenario)
    redraw = (time.perf_counter() - t) / 100
    load_after = os.getloadavg()[0]
    print(f"btcsim app: a change to one assumption at {args.paths:,} paths x 10 years (baseline)")
    print(f"{args.changes} changes; median [min .. max] in seconds")
    for step in rows[0]:
        values = [r[step] for r in rows]
        print(
            f"  {step:<16} {statistics.median(values):6.2f}  "
            f"[{min(values):.2f} .. {max(values):.2f}]"
        )
    print(f"  cached redraw of the tables: {redraw * 1000:.1f} ms")
    print(f"load average (1 min): {load_before:.2f} before, {load_after:.2f} after; 2 cores")


if __name__ == "__main__":
    main()
