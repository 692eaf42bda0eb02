"""Imported by the process pool's forkserver: load the compiled kernel once, before any fork.

The ``processes`` backend forks its workers from a forkserver
(:func:`simulator.engine.pools.open_pool`), which imports this module first.
Importing it runs one block of one path through a tenth of a year of the
shipped baseline, so numba loads the kernel from its on-disk cache (or, on
the first run after installing, compiles it) in the forkserver; every worker
forked from it then starts with the kernel in memory instead of loading it
again (about 0.2 s a worker and run, measured with
``benchmarks/bench_engine.py``). Nothing else should import this module: the
warm-up is its import's only effect. If the warm-up fails, the workers load
the kernel themselves when they first need it, as they did before.
"""

from __future__ import annotations

from simulator.engine.plan import compute_block, plan
from simulator.inputs.scenario import load_scenario
from simulator.inputs.shipped import BASELINE

__all__: list[str] = []

try:
    _WARM = load_scenario(BASELINE, ["scenario.paths=1", "scenario.horizon_years=0.1"])
    compute_block(_WARM.model, plan(_WARM.model, str(_WARM.path)), 0)
except Exception:  # noqa: BLE001 - a warm-up only: the workers then load the kernel themselves
    pass
