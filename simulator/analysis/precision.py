r"""Run a scenario with more paths until one statistic's Monte Carlo error is small enough.

``btcsim run --precision 0.01`` asks for a relative standard error of at most
1 % on one summary statistic (``--precision-metric``, by default the first
reserve's median value). The run starts with the scenario's paths; while the
target is missed it estimates the paths needed from the error's
:math:`1/\sqrt n` law,

.. math::

    n' = \Big\lceil 1.1\, n \big(\tfrac{\mathrm{se}/|x|}{\text{target}}\big)^2 \Big\rceil,

rounded up to whole blocks of :data:`~simulator.engine.plan.BLOCK_PATHS`
paths and capped at ``max_paths`` and at what fits in the memory available
(:func:`memory_cap`), and runs again. Path blocks are seeded by
their index, so the first :math:`n` paths of the larger run are those of the
smaller one: the final result is exactly a plain run with :math:`n'` paths
and the same seed. (The earlier rounds are run again rather than merged; with
the 10 % margin the estimate is usually met in one more round, so the cost is
about that of the final run plus the first.)

References
----------
.. [1] Koehler, E., Brown, E. & Haneuse, S. J.-P. A. (2009), "On the
   assessment of Monte Carlo error in simulation-based statistical analyses",
   *The American Statistician* 63(2):155-162 (choosing the number of
   replications for a target Monte Carlo error).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from simulator.analysis.variants import MetricRef, variant
from simulator.engine.memory import available_bytes, estimate_bytes
from simulator.engine.plan import BLOCK_PATHS
from simulator.inputs.scenario import ResolvedScenario
from simulator.inputs.schema_meta import QMC_TRUSTED_PATHS
from simulator.results.result import Result

__all__ = [
    "MARGIN",
    "Precision",
    "memory_cap",
    "paths_needed",
    "relative_se",
    "run_to_precision",
]

#: Safety factor on the paths the 1/sqrt(n) law asks for [-].
MARGIN = 1.1
#: At most this many rounds (the law converges in one or two).
MAX_ROUNDS = 6


@dataclass(frozen=True)
class Precision:
    """What a precision run reached.

    Attributes
    ----------
    metric : str
        The statistic's full label, e.g. ``"reserve.el_salvador.value_usd.p50"``.
    target : float
        Relative standard error asked for [-].
    relative_se : float
        Relative standard error reached [-] (NaN if undefined).
    paths : int
        Paths of the final run.
    rounds : int
        Runs made.
    reached : bool
        ``relative_se <= target``.
    why : str
        Empty when reached; otherwise why it stopped (the path cap, an
        undefined error).
    """

    metric: str
    target: float
    relative_se: float
    paths: int
    rounds: int
    reached: bool
    why: str = ""

    def as_meta(self) -> dict[str, object]:
        """The record saved in the manifest under ``precision``."""
        return {
            "metric": self.metric,
            "target_relative_se": self.target,
            "relative_se": self.relative_se,
            "paths": self.paths,
            "rounds": self.rounds,
            "reached": self.reached,
            "why": self.why,
        }


def relative_se(result: Result, ref: MetricRef) -> float:
    """``se / |value|`` of statistic ``ref`` in ``result`` (NaN if either is undefined or 0)."""
    s = result.summary
    rows = s[(s["entity"] == ref.entity) & (s["metric"] == ref.metric)]
    if rows.empty:
        return float("nan")
    row = rows.iloc[0]
    stat = "mean" if row["unit"] == "probability" else ref.stat
    value, se = float(row[stat]), float(row.get(f"{stat}_se", float("nan")))
    if not (math.isfinite(value) and math.isfinite(se)) or value == 0:
        return float("nan")
    return se / abs(value)


def paths_needed(paths: int, rel: float, target: float, max_paths: int) -> int:
    """Paths for relative error ``target`` from ``rel`` at ``paths`` (whole blocks, capped)."""
    want = math.ceil(MARGIN * paths * (rel / target) ** 2)
    blocks = max(-(-want // BLOCK_PATHS), -(-paths // BLOCK_PATHS) + 1)
    return min(blocks * BLOCK_PATHS, max_paths)


def memory_cap(result: Result, finals: int = 64) -> int | None:
    """Most whole blocks of paths whose run fits in the memory available now, or None.

    Sized like the engine's own check (:func:`simulator.engine.memory.estimate_bytes`)
    from the recorded series and output days of ``result``; ``finals`` is a
    generous bound on the horizon values kept per path.
    """
    have = available_bytes()
    if have is None:
        return None
    p = result.percentiles
    series = len(result.variables) or p.groupby(["entity", "variable"]).ngroups
    days = int(p["date"].nunique())
    per_block = estimate_bytes(series, days, finals, BLOCK_PATHS) - estimate_bytes(
        series, days, finals, 0
    )
    blocks = (have - estimate_bytes(series, days, finals, 0)) // max(per_block, 1)
    return int(max(blocks, 1)) * BLOCK_PATHS


def run_to_precision(
    scenario: ResolvedScenario,
    ref: MetricRef,
    target: float,
    max_paths: int,
    simulate: Callable[[ResolvedScenario], Result],
    note: Callable[[str], None] | None = None,
) -> tuple[Result, Precision]:
    """Run ``scenario`` with more paths until ``ref``'s relative standard error is <= ``target``.

    Parameters
    ----------
    scenario : ResolvedScenario
        The scenario; its ``paths`` are the first round.
    ref : MetricRef
        The statistic whose error is targeted.
    target : float
        Relative standard error [-], in (0, 1).
    max_paths : int
        Cap on the paths of a round.
    simulate : callable
        Runs a scenario and returns its Result (the caller's backend and progress).
    note : callable, optional
        Told one line per extra round.

    Returns
    -------
    result : Result
        The last run, with ``meta["precision"]``.
    precision : Precision
    """
    current = scenario
    paths = scenario.model.scenario.paths
    # QMC errors from under 8 sets are too rough to stop on (QMC_TRUSTED_PATHS)
    trusted = QMC_TRUSTED_PATHS if scenario.model.scenario.variance_reduction == "qmc" else 0
    result = simulate(current)
    rel = relative_se(result, ref)
    rounds, why = 1, ""
    while True:
        if math.isnan(rel):
            why = "an undefined standard error (the statistic is 0, inf or NaN)"
            break
        if rel <= target and paths >= trusted:
            break
        if paths >= max_paths:
            why = f"the cap of {max_paths:,} paths (--max-paths)"
            if rel <= target:  # met, but on an error from too few QMC sets to trust
                why += f"; qmc errors need {trusted:,} paths (8 Sobol' sets) to be trusted"
            break
        fits = memory_cap(result)
        if fits is not None and paths >= fits:
            why = f"memory: about {fits:,} paths fit now (use a coarser --freq)"
            break
        if rounds >= MAX_ROUNDS:
            why = f"{MAX_ROUNDS} rounds"
            break
        cap = max_paths if fits is None else min(max_paths, max(fits, paths))
        paths = max(paths_needed(paths, rel, target, cap), min(trusted, cap))
        if note is not None:
            note(f"{ref.label}: relative se {rel:.2%} > {target:.2%}; running {paths:,} paths")
        current = variant(scenario, [f"scenario.paths={paths}"])
        result = simulate(current)
        rel = relative_se(result, ref)
        rounds += 1
    reached = rel <= target and paths >= trusted
    precision = Precision(ref.label, target, rel, paths, rounds, reached, why)
    result.meta["precision"] = precision.as_meta()
    return result, precision
