"""One origin of the rolling-origin evaluation: calibrate every model, draw its ensembles.

:func:`forecast_origin` is the unit of work that
:func:`simulator.analysis.evaluate.evaluate` sends to a backend. Its task
holds the history rows up to the origin and nothing after it (the bootstrap
reads its window, which ends at the origin, from the file), so no forecast
can look ahead. Each origin draws from its own seed (:func:`origin_seed`),
shared by all its models: common random numbers, which make the differences
between models less noisy, and forecasts that do not depend on the other
origins or the backend.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.analysis import evaluate_models as em
from simulator.inputs.schema import NetworkSpec, PriceSpec

__all__ = [
    "ModelForecast",
    "OriginForecast",
    "OriginTask",
    "ScenarioMarket",
    "forecast_origin",
    "origin_seed",
]

#: Specs of one run: the price spec and the network spec.
_Specs = tuple[PriceSpec, NetworkSpec]


@dataclass(frozen=True)
class ScenarioMarket:
    """A scenario's market section, evaluated with its fixed values as the row ``name``."""

    name: str
    price: PriceSpec
    network: NetworkSpec


@dataclass(frozen=True)
class OriginTask:
    """What one origin's forecasts need.

    Attributes
    ----------
    head : pandas.DataFrame
        History rows up to and including the origin, nothing after it.
    first : datetime.date
        First day of the calibration window.
    horizons : tuple of int
        Horizons scored from this origin [day], ascending, each >= 7.
    history_file : str
        The history file (read by the bootstrap, for its window only).
    price_models, network_models : tuple of str
        Models to calibrate.
    paths, seed : int
        Ensemble size; the evaluation's base seed.
    scenario : ScenarioMarket, optional
        A scenario's market with fixed values.
    """

    head: pd.DataFrame
    first: dt.date
    horizons: tuple[int, ...]
    history_file: str
    price_models: tuple[str, ...]
    network_models: tuple[str, ...]
    paths: int
    seed: int
    scenario: ScenarioMarket | None = None


@dataclass(frozen=True)
class ModelForecast:
    """One model's ensembles at one origin, ``values`` ``(horizons, paths)``, or why there are none.

    Values are prices [USD/BTC] or 7-day mean hashrates [EH/s].
    """

    kind: str
    model: str
    values: np.ndarray | None
    error: str | None = None


@dataclass(frozen=True)
class OriginForecast:
    """Every model's forecast at one origin, and the start values [USD/BTC, EH/s]."""

    origin: dt.date
    first: dt.date
    horizons: tuple[int, ...]
    start_price_usd: float
    start_hashrate_ehs: float
    forecasts: tuple[ModelForecast, ...]


def origin_seed(seed: int, origin: dt.date) -> int:
    """Seed of an origin's draws: the first word of ``SeedSequence([seed, origin ordinal])``."""
    words = np.random.SeedSequence([seed, origin.toordinal()]).generate_state(1, dtype=np.uint32)
    return int(words[0])


def _at(paths: np.ndarray, horizons: tuple[int, ...], mean_7d: bool) -> np.ndarray:
    """Values at each horizon, ``(len(horizons), paths)``: the day's, or the 7-day mean to it."""
    if mean_7d:
        return np.stack([paths[:, h - 7 : h].mean(axis=1) for h in horizons])
    return np.stack([paths[:, h - 1] for h in horizons])


def forecast_origin(task: OriginTask) -> OriginForecast:
    """Calibrate every model on the task's window and draw its ensembles at the horizons.

    Rows come out per kind in the order: calibrated models, the scenario,
    ``naive``. A model whose fit fails, or whose fitted values a scenario
    would refuse, gives a :class:`ModelForecast` with ``error`` set; the
    others go on. Network models are driven by the ``gbm`` price model
    calibrated on the same window; the scenario's network by its own price model.

    Parameters
    ----------
    task : OriginTask
        The origin's data and settings.

    Returns
    -------
    OriginForecast
    """
    head = task.head
    state = em.origin_state(head)
    n_days, seed = max(task.horizons), origin_seed(task.seed, state.day)
    have_hash = math.isfinite(state.hashrate_ehs)
    flat = NetworkSpec.model_validate(
        {"model": "constant", "start_ehs": state.hashrate_ehs if have_hash else 1.0}
    )
    price_rows: list[ModelForecast] = []
    network_rows: list[ModelForecast] = []

    def draw(make: Callable[[], _Specs]) -> tuple[np.ndarray, np.ndarray] | str:
        try:
            price, network = make()
            return em.market_paths(price, network, state, n_days, task.paths, seed)
        except ValueError as exc:
            return em.spec_error(exc)

    def add(rows: list[ModelForecast], kind: str, name: str, drawn: object, which: int) -> None:
        if isinstance(drawn, str):
            rows.append(ModelForecast(kind, name, None, drawn))
        else:
            assert isinstance(drawn, tuple)
            rows.append(ModelForecast(kind, name, _at(drawn[which], task.horizons, which == 1)))

    def priced(model: str) -> PriceSpec:
        return em.price_spec(model, head, task.first, state, task.history_file)

    def price_run(model: str) -> Callable[[], _Specs]:
        return lambda: (priced(model), flat)

    networks = have_hash and bool(task.network_models)
    sc = task.scenario
    scenario_drawn: tuple[np.ndarray, np.ndarray] | str = ""
    if sc is not None and (task.price_models or networks):
        start = {"start_usd": state.price_usd, "shocks": []}
        own = (
            sc.price.model_copy(update=start),
            sc.network.model_copy(update={"start_ehs": state.hashrate_ehs}) if have_hash else flat,
        )
        scenario_drawn = draw(lambda: own)
    if task.price_models:
        for model in task.price_models:
            add(price_rows, "price", model, draw(price_run(model)), 0)
        if sc is not None:
            add(price_rows, "price", sc.name, scenario_drawn, 0)
        add(price_rows, "price", em.NAIVE, draw(price_run(em.NAIVE)), 0)

    if networks:
        failed = ""
        driver: PriceSpec | None = None
        try:
            driver = priced("gbm")
        except ValueError as exc:
            failed = f"the gbm price model driving it: {em.spec_error(exc)}"

        def network_run(model: str) -> Callable[[], _Specs]:
            def make() -> _Specs:
                if driver is None:
                    raise ValueError(failed)
                return driver, em.network_spec(model, head, task.first, state)

            return make

        for model in task.network_models:
            add(network_rows, "network", model, draw(network_run(model)), 1)
        if sc is not None:
            add(network_rows, "network", sc.name, scenario_drawn, 1)
        add(network_rows, "network", em.NAIVE, draw(network_run(em.NAIVE)), 1)
    return OriginForecast(
        state.day,
        task.first,
        task.horizons,
        state.price_usd,
        state.hashrate_ehs,
        tuple(price_rows + network_rows),
    )
