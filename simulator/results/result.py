"""Result: tidy percentile and summary frames, resolved inputs, and saving.

``Result.percentiles`` has one row per (scenario, entity, variable, date)
with p5, p25, p50, p75, p95 and the mean across all paths, and the share of
paths on which the variable is a number (``defined_share``; a day's break-even
price is undefined where the fleet mined nothing). ``Result.summary`` has
one row per (scenario, entity, metric) at the horizon with p5, p50, p95 and
the mean, their Monte Carlo standard errors (``p5_se`` ... ``mean_se``) and
the share of paths on which the metric is defined (a probability is
reported as the mean of a 0/1 outcome). Statistics are over all paths,
undefined values included (:mod:`simulator.results.stats`).
``Result.inputs`` lists every input with its provenance.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulator.engine.stream import StreamState
from simulator.results.outputs import IfExists, publish_folder
from simulator.results.stats import defined_share, path_stats, percentiles_and_mean

if TYPE_CHECKING:
    from simulator.inputs.fact_registry import FactRegistry

__all__ = [
    "Result",
    "PERCENTILES",
    "SUMMARY_PERCENTILES",
    "SUMMARY_STATS",
    "percentile_frame",
    "summary_rows",
]

PERCENTILES = (5, 25, 50, 75, 95)


def percentile_frame(
    scenario: str,
    variables: list[tuple[str, str]],
    dates: pd.DatetimeIndex,
    out: np.ndarray | StreamState,
    threads: int = 1,
) -> pd.DataFrame:
    """Tidy percentile frame from recorded paths ``out (V, n_out, n_paths)`` or a streamed run.

    ``threads`` > 1 spreads the variables over threads (numpy's sort releases
    the GIL); the result does not depend on it. A
    :class:`~simulator.engine.stream.StreamState` gives its binned
    percentiles (:mod:`simulator.engine.stream`), exact means and shares.
    """
    if isinstance(out, StreamState):
        pct_all, mean_all, share_all = out.percentiles(PERCENTILES), out.mean(), out.defined_share()
        stats = [(pct_all[v], mean_all[v], share_all[v]) for v in range(len(variables))]
        return _tidy(scenario, variables, dates, stats)
    paths = out

    def one(v: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pct, mean = percentiles_and_mean(paths[v], PERCENTILES, axis=1)
        return pct, mean, defined_share(paths[v], axis=1)

    if threads > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            stats = list(pool.map(one, range(len(variables))))
    else:
        stats = [one(v) for v in range(len(variables))]
    return _tidy(scenario, variables, dates, stats)


def _tidy(
    scenario: str,
    variables: list[tuple[str, str]],
    dates: pd.DatetimeIndex,
    stats: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> pd.DataFrame:
    frames = []
    for (entity, variable), (pct, mean, share) in zip(variables, stats, strict=True):
        frame = pd.DataFrame({f"p{q}": pct[i] for i, q in enumerate(PERCENTILES)})
        frame.insert(0, "date", dates)
        frame.insert(0, "variable", variable)
        frame.insert(0, "entity", entity)
        frame.insert(0, "scenario", scenario)
        frame["mean"] = mean
        frame["defined_share"] = share
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


#: Percentiles [%] of the summary.
SUMMARY_PERCENTILES = (5, 50, 95)
#: Statistic columns of the summary that carry a standard error ``<name>_se``.
SUMMARY_STATS = ("p5", "p50", "p95", "mean")


def summary_rows(
    scenario: str,
    entity: str,
    metric: str,
    unit: str,
    values: np.ndarray,
    probability: bool = False,
    group: int = 1,
) -> dict[str, Any]:
    """One summary row of a per-path metric over all paths.

    Columns: p5, p50, p95 and mean, each with its Monte Carlo standard error
    ``*_se``, and ``defined_share``, the share of paths on which the metric
    is a finite number (:mod:`simulator.results.stats`). A probability (the
    mean of a 0/1 outcome) has only its mean and the binomial error. With
    ``group`` > 1 (antithetic pairs, QMC sets) the errors count the groups
    as the independent draws (:func:`simulator.results.stats.path_stats`).
    """
    st = path_stats(np.atleast_1d(values), SUMMARY_PERCENTILES, probability, group)
    row: dict[str, Any] = {"scenario": scenario, "entity": entity, "metric": metric, "unit": unit}
    for i, name in enumerate(SUMMARY_STATS[:3]):
        row[name] = np.nan if probability else float(st.percentiles[i])
    row["mean"] = float(st.mean)
    for i, name in enumerate(SUMMARY_STATS[:3]):
        row[f"{name}_se"] = np.nan if probability else float(st.percentile_se[i])
    row["mean_se"] = float(st.mean_se)
    row["defined_share"] = float(st.defined_share)
    return row


def versions() -> dict[str, str]:
    names = ("btcsim", "numpy", "pandas", "numba", "pydantic")
    out = {"python": sys.version.split()[0]}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


#: Manifest keys that describe the saving, not the run (not part of ``Result.meta``).
_MANIFEST_ONLY = ("scenario", "created_utc", "command", "versions", "inputs", "files")


@dataclass
class Result:
    """The outcome of one scenario run.

    Attributes
    ----------
    scenario : str
        Scenario name.
    percentiles : pandas.DataFrame
        Tidy frame over time (see module docstring).
    summary : pandas.DataFrame
        Horizon metrics, one row per (entity, metric).
    inputs : pandas.DataFrame
        Every resolved input: key, value, unit, provenance, source, low, high.
    meta : dict
        Seed, paths, horizon, output frequency, source file, the user's facts
        files read (``facts_files``: path and SHA-256 of each), timings.
    paths : numpy.ndarray or None
        Raw recorded paths ``(variable, output day, path)`` when requested.
    variables : list of (entity, variable)
        Index of the first axis of ``paths``.
    path_metrics : pandas.DataFrame or None
        Per-path horizon value of every summary metric, one column per
        ``"entity.metric"`` (for path-by-path comparisons).
    facts : FactRegistry or None
        The facts registry the scenario was resolved with (the built-in one
        plus its facts files), for figure footnotes; not saved, so None after
        :meth:`load` (footnotes then use the sources in ``inputs``).
    """

    scenario: str
    percentiles: pd.DataFrame
    summary: pd.DataFrame
    inputs: pd.DataFrame
    meta: dict[str, Any]
    paths: np.ndarray | None = None
    variables: list[tuple[str, str]] = field(default_factory=list)
    path_metrics: pd.DataFrame | None = None
    facts: FactRegistry | None = field(default=None, repr=False, compare=False)

    def metric(self, entity: str, metric: str, stat: str = "p50") -> float:
        """Return one summary statistic, e.g. ``metric("el_salvador", "value_usd")``."""
        rows = self.summary[(self.summary.entity == entity) & (self.summary.metric == metric)]
        if rows.empty:
            raise KeyError(f"no summary metric {entity}.{metric}")
        return float(rows.iloc[0][stat])

    def series(self, entity: str, variable: str) -> pd.DataFrame:
        """Percentiles of one variable over time, indexed by date."""
        p = self.percentiles
        rows = p[(p.entity == entity) & (p.variable == variable)]
        if rows.empty:
            raise KeyError(f"no variable {entity}.{variable}")
        return rows.set_index("date")[[f"p{q}" for q in PERCENTILES] + ["mean"]]

    def manifest(self, command: str | None = None) -> dict[str, Any]:
        """Manifest: inputs with provenance, facts files, seed, versions and command line."""
        return {
            "scenario": self.scenario,
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": command if command is not None else " ".join(sys.argv),
            "versions": versions(),
            **self.meta,
            "inputs": json.loads(self.inputs.to_json(orient="records")),
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
        """Write the CSV files, any extra files and ``manifest.json`` into ``directory`` at once.

        Everything is written into a hidden temporary folder and published in
        one step (:mod:`simulator.results.outputs`); the manifest lists every
        file under ``files``.

        Parameters
        ----------
        directory : str or Path
            The result folder.
        command : str, optional
            The command line to record (default: ``sys.argv``).
        if_exists : {"error", "replace", "next"}
            When ``directory`` holds an earlier result: refuse (default),
            replace it, or write to the next free ``directory-2``, ...
            A folder holding other files is never replaced.
        extra : callable, optional
            Writes more files (figures) into the folder it is given and
            returns their names.
        label : str, optional
            How to name the folder in error messages.

        Returns
        -------
        Path
            The folder written.

        Raises
        ------
        simulator.results.outputs.OutputError
            If the folder is refused.
        """

        def write(tmp: Path) -> None:
            self.percentiles.to_csv(tmp / "percentiles.csv", index=False)
            self.summary.to_csv(tmp / "summary.csv", index=False)
            self.inputs.to_csv(tmp / "inputs.csv", index=False)
            files = ["summary.csv", "percentiles.csv", "inputs.csv", "manifest.json"]
            files += extra(tmp) if extra is not None else []
            with open(tmp / "manifest.json", "w", encoding="utf-8") as fh:
                manifest = {**self.manifest(command), "files": files}
                json.dump(manifest, fh, indent=2, default=str)

        return publish_folder(directory, write, if_exists, label)

    @classmethod
    def load(cls, directory: str | Path) -> Result:
        """Read a Result back from a folder written by :meth:`save` (or ``btcsim run``).

        The tables and ``meta`` come back as saved; raw paths and per-path
        metrics are not saved, so ``paths`` is None and ``path_metrics`` is None.

        Raises
        ------
        FileNotFoundError
            If the folder or one of its four files is missing, naming it.
        """
        folder = Path(directory)
        names = ("percentiles.csv", "summary.csv", "inputs.csv", "manifest.json")
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:
            absent = ", ".join(missing)
            raise FileNotFoundError(f"{folder}: not a btcsim result folder (no {absent})")
        with open(folder / "manifest.json", encoding="utf-8") as fh:
            manifest = json.load(fh)
        percentiles = pd.read_csv(folder / "percentiles.csv", parse_dates=["date"])
        meta = {k: v for k, v in manifest.items() if k not in _MANIFEST_ONLY}
        variables = list(dict.fromkeys(zip(percentiles.entity, percentiles.variable, strict=True)))
        return cls(
            scenario=str(manifest["scenario"]),
            percentiles=percentiles,
            summary=pd.read_csv(folder / "summary.csv"),
            inputs=pd.read_csv(folder / "inputs.csv", keep_default_na=False),
            meta=meta,
            variables=[(str(e), str(v)) for e, v in variables],
        )
