"""Scenario discovery: the combinations of inputs under which a plan fails.

1. **Sample.** Every numeric input with a range (an assumption's low/high, a
   cited fact's spread of sources; chosen and skipped exactly as
   :func:`simulator.analysis.ranges.ranged_inputs` gives) is sampled
   with a Latin hypercube (:class:`scipy.stats.qmc.LatinHypercube`, seeded
   from the scenario's seed) scaled to its low..high; integer inputs are
   rounded. ``vary`` restricts the set. Each sample is one variant run with
   the scenario's seed (common random numbers: the same market draws
   wherever the market inputs are equal), on any backend, in chunks that
   keep one number per run (:func:`simulator.analysis.batch_values.run_values`).
2. **Outcome.** The chosen statistic (default the median) of the metric per
   sample; a sample is *bad* when it is below (or above) the threshold.
3. **Discover.** PRIM or CART (:mod:`simulator.analysis.discover_boxes`)
   finds the box of inputs where bad samples concentrate; the box is chosen
   by :data:`~simulator.analysis.discover_boxes.CHOICE_RULE` (PRIM) or
   :data:`~simulator.analysis.discover_boxes.CART_RULE` (CART).
"""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.analysis.batch_values import run_values
from simulator.analysis.discover_boxes import METHODS, FoundBox, find_boxes
from simulator.analysis.ranges import ranged_inputs
from simulator.analysis.variants import (
    STATS,
    CompareError,
    MetricRef,
    Progress,
    backend_used,
    manifest_base,
    metric_stats,
    parse_metric,
    publish_tables,
    toml_literal,
    variant,
)
from simulator.inputs.errors import did_you_mean
from simulator.inputs.scenario import ResolvedInput, ResolvedScenario, ScenarioError
from simulator.results.outputs import IfExists

__all__ = [
    "ALWAYS_FAILS",
    "NEVER_FAILS",
    "DiscoverPlan",
    "Discovery",
    "latin_hypercube",
    "plan_discover",
    "run_discover",
    "sample_overrides",
]

NEVER_FAILS = "the plan never fails inside these ranges"
ALWAYS_FAILS = "the plan fails on every sample inside these ranges: no box to find"


def sample_overrides(items: Sequence[ResolvedInput], row: Sequence[Any]) -> list[str]:
    """The ``--set`` overrides that give each input its value in one sample (ints rounded)."""
    return [
        f"{i.key}={toml_literal(int(v) if isinstance(i.value, int) else float(v))}"
        for i, v in zip(items, row, strict=True)
    ]


def latin_hypercube(items: Sequence[ResolvedInput], n: int, seed: int) -> pd.DataFrame:
    """``n`` Latin hypercube samples over the inputs' low..high (integers rounded)."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(items), seed=seed).random(n)
    columns: dict[str, Any] = {}
    for j, item in enumerate(items):
        lo, hi = float(item.low or 0.0), float(item.high or 0.0)
        values = lo + unit[:, j] * (hi - lo)
        columns[item.key] = np.round(values).astype(int) if isinstance(item.value, int) else values
    return pd.DataFrame(columns)


@dataclass
class DiscoverPlan:
    """Inputs sampled (and skipped, with reasons), the samples and their variants."""

    base: ResolvedScenario
    metric: MetricRef
    threshold: float
    below: bool
    items: list[ResolvedInput]
    skipped: list[tuple[str, str]]
    samples: pd.DataFrame
    variants: list[ResolvedScenario] = field(default_factory=list)
    method: str = "prim"

    @property
    def total_paths(self) -> int:
        """Paths over every run (for a progress bar)."""
        return sum(v.model.scenario.paths for v in self.variants)

    @property
    def side(self) -> str:
        """``below X`` or ``above X``."""
        return f"{'below' if self.below else 'above'} {self.threshold:g}"


def plan_discover(
    scenario: ResolvedScenario,
    metric: str,
    threshold: float,
    *,
    below: bool = True,
    samples: int = 2000,
    paths: int | None = None,
    stat: str | None = None,
    vary: Sequence[str] | None = None,
    method: str = "prim",
) -> DiscoverPlan:
    """Choose the inputs, draw the Latin hypercube and build one variant per sample.

    Raises
    ------
    ScenarioError
        For a bad ``metric``, ``stat``, ``paths``, ``vary`` key, ``samples`` or
        ``method``.
    CompareError
        When no input has a range, or a sample is not a valid scenario.
    """
    if method not in METHODS:
        raise ScenarioError("--method", method, f"expected one of {', '.join(METHODS)}")
    if stat is not None and stat not in STATS:
        raise ScenarioError("--stat", stat, f"expected one of {', '.join(STATS)}")
    if paths is not None and paths < 1:
        raise ScenarioError("--paths", str(paths), "must be at least 1")
    base = variant(scenario, [f"scenario.paths={paths}"]) if paths is not None else scenario
    parsed = parse_metric(metric, base.model)
    ref = parsed if stat is None else dataclasses.replace(parsed, stat=stat)
    items, skipped = ranged_inputs(base)
    if vary:
        known = {i.key: i for i in items}
        why = dict(skipped)
        for key in vary:
            if key not in known and key not in base.inputs:
                hint = did_you_mean(key, list(base.inputs))
                raise ScenarioError("--vary", key, f"no such input{hint}")
            if key not in known:
                reason = why.get(key, "no range (no low/high or spread of sources)")
                raise ScenarioError("--vary", key, f"cannot be varied: {reason}")
        items = [known[k] for k in dict.fromkeys(vary)]
    if not items:
        raise CompareError("no input has a range to sample (see btcsim explain)")
    if samples < len(items):
        raise ScenarioError(
            "--samples", str(samples), f"must be at least the {len(items)} inputs varied"
        )
    frame = latin_hypercube(items, samples, base.model.scenario.seed % 2**32)
    plan = DiscoverPlan(base, ref, float(threshold), below, items, skipped, frame, method=method)
    for j, row in enumerate(frame.itertuples(index=False)):
        try:
            plan.variants.append(
                variant(base, sample_overrides(items, row), f"{base.name}[sample {j}]")
            )
        except ScenarioError as exc:
            raise CompareError(f"sample {j} is not a valid scenario: {exc}") from None
    return plan


@dataclass
class Discovery:
    """The outcome of a discovery run.

    Attributes
    ----------
    samples : pandas.DataFrame
        One row per sample: the inputs, ``outcome`` (the statistic), ``bad``
        and ``error`` (a failed run's message, else empty).
    box : FoundBox or None
        PRIM's trajectory (or CART's leaves) and the chosen box; None when no
        sample is bad, or every sample is.
    """

    scenario: str
    file: str
    metric: MetricRef
    threshold: float
    below: bool
    paths: int
    seed: int
    samples: pd.DataFrame
    provenance: dict[str, str]
    box: FoundBox | None
    skipped: list[tuple[str, str]]
    metric_unit: str = ""
    backend: str | None = None
    facts_files: list[dict[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    method: str = "prim"

    @property
    def bad_count(self) -> int:
        """Samples on the bad side of the threshold."""
        return int(self.samples.bad.sum())

    @property
    def failed(self) -> int:
        """Runs that failed (left out of the discovery)."""
        return int((self.samples.error != "").sum())

    def box_table(self) -> pd.DataFrame:
        """The chosen box per input, with provenance (empty when no box)."""
        if self.box is None:
            return pd.DataFrame(columns=["key", "provenance", "box_low", "box_high"])
        table = self.box.limits.copy()
        table.insert(1, "provenance", table.key.map(self.provenance))
        return table

    def manifest(self, command: str | None = None) -> dict[str, Any]:
        """Metric, threshold, sampling, the chosen box and the files written."""
        box = self.box
        return {
            **manifest_base("btcsim discover", command, self.backend),
            "scenario": self.scenario,
            "file": self.file,
            "facts_files": self.facts_files,
            "metric": self.metric.label,
            "unit": self.metric_unit,
            "bad_when": f"{'below' if self.below else 'above'} {self.threshold:g}",
            "samples": len(self.samples),
            "sampling": "Latin hypercube (scipy.stats.qmc), seeded from the scenario seed",
            "seed": self.seed,
            "paths": self.paths,
            "bad_samples": self.bad_count,
            "failed_runs": self.failed,
            "inputs_varied": [k for k in self.provenance],
            "skipped": [{"key": k, "reason": r} for k, r in self.skipped],
            "method": self.method,
            "choice_rule": None if box is None else box.rule,
            "box": None
            if box is None
            else {
                "coverage": box.coverage,
                "density": box.density,
                "mass": box.mass,
                "restricted": box.restricted,
                "limits": self.box_table()
                .loc[lambda t: t.restricted]
                .drop(columns="restricted")
                .to_dict(orient="records"),
            },
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
        """Write the samples, ``box.csv``, the boxes and ``manifest.json`` atomically.

        The boxes are PRIM's peeling trajectory (``trajectory.csv``) or CART's
        leaves (``leaves.csv``).

        The samples go to ``samples.parquet`` when pyarrow is installed, else
        to ``samples.csv``.
        """
        tables = [("box.csv", self.box_table(), False)]
        if self.box is not None:
            name = "leaves.csv" if self.box.method == "cart" else "trajectory.csv"
            tables.append((name, self.box.trajectory, False))

        def more(folder: Path) -> list[str]:
            if importlib.util.find_spec("pyarrow") is not None:
                self.samples.to_parquet(folder / "samples.parquet", index=False)
                return ["samples.parquet"]
            self.samples.to_csv(folder / "samples.csv", index=False)
            return ["samples.csv"]

        return publish_tables(
            directory,
            tables,
            self.files,
            lambda: self.manifest(command),
            more=more,
            if_exists=if_exists,
            extra=extra,
            label=label,
        )


def run_discover(
    plan: DiscoverPlan,
    *,
    backend: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    progress: Progress = None,
) -> Discovery:
    """Run every sample (in chunks), mark the bad ones and find the box (PRIM or CART).

    Raises
    ------
    CompareError
        When every run failed.
    ImportError
        When ema_workbench is missing and some sample is bad.
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
    values = np.array([np.nan if isinstance(v, str) else v for v in outcome], dtype=float)
    frame = plan.samples.copy()
    frame["outcome"] = values
    valid = np.isfinite(values)
    frame["bad"] = valid & ((values < plan.threshold) if plan.below else (values > plan.threshold))
    frame["error"] = [v if isinstance(v, str) else "" for v in outcome]
    keys = [i.key for i in plan.items]
    box = None
    if frame.bad.any() and not frame.bad[valid].all():  # PRIM and CART need both sides
        full = {i.key: (float(i.low or 0.0), float(i.high or 0.0)) for i in plan.items}
        box = find_boxes(plan.method, frame.loc[valid, keys], frame.bad[valid].to_numpy(), full)
    found = metric_stats(first, plan.metric.entity, plan.metric.metric)
    return Discovery(
        scenario=plan.base.name,
        file=plan.base.path,
        metric=plan.metric,
        threshold=plan.threshold,
        below=plan.below,
        paths=plan.base.model.scenario.paths,
        seed=plan.base.model.scenario.seed,
        samples=frame,
        provenance={i.key: i.provenance for i in plan.items},
        box=box,
        skipped=plan.skipped,
        metric_unit=found[0] if found else "",
        backend=backend_used([first], backend),
        facts_files=[f.record() for f in plan.base.facts_files],
        method=plan.method,
    )
