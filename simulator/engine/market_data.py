"""Market data of a run: the files and deterministic arrays a market model needs, read once.

:func:`prepare_market` reads the history file of the bootstrap model and the
CSV paths of the ``csv`` models, and computes the deterministic arrays of the
power-law and economic models. It is the only place where a market model's
data touches the file system, so the model functions in
:mod:`simulator.model` stay pure; :mod:`simulator.engine.market` draws the
paths of each block from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulator.inputs import history
from simulator.inputs.errors import ScenarioError
from simulator.inputs.schema import PriceSpec, Scenario
from simulator.model import paths as csvpaths
from simulator.model.network import economic as econ
from simulator.model.price import bootstrap as boot
from simulator.model.price import powerlaw as plaw

__all__ = ["BLOCK_PATHS", "MarketData", "prepare_market"]

#: Paths per random-number block: fixed, so results do not depend on chunking.
BLOCK_PATHS = 1024


@dataclass(frozen=True)
class MarketData:
    """Deterministic market arrays prepared once per scenario run."""

    boot_returns: np.ndarray | None = None
    boot_shift: float = 0.0
    price_paths: np.ndarray | None = None
    price_path_names: tuple[str, ...] = ()
    network_path: np.ndarray | None = None
    powerlaw: tuple[float, float] | None = None
    econ_reward: np.ndarray | None = None
    econ_cost: np.ndarray | None = None


def _csv_days(
    file: str, key: str, path: str, column: str | None, start: dt.date, n_days: int
) -> tuple[np.ndarray, tuple[str, ...]]:
    try:
        frame = history.load_paths(path, column)
    except history.HistoryError as exc:
        raise ScenarioError(file, key, exc.message + f" (file {path})") from None
    offsets = (frame.index - np.datetime64(start, "D")).days.to_numpy(dtype=np.float64)
    try:
        values = csvpaths.interpolate_paths(offsets, frame.to_numpy(), n_days)
    except ValueError as exc:
        raise ScenarioError(file, key, f"{exc} (file {path}, start {start})") from None
    return values, tuple(frame.columns)


def _bootstrap_returns(ps: PriceSpec, file: str) -> tuple[np.ndarray, float]:
    key = "market.price.history_file"
    assert ps.history_file is not None
    try:
        frame = history.load_history(ps.history_file)
        part = history.select_window(frame, ps.window_start, ps.window_end, min_days=30)
    except history.HistoryError as exc:
        raise ScenarioError(file, key, exc.message + f" (file {ps.history_file})") from None
    except ValueError as exc:
        raise ScenarioError(file, "market.price.window_start", str(exc)) from None
    step = np.diff(part.index.values).astype("timedelta64[D]").astype(np.int64)
    if (step != 1).any():
        gap = part.index[int(np.flatnonzero(step != 1)[0])].date()
        raise ScenarioError(
            file, key, f"the window has a gap after {gap}; bootstrap needs consecutive days"
        )
    returns = np.diff(np.log(part["price_usd"].to_numpy()))
    try:
        if np.ptp(returns) == 0:
            raise ValueError("every daily return in the window is the same; nothing to resample")
        shift = 0.0
        if ps.target_return_per_year is not None:
            shift = boot.recentre_shift(returns, ps.target_return_per_year)
    except ValueError as exc:
        raise ScenarioError(file, key, f"{exc} (file {ps.history_file})") from None
    return returns, shift


# ------------------------------------------------------------ prepare (per run)
_Arrays = dict[str, object]
#: Reads what one market model needs once per run: ``(scenario, file, n_days, fees)``.
_Prepare = Callable[[Scenario, str, int, np.ndarray], _Arrays]


def _prepare_bootstrap(model: Scenario, file: str, n_days: int, fees: np.ndarray) -> _Arrays:
    returns, shift = _bootstrap_returns(model.market.price, file)
    return {"boot_returns": returns, "boot_shift": shift}


def _prepare_price_csv(model: Scenario, file: str, n_days: int, fees: np.ndarray) -> _Arrays:
    ps = model.market.price
    assert ps.path_file is not None
    paths, names = _csv_days(
        file, "market.price.path_file", ps.path_file, ps.path_column, model.scenario.start_date,
        n_days,
    )  # fmt: skip
    return {"price_paths": paths, "price_path_names": names}


def _prepare_powerlaw(model: Scenario, file: str, n_days: int, fees: np.ndarray) -> _Arrays:
    ps = model.market.price
    if ps.powerlaw_preset is not None:
        try:
            preset = plaw.resolve_preset(ps.powerlaw_preset)
        except ValueError as exc:
            raise ScenarioError(file, "market.price.powerlaw_preset", str(exc)) from None
        coefficients = (preset.intercept, preset.slope)
    else:
        assert ps.powerlaw_intercept is not None and ps.powerlaw_slope is not None
        coefficients = (ps.powerlaw_intercept, ps.powerlaw_slope)
    if model.scenario.start_date <= plaw.GENESIS:
        raise ScenarioError(file, "scenario.start_date", "powerlaw needs a start after 2009-01-03")
    return {"powerlaw": coefficients}


def _prepare_network_csv(model: Scenario, file: str, n_days: int, fees: np.ndarray) -> _Arrays:
    ns = model.market.network
    assert ns.path_file is not None
    paths, _ = _csv_days(
        file, "market.network.path_file", ns.path_file, ns.path_column or "hashrate_ehs",
        model.scenario.start_date, n_days,
    )  # fmt: skip
    return {"network_path": np.ascontiguousarray(paths[0])}


def _prepare_economic(model: Scenario, file: str, n_days: int, fees: np.ndarray) -> _Arrays:
    ns = model.market.network
    return {
        "econ_reward": econ.nominal_reward_btc_per_day(model.chain.start_height, fees, n_days),
        "econ_cost": econ.marginal_cost_usd_per_th_day(
            ns.marginal_efficiency_j_per_th,
            ns.efficiency_improvement_per_year,
            ns.marginal_electricity_usd_per_kwh,
            ns.all_in_cost_factor,
            n_days,
        ),
    }


_PREPARE_PRICE: dict[str, _Prepare] = {
    "bootstrap": _prepare_bootstrap,
    "csv": _prepare_price_csv,
    "powerlaw": _prepare_powerlaw,
}
_PREPARE_NETWORK: dict[str, _Prepare] = {"csv": _prepare_network_csv, "economic": _prepare_economic}


def prepare_market(
    model: Scenario, file: str, n_days: int, fees_btc_per_block: np.ndarray
) -> MarketData:
    """Read and compute what the scenario's market models need.

    Parameters
    ----------
    model : Scenario
        The validated scenario.
    file : str
        Scenario file name, for error messages.
    n_days : int
        Number of simulated days.
    fees_btc_per_block : numpy.ndarray
        Fees per block of each day (the economic network model's revenue).

    Returns
    -------
    MarketData
        The arrays the chosen models need; the rest stay empty.

    Raises
    ------
    ScenarioError
        If a file is missing or malformed, or a path does not cover the horizon.
    """
    data: dict[str, object] = {}
    for table, chosen in (
        (_PREPARE_PRICE, model.market.price.model),
        (_PREPARE_NETWORK, model.market.network.model),
    ):
        if chosen in table:
            data.update(table[chosen](model, file, n_days, fees_btc_per_block))
    return MarketData(**data)  # type: ignore[arg-type]
