"""Which inputs move a result most: one-at-a-time swings and Sobol indices.

One at a time (tornado data): every numeric input with a range — an
assumption's ``low``/``high``, a cited fact's spread of sources, a derived
fact's bounds — is set to its low and to its high value with everything else
at base, and the chosen statistic (say the median value of a reserve) is
recorded at low, base and high. The swing ``|metric_high - metric_low|``
ranks the inputs. All runs use the scenario's seed (common random numbers),
so a swing is the input's effect, not Monte Carlo noise, and all ``2K + 1``
runs go through :func:`simulator.results.simulate.simulate_many` in one batch.

Global (optional, needs SALib): Saltelli's sampling scheme draws ``N (K + 2)``
points uniformly over the box of input ranges; each is a variant run with the
same seed; SALib estimates first-order (S1) and total (ST) Sobol indices with
bootstrap confidence intervals. S1 is the share of the metric's variance
explained by an input alone, ST includes its interactions.

References
----------
.. [1] A. Saltelli et al., Global Sensitivity Analysis: The Primer (2008), ch. 4.
.. [2] J. Herman and W. Usher, "SALib: An open-source Python library for
   sensitivity analysis", JOSS 2(9), 2017.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.analysis.ranges import ranged_inputs
from simulator.analysis.sobol import SALIB_MISSING, salib_available, sobol_indices, sobol_sample
from simulator.analysis.variants import (
    CompareError,
    MetricRef,
    Progress,
    backend_used,
    default_metric,
    manifest_base,
    metric_stats,
    parse_metric,
    publish_tables,
    run_variants,
    toml_literal,
    variant,
)
from simulator.inputs.scenario import ResolvedInput, ResolvedScenario, ScenarioError
from simulator.results.outputs import IfExists
from simulator.results.result import Result

__all__ = [
    "Sensitivity",
    "SensitivityPlan",
    "plan_sensitivity",
    "run_sensitivity",
    "sensitivity",
    "salib_available",
]


@dataclass
class SensitivityPlan:
    """Inputs to vary, inputs skipped (with reasons) and the variants to run."""

    base: ResolvedScenario
    metric: MetricRef
    items: list[ResolvedInput]
    skipped: list[tuple[str, str]]
    variants: list[ResolvedScenario]
    sobol_n: int | None = None
    sobol_samples: np.ndarray | None = None
    sobol_variants: list[ResolvedScenario] = field(default_factory=list)

    @property
    def total_paths(self) -> int:
        """Paths over every run (for a progress bar)."""
        return sum(v.model.scenario.paths for v in (*self.variants, *self.sobol_variants))

    def problem(self) -> dict[str, Any]:
        """SALib problem: the varied inputs and their ranges."""
        return {
            "num_vars": len(self.items),
            "names": [i.key for i in self.items],
            "bounds": [[float(i.low or 0.0), float(i.high or 0.0)] for i in self.items],
        }


def _one_at_a_time(
    base: ResolvedScenario,
) -> tuple[list[ResolvedInput], list[tuple[str, str]], list[ResolvedScenario]]:
    """Inputs varied, inputs skipped (with reasons) and the base plus low/high variants."""
    ranged, skipped = ranged_inputs(base)
    items: list[ResolvedInput] = []
    variants: list[ResolvedScenario] = [base]
    for item in ranged:
        key = item.key
        try:
            pair = [
                variant(base, [f"{key}={toml_literal(v)}"], f"{base.name}[{key}={v:g}]")
                for v in (item.low, item.high)
            ]
        except ScenarioError as exc:
            skipped.append((key, f"override rejected: {exc}"))
            continue
        items.append(item)
        variants += pair
    return items, skipped, variants


def _add_sobol(plan: SensitivityPlan, sobol: int) -> None:
    """Draw ``sobol`` Saltelli samples and add their variants to ``plan``."""
    if sobol < 2 or sobol & (sobol - 1):
        raise ScenarioError("--sobol", str(sobol), "N must be a power of 2, at least 2")
    if not salib_available():
        raise CompareError(SALIB_MISSING)
    if not plan.items:
        raise CompareError("--sobol: no input has a range to sample")
    base = plan.base
    samples = sobol_sample(plan.problem(), sobol, base.model.scenario.seed % 2**32)
    for j, row in enumerate(samples):
        sets = []
        for item, x in zip(plan.items, row, strict=True):
            value: float | int = round(x) if isinstance(item.value, int) else float(x)
            sets.append(f"{item.key}={toml_literal(value)}")
        try:
            plan.sobol_variants.append(variant(base, sets, f"{base.name}[sobol {j}]"))
        except ScenarioError as exc:
            raise CompareError(f"--sobol: sample {j} is not a valid scenario: {exc}") from None
    plan.sobol_n, plan.sobol_samples = sobol, samples


def plan_sensitivity(
    scenario: ResolvedScenario,
    metric: str | None = None,
    *,
    paths: int | None = None,
    sobol: int | None = None,
) -> SensitivityPlan:
    """Choose the inputs, build the low/high (and Sobol) variants, without running.

    Skipped, with a reason: non-numeric inputs, inputs without a spread
    (``low == high``), items of lists (ramp steps, fleet refreshes: ``--set``
    addresses entities by name but not list items) and inputs whose low or
    high value the scenario rejects.

    Raises
    ------
    ScenarioError
        For a bad ``--metric``, ``--paths`` or ``--sobol``.
    CompareError
        For ``sobol`` without SALib installed.
    """
    if paths is not None and paths < 1:
        raise ScenarioError("--paths", str(paths), "must be at least 1")
    sets = [f"scenario.paths={paths}"] if paths is not None else []
    base = variant(scenario, sets) if sets else scenario
    ref = parse_metric(metric, base.model) if metric else default_metric(base.model, "reserve")
    items, skipped, variants = _one_at_a_time(base)
    plan = SensitivityPlan(base, ref, items, skipped, variants)
    if sobol is not None:
        _add_sobol(plan, sobol)
    return plan


@dataclass
class Sensitivity:
    """The outcome of :func:`sensitivity`.

    Attributes
    ----------
    table : pandas.DataFrame
        Tornado data, one row per input, ranked by swing: ``key``,
        ``provenance``, ``unit``, ``low``, ``base_value``, ``high``,
        ``metric_low``, ``metric_base``, ``metric_high``, ``swing``, ``rank``.
    skipped : list of (key, reason)
        Inputs with a range that were not varied.
    sobol : pandas.DataFrame or None
        ``key``, ``provenance``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``
        (95 % bootstrap half-widths), by ST, when asked for.
    """

    scenario: str
    file: str
    metric: MetricRef
    base_value: float
    paths: int
    table: pd.DataFrame
    skipped: list[tuple[str, str]]
    metric_unit: str = ""
    sobol: pd.DataFrame | None = None
    sobol_n: int | None = None
    backend: str | None = None
    facts_files: list[dict[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def manifest(self, command: str | None = None) -> dict[str, Any]:
        """Metric, seed, paths, Sobol size, skipped inputs and the files written."""
        return {
            **manifest_base("btcsim sensitivity", command, self.backend),
            "scenario": self.scenario,
            "file": self.file,
            "facts_files": self.facts_files,
            "metric": self.metric.label,
            "base_value": self.base_value,
            "unit": self.metric_unit,
            "paths": self.paths,
            "inputs_varied": len(self.table),
            "skipped": [{"key": k, "reason": r} for k, r in self.skipped],
            "sobol_n": self.sobol_n,
            "files": self.files,
        }

    def save(
        self,
        directory: str | Path,
        command: str | None = None,
        *,
        if_exists: IfExists = "error",
        extra: Callable[[Path], list[str]] | None = None,
        label: str | None = None,
    ) -> Path:
        """Write ``sensitivity.csv`` (+ ``sobol.csv``) and ``manifest.json`` atomically.

        ``if_exists``, ``extra`` and ``label`` are as for
        :meth:`simulator.results.result.Result.save`: what to do with an
        earlier result there, more files to write (figures), the name in errors.
        """
        tables = [("sensitivity.csv", self.table, False)]
        if self.sobol is not None:
            tables.append(("sobol.csv", self.sobol, False))
        return publish_tables(
            directory,
            tables,
            self.files,
            lambda: self.manifest(command),
            if_exists=if_exists,
            extra=extra,
            label=label,
        )


def _sobol_frame(plan: SensitivityPlan, outcome: list[Result | str]) -> pd.DataFrame:
    failed = [r for r in outcome if isinstance(r, str)]
    if failed:
        raise CompareError(f"--sobol: {len(failed)} of {len(outcome)} runs failed: {failed[0]}")
    y = np.array([plan.metric.value(r) for r in outcome if isinstance(r, Result)])
    if not np.isfinite(y).all():
        raise CompareError(f"--sobol: {plan.metric.label} is not finite on every sample")
    seed = plan.base.model.scenario.seed % 2**32
    si = sobol_indices(plan.problem(), y, seed)
    frame = pd.DataFrame(
        {
            "key": [i.key for i in plan.items],
            "provenance": [i.provenance for i in plan.items],
            "S1": si["S1"],
            "S1_conf": si["S1_conf"],
            "ST": si["ST"],
            "ST_conf": si["ST_conf"],
        }
    )
    return frame.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)


def run_sensitivity(
    plan: SensitivityPlan,
    *,
    backend: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    progress: Progress = None,
) -> Sensitivity:
    """Run a planned analysis in one batch and rank the inputs by swing."""
    outcome = run_variants(
        [*plan.variants, *plan.sobol_variants],
        backend=backend,
        workers=workers,
        address=address,
        freq="M",
        progress=progress,
    )
    base = outcome[0]
    if isinstance(base, str):
        raise CompareError(base)
    metric_base = plan.metric.value(base)
    found = metric_stats(base, plan.metric.entity, plan.metric.metric)
    skipped = list(plan.skipped)
    rows = []
    for k, item in enumerate(plan.items):
        low, high = outcome[1 + 2 * k], outcome[2 + 2 * k]
        if isinstance(low, str) or isinstance(high, str):
            skipped.append((item.key, f"run failed: {low if isinstance(low, str) else high}"))
            continue
        m_low, m_high = plan.metric.value(low), plan.metric.value(high)
        rows.append(
            {
                "key": item.key,
                "provenance": item.provenance,
                "unit": item.unit,
                "low": item.low,
                "base_value": item.value,
                "high": item.high,
                "metric_low": m_low,
                "metric_base": metric_base,
                "metric_high": m_high,
                "swing": abs(m_high - m_low),
            }
        )
    columns = ["key", "provenance", "unit", "low", "base_value", "high"]
    columns += ["metric_low", "metric_base", "metric_high", "swing"]
    table = pd.DataFrame(rows, columns=columns)
    table = table.sort_values("swing", ascending=False, kind="stable", na_position="last")
    table = table.reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    sobol = None
    if plan.sobol_variants:
        sobol = _sobol_frame(plan, outcome[len(plan.variants) :])
    return Sensitivity(
        scenario=plan.base.name,
        file=plan.base.path,
        metric=plan.metric,
        base_value=metric_base,
        paths=plan.base.model.scenario.paths,
        table=table,
        skipped=skipped,
        metric_unit=found[0] if found else "",
        sobol=sobol,
        sobol_n=plan.sobol_n,
        backend=backend_used([base], backend),
        facts_files=[f.record() for f in plan.base.facts_files],
    )


def sensitivity(
    scenario: ResolvedScenario,
    metric: str | None = None,
    *,
    paths: int | None = None,
    sobol: int | None = None,
    backend: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    progress: Progress = None,
) -> Sensitivity:
    """Rank a scenario's inputs by how much they move one statistic.

    Parameters
    ----------
    scenario : ResolvedScenario
        The base scenario.
    metric : str, optional
        ``[reserve.|mining.]ENTITY.METRIC[.STAT]``; default the first
        reserve's median value, else the first mining operation's median margin.
    paths : int, optional
        Paths per run (default: the scenario's).
    sobol : int, optional
        Also estimate Sobol indices from ``sobol * (K + 2)`` runs (a power of
        2; needs SALib).
    backend, workers, address : optional
        Passed to :func:`simulator.results.simulate.simulate_many`.
    progress : callable, optional
        Called with the number of paths finished.

    Returns
    -------
    Sensitivity
    """
    plan = plan_sensitivity(scenario, metric, paths=paths, sobol=sobol)
    return run_sensitivity(
        plan, backend=backend, workers=workers, address=address, progress=progress
    )
