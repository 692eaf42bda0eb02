"""Compare scenarios side by side with common random numbers.

:func:`compare` runs several scenarios in one batch and lines up their key
horizon metrics: for each scenario the 5th percentile, median and 95th
percentile across paths, the difference of medians to the first (reference)
scenario, and the share of paths on which each scenario *beats* the
reference. Because market draws depend only on the seed and the market
section, two scenarios with equal market inputs see the same price and
hashrate paths (common random numbers), so "beats the reference on path
``i``" is a like-for-like comparison: the difference comes from the policy,
not from luck. :func:`compare` checks this and names the market inputs that
differ when it does not hold.

"Beats" depends on the metric (:data:`HIGHER_IS_BETTER`, a view of the
registry :mod:`simulator.results.metrics`): more BTC, more USD value and a
larger margin are better; a lower cash cost per BTC, break-even price,
drawdown and probability of ending below cost are better. Market metrics
(price, hashrate) are not scored: whether a higher price is better depends on
who is asking.

:func:`simulator.analysis.sweep.sweep` (grid or zip over ``--vary`` values) and
:func:`simulator.analysis.sensitivity.sensitivity` (one-at-a-time tornado data and
optional Sobol indices) share the helpers of :mod:`simulator.analysis.variants`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.analysis.path_outcomes import (
    HIGHER_IS_BETTER,
    TIE_FLOOR,
    TIE_TOLERANCE,
    beats_se,
    path_outcomes,
    prob_beats,
)
from simulator.analysis.variants import (
    ALL_METRICS,
    KEY_METRICS,
    CompareError,
    MetricRef,
    Progress,
    backend_used,
    check_unique_names,
    default_metric,
    key_metric_refs,
    manifest_base,
    metric_stats,
    parse_metric,
    publish_tables,
    run_variants,
    safe_name,
)
from simulator.inputs.scenario import ResolvedScenario
from simulator.inputs.schema import Scenario
from simulator.results.outputs import IfExists
from simulator.results.result import Result

__all__ = [
    "ALL_METRICS",
    "Comparison",
    "CompareError",
    "HIGHER_IS_BETTER",
    "KEY_METRICS",
    "MetricRef",
    "compare",
    "comparison_table",
    "default_metric",
    "inputs_diff",
    "key_metric_refs",
    "market_differences",
    "metric_stats",
    "parse_metric",
    "path_outcomes",
    "prob_beats",
    "TIE_TOLERANCE",
]


#: Inputs that decide the market draws besides the ``market.`` section.
_MARKET_META = ("scenario.seed", "scenario.start_date", "scenario.horizon_years")
_ECONOMIC_CHAIN = ("chain.start_height", "chain.fees_btc_per_block", "chain.fees_growth_per_year")


# --------------------------------------------------------------------- compare
def market_differences(scenarios: Sequence[ResolvedScenario]) -> list[str]:
    """Inputs that decide the market draws and differ between ``scenarios``.

    These are the ``market.`` inputs the chosen models read, the seed, start
    date, horizon and variance reduction, and (for the ``economic`` network model, whose target
    depends on the block reward) the chain's start height and fees. An empty
    list means common random numbers: every scenario sees the same price and
    rest-of-network hashrate paths (the first ``n`` paths, where path counts
    differ).
    """
    economic = any(s.model.market.network.model == "economic" for s in scenarios)
    keys: list[str] = []
    for s in scenarios:
        for key in s.inputs:
            relevant = (
                key.startswith("market.")
                or key in _MARKET_META
                or (economic and key in _ECONOMIC_CHAIN)
            )
            if relevant and key not in keys:
                keys.append(key)
    differ = []
    for key in keys:
        values = [s.inputs[key].value if key in s.inputs else _ABSENT for s in scenarios]
        if any(v != values[0] for v in values[1:]):
            differ.append(key)
    methods = {s.model.scenario.variance_reduction for s in scenarios}
    if len(methods) > 1:  # a Monte Carlo setting, not an input: antithetic pairs draw others
        differ.append("scenario.variance_reduction")
    return differ


class _Absent:
    def __repr__(self) -> str:
        return "absent"


_ABSENT = _Absent()


def inputs_diff(scenarios: Sequence[ResolvedScenario]) -> pd.DataFrame:
    """Inputs whose value differs between scenarios, or that only some have.

    One row per key: ``key``, ``unit`` and, per scenario, ``NAME.value``,
    ``NAME.provenance`` (``absent`` where the scenario has no such input) and
    ``NAME.source`` (citation or the assumption's note).
    """
    keys: list[str] = []
    for s in scenarios:
        keys += [k for k in s.inputs if k not in keys]
    rows = []
    for key in keys:
        items = [s.inputs.get(key) for s in scenarios]
        values = [i.value if i is not None else _ABSENT for i in items]
        if all(v == values[0] for v in values[1:]):
            continue
        unit = next(i.unit for i in items if i is not None)
        row: dict[str, Any] = {"key": key, "unit": unit}
        for s, item in zip(scenarios, items, strict=True):
            row[f"{s.name}.value"] = item.value if item is not None else None
            row[f"{s.name}.provenance"] = item.provenance if item is not None else "absent"
            row[f"{s.name}.source"] = item.source if item is not None else ""
        rows.append(row)
    columns = ["key", "unit"] + [
        f"{s.name}.{c}" for s in scenarios for c in ("value", "provenance", "source")
    ]
    return pd.DataFrame(rows, columns=columns)


def comparison_table(results: Sequence[Result], models: Sequence[Scenario]) -> pd.DataFrame:
    """The comparison frame: key metrics as rows, a column group per scenario.

    Columns: ``kind``, ``entity``, ``metric``, ``unit``, ``higher_is_better``,
    then per scenario ``NAME.p5``, ``NAME.p50``, ``NAME.p95``, their Monte
    Carlo standard errors ``NAME.p5_se`` ... and, for every scenario after the
    first, ``NAME.diff_p50`` (its median minus the first scenario's),
    ``NAME.prob_beats`` (share of paths on which it beats the first) with its
    error ``NAME.prob_beats_se`` (binomial, or over antithetic pairs or QMC sets
    when either run groups its paths), and ``NAME.prob_same`` (share of
    paths on which the two are equal). The difference of medians has no error
    column: the scenarios share their random draws, so the two medians'
    errors are correlated and do not add in quadrature.
    For a probability metric ``p50`` holds the probability.
    """
    rows = []
    first = results[0]
    for ref in key_metric_refs(models):
        stats = [metric_stats(r, ref.entity, ref.metric) for r in results]
        if all(s is None for s in stats):
            continue
        unit = next(s[0] for s in stats if s is not None)
        hib = HIGHER_IS_BETTER.get(ref.metric)
        row: dict[str, Any] = {
            "kind": ref.kind,
            "entity": ref.entity,
            "metric": ref.metric,
            "unit": unit,
            "higher_is_better": "" if hib is None else hib,
        }
        base = stats[0][1]["p50"] if stats[0] is not None else float("nan")
        for i, (res, st) in enumerate(zip(results, stats, strict=True)):
            values = st[1] if st is not None else {}
            for k in ("p5", "p50", "p95"):
                row[f"{res.scenario}.{k}"] = values.get(k, float("nan"))
            for k in ("p5", "p50", "p95"):
                row[f"{res.scenario}.{k}_se"] = values.get(f"{k}_se", float("nan"))
            if i > 0:
                row[f"{res.scenario}.diff_p50"] = _difference(values.get("p50", math.nan), base)
                beats, same = path_outcomes(first, res, ref)
                row[f"{res.scenario}.prob_beats"] = beats
                row[f"{res.scenario}.prob_beats_se"] = beats_se(first, res, ref)
                row[f"{res.scenario}.prob_same"] = same
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class Comparison:
    """Scenarios run side by side (see :func:`compare`).

    Attributes
    ----------
    table : pandas.DataFrame
        Key horizon metrics, one row each (see :func:`comparison_table`).
    inputs_diff : pandas.DataFrame
        Inputs that differ, with each scenario's value and provenance.
    results : list of Result
        One per scenario, in order; the first is the reference.
    common_random_numbers : bool
        True when every scenario sees the same market draws.
    market_differences : list of str
        Input keys behind the market draws that differ (empty with common random numbers).
    backend : str or None
        Backend the runs went to, as recorded in the results' meta.
    """

    table: pd.DataFrame
    inputs_diff: pd.DataFrame
    results: list[Result]
    common_random_numbers: bool
    market_differences: list[str] = field(default_factory=list)
    backend: str | None = None
    files: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """Scenario names, reference first."""
        return [r.scenario for r in self.results]

    def crn_message(self) -> str:
        """One line saying whether the scenarios share market draws."""
        if self.common_random_numbers:
            return "common random numbers: all scenarios share the same price and hashrate paths"
        return (
            "market inputs differ (" + ", ".join(self.market_differences) + "): scenarios see "
            "different price or hashrate paths, so differences include market assumptions"
        )

    def manifest(self, command: str | None = None) -> dict[str, Any]:
        """Scenarios, seeds, paths, backend, CRN status, versions and command line."""
        seeds = sorted({r.meta["seed"] for r in self.results})
        paths = sorted({r.meta["paths"] for r in self.results})
        return {
            **manifest_base("btcsim compare", command, self.backend),
            "scenarios": [
                {
                    "name": r.scenario,
                    "file": r.meta.get("file"),
                    "facts_files": r.meta.get("facts_files", []),
                    "seed": r.meta.get("seed"),
                    "paths": r.meta.get("paths"),
                    "start_date": r.meta.get("start_date"),
                    "end_date": r.meta.get("end_date"),
                }
                for r in self.results
            ],
            "reference": self.names[0],
            "seed": seeds[0] if len(seeds) == 1 else seeds,
            "paths": paths[0] if len(paths) == 1 else paths,
            "common_random_numbers": self.common_random_numbers,
            "market_differences": self.market_differences,
            "higher_is_better": HIGHER_IS_BETTER,
            "files": self.files,
        }

    def save(
        self,
        directory: str | Path,
        command: str | None = None,
        each: bool = False,
        *,
        if_exists: IfExists = "error",
        extra: Callable[[Path], list[str]] | None = None,
        label: str | None = None,
    ) -> Path:
        """Write ``comparison.csv``, ``inputs_diff.csv`` and ``manifest.json`` atomically.

        With ``each``, every scenario's own result folder is written too, under
        ``scenarios/NAME``.

        ``if_exists``, ``extra`` and ``label`` are as for
        :meth:`simulator.results.result.Result.save`: what to do with an
        earlier result there, more files to write (figures), the name in errors.
        """

        def scenario_folders(tmp: Path) -> list[str]:
            if not each:
                return []
            for r in self.results:
                r.save(tmp / "scenarios" / safe_name(r.scenario), command=command)
            return [f"scenarios/{safe_name(r.scenario)}/" for r in self.results]

        return publish_tables(
            directory,
            [("comparison.csv", self.table, False), ("inputs_diff.csv", self.inputs_diff, False)],
            self.files,
            lambda: self.manifest(command),
            more=scenario_folders,
            if_exists=if_exists,
            extra=extra,
            label=label,
        )


def _difference(value: float, base: float) -> float:
    """``value - base``; 0 when the two are a tie (within :data:`TIE_TOLERANCE`, relative).

    Two medians computed through different policies can differ in the last
    digits (a held reserve's net position, 3.8e-6 USD apart on 16 bn) without
    any difference that means something.
    """
    scale = max(abs(value), abs(base), TIE_FLOOR)
    return 0.0 if abs(value - base) <= TIE_TOLERANCE * scale else value - base


def compare(
    scenarios: Sequence[ResolvedScenario],
    *,
    backend: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    freq: str | None = None,
    progress: Progress = None,
) -> Comparison:
    """Run scenarios with common random numbers and compare them with the first.

    Parameters
    ----------
    scenarios : sequence of ResolvedScenario
        Two or more, with unique names; the first is the reference.
    backend, workers, address : optional
        Passed to :func:`simulator.results.simulate.simulate_many`.
    freq : {"D", "W", "M"}, optional
        Output frequency of the results' percentile frames.
    progress : callable, optional
        Called with the number of paths finished.

    Returns
    -------
    Comparison

    Raises
    ------
    ScenarioError
        If names are not unique.
    CompareError
        If fewer than two scenarios are given or one of them fails to run.
    """
    if len(scenarios) < 2:
        raise CompareError("compare needs at least two scenarios")
    check_unique_names(scenarios)
    outcome = run_variants(
        scenarios, backend=backend, workers=workers, address=address, freq=freq, progress=progress
    )
    failed = [(s, r) for s, r in zip(scenarios, outcome, strict=True) if isinstance(r, str)]
    if failed:
        raise CompareError(failed[0][1])
    results = [r for r in outcome if isinstance(r, Result)]
    differ = market_differences(scenarios)
    return Comparison(
        table=comparison_table(results, [s.model for s in scenarios]),
        inputs_diff=inputs_diff(scenarios),
        results=results,
        common_random_numbers=not differ,
        market_differences=differ,
        backend=backend_used(results, backend),
    )
