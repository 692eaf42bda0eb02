"""Imported by the process pool's forkserver: load the compiled kernel once, before any fork.

The ``processes`` backend forks its workers from a forkserver
(:func:`simulator.engine.pools.open_pool`), which imports this module first.
Importing it runs one block of one path through a tenth of a year of the
shipped baseline (the installed copy, never a ``scenarios/`` folder where the
user happens to be), so numba loads the kernel from its on-disk cache (or, on
the first run after installing, compiles it) in the forkserver, and every
worker forked from it starts with the kernel in memory. What that saves:
later runs in the same process (a notebook, a script of several runs) reuse
the forkserver, and their new workers no longer load the kernel each (about
0.2 s a run). A fresh process gains no wall time on two cores: the
forkserver loads the kernel once instead of both workers at the same time.
Nothing else should import this module: the warm-up is its import's only
effect. If the warm-up fails, :data:`WARMED` stays False and the workers load
the kernel themselves when they first need it, as they did before.
"""

from __future__ import annotations

import signal

from simulator.engine.plan import compute_block, plan
from simulator.inputs.scenario import load_scenario
from simulator.inputs.shipped import shipped_dir

__all__ = ["WARMED"]

#: Whether the warm-up ran (for the tests: a failure is otherwise silent).
WARMED = False

# Ctrl-C reaches the whole process group: the pool's parent handles it, and the
# forkserver should not print a traceback of its own while it warms up
signal.signal(signal.SIGINT, signal.SIG_IGN)
try:
    _WARM = load_scenario(
        shipped_dir() / "baseline.toml", ["scenario.paths=1", "scenario.horizon_years=0.1"]
    )
    compute_block(_WARM.model, plan(_WARM.model, str(_WARM.path)), 0)
    WARMED = True
except Exception:  # noqa: BLE001 - a warm-up only: the workers then load the kernel themselves
    pass
