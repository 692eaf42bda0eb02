"""Robust decision: several policies (levers) evaluated over the same sampled uncertainties.

1. **Sample.** The ranged inputs of the *first* policy file (chosen as
   :func:`simulator.analysis.ranges.ranged_inputs` gives) that every
   other file also has are sampled with
   :func:`simulator.analysis.discover.latin_hypercube`, seeded from the first
   file's seed. Each sample's values are applied with ``--set`` style
   overrides to every policy, and every run uses the first file's seed and
   paths (common random numbers: policies differ only in their levers).
2. **Value.** The chosen statistic (default the median) of the metric per
   sample and policy.
3. **Regret.** Per sample, the best policy's value minus this policy's
   (flipped for a metric where less is better), so regret is >= 0 and the
   best policy on a sample has regret 0. Per policy: maximum and
   90th-percentile regret, mean and p5 of the metric, and with a satisficing
   threshold the share of samples meeting it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.analysis.batch_values import run_values
from simulator.analysis.discover import latin_hypercube, sample_overrides
from simulator.analysis.ranges import ranged_inputs
from simulator.analysis.variants import (
    STATS,
    CompareError,
    MetricRef,
    Progress,
    backend_used,
    check_unique_names,
    manifest_base,
    metric_stats,
    parse_metric,
    publish_tables,
    variant,
)
from simulator.inputs.scenario import ResolvedInput, ResolvedScenario, ScenarioError
from simulator.results.metrics import higher_is_better
from simulator.results.outputs import IfExists

__all__ = [
    "RobustPlan",
    "Robustness",
    "plan_robust",
    "regret_table",
    "run_robust",
    "summarise",
]


def regret_table(values: pd.DataFrame, higher: bool) -> pd.DataFrame:
    """Regret per sample (row) and policy (column): best value on the row minus this one.

    For a lower-is-better metric the sign is flipped, so regret is never
    negative. A row with any missing value (a failed run) has no regret.
    """
    complete = values.notna().all(axis=1)
    if higher:
        regret = values.max(axis=1).to_numpy()[:, None] - values.to_numpy()
    else:
        regret = values.to_numpy() - values.min(axis=1).to_numpy()[:, None]
    frame = pd.DataFrame(regret, index=values.index, columns=values.columns)
    frame.loc[~complete, :] = np.nan
    return frame


def summarise(
    values: pd.DataFrame,
    regrets: pd.DataFrame,
    higher: bool,
    satisfice: float | None = None,
) -> pd.DataFrame:
    """Per policy: ``max_regret``, ``p90_regret``, the value's ``mean``, ``p5`` and ``p95``.

    ``satisfice_share`` is added with ``satisfice``. ``mean``, ``p5`` and
    ``p95`` are of the metric's value over the samples, not of regret; the
    unfavourable tail is ``p5`` when more is better, ``p95`` when less is.
    """
    rows: list[dict[str, Any]] = []
    for policy in values.columns:
        v = values[policy].to_numpy(dtype=float)
        r = regrets[policy].to_numpy(dtype=float)
        v_ok, r_ok = v[np.isfinite(v)], r[np.isfinite(r)]
        row: dict[str, Any] = {
            "policy": policy,
            "max_regret": float(r_ok.max()) if r_ok.size else np.nan,
            "p90_regret": float(np.percentile(r_ok, 90)) if r_ok.size else np.nan,
            "mean": float(v_ok.mean()) if v_ok.size else np.nan,
            "p5": float(np.percentile(v_ok, 5)) if v_ok.size else np.nan,
            "p95": float(np.percentile(v_ok, 95)) if v_ok.size else np.nan,
        }
        if satisfice is not None:
            meets = v_ok >= satisfice if higher else v_ok <= satisfice
            row["satisfice_share"] = float(meets.mean()) if v_ok.size else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class RobustPlan:
    """The policies, the inputs sampled (and dropped or skipped), the samples and the runs."""

    policies: list[ResolvedScenario]
    metric: MetricRef
    higher: bool
    items: list[ResolvedInput]
    skipped: list[tuple[str, str]]
    samples: pd.DataFrame
    #: Run of sample ``j`` and policy ``p`` at ``j * len(policies) + p``.
    variants: list[ResolvedScenario] = field(default_factory=list)

    @property
    def total_paths(self) -> int:
        """Paths over every run (for a progress bar)."""
        return sum(v.model.scenario.paths for v in self.variants)


def plan_robust(
    scenarios: Sequence[ResolvedScenario],
    metric: str,
    *,
    samples: int = 200,
    paths: int | None = None,
    stat: str | None = None,
) -> RobustPlan:
    """Sample the first policy's ranged inputs and build every (sample, policy) run.

    Raises
    ------
    ScenarioError
        For a bad or unscored ``metric``, a bad ``stat``, ``paths`` or ``samples``.
    CompareError
        For fewer than two policies, no shared ranged input, or an invalid sample.
    """
    if len(scenarios) < 2:
        raise CompareError("robust needs at least 2 policy files to compare")
    if stat is not None and stat not in STATS:
        raise ScenarioError("--stat", stat, f"expected one of {', '.join(STATS)}")
    check_unique_names(scenarios)
    if paths is not None and paths < 1:
        raise ScenarioError("--paths", str(paths), "must be at least 1")
    first = (
        variant(scenarios[0], [f"scenario.paths={paths}"]) if paths is not None else scenarios[0]
    )
    parsed = parse_metric(metric, first.model)
    ref = parsed if stat is None else dataclasses.replace(parsed, stat=stat)
    scored = higher_is_better()
    if ref.metric not in scored:
        raise ScenarioError(
            "--metric", metric, f"{ref.metric!r} is not scored (neither more nor less is better)"
        )
    scen = first.model.scenario
    common = [f"scenario.paths={scen.paths}", f"scenario.seed={scen.seed}"]
    policies = [first] + [variant(s, common) for s in scenarios[1:]]
    for p in policies[1:]:  # the metric exists in every policy
        try:
            parse_metric(ref.label, p.model)
        except ScenarioError as exc:
            raise ScenarioError(
                "--metric", ref.label, f"not in policy {p.name} ({p.path}): {exc.message}"
            ) from None
    items: list[ResolvedInput] = []
    ranged, skipped = ranged_inputs(first)
    for item in ranged:
        missing = [p.name for p in policies[1:] if item.key not in p.inputs]
        if missing:
            skipped.append((item.key, f"not in every policy (missing in {', '.join(missing)})"))
        else:
            items.append(item)
    if not items:
        raise CompareError("no input has a range in the first policy that every policy has")
    if samples < 1:
        raise ScenarioError("--samples", str(samples), "must be at least 1")
    frame = latin_hypercube(items, samples, scen.seed % 2**32)
    plan = RobustPlan(policies, ref, scored[ref.metric], items, skipped, frame)
    for j, row in enumerate(frame.itertuples(index=False)):
        sets = sample_overrides(items, row)
        for p in policies:
            try:
                plan.variants.append(variant(p, sets, f"{p.name}[sample {j}]"))
            except ScenarioError as exc:
                raise CompareError(f"sample {j} is not valid for {p.name}: {exc}") from None
    return plan


@dataclass
class Robustness:
    """The outcome of a robust-decision run.

    Attributes
    ----------
    table : pandas.DataFrame
        Tidy, one row per sample and policy: ``sample``, ``policy``, the
        sampled inputs, ``value``, ``regret`` and ``error``.
    summary : pandas.DataFrame
        One row per policy (see :func:`summarise`).
    """

    policies: list[str]
    files: list[str]
    metric: MetricRef
    higher: bool
    paths: int
    seed: int
    table: pd.DataFrame
    summary: pd.DataFrame
    inputs: list[str]
    skipped: list[tuple[str, str]]
    satisfice: float | None = None
    metric_unit: str = ""
    backend: str | None = None
    written: list[str] = field(default_factory=list)

    @property
    def samples(self) -> int:
        """Samples drawn."""
        return int(self.table["sample"].nunique())

    @property
    def failed(self) -> int:
        """Runs that failed."""
        return int((self.table.error != "").sum())

    def manifest(self, command: str | None = None) -> dict[str, Any]:
        """Policies, metric, sampling, summary and the files written."""
        return {
            **manifest_base("btcsim robust", command, self.backend),
            "policies": [
                {"name": n, "file": f} for n, f in zip(self.policies, self.files, strict=True)
            ],
            "metric": self.metric.label,
            "unit": self.metric_unit,
            "higher_is_better": self.higher,
            "regret": "best policy's value on the sample minus this policy's"
            + ("" if self.higher else " (flipped: less is better)"),
            "satisfice": self.satisfice,
            "samples": self.samples,
            "sampling": "Latin hypercube (scipy.stats.qmc), seeded from the first file's seed; "
            "the same samples, seed and paths for every policy",
            "seed": self.seed,
            "paths": self.paths,
            "failed_runs": self.failed,
            "inputs_varied": self.inputs,
            "skipped": [{"key": k, "reason": r} for k, r in self.skipped],
            "summary": self.summary.to_dict(orient="records"),
            "files": self.written,
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
        """Write ``samples.csv``, ``summary.csv`` and ``manifest.json`` atomically."""
        tables = [("samples.csv", self.table, False), ("summary.csv", self.summary, False)]
        return publish_tables(
            directory,
            tables,
            self.written,
            lambda: self.manifest(command),
            if_exists=if_exists,
            extra=extra,
            label=label,
        )


def run_robust(
    plan: RobustPlan,
    *,
    satisfice: float | None = None,
    backend: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    progress: Progress = None,
) -> Robustness:
    """Run every (sample, policy) (in chunks) and score the regrets.

    Raises
    ------
    CompareError
        When every run failed.
    """
    outcome, first = run_values(
        plan.variants,
        plan.metric.value,
        backend=backend,
        workers=workers,
        address=address,
        progress=progress,
    )
    if first is None:
        raise CompareError(f"every run failed: {outcome[0]}")
    names = [p.name for p in plan.policies]
    n = len(plan.samples)
    flat = [np.nan if isinstance(v, str) else v for v in outcome]
    values = pd.DataFrame(np.array(flat, dtype=float).reshape(n, len(names)), columns=names)
    regrets = regret_table(values, plan.higher)
    errors = np.array([r if isinstance(r, str) else "" for r in outcome]).reshape(n, len(names))
    parts = []
    for p, name in enumerate(names):
        part = plan.samples.copy()
        part.insert(0, "policy", name)
        part.insert(0, "sample", np.arange(n))
        part["value"] = values[name].to_numpy()
        part["regret"] = regrets[name].to_numpy()
        part["error"] = errors[:, p]
        parts.append(part)
    table = pd.concat(parts, ignore_index=True).sort_values(["sample", "policy"], kind="stable")
    found = metric_stats(first, plan.metric.entity, plan.metric.metric)
    meta = plan.policies[0].model.scenario
    return Robustness(
        policies=names,
        files=[p.path for p in plan.policies],
        metric=plan.metric,
        higher=plan.higher,
        paths=meta.paths,
        seed=meta.seed,
        table=table.reset_index(drop=True),
        summary=summarise(values, regrets, plan.higher, satisfice),
        inputs=[i.key for i in plan.items],
        skipped=plan.skipped,
        satisfice=satisfice,
        metric_unit=found[0] if found else "",
        backend=backend_used([first], backend),
    )
