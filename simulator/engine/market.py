"""Market paths of one block: draw the price, rest-of-network hashrate and FX of 1,024 paths.

The data each model needs is read once per run by
:func:`simulator.engine.market_data.prepare_market` (re-exported here).

:func:`market_block_fx` draws the price, rest-of-network hashrate and, when the
scenario has a ``[market.fx]`` table, exchange-rate [LCU/USD] paths of one
block of paths; :func:`market_block` is the same without the exchange rate.
Random streams: block ``b`` draws every price innovation from
``SeedSequence(seed, spawn_key=(b, 0))``, network noise from ``(b, 1)`` and
exchange-rate noise from ``(b, 2)``, so the price and network paths are the
same with or without an exchange rate (:mod:`simulator.engine.normals`). With
``scenario.variance_reduction = "antithetic"`` each stream draws half the
rows, and the block's paths come in mirrored pairs
(:func:`simulator.model.shocks.mirrored`): path ``2k + 1`` has the negated
shocks of path ``2k``. With ``"qmc"`` the normals come from a scrambled
Sobol' set through a Brownian bridge
(:class:`simulator.engine.normals.BlockNormals`). Each model's code is found
by name in the dispatch tables below, keyed like
:data:`simulator.inputs.market_schema.PRICE_MODEL_TABLE` (which says which
fields each model reads). The network and exchange-rate noises are each
correlated with the price model's standardised daily innovation (the normal
of GBM, power law and jump diffusion; the unit-variance t draw; the
standardised resampled return of the bootstrap), before the price path is
built from it. Dated price shocks move the price only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.random import Generator

from simulator.engine.market_data import BLOCK_PATHS, MarketData, prepare_market
from simulator.engine.normals import BlockNormals, random_stream
from simulator.inputs.fx_schema import FX_MODELS, PRICE_MODELS_WITH_SHOCKS
from simulator.inputs.market_schema import FxSpec
from simulator.inputs.schema import NETWORK_MODELS, PRICE_MODELS, NetworkSpec, PriceSpec, Scenario
from simulator.model import fx as fxm
from simulator.model import paths as csvpaths
from simulator.model.network import basic as net
from simulator.model.network import economic as econ
from simulator.model.price import basic as pr
from simulator.model.price import bootstrap as boot
from simulator.model.price import heavy
from simulator.model.price import powerlaw as plaw
from simulator.model.shocks import mirrored

__all__ = [
    "BLOCK_PATHS",
    "MarketData",
    "market_block",
    "market_block_fx",
    "prepare_market",
]


# ------------------------------------------------------------- draws (per block)
#: Draws a price model's innovations and extra draws: ``(spec, data, rng, n, n_days)``.
_Draws = tuple[np.ndarray, np.ndarray | None]
_Draw = Callable[[PriceSpec, MarketData, Generator, int, int], _Draws]


def _draw_normal(ps: PriceSpec, data: MarketData, rng: Generator, n: int, n_days: int) -> _Draws:
    return pr.draw_normals(rng, n, n_days), None


def _draw_t(ps: PriceSpec, data: MarketData, rng: Generator, n: int, n_days: int) -> _Draws:
    return heavy.draw_standard_t(rng, ps.degrees_of_freedom, n, n_days), None


def _draw_jump(ps: PriceSpec, data: MarketData, rng: Generator, n: int, n_days: int) -> _Draws:
    z = pr.draw_normals(rng, BLOCK_PATHS, n_days)[:n]
    jumps = heavy.draw_jumps(
        rng, ps.jump_intensity_per_year, ps.jump_mean_log, ps.jump_sd_log, BLOCK_PATHS, n_days
    )[:n]
    return np.ascontiguousarray(z), np.ascontiguousarray(jumps)


def _draw_bootstrap(ps: PriceSpec, data: MarketData, rng: Generator, n: int, n_days: int) -> _Draws:
    assert data.boot_returns is not None
    idx = boot.stationary_bootstrap_indices(
        rng, len(data.boot_returns), ps.mean_block_days, BLOCK_PATHS, n_days
    )[:n]
    idx = np.ascontiguousarray(idx)
    return boot.standardised_innovations(data.boot_returns, idx), idx


#: Price models that draw innovations. Models that draw several arrays from one
#: stream (jump, bootstrap) draw a full block of :data:`BLOCK_PATHS` rows and keep
#: the first ``n``, so a short last block gets the same paths as the same rows of
#: a full one.
_PRICE_DRAWS: dict[str, _Draw] = {
    "gbm": _draw_normal,
    "t": _draw_t,
    "jump": _draw_jump,
    "bootstrap": _draw_bootstrap,
    "powerlaw": _draw_normal,
}


@dataclass(frozen=True)
class _Block:
    """What a path function gets besides the spec: the prepared data, the block, its draws."""

    data: MarketData
    z: np.ndarray | None
    extra: np.ndarray | None
    start: dt.date
    first_path: int
    n: int
    n_days: int


def _gbm_price(ps: PriceSpec, b: _Block) -> np.ndarray:
    assert b.z is not None
    return pr.gbm_price(
        ps.start_usd, ps.expected_return_per_year, ps.volatility_per_year, b.z, out=b.z
    )


def _t_price(ps: PriceSpec, b: _Block) -> np.ndarray:
    assert b.z is not None
    return heavy.student_t_price(
        ps.start_usd, ps.expected_return_per_year, ps.volatility_per_year, b.z, out=b.z
    )


def _jump_price(ps: PriceSpec, b: _Block) -> np.ndarray:
    assert b.z is not None and b.extra is not None
    return heavy.jump_diffusion_price(
        ps.start_usd, ps.expected_return_per_year, ps.volatility_per_year,
        ps.jump_intensity_per_year, ps.jump_mean_log, ps.jump_sd_log, b.z, b.extra, out=b.z,
    )  # fmt: skip


def _bootstrap_price(ps: PriceSpec, b: _Block) -> np.ndarray:
    assert b.data.boot_returns is not None and b.extra is not None
    return boot.bootstrap_price(
        ps.start_usd, b.data.boot_returns, b.extra, shift_per_day=b.data.boot_shift, out=b.z
    )


def _powerlaw_price(ps: PriceSpec, b: _Block) -> np.ndarray:
    assert b.z is not None and b.data.powerlaw is not None
    return plaw.powerlaw_price(
        ps.start_usd, b.start, b.data.powerlaw[0], b.data.powerlaw[1],
        ps.reversion_half_life_years, ps.volatility_per_year, b.z, out=b.z,
    )  # fmt: skip


def _csv_price(ps: PriceSpec, b: _Block) -> np.ndarray:
    assert b.data.price_paths is not None
    return np.ascontiguousarray(csvpaths.cycle_paths(b.data.price_paths, b.first_path, b.n))


#: The price path of each price model, from its spec and the block.
_PRICE_PATHS: dict[str, Callable[[PriceSpec, _Block], np.ndarray]] = {
    "constant": lambda ps, b: pr.constant_price(ps.start_usd, b.n, b.n_days),
    "cagr": lambda ps, b: pr.cagr_price(ps.start_usd, ps.growth_per_year, b.n, b.n_days),
    "gbm": _gbm_price,
    "t": _t_price,
    "jump": _jump_price,
    "bootstrap": _bootstrap_price,
    "powerlaw": _powerlaw_price,
    "csv": _csv_price,
}


def _growth_network(ns: NetworkSpec, b: _Block, price: np.ndarray) -> np.ndarray:
    return net.growth_hashrate(
        ns.start_ehs, ns.growth_per_year, b.n, b.n_days, ns.noise_volatility_per_year, b.z,
        out=b.z,
    )  # fmt: skip


def _gbm_network(ns: NetworkSpec, b: _Block, price: np.ndarray) -> np.ndarray:
    assert b.z is not None
    return net.gbm_hashrate(
        ns.start_ehs, ns.expected_growth_per_year, ns.volatility_per_year, b.z, out=b.z
    )


def _csv_network(ns: NetworkSpec, b: _Block, price: np.ndarray) -> np.ndarray:
    assert b.data.network_path is not None
    return np.tile(b.data.network_path, (b.n, 1))


def _economic_network(ns: NetworkSpec, b: _Block, price: np.ndarray) -> np.ndarray:
    assert b.data.econ_reward is not None and b.data.econ_cost is not None
    return econ.economic_hashrate(
        ns.start_ehs, price, b.data.econ_reward, b.data.econ_cost, ns.adjustment_half_life_days,
        ns.max_growth_per_month, ns.noise_volatility_per_year, b.z, out=b.z,
    )  # fmt: skip


@dataclass(frozen=True)
class _NetworkModel:
    """A network model's code: whether it draws noise, and its path given the block and price."""

    noisy: Callable[[NetworkSpec], bool]
    path: Callable[[NetworkSpec, _Block, np.ndarray], np.ndarray]


def _has_noise(ns: NetworkSpec) -> bool:
    return ns.noise_volatility_per_year > 0


#: The code of each network model (the block's ``z`` is the network noise).
_NETWORK_PATHS: dict[str, _NetworkModel] = {
    "constant": _NetworkModel(
        lambda ns: False, lambda ns, b, price: net.constant_hashrate(ns.start_ehs, b.n, b.n_days)
    ),
    "growth": _NetworkModel(_has_noise, _growth_network),
    "gbm": _NetworkModel(lambda ns: True, _gbm_network),
    "csv": _NetworkModel(lambda ns: False, _csv_network),
    "economic": _NetworkModel(_has_noise, _economic_network),
}


@dataclass(frozen=True)
class _FxModel:
    """An FX model's code: whether it draws noise, and its path given the spec, noise and size."""

    noisy: Callable[[FxSpec], bool]
    path: Callable[[FxSpec, np.ndarray | None, int, int], np.ndarray]


def _gbm_fx(fs: FxSpec, z: np.ndarray | None, n: int, n_days: int) -> np.ndarray:
    if z is None:  # no volatility: the deterministic path, z is not read
        z = np.empty((n, n_days))
    return fxm.gbm_fx(
        fs.start_lcu_per_usd, fs.expected_growth_per_year, fs.volatility_per_year, z, out=z
    )


#: The code of each FX model (``z`` is the exchange-rate noise, already correlated).
_FX_PATHS: dict[str, _FxModel] = {
    "constant": _FxModel(
        lambda fs: False, lambda fs, z, n, n_days: fxm.constant_fx(fs.start_lcu_per_usd, n, n_days)
    ),
    "cagr": _FxModel(
        lambda fs: False,
        lambda fs, z, n, n_days: fxm.cagr_fx(fs.start_lcu_per_usd, fs.growth_per_year, n, n_days),
    ),
    "gbm": _FxModel(lambda fs: fs.volatility_per_year > 0, _gbm_fx),
}


if tuple(_PRICE_PATHS) != PRICE_MODELS or tuple(_NETWORK_PATHS) != NETWORK_MODELS:
    raise RuntimeError("the engine's market dispatch differs from the schema's model tables")
if tuple(_FX_PATHS) != FX_MODELS or tuple(_PRICE_DRAWS) != PRICE_MODELS_WITH_SHOCKS:
    raise RuntimeError("the engine's FX dispatch or price draws differ from the FX schema")


def _fx_noise(
    fs: FxSpec | None, z_price: np.ndarray | None, draw: BlockNormals
) -> np.ndarray | None:
    """The exchange-rate noise of one block, correlated with ``z_price``; ``None`` if unused.

    Drawn from stream ``(block, 2)`` row by row, so its first ``n`` rows are
    those of a full block; read before the price path overwrites ``z_price``.
    """
    if fs is None or not _FX_PATHS[fs.model].noisy(fs):
        return None
    z_fx = draw.normals(2)
    if z_price is not None and fs.correlation_with_price != 0:
        pr.correlate(z_price, z_fx, fs.correlation_with_price, out=z_fx)
    return z_fx


def market_block_fx(
    model: Scenario,
    data: MarketData,
    seed: int,
    block: int,
    n: int,
    n_days: int,
    shock_days: np.ndarray,
    shock_changes: np.ndarray,
    *,
    with_fx: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Price [USD], rest-of-network hashrate [EH/s] and FX [LCU/USD] paths of one block.

    Depends only on the market section, the prepared data, the seed and the
    block index (never on the number of blocks or workers). The first ``n``
    paths of a block are the same whatever ``n``; the price and hashrate
    paths are the same with or without ``[market.fx]``, and the dated price
    shocks do not move the exchange rate.

    Parameters
    ----------
    model : Scenario
        The validated scenario.
    data : MarketData
        What :func:`prepare_market` prepared.
    seed : int
        The scenario seed.
    block : int
        Index of the block of :data:`BLOCK_PATHS` paths.
    n : int
        Paths in this block (``BLOCK_PATHS``, or fewer in the last block).
    n_days : int
        Number of simulated days.
    shock_days, shock_changes : numpy.ndarray
        Day index and relative change of each dated price shock.
    with_fx : bool, optional
        False: draw no exchange rate (and return ``None`` for it).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray or None)
        Price, rest-of-network hashrate and exchange rate, each a float64
        array ``(n, n_days)``; the exchange rate is ``None`` when the scenario
        has no ``[market.fx]`` table.
    """
    ps, ns = model.market.price, model.market.network
    fs = model.market.fx if with_fx else None
    method = model.scenario.variance_reduction  # checked against the models
    draw = BlockNormals(seed, block, n, n_days, method)
    price_draws = _PRICE_DRAWS.get(ps.model)
    if price_draws is None:
        z_price, extra = None, None
    elif method == "qmc":  # normal innovations only (gbm, powerlaw)
        z_price, extra = draw.normals(0), None
    else:
        pairs = method == "antithetic"
        z_price, extra = price_draws(
            ps, data, random_stream(seed, block, 0), (n + 1) // 2 if pairs else n, n_days
        )
        if pairs:
            z_price = mirrored(z_price, n)  # symmetric draws only (normal, Student t): no extra
    network = _NETWORK_PATHS[ns.model]
    z_net = draw.normals(1) if network.noisy(ns) else None
    if z_price is not None and z_net is not None and ns.correlation_with_price != 0:
        pr.correlate(z_price, z_net, ns.correlation_with_price, out=z_net)
    z_fx = _fx_noise(fs, z_price, draw)  # before the price overwrites

    start, first_path = model.scenario.start_date, block * BLOCK_PATHS
    price = _PRICE_PATHS[ps.model](ps, _Block(data, z_price, extra, start, first_path, n, n_days))
    if len(shock_days):
        pr.apply_shocks(price, shock_days.tolist(), shock_changes.tolist())
    rest = network.path(ns, _Block(data, z_net, None, start, first_path, n, n_days), price)
    fx = _FX_PATHS[fs.model].path(fs, z_fx, n, n_days) if fs is not None else None
    return price, rest, fx


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

    :func:`market_block_fx` without the exchange rate; the parameters are its.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Price and rest-of-network hashrate, each ``(n, n_days)``.
    """
    price, rest, _ = market_block_fx(
        model, data, seed, block, n, n_days, shock_days, shock_changes, with_fx=False
    )
    return price, rest
