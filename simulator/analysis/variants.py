"""Shared pieces of compare, sweep and sensitivity: metrics, variants, running, saving.

A :class:`MetricRef` names one horizon statistic (``reserve.pakistan.value_usd.p50``);
:func:`variant` derives a scenario with ``--set`` style overrides;
:func:`run_variants` sends a batch to :func:`simulator.results.simulate.simulate_many`.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.inputs.scenario import ResolvedScenario, ScenarioError, apply_overrides, resolve
from simulator.inputs.schema import Mining, Reserve, Scenario
from simulator.results.ledger import reports
from simulator.results.metrics import KINDS, METRICS, key_metrics, metric_names
from simulator.results.outputs import IfExists, publish_folder
from simulator.results.result import Result, versions

__all__ = [
    "ALL_METRICS",
    "CompareError",
    "KEY_METRICS",
    "KINDS",
    "MetricRef",
    "PROBABILITY_METRICS",
    "Progress",
    "STATS",
    "backend_used",
    "default_metric",
    "key_metric_refs",
    "manifest_base",
    "metric_stats",
    "parse_metric",
    "run_variants",
    "safe_name",
    "toml_literal",
    "variant",
    "check_unique_names",
    "publish_tables",
    "write_json",
]

#: Every horizon metric :mod:`simulator.results.summary` reports, per entity kind
#: (a view of the registry :data:`simulator.results.metrics.METRICS`).
ALL_METRICS: dict[str, tuple[str, ...]] = {kind: metric_names(kind) for kind in KINDS}

#: Key horizon metrics per entity kind: the rows of a comparison and the columns of a sweep
#: (a view of the registry).
KEY_METRICS: dict[str, tuple[str, ...]] = {kind: key_metrics(kind) for kind in KINDS}

STATS = ("p5", "p50", "p95", "mean")
#: Metrics that are probabilities (mean of a 0/1 outcome per path): no percentiles.
PROBABILITY_METRICS = frozenset(m.name for m in METRICS if m.probability)
Progress = Callable[[int], None] | None


class CompareError(ValueError):
    """A run in a comparison, sweep or sensitivity analysis could not be done."""


# --------------------------------------------------------------------- metrics
@dataclass(frozen=True)
class MetricRef:
    """One horizon statistic: ``kind``, ``entity``, ``metric`` and ``stat``.

    ``column`` (``"pakistan.value_usd.p50"``) names it in frames;
    ``label`` (``"reserve.pakistan.value_usd.p50"``) is the unambiguous spelling.
    """

    kind: str
    entity: str
    metric: str
    stat: str = "p50"

    @property
    def column(self) -> str:
        """Column name in sweep and sensitivity frames."""
        return f"{self.entity}.{self.metric}.{self.stat}"

    @property
    def label(self) -> str:
        """Full spelling, accepted back by :func:`parse_metric`."""
        if self.kind == "market":
            return f"market.{self.metric}.{self.stat}"
        return f"{self.kind}.{self.entity}.{self.metric}.{self.stat}"

    def value(self, result: Result) -> float:
        """The statistic in ``result`` (NaN if the entity or metric is missing)."""
        stats = metric_stats(result, self.entity, self.metric)
        if stats is None:
            return float("nan")
        return float(stats[1][self.stat])


def _entities(model: Scenario) -> list[tuple[str, str]]:
    """(kind, entity name) pairs of a scenario, market first."""
    return (
        [("market", "market")]
        + [("reserve", r.name) for r in model.reserve]
        + [("mining", m.name) for m in model.mining]
    )


def _metrics_of(model: Scenario, kind: str) -> tuple[str, ...]:
    """Metrics of ``kind`` the scenario reports for at least one entity of that kind."""
    entities: dict[str, list[Mining | Reserve | None]] = {
        "mining": list(model.mining), "reserve": list(model.reserve), "market": [None]
    }  # fmt: skip
    return tuple(n for n in ALL_METRICS[kind] if any(reports(model, n, e) for e in entities[kind]))


def _hint(word: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _split_metric_text(text: str) -> tuple[str | None, str, str, str]:
    """(kind or None, entity, metric, stat) of a ``--metric`` value, checking its shape."""
    parts = [p for p in text.strip().split(".")]
    stat = "p50"
    if parts and parts[-1] in (*STATS, "median"):
        stat = "p50" if parts[-1] == "median" else parts[-1]
        parts = parts[:-1]
    kind: str | None = None
    if len(parts) == 3 and parts[0] in ("reserve", "mining"):
        kind, parts = parts[0], parts[1:]
    usage = (
        "expected ENTITY.METRIC[.STAT], e.g. reserve.pakistan.value_usd.p50 or pakistan.margin_usd"
    )
    if len(parts) != 2 or not all(parts):
        raise ScenarioError("--metric", text, usage)
    entity, metric = parts
    return kind, entity, metric, stat


def _market_metric(text: str, metric: str, stat: str) -> MetricRef:
    if metric not in ALL_METRICS["market"]:
        hint = _hint(metric, ALL_METRICS["market"])
        raise ScenarioError("--metric", text, f"the market has no metric {metric!r}{hint}")
    return MetricRef("market", "market", metric, stat)


def _entity_metric(
    text: str, model: Scenario, kind: str | None, entity: str, metric: str, stat: str
) -> MetricRef:
    kinds = [k for k, e in _entities(model) if e == entity and (kind is None or k == kind)]
    if not kinds:
        names = [e for k, e in _entities(model) if kind is None or k == kind]
        what = f"no {kind}" if kind else "no reserve or mining operation"
        raise ScenarioError("--metric", text, f"{what} named {entity!r}{_hint(entity, names)}")
    for k in kinds:
        if metric in _metrics_of(model, k):
            return MetricRef(k, entity, metric, stat)
    known = [m for k in kinds for m in _metrics_of(model, k)]
    raise ScenarioError(
        "--metric", text, f"{' or '.join(kinds)} {entity!r} has no metric {metric!r}"
        + _hint(metric, known),
    )  # fmt: skip


def parse_metric(text: str, model: Scenario) -> MetricRef:
    """Parse ``[reserve.|mining.]ENTITY.METRIC[.STAT]`` or ``market.METRIC[.STAT]``.

    ``STAT`` is ``p5``, ``p50`` (or ``median``), ``p95`` or ``mean``; default
    ``p50``. The kind prefix is needed only when a reserve and a mining
    operation share a name and metric (they never share a metric today).

    Raises
    ------
    ScenarioError
        Naming ``--metric`` and what is wrong, with a close match when there is one.
    """
    kind, entity, metric, stat = _split_metric_text(text)
    if entity == "market" and kind is None:
        return _market_metric(text, metric, stat)
    return _entity_metric(text, model, kind, entity, metric, stat)


def key_metric_refs(models: Sequence[Scenario]) -> list[MetricRef]:
    """Key metrics (:data:`KEY_METRICS`) of every entity in any of ``models``, in order."""
    seen: list[tuple[str, str]] = []
    for model in models:
        for pair in _entities(model):
            if pair not in seen:
                seen.append(pair)
    order = {k: i for i, k in enumerate(KINDS)}
    seen.sort(key=lambda p: order[p[0]])  # stable: market, reserves, mining
    return [MetricRef(k, e, m) for k, e in seen for m in KEY_METRICS[k]]


def default_metric(model: Scenario, prefer: str = "reserve") -> MetricRef:
    """Median of the first reserve's value (``prefer="reserve"``) or first operation's margin.

    Falls back to the other kind, then to the market price.
    """
    order = ("reserve", "mining") if prefer == "reserve" else ("mining", "reserve")
    for kind in order:
        if kind == "reserve" and model.reserve:
            return MetricRef("reserve", model.reserve[0].name, "value_usd")
        if kind == "mining" and model.mining:
            return MetricRef("mining", model.mining[0].name, "margin_usd")
    return MetricRef("market", "market", "price_usd")


def metric_stats(result: Result, entity: str, metric: str) -> tuple[str, dict[str, float]] | None:
    """Unit and ``p5``/``p50``/``p95``/``mean`` (and ``*_se``) of one summary metric, or None.

    A probability (``prob_below_cost``) has no percentiles: its ``p50`` is the
    probability itself (the mean of a 0/1 outcome) and ``p5``/``p95`` are NaN.
    """
    s = result.summary
    rows = s[(s["entity"] == entity) & (s["metric"] == metric)]
    if rows.empty:
        return None
    r = rows.iloc[0]
    stats = {k: float(r[k]) for k in STATS}
    stats |= {f"{k}_se": float(r.get(f"{k}_se", float("nan"))) for k in STATS}
    if r["unit"] == "probability":
        stats["p50"], stats["p50_se"] = stats["mean"], stats["mean_se"]
    return str(r["unit"]), stats


# -------------------------------------------------------------------- variants
def variant(
    base: ResolvedScenario, sets: Sequence[str], name: str | None = None
) -> ResolvedScenario:
    """The scenario ``base`` with ``--set`` style overrides applied (and renamed).

    Overrides apply to the merged file data kept in ``base.raw``, so the
    result equals ``load_scenario(base.path, base_overrides + sets)``.

    Raises
    ------
    ScenarioError
        If an override names an unknown key or gives an invalid value.
    """
    resolved = resolve(apply_overrides(base.raw, list(sets)), base.path, overrides=list(sets))
    if name is None:
        return resolved
    # A variant's name is a label ("base[key=value]"), set after validation: the schema's
    # rule for names a user writes (one safe folder name) is not meant for it, and every
    # folder a variant is saved in goes through safe_name.
    meta = resolved.model.scenario.model_copy(update={"name": name})
    return dataclasses.replace(resolved, model=resolved.model.model_copy(update={"scenario": meta}))


def toml_literal(value: Any) -> str:
    """Write a plain value so that ``parse_override`` reads it back unchanged."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | np.integer | np.floating):
        return repr(value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


def run_variants(
    scenarios: Sequence[ResolvedScenario],
    *,
    backend: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    freq: str | None = None,
    progress: Progress = None,
) -> list[Result | str]:
    """Run scenarios in one batch through :func:`simulator.results.simulate.simulate_many`.

    Returns
    -------
    list
        A :class:`Result` per scenario, in order, or the error message of a
        scenario that failed (the others still complete).

    Raises
    ------
    CompareError
        For an unknown backend, a bad ``workers`` or ``address``, or a missing
        optional dependency of the backend.
    """
    from simulator.results.simulate import simulate_many

    if not scenarios:
        return []
    try:
        outcome = simulate_many(
            list(scenarios),
            backend=backend,
            workers=workers,
            address=address,
            freq=freq,
            progress=progress,
        )
    except (ValueError, ImportError) as exc:  # unknown backend, bad workers or address, no dask
        raise CompareError(str(exc)) from None
    return [r if isinstance(r, Result) else str(r.message) for r in outcome]


def backend_used(results: Sequence[Result | None], requested: str | None) -> str | None:
    """The backend recorded in the results' meta (``requested`` if none ran)."""
    for r in results:
        if r is not None and r.meta.get("backend"):
            return str(r.meta["backend"])
    return requested


def safe_name(name: str) -> str:
    """A file-system friendly version of a scenario or variant name."""
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", name).strip("_") or "scenario"


def manifest_base(kind: str, command: str | None, backend: str | None) -> dict[str, Any]:
    """Fields every compare/sweep/sensitivity manifest starts with."""
    return {
        "kind": kind,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command if command is not None else " ".join(sys.argv),
        "versions": versions(),
        "backend": backend or "default",
    }


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON."""
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, default=str)


def publish_tables(
    directory: str | Path,
    tables: Sequence[tuple[str, pd.DataFrame, bool]],
    files: list[str],
    manifest: Callable[[], dict[str, Any]],
    *,
    more: Callable[[Path], list[str]] | None = None,
    if_exists: IfExists = "error",
    extra: Callable[[Path], list[str]] | None = None,
    label: str | None = None,
) -> Path:
    """Write CSV tables, more files and ``manifest.json`` into ``directory`` in one atomic step.

    The saving of compare, sweep and sensitivity results.

    Parameters
    ----------
    directory : str or Path
        The result folder.
    tables : sequence of (file name, frame, write the index)
        The CSV files, in the order the manifest lists them.
    files : list of str
        Filled in place with every file written (the tables, ``manifest.json``,
        then what ``more`` and ``extra`` wrote), before ``manifest`` is called.
    manifest : callable
        Builds the manifest (which lists ``files``).
    more : callable, optional
        Writes the result's own further files into the folder, returns their names.
    if_exists, extra, label
        As for :meth:`simulator.results.result.Result.save`: what to do with
        an earlier result there, more files to write (figures), the name in errors.
    """

    def write(tmp: Path) -> None:
        for name, frame, index in tables:
            frame.to_csv(tmp / name, index=index)
        files[:] = [name for name, _, _ in tables] + ["manifest.json"]
        files.extend(more(tmp) if more is not None else [])
        files.extend(extra(tmp) if extra is not None else [])
        write_json(tmp / "manifest.json", manifest())

    return publish_folder(directory, write, if_exists, label)


def check_unique_names(scenarios: Sequence[ResolvedScenario]) -> None:
    """Raise a :class:`ScenarioError` if two scenarios have the same name."""
    seen: dict[str, str] = {}
    for s in scenarios:
        if s.name in seen:
            raise ScenarioError(
                s.path,
                "scenario.name",
                f"{s.name!r} is also the name of {seen[s.name]}; scenario names must be unique "
                "(give one another name, e.g. with the override scenario.name=...)",
            )
        seen[s.name] = s.path
