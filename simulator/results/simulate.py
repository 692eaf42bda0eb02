"""``simulate`` and ``simulate_many``: run resolved scenarios and package each as a Result.

:func:`package` reduces a variant's assembled paths to percentiles, summary and
per-path metrics; :mod:`simulator.engine.backends` calls it (in the parent
process or in a worker) and :func:`make_result` adds the scenario's inputs
and metadata.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.engine.backends import Finished, VariantError, run_many
from simulator.engine.plan import BLOCK_PATHS, Plan
from simulator.engine.stream import BUCKETS, StreamState
from simulator.inputs.scenario import ResolvedScenario, ScenarioError, load_scenario
from simulator.inputs.schema import Scenario
from simulator.results.ledger import with_emissions
from simulator.results.result import Result, percentile_frame
from simulator.results.summary import summary_and_path_metrics

__all__ = ["simulate", "simulate_many", "run_file", "Packed", "package", "make_result"]


@dataclass
class Packed:
    """Everything of a Result that is computed from the paths (small, picklable)."""

    percentiles: pd.DataFrame
    summary: pd.DataFrame
    path_metrics: pd.DataFrame
    paths: np.ndarray | None
    variables: list[tuple[str, str]]
    end_date: str
    days: int
    freq: str
    percentile_method: str = "exact"


def package(
    name: str,
    model: Scenario,
    plan: Plan,
    out: np.ndarray | StreamState,
    final: np.ndarray,
    keep_paths: bool,
    threads: int = 1,
) -> Packed:
    """Percentiles, summary and per-path metrics of ``out (V, n_out, paths)`` and ``final``.

    ``threads``: threads for the percentiles (2 for the ``threads`` backend,
    1 elsewhere so ``serial`` really is one thread and process workers do not
    oversubscribe the cores). A streamed run (``out`` a
    :class:`~simulator.engine.stream.StreamState`) keeps no paths, whatever
    ``keep_paths`` says: it never held them.
    """
    last = out.last if isinstance(out, StreamState) else out[:, -1]
    summary, path_metrics = summary_and_path_metrics(name, model, plan, last, final)
    return Packed(
        percentiles=with_emissions(
            model,
            percentile_frame(name, plan.variables, plan.dates[plan.out_days], out, threads=threads),
        ),
        summary=summary,
        path_metrics=path_metrics,
        paths=out if keep_paths and not isinstance(out, StreamState) else None,
        variables=plan.variables,
        end_date=plan.dates[-1].date().isoformat(),
        days=plan.n_days,
        freq=plan.freq,
        percentile_method=_method(model, out),
    )


def _method(model: Scenario, out: np.ndarray | StreamState) -> str:
    """How the bands were computed, for ``meta["percentiles"]``."""
    if not isinstance(out, StreamState):
        return "exact"
    why = "; chosen by auto" if model.scenario.percentiles == "auto" else ""
    return f"streamed ({BUCKETS:,} bins per series and output day{why})"


def make_result(scenario: ResolvedScenario, packed: Packed, meta: dict[str, Any]) -> Result:
    """The Result of ``scenario``; ``meta`` (backend, workers, seconds) is added to its meta."""
    model = scenario.model
    return Result(
        scenario=scenario.name,
        percentiles=packed.percentiles,
        summary=packed.summary,
        path_metrics=packed.path_metrics,
        inputs=pd.DataFrame([i.__dict__ for i in scenario.inputs.values()]),
        meta={
            "file": scenario.path,
            "facts_files": [f.record() for f in scenario.facts_files],
            "seed": model.scenario.seed,
            "paths": model.scenario.paths,
            "variance_reduction": model.scenario.variance_reduction,
            "percentiles": packed.percentile_method,
            "block_paths": BLOCK_PATHS,
            "start_date": model.scenario.start_date.isoformat(),
            "end_date": packed.end_date,
            "days": packed.days,
            "freq": packed.freq,
            "provenance_counts": scenario.counts(),
            **meta,
        },
        paths=packed.paths,
        variables=packed.variables,
        facts=scenario.registry,
    )


def simulate_many(
    scenarios: Sequence[ResolvedScenario],
    *,
    backend: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    freq: str | None = None,
    keep_paths: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[Result | VariantError]:
    """Simulate several scenarios (variants) on one backend; one Result or VariantError each.

    The parameters are those of :func:`simulator.engine.backends.run_many`;
    ``Result.meta`` records ``backend``, ``workers`` and ``seconds``.
    """
    done = run_many(
        scenarios,
        package,
        backend=backend,
        workers=workers,
        address=address,
        freq=freq,
        keep_paths=keep_paths,
        progress=progress,
    )
    return [
        make_result(scenarios[i], o.packed, o.meta) if isinstance(o, Finished) else o
        for i, o in enumerate(done)
    ]


def simulate(
    scenario: ResolvedScenario,
    *,
    freq: str | None = None,
    workers: int | None = None,
    keep_paths: bool = False,
    progress: Callable[[int], None] | None = None,
    backend: str | None = None,
    address: str | None = None,
) -> Result:
    """Run a scenario's Monte Carlo and return a :class:`Result`.

    Parameters
    ----------
    scenario : ResolvedScenario
        From :func:`simulator.load_scenario`.
    freq : {"D", "W", "M"}, optional
        Output frequency; the scenario's ``freq`` by default (auto: daily up
        to 2 years, monthly beyond).
    workers : int, optional
        Threads or processes running path blocks (default: up to 2 threads).
        Results do not depend on it.
    keep_paths : bool
        Keep the raw recorded paths in ``Result.paths``.
    progress : callable, optional
        Called with the number of paths finished after each block.
    backend : {"serial", "threads", "processes", "dask"}, optional
        Where blocks run (see :mod:`simulator.engine.backends`); ``BTCSIM_BACKEND``
        or ``"threads"`` by default. Results do not depend on it.
    address : str, optional
        Scheduler of an existing dask cluster (backend ``dask`` only).

    Returns
    -------
    Result

    Raises
    ------
    ScenarioError
        If the scenario cannot be run (a missing or malformed file, a date
        before the start); a failure inside a worker is reported the same way,
        chained to the original exception.
    """
    (outcome,) = simulate_many(
        [scenario],
        backend=backend,
        workers=workers,
        address=address,
        freq=freq,
        keep_paths=keep_paths,
        progress=progress,
    )
    if isinstance(outcome, VariantError):
        if isinstance(outcome.error, ScenarioError):
            raise outcome.error
        raise ScenarioError(scenario.path, "", outcome.message) from outcome.error
    return outcome


def run_file(path: str | Path, overrides: list[str] | None = None, **kwargs: object) -> Result:
    """Load a scenario file (with ``--set`` style overrides) and simulate it."""
    return simulate(load_scenario(path, overrides or []), **kwargs)  # type: ignore[arg-type]
