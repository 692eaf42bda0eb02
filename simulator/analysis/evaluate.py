"""Rolling-origin out-of-sample evaluation of the price and network models.

At origins every ``step_days`` days from ``first``, each model is calibrated
on the history up to the origin only (the trailing ``window_years``, or all
of it), simulated from the real state at the origin (the close; the 7-day
mean hashrate, as ``[scenario] start_from`` takes it) and scored on what
happened ``h`` days later, for each horizon ``h`` with ``origin + h <= last``:
the close, and the 7-day mean hashrate to that day (the simulated hashrate is
averaged over the same 7 days, so forecast and truth are the same statistic)
[1]_. The forecasters are in :mod:`simulator.analysis.evaluate_models`, one
origin's work in :mod:`simulator.analysis.evaluate_origin`, the scores in
:mod:`simulator.analysis.evaluate_scores`.

The origins run as tasks on the engine's backends
(:func:`simulator.engine.pools.open_pool`: ``serial``, ``threads``,
``processes``, ``dask``); results do not depend on the backend.

A scenario's own market (``[market.price]`` and ``[market.network]`` with
their fixed values, not recalibrated) is evaluated the same way: only its
start price and hashrate are replaced by the origin's, its dated shocks are
dropped, and its network follows its own price model.

References
----------
.. [1] Tashman, L. J. (2000). Out-of-sample tests of forecasting accuracy: an
   analysis and review. *International Journal of Forecasting* 16(4), 437-450.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import Future, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.analysis import evaluate_models as em
from simulator.analysis.evaluate_origin import (
    OriginForecast,
    OriginTask,
    ScenarioMarket,
    forecast_origin,
)
from simulator.analysis.evaluate_scores import score_table, summarise_ensembles
from simulator.engine.backends import default_backend
from simulator.engine.pools import open_pool
from simulator.inputs.history import load_history
from simulator.model.units import DAYS_PER_YEAR

__all__ = [
    "MIN_WINDOW_DAYS",
    "EvaluateConfig",
    "EvaluateError",
    "Evaluation",
    "Origin",
    "ScenarioMarket",
    "evaluate",
    "plan_origins",
]

#: Fewest days of history a calibration window may hold [day].
MIN_WINDOW_DAYS = 365
#: Columns of ``forecasts.csv``, in order.
FORECAST_COLUMNS = (
    "origin", "window_first", "kind", "model", "horizon_days", "target_date", "start",
    "realised", "q05", "q25", "q50", "q75", "q95", "pit", "in_50", "in_90", "crps_log",
    "crps_naive_log",
)  # fmt: skip


class EvaluateError(ValueError):
    """Settings that do not fit the history; ``option`` names the command-line option."""

    def __init__(self, option: str, message: str) -> None:
        self.option, self.message = option, message
        super().__init__(f"{option}: {message}")


@dataclass(frozen=True)
class EvaluateConfig:
    """What to evaluate (the ``btcsim evaluate`` options).

    Attributes
    ----------
    price_models, network_models : tuple of str
        From :data:`~simulator.analysis.evaluate_models.PRICE_EVAL_MODELS` and
        :data:`~simulator.analysis.evaluate_models.NETWORK_EVAL_MODELS`.
    horizons : tuple of int
        Forecast horizons [day], ascending, each at least 7.
    first, last : datetime.date
        First origin; last day a forecast may target.
    step_days : int
        Days between origins [day].
    window_years : float or None
        Trailing calibration window [year]: from ``round(years x 365.25)``
        days before the origin to the origin. None: all history to the origin.
    paths : int
        Ensemble size of each forecast.
    seed : int
        Base seed.
    """

    price_models: tuple[str, ...] = em.PRICE_EVAL_MODELS
    network_models: tuple[str, ...] = em.NETWORK_EVAL_MODELS
    horizons: tuple[int, ...] = (30, 90, 365)
    first: dt.date = dt.date(2016, 1, 1)
    last: dt.date = dt.date(2025, 12, 31)
    step_days: int = 30
    window_years: float | None = 4.0
    paths: int = 1000
    seed: int = 20250717

    @property
    def window_label(self) -> str:
        """``4y`` or ``expanding``."""
        return "expanding" if self.window_years is None else f"{self.window_years:g}y"


@dataclass(frozen=True)
class Origin:
    """An origin, the first day of its window and the horizons scored from it [day]."""

    day: dt.date
    first: dt.date
    horizons: tuple[int, ...]


@dataclass(frozen=True)
class Evaluation:
    """What :func:`evaluate` returns.

    Attributes
    ----------
    config : EvaluateConfig
        The settings (``last`` cut to the file's last day).
    source : str
        The history file's name.
    scenario : str or None
        Row name of the scenario evaluated, if any.
    origins : tuple of Origin
        The origins run.
    forecasts : pandas.DataFrame
        One row per origin, kind, model and horizon (:data:`FORECAST_COLUMNS`).
    scores : pandas.DataFrame
        One row per kind, model and horizon (see
        :func:`~simulator.analysis.evaluate_scores.score_table`).
    failures : pandas.DataFrame
        ``origin, kind, model, reason`` of every model not fitted at an origin.
    """

    config: EvaluateConfig
    source: str
    scenario: str | None
    origins: tuple[Origin, ...]
    forecasts: pd.DataFrame
    scores: pd.DataFrame
    failures: pd.DataFrame


def plan_origins(frame: pd.DataFrame, config: EvaluateConfig) -> list[Origin]:
    """The origins from ``config.first`` every ``step_days`` with a horizon to score.

    An origin is kept when it is a day of the file and at least one horizon
    ends on or before ``min(config.last, last day of the file)``.

    Raises
    ------
    EvaluateError
        If ``--from`` is after ``--to``, a window would start before the file
        or hold less than a year, or no (origin, horizon) pair fits.
    """
    if config.first > config.last:
        raise EvaluateError("--from", f"{config.first} is after --to {config.last}")
    start, end = frame.index[0].date(), min(config.last, frame.index[-1].date())
    span = None if config.window_years is None else round(config.window_years * DAYS_PER_YEAR)
    first_window = start if span is None else config.first - dt.timedelta(days=span)
    if span is not None and span < MIN_WINDOW_DAYS:
        raise EvaluateError(
            "--window", f"at least 1y of history is needed (got {config.window_label})"
        )
    if first_window < start:
        raise EvaluateError(
            "--window",
            f"the {config.window_label} window of the first origin {config.first} starts on "
            f"{first_window}, before the file's first day {start}; use a later --from, a "
            "shorter --window or --window expanding",
        )
    if span is None and (config.first - start).days < MIN_WINDOW_DAYS:
        raise EvaluateError(
            "--from",
            f"the expanding window of {config.first} holds less than a year (the file starts "
            f"{start})",
        )
    days = set(frame.index.date)
    origins, day = [], config.first
    while day + dt.timedelta(days=config.horizons[0]) <= end:
        scored = tuple(h for h in config.horizons if day + dt.timedelta(days=h) <= end)
        if day in days:
            first = start if span is None else day - dt.timedelta(days=span)
            origins.append(Origin(day, first, scored))
        day += dt.timedelta(days=config.step_days)
    if not origins:
        key = "--from" if config.first >= end else "--horizons"
        raise EvaluateError(
            key,
            f"no origin from {config.first} has origin + {config.horizons[0]} days on or before "
            f"{end} (--to, or the file's last day)",
        )
    return origins


def _rows(result: OriginForecast, price: pd.Series, hash7: pd.Series) -> list[dict[str, object]]:
    """The forecast rows of one origin, scored on the realised values."""
    rows: list[dict[str, object]] = []
    targets = [result.origin + dt.timedelta(days=h) for h in result.horizons]
    for fc in result.forecasts:
        if fc.values is None:
            continue
        truth = price if fc.kind == "price" else hash7
        start = result.start_price_usd if fc.kind == "price" else result.start_hashrate_ehs
        real = np.array([truth.get(pd.Timestamp(t), np.nan) for t in targets], dtype=np.float64)
        ok = np.isfinite(real) & (real > 0)
        if not ok.any():
            continue
        stats = summarise_ensembles(fc.values[ok], real[ok])
        for j, i in enumerate(np.flatnonzero(ok)):
            row: dict[str, object] = {
                "origin": result.origin,
                "window_first": result.first,
                "kind": fc.kind,
                "model": fc.model,
                "horizon_days": result.horizons[i],
                "target_date": targets[i],
                "start": start,
                "realised": real[i],
            }
            row.update({k: v[j].item() for k, v in stats.items()})
            rows.append(row)
    return rows


def _tasks(
    frame: pd.DataFrame,
    origins: list[Origin],
    config: EvaluateConfig,
    history_file: str,
    scenario: ScenarioMarket | None,
) -> list[OriginTask]:
    """One task per origin, each holding only the rows up to its origin."""
    return [
        OriginTask(
            head=frame.loc[: pd.Timestamp(o.day)],
            first=o.first,
            horizons=o.horizons,
            history_file=history_file,
            price_models=config.price_models,
            network_models=config.network_models,
            paths=config.paths,
            seed=config.seed,
            scenario=scenario,
        )
        for o in origins
    ]


def evaluate(
    history_file: str | Path,
    config: EvaluateConfig,
    scenario: ScenarioMarket | None = None,
    *,
    frame: pd.DataFrame | None = None,
    backend: str | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    total: Callable[[int], None] | None = None,
) -> Evaluation:
    """Run the rolling-origin evaluation (see the module docstring).

    Parameters
    ----------
    history_file : str or Path
        Daily history (any layout of :func:`~simulator.inputs.history.load_history`).
    config : EvaluateConfig
        What to evaluate.
    scenario : ScenarioMarket, optional
        A scenario's market to evaluate with its fixed values.
    frame : pandas.DataFrame, optional
        ``load_history(history_file)``, if already read.
    backend, workers : optional
        Where the origins run (:data:`simulator.engine.backends.BACKENDS`;
        default :func:`~simulator.engine.backends.default_backend`) and how
        many workers. Results do not depend on either.
    progress : callable, optional
        Called with 1 as each origin finishes.
    total : callable, optional
        Called once with the number of origins, before they run.

    Returns
    -------
    Evaluation

    Raises
    ------
    EvaluateError
        For settings that do not fit the file (see :func:`plan_origins`) or
        network models on a file without hashrate.
    HistoryError
        If the file cannot be read.
    """
    path = str(Path(history_file).resolve())
    frame = load_history(path) if frame is None else frame
    if config.network_models and "hashrate_ehs" not in frame.columns:
        raise EvaluateError(
            "--network", f"{frame.attrs.get('source', path)} has no hashrate column"
        )
    origins = plan_origins(frame, config)
    end = min(config.last, frame.index[-1].date())
    config = EvaluateConfig(**{**config.__dict__, "last": end})
    tasks = _tasks(frame, origins, config, path, scenario)
    if total is not None:
        total(len(tasks))
    results: list[OriginForecast | None] = [None] * len(tasks)
    name = backend or default_backend()
    with open_pool(name, workers, None, len(tasks)) as pool:
        futures: dict[Future[OriginForecast], int] = {
            pool.executor.submit(forecast_origin, t): i for i, t in enumerate(tasks)
        }
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if progress is not None:
                progress(1)
    return _assemble(frame, config, scenario, origins, [r for r in results if r is not None])


def _assemble(
    frame: pd.DataFrame,
    config: EvaluateConfig,
    scenario: ScenarioMarket | None,
    origins: list[Origin],
    results: list[OriginForecast],
) -> Evaluation:
    """Score the forecasts on the realised values and tabulate them."""
    price = frame["price_usd"].asfreq("D")
    hash7 = em.hashrate_7d(frame) if "hashrate_ehs" in frame.columns else price * np.nan
    rows = [row for r in results for row in _rows(r, price, hash7)]
    forecasts = pd.DataFrame(rows, columns=list(FORECAST_COLUMNS[:-1]))
    naive = forecasts[forecasts["model"] == em.NAIVE].set_index(["origin", "kind", "horizon_days"])
    key = pd.MultiIndex.from_frame(forecasts[["origin", "kind", "horizon_days"]])
    forecasts["crps_naive_log"] = naive["crps_log"].reindex(key).to_numpy()
    named = scenario.name if scenario is not None else None
    order = {
        "price": [*config.price_models, *([named] if named else []), em.NAIVE],
        "network": [*config.network_models, *([named] if named else []), em.NAIVE],
    }
    pairs = [(k, m) for k, ms in order.items() for m in ms]
    rank = {pair: i for i, pair in enumerate(pairs)}
    models = zip(forecasts["kind"], forecasts["model"], strict=True)
    ranked = forecasts.assign(
        _kind=[list(order).index(k) for k in forecasts["kind"]],
        _rank=[rank.get(pair, len(rank)) for pair in models],
    )
    # scores: per kind, horizon by horizon, the models in their order
    by_horizon = ranked.sort_values(["_kind", "horizon_days", "_rank", "origin"], kind="stable")
    scores = score_table(by_horizon.drop(columns=["_kind", "_rank"]), config.step_days)
    forecasts = ranked.sort_values(["origin", "_rank", "horizon_days"], kind="stable")
    forecasts = forecasts.drop(columns=["_kind", "_rank"]).reset_index(drop=True)
    failures = pd.DataFrame(
        [
            (r.origin, fc.kind, fc.model, fc.error)
            for r in results
            for fc in r.forecasts
            if fc.values is None
        ],
        columns=["origin", "kind", "model", "reason"],
    )
    return Evaluation(
        config=config,
        source=str(frame.attrs.get("source", "history")),
        scenario=named,
        origins=tuple(origins),
        forecasts=forecasts,
        scores=scores,
        failures=failures,
    )
