"""``simulate``: run a resolved scenario and package the outcome as a Result."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from simulator.engine import BLOCK_PATHS, plan, simulate_arrays
from simulator.results import Result, percentile_frame
from simulator.scenario import ResolvedScenario, load_scenario
from simulator.summary import summary_and_path_metrics

__all__ = ["simulate", "run_file"]


def simulate(
    scenario: ResolvedScenario,
    *,
    freq: str | None = None,
    workers: int | None = None,
    keep_paths: bool = False,
    progress: Callable[[int], None] | None = None,
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
        Threads running path blocks (default: up to 2). Results do not depend on it.
    keep_paths : bool
        Keep the raw recorded paths in ``Result.paths``.
    progress : callable, optional
        Called with the number of paths finished after each block.

    Returns
    -------
    Result
    """
    began = time.perf_counter()
    model = scenario.model
    p = plan(model, scenario.path, freq)
    out, final = simulate_arrays(scenario, p, workers, progress)
    dates = p.dates[p.out_days]
    inputs = pd.DataFrame([i.__dict__ for i in scenario.inputs.values()])
    meta = {
        "file": scenario.path,
        "seed": model.scenario.seed,
        "paths": model.scenario.paths,
        "block_paths": BLOCK_PATHS,
        "start_date": model.scenario.start_date.isoformat(),
        "end_date": p.dates[-1].date().isoformat(),
        "days": p.n_days,
        "freq": p.freq,
        "provenance_counts": scenario.counts(),
    }
    summary, path_metrics = summary_and_path_metrics(scenario.name, model, p, out, final)
    result = Result(
        scenario=scenario.name,
        percentiles=percentile_frame(scenario.name, p.variables, dates, out),
        summary=summary,
        path_metrics=path_metrics,
        inputs=inputs,
        meta=meta,
        paths=out if keep_paths else None,
        variables=p.variables,
    )
    result.meta["seconds"] = round(time.perf_counter() - began, 3)
    return result


def run_file(path: str | Path, overrides: list[str] | None = None, **kwargs: object) -> Result:
    """Load a scenario file (with ``--set`` style overrides) and simulate it."""
    return simulate(load_scenario(path, overrides or []), **kwargs)  # type: ignore[arg-type]
