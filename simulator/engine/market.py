"""Market inputs of a run: read the files a market model needs, draw one block.

:func:`prepare_market` runs once per scenario: it reads the history file of
the bootstrap model and the CSV paths of the ``csv`` models, and computes the
deterministic arrays of the power-law and economic models. It is the only
place where a market model's data touches the file system, so the model
functions in :mod:`simulator.model` stay pure.

:func:`market_block` draws the price and rest-of-network hashrate paths of one
block of paths. Random streams: block ``b`` draws every price innovation from
``SeedSequence(seed, spawn_key=(b, 0))`` and network noise from ``(b, 1)``.
The network noise is correlated with the price model's standardised daily
innovation (the normal of GBM, power law and jump diffusion; the unit-variance
t draw; the standardised resampled return of the bootstrap).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from simulator.inputs import history
from simulator.inputs.scenario import ScenarioError
from simulator.inputs.schema import NetworkSpec, PriceSpec, Scenario
from simulator.model import paths as csvpaths
from simulator.model.network import basic as net
from simulator.model.network import economic as econ
from simulator.model.price import basic as pr
from simulator.model.price import bootstrap as boot
from simulator.model.price import heavy
from simulator.model.price import powerlaw as plaw

__all__ = ["BLOCK_PATHS", "MarketData", "prepare_market", "market_block"]

#: Paths per random-number block: fixed, so results do not depend on chunking.
BLOCK_PATHS = 1024
_PRICE_INNOVATIONS = {"gbm", "t", "jump", "bootstrap", "powerlaw"}


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


def prepare_market(
    model: Scenario, file: str, n_days: int, fees_btc_per_block: np.ndarray
) -> MarketData:
    """Read and compute what the scenario's market models need.

    Raises
    ------
    ScenarioError
        If a file is missing or malformed, or a path does not cover the horizon.
    """
    ps, ns = model.market.price, model.market.network
    start = model.scenario.start_date
    data: dict[str, object] = {}
    if ps.model == "bootstrap":
        data["boot_returns"], data["boot_shift"] = _bootstrap_returns(ps, file)
    elif ps.model == "csv":
        assert ps.path_file is not None
        data["price_paths"], data["price_path_names"] = _csv_days(
            file, "market.price.path_file", ps.path_file, ps.path_column, start, n_days
        )
    elif ps.model == "powerlaw":
        if ps.powerlaw_preset is not None:
            try:
                preset = plaw.resolve_preset(ps.powerlaw_preset)
            except ValueError as exc:
                raise ScenarioError(file, "market.price.powerlaw_preset", str(exc)) from None
            data["powerlaw"] = (preset.intercept, preset.slope)
        else:
            assert ps.powerlaw_intercept is not None and ps.powerlaw_slope is not None
            data["powerlaw"] = (ps.powerlaw_intercept, ps.powerlaw_slope)
        if start <= plaw.GENESIS:
            raise ScenarioError(
                file, "scenario.start_date", "powerlaw needs a start after 2009-01-03"
            )
    if ns.model == "csv":
        assert ns.path_file is not None
        paths, _ = _csv_days(
            file, "market.network.path_file", ns.path_file, ns.path_column or "hashrate_ehs",
            start, n_days,
        )  # fmt: skip
        data["network_path"] = np.ascontiguousarray(paths[0])
    elif ns.model == "economic":
        data["econ_reward"] = econ.nominal_reward_btc_per_day(
            model.chain.start_height, fees_btc_per_block, n_days
        )
        data["econ_cost"] = econ.marginal_cost_usd_per_th_day(
            ns.marginal_efficiency_j_per_th,
            ns.efficiency_improvement_per_year,
            ns.marginal_electricity_usd_per_kwh,
            ns.all_in_cost_factor,
            n_days,
        )
    return MarketData(**data)  # type: ignore[arg-type]


def _stream(seed: int, block: int, which: int) -> np.random.Generator:
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, which)))
    )


def _innovations(
    ps: PriceSpec, data: MarketData, rng: np.random.Generator, n: int, n_days: int
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Draw a price model's innovations (and its extra draws: jumps or indices).

    Models that draw several arrays from one stream (jump, bootstrap) draw a
    full block of :data:`BLOCK_PATHS` rows and keep the first ``n``, so a
    short last block gets the same paths as the same rows of a full one.
    """
    if ps.model == "gbm" or ps.model == "powerlaw":
        return pr.draw_normals(rng, n, n_days), None
    if ps.model == "t":
        return heavy.draw_standard_t(rng, ps.degrees_of_freedom, n, n_days), None
    if ps.model == "jump":
        z = pr.draw_normals(rng, BLOCK_PATHS, n_days)[:n]
        jumps = heavy.draw_jumps(
            rng, ps.jump_intensity_per_year, ps.jump_mean_log, ps.jump_sd_log, BLOCK_PATHS, n_days
        )[:n]
        return np.ascontiguousarray(z), np.ascontiguousarray(jumps)
    if ps.model == "bootstrap":
        assert data.boot_returns is not None
        idx = boot.stationary_bootstrap_indices(
            rng, len(data.boot_returns), ps.mean_block_days, BLOCK_PATHS, n_days
        )[:n]
        idx = np.ascontiguousarray(idx)
        return boot.standardised_innovations(data.boot_returns, idx), idx
    return None, None


def _network_noisy(ns: NetworkSpec) -> bool:
    if ns.model == "gbm":
        return True
    return ns.model in ("growth", "economic") and ns.noise_volatility_per_year > 0


def market_block(
    model: Scenario,
    data: MarketData,
    seed: int,
    block: int,
    n: int,
    n_days: int,
    shock_days: np.ndarray,
    shock_changes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Price [USD] and rest-of-network hashrate [EH/s] paths of one block, ``(n, n_days)``.

    Depends only on the market section, the prepared data, the seed and the
    block index (never on the number of blocks or workers).
    """
    ps, ns = model.market.price, model.market.network
    start = model.scenario.start_date
    first_path = block * BLOCK_PATHS
    z_price, extra = (
        _innovations(ps, data, _stream(seed, block, 0), n, n_days)
        if ps.model in _PRICE_INNOVATIONS
        else (None, None)
    )
    z_net = pr.draw_normals(_stream(seed, block, 1), n, n_days) if _network_noisy(ns) else None
    if z_price is not None and z_net is not None and ns.correlation_with_price != 0:
        pr.correlate(z_price, z_net, ns.correlation_with_price, out=z_net)

    if ps.model == "constant":
        price = pr.constant_price(ps.start_usd, n, n_days)
    elif ps.model == "cagr":
        price = pr.cagr_price(ps.start_usd, ps.growth_per_year, n, n_days)
    elif ps.model == "gbm":
        assert z_price is not None
        price = pr.gbm_price(
            ps.start_usd, ps.expected_return_per_year, ps.volatility_per_year, z_price, out=z_price
        )
    elif ps.model == "t":
        assert z_price is not None
        price = heavy.student_t_price(
            ps.start_usd, ps.expected_return_per_year, ps.volatility_per_year, z_price, out=z_price
        )
    elif ps.model == "jump":
        assert z_price is not None and isinstance(extra, np.ndarray)
        price = heavy.jump_diffusion_price(
            ps.start_usd, ps.expected_return_per_year, ps.volatility_per_year,
            ps.jump_intensity_per_year, ps.jump_mean_log, ps.jump_sd_log, z_price, extra,
            out=z_price,
        )  # fmt: skip
    elif ps.model == "bootstrap":
        assert data.boot_returns is not None and isinstance(extra, np.ndarray)
        price = boot.bootstrap_price(
            ps.start_usd, data.boot_returns, extra, shift_per_day=data.boot_shift, out=z_price
        )
    elif ps.model == "powerlaw":
        assert z_price is not None and data.powerlaw is not None
        price = plaw.powerlaw_price(
            ps.start_usd, start, data.powerlaw[0], data.powerlaw[1],
            ps.reversion_half_life_years, ps.volatility_per_year, z_price, out=z_price,
        )  # fmt: skip
    else:
        assert data.price_paths is not None
        price = np.ascontiguousarray(csvpaths.cycle_paths(data.price_paths, first_path, n))
    if len(shock_days):
        pr.apply_shocks(price, shock_days.tolist(), shock_changes.tolist())

    if ns.model == "constant":
        rest = net.constant_hashrate(ns.start_ehs, n, n_days)
    elif ns.model == "growth":
        rest = net.growth_hashrate(
            ns.start_ehs, ns.growth_per_year, n, n_days, ns.noise_volatility_per_year, z_net,
            out=z_net,
        )  # fmt: skip
    elif ns.model == "gbm":
        assert z_net is not None
        rest = net.gbm_hashrate(
            ns.start_ehs, ns.expected_growth_per_year, ns.volatility_per_year, z_net, out=z_net
        )
    elif ns.model == "csv":
        assert data.network_path is not None
        rest = np.tile(data.network_path, (n, 1))
    else:
        assert data.econ_reward is not None and data.econ_cost is not None
        rest = econ.economic_hashrate(
            ns.start_ehs, price, data.econ_reward, data.econ_cost, ns.adjustment_half_life_days,
            ns.max_growth_per_month, ns.noise_volatility_per_year, z_net, out=z_net,
        )  # fmt: skip
    return price, rest
