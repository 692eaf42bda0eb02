"""Sweeps: run one scenario over a grid (or a zip) of input values.

``--vary key=v1,v2,v3`` lists values (each read like a ``--set`` value: TOML
first, else a string); ``--vary key=a:b:n`` asks for ``n`` evenly spaced
values from ``a`` to ``b`` inclusive. ``grid`` (the default) runs the
cartesian product of all lists; ``zip`` pairs the i-th values of lists of
equal length. Every combination is a variant of the scenario, named after
the values it sets (``baseline[electricity_usd_per_kwh=0.05]``); all run in
one batch with the scenario's seed, so they share market draws whenever the
varied keys are not market inputs. A combination that fails (an invalid
value, a missing file) gets a row with its ``error`` and the others complete.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.analysis.variants import (
    PROBABILITY_METRICS,
    MetricRef,
    Progress,
    backend_used,
    default_metric,
    key_metric_refs,
    manifest_base,
    metric_stats,
    parse_metric,
    publish_tables,
    run_variants,
    variant,
)
from simulator.analysis.vary import Vary, parse_vary
from simulator.inputs.scenario import ResolvedScenario, ScenarioError, load_scenario
from simulator.inputs.schema import unread_market_keys
from simulator.results.outputs import IfExists
from simulator.results.result import Result

__all__ = ["Vary", "Sweep", "SweepPlan", "parse_vary", "plan_sweep", "run_sweep", "sweep"]


def _labels(keys: Sequence[str]) -> list[str]:
    """Short labels for variant names: the last key part, or the whole key if ambiguous."""
    last = [k.rsplit(".", 1)[-1] for k in keys]
    return [lb if last.count(lb) == 1 else k for lb, k in zip(last, keys, strict=True)]


def _name_text(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" else text


@dataclass
class SweepPlan:
    """What a sweep will run: the variants (or why one cannot), before anything runs."""

    base: ResolvedScenario
    varies: list[Vary]
    mode: str
    metric: MetricRef
    combos: list[tuple[int, ...]]
    names: list[str]
    variants: list[ResolvedScenario | str]

    @property
    def keys(self) -> list[str]:
        """Varied keys, in order."""
        return [v.key for v in self.varies]

    @property
    def total_paths(self) -> int:
        """Paths over all runnable variants (for a progress bar)."""
        return sum(v.model.scenario.paths for v in self.variants if not isinstance(v, str))


def _parse_varies(vary: Sequence[str]) -> list[Vary]:
    if not vary:
        raise ScenarioError("--vary", "", "give at least one --vary key=values")
    varies = [parse_vary(t) for t in vary]
    keys = [v.key for v in varies]
    for i, k in enumerate(keys):
        if k in keys[:i]:
            raise ScenarioError("--vary", k, "the key is varied twice")
    return varies


def _check_keys(base: ResolvedScenario, varies: list[Vary], file: str) -> None:
    """Load ``base`` with each key's first value; an unknown or unread key is ``FILE``'s error."""
    models_varied = {v.key.rpartition(".")[0] for v in varies if v.key.endswith(".model")}
    for v in varies:
        try:
            first = variant(base, [f"{v.key}={v.texts[0]}"])
        except ScenarioError as exc:
            detail = exc.message if exc.key == v.key else f"{exc.key}: {exc.message}"
            raise ScenarioError(file, f"--vary {v.key}", detail) from None
        if v.key.rpartition(".")[0] in models_varied:
            continue  # the model is swept too: some combinations read the key
        for key, model in unread_market_keys(first.model, [v.key]):
            why = f"the {model} model does not read it: every run would be the same"
            raise ScenarioError(file, f"--vary {key}", why)


def _combos(varies: list[Vary], mode: str) -> list[tuple[int, ...]]:
    """Value indices of every combination: pairwise for ``zip``, the product for ``grid``."""
    if mode == "zip":
        lengths = {len(v.values) for v in varies}
        if len(lengths) > 1:
            sizes = ", ".join(f"{v.key}: {len(v.values)}" for v in varies)
            raise ScenarioError("--mode zip", "", f"every --vary needs as many values ({sizes})")
        return [(i,) * len(varies) for i in range(len(varies[0].values))]
    return list(itertools.product(*(range(len(v.values)) for v in varies)))


def _combo_variants(
    base: ResolvedScenario, varies: list[Vary], combos: list[tuple[int, ...]]
) -> tuple[list[str], list[ResolvedScenario | str]]:
    """Variant names and variants (or error messages) of every combination."""
    labels = _labels([v.key for v in varies])
    names: list[str] = []
    variants: list[ResolvedScenario | str] = []
    for combo in combos:
        picked = list(zip(labels, varies, combo, strict=True))
        sets = [f"{v.key}={v.texts[i]}" for _, v, i in picked]
        names.append(
            f"{base.name}["
            + ",".join(f"{lb}={_name_text(v.texts[i])}" for lb, v, i in picked)
            + "]"
        )
        try:
            variants.append(variant(base, sets, names[-1]))
        except ScenarioError as exc:
            variants.append(str(exc))
    return names, variants


def plan_sweep(
    scenario_path: str | Path,
    vary: Sequence[str],
    *,
    mode: str = "grid",
    overrides: Sequence[str] = (),
    metric: str | None = None,
    facts: Sequence[str | Path] = (),
) -> SweepPlan:
    """Parse ``vary``, check every key and build the variants, without running.

    Each key is checked by loading the scenario with its first value; an
    unknown key fails here with the scenario loader's own message, as
    ``FILE: --vary KEY: ...``. Later values that are invalid only fail their
    own combination. ``facts``: more facts files (``--facts``) for every
    combination.

    Raises
    ------
    ScenarioError
        For a bad ``--vary``, ``--mode`` or ``--metric``, an unknown key, or
        lists of unequal length in ``zip`` mode.
    """
    if mode not in ("grid", "zip"):
        raise ScenarioError("--mode", "", f"expected grid or zip (got {mode!r})")
    varies = _parse_varies(vary)
    base = load_scenario(scenario_path, overrides, facts=facts)
    _check_keys(base, varies, str(scenario_path))
    ref = parse_metric(metric, base.model) if metric else default_metric(base.model, "mining")
    combos = _combos(varies, mode)
    names, variants = _combo_variants(base, varies, combos)
    return SweepPlan(base, varies, mode, ref, combos, names, variants)


@dataclass
class Sweep:
    """The outcome of a sweep (see :func:`sweep`).

    Attributes
    ----------
    scenario, file : str
        Base scenario name and file.
    keys : list of str
        Varied keys.
    mode : str
        ``grid`` or ``zip``.
    metric : MetricRef
        The statistic of the heat map.
    table : pandas.DataFrame
        One row per combination: ``scenario`` (variant name), the varied
        values, ``ENTITY.METRIC.p5/p50/p95`` of the key metrics, each with its
        Monte Carlo error ``..._se`` (only ``p50``,
        the probability, for ``prob_below_cost``) and of the chosen metric,
        and ``error`` (empty unless the combination failed).
    heatmap : pandas.DataFrame or None
        For two keys in grid mode: rows the first key's values, columns the
        second's, cells the chosen metric.
    results : list of Result or None
        Per combination (None where it failed).
    """

    scenario: str
    file: str
    keys: list[str]
    mode: str
    metric: MetricRef
    table: pd.DataFrame
    heatmap: pd.DataFrame | None
    results: list[Result | None]
    backend: str | None = None
    files: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """Number of combinations that failed."""
        return int((self.table["error"] != "").sum())

    def manifest(self, command: str | None = None) -> dict[str, Any]:
        """What was varied, how, with which seed and paths, and the files written."""
        ok = [r for r in self.results if r is not None]
        return {
            **manifest_base("btcsim sweep", command, self.backend),
            "scenario": self.scenario,
            "file": self.file,
            "facts_files": ok[0].meta.get("facts_files", []) if ok else [],
            "mode": self.mode,
            "vary": {k: self.table[k].tolist() for k in self.keys},
            "combinations": len(self.table),
            "failed": self.failed,
            "metric": self.metric.label,
            "seed": ok[0].meta["seed"] if ok else None,
            "paths": ok[0].meta["paths"] if ok else None,
            "heatmap": None
            if self.heatmap is None
            else {"rows": self.keys[0], "columns": self.keys[1], "cells": self.metric.column},
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
        """Write ``sweep.csv`` (+ ``heatmap.csv``) and ``manifest.json`` atomically.

        ``if_exists``, ``extra`` and ``label`` are as for
        :meth:`simulator.results.result.Result.save`: what to do with an
        earlier result there, more files to write (figures), the name in errors.
        """
        tables = [("sweep.csv", self.table, False)]
        if self.heatmap is not None:
            tables.append(("heatmap.csv", self.heatmap, True))
        return publish_tables(
            directory,
            tables,
            self.files,
            lambda: self.manifest(command),
            if_exists=if_exists,
            extra=extra,
            label=label,
        )


def _sweep_row(
    plan: SweepPlan,
    i: int,
    got: Result | ResolvedScenario | str,
    stats_of: Mapping[MetricRef, tuple[str, ...]],
    extra: bool,
) -> dict[str, Any]:
    """The table row of combination ``i``, whose run gave ``got`` (a Result or an error)."""
    row: dict[str, Any] = {"scenario": plan.names[i]}
    row |= {v.key: v.values[j] for v, j in zip(plan.varies, plan.combos[i], strict=True)}
    for ref, stat_names in stats_of.items():
        stats = metric_stats(got, ref.entity, ref.metric) if isinstance(got, Result) else None
        for s in stat_names:
            row[f"{ref.entity}.{ref.metric}.{s}"] = stats[1][s] if stats else float("nan")
            row[f"{ref.entity}.{ref.metric}.{s}_se"] = (
                stats[1][f"{s}_se"] if stats else float("nan")
            )
    if extra:
        found = (
            metric_stats(got, plan.metric.entity, plan.metric.metric)
            if isinstance(got, Result)
            else None
        )
        stat = plan.metric.stat
        row[plan.metric.column] = found[1][stat] if found else float("nan")
        row[f"{plan.metric.column}_se"] = found[1][f"{stat}_se"] if found else float("nan")
    row["error"] = "" if isinstance(got, Result) else got
    return row


def _heatmap(plan: SweepPlan, rows: list[dict[str, Any]]) -> pd.DataFrame | None:
    """The chosen metric over two keys in grid mode (None otherwise)."""
    if len(plan.varies) != 2 or plan.mode != "grid":
        return None
    cells = {c: r[plan.metric.column] for c, r in zip(plan.combos, rows, strict=True)}
    first, second = plan.varies
    return pd.DataFrame(
        [[cells[(a, b)] for b in range(len(second.values))] for a in range(len(first.values))],
        index=pd.Index(list(first.values), name=first.key),
        columns=pd.Index(list(second.values), name=second.key),
    )


def run_sweep(
    plan: SweepPlan,
    *,
    backend: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    progress: Progress = None,
) -> Sweep:
    """Run a planned sweep's variants in one batch and tabulate them."""
    runnable = [(i, v) for i, v in enumerate(plan.variants) if not isinstance(v, str)]
    outcome = run_variants(
        [v for _, v in runnable],
        backend=backend,
        workers=workers,
        address=address,
        freq="M",
        progress=progress,
    )
    by_index: dict[int, Result | str] = {i: r for (i, _), r in zip(runnable, outcome, strict=True)}
    refs = key_metric_refs([plan.base.model])
    stats_of = {
        r: ("p50",) if r.metric in PROBABILITY_METRICS else ("p5", "p50", "p95") for r in refs
    }
    key_columns = {f"{r.entity}.{r.metric}.{s}" for r in refs for s in stats_of[r]}
    extra = plan.metric.column not in key_columns
    got = [by_index.get(i, plan.variants[i]) for i in range(len(plan.combos))]
    rows = [_sweep_row(plan, i, g, stats_of, extra) for i, g in enumerate(got)]
    results = [g if isinstance(g, Result) else None for g in got]
    return Sweep(
        scenario=plan.base.name,
        file=plan.base.path,
        keys=plan.keys,
        mode=plan.mode,
        metric=plan.metric,
        table=pd.DataFrame(rows),
        heatmap=_heatmap(plan, rows),
        results=results,
        backend=backend_used(results, backend),
    )


def sweep(
    scenario_path: str | Path,
    vary: Sequence[str],
    *,
    mode: str = "grid",
    overrides: Sequence[str] = (),
    metric: str | None = None,
    backend: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    progress: Progress = None,
    facts: Sequence[str | Path] = (),
) -> Sweep:
    """Run a scenario over a grid (or zip) of input values.

    Parameters
    ----------
    scenario_path : str or Path
        Scenario file.
    vary : sequence of str
        ``key=v1,v2,...`` or ``key=a:b:n``; keys are dotted as in ``--set``.
    mode : {"grid", "zip"}
        Cartesian product (default) or pairwise.
    overrides : sequence of str
        ``--set`` overrides applied to every combination.
    metric : str, optional
        Heat-map statistic, ``[reserve.|mining.]ENTITY.METRIC[.STAT]``; default
        the first mining operation's median margin, else the first reserve's
        median value.
    backend, workers, address : optional
        Passed to :func:`simulator.results.simulate.simulate_many`.
    progress : callable, optional
        Called with the number of paths finished.
    facts : sequence of str or Path, optional
        More facts files for every combination (``--facts``).

    Returns
    -------
    Sweep

    Raises
    ------
    ScenarioError
        For bad options or unknown keys, before anything runs.
    """
    plan = plan_sweep(
        scenario_path, vary, mode=mode, overrides=overrides, metric=metric, facts=facts
    )
    return run_sweep(plan, backend=backend, workers=workers, address=address, progress=progress)
