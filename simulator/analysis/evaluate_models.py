r"""The forecasters of ``btcsim evaluate``: specs fitted on a window, the naive benchmark, paths.

Each forecaster becomes a ``[market.price]`` or ``[market.network]`` spec
(:class:`~simulator.inputs.schema.PriceSpec`, :class:`~simulator.inputs.schema.NetworkSpec`)
started from the real state at an origin, and its paths are drawn by the
engine's own :func:`~simulator.engine.market.market_block`, block by block,
exactly as a run draws them.

Price models ``gbm``, ``t``, ``jump`` and ``powerlaw`` are calibrated by
:func:`~simulator.analysis.calibrate.run.calibrate_price`; ``bootstrap``
resamples the window's own daily returns (its ``window_start``/``window_end``
are the window, so its calibration *is* the window). The network model
``economic`` is calibrated by
:func:`~simulator.analysis.calibrate.network.fit_network_economic`; ``growth``
and ``gbm`` by :func:`fit_hashrate` below, which has no counterpart in
:mod:`simulator.analysis.calibrate`.

The hashrate estimator (:func:`fit_hashrate`)
    Daily hashrate is ``difficulty x blocks x 2^32 / 86,400``: a day's value
    carries the Poisson luck of its ~144 blocks (sd about 8 %). The fit works
    on non-overlapping 7-day means ``H_w`` counted back from the window's last
    day, with weekly log changes :math:`y_w = \ln H_{w+1} - \ln H_w`:

    * log drift :math:`a = \bar y \cdot 365.25/7` [1/year] (mean change);
    * log trend :math:`b`: OLS slope of :math:`\ln H_w` on time [1/year];
    * volatility :math:`\sigma^2 = (s_y^2 - \overline{1/B_w + 1/B_{w+1}})
      \cdot 365.25 / 4.714` [1/year], the sample variance less the block-luck
      variance of the two weekly means (``B_w`` blocks in week ``w``, when the
      file has a ``blocks`` column), and 4.714 = (2·7² + 1)/(3·7) days' worth
      of increments in the difference of consecutive 7-day means of a random
      walk [1]_, as in :mod:`simulator.analysis.calibrate.network`.

    ``gbm`` takes ``expected_growth_per_year`` :math:`= a + \sigma^2/2` (its
    median then grows at the mean log change); ``growth`` takes
    ``growth_per_year`` :math:`= e^{b} - 1` (its median follows the fitted
    trend's slope from the start value) and ``noise_volatility_per_year``
    :math:`= \sigma`. Both are lognormal random walks: they differ only in
    the drift estimator (end-to-end mean change versus least-squares trend).

The naive benchmark
    A driftless random walk in log with the window's volatility: ``gbm`` with
    ``expected_return_per_year`` :math:`= \sigma^2/2` (zero log drift) and
    :math:`\sigma` the sd of the window's daily log returns times
    :math:`\sqrt{365.25}` (:func:`~simulator.analysis.calibrate.price.fit_gbm`'s
    volatility); for the hashrate the ``gbm`` network model with zero log
    drift and :func:`fit_hashrate`'s :math:`\sigma`.

Network paths need a price path (the economic model follows revenue): every
calibrated network model is driven by the ``gbm`` price model calibrated at
the same origin, with ``correlation_with_price = 0`` (which leaves the
hashrate's own distribution of ``growth`` and ``gbm`` unchanged).

References
----------
.. [1] Working, H. (1960). Note on the correlation of first differences of
   averages in a random chain. *Econometrica* 28(4), 916-918.
.. [2] Politis, D. N. & Romano, J. P. (1994). The stationary bootstrap.
   *J. American Statistical Association* 89(428), 1303-1313.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import ValidationError

from simulator.analysis.calibrate.network import fit_network_economic
from simulator.analysis.calibrate.price import fit_gbm
from simulator.analysis.calibrate.run import calibrate_price
from simulator.engine.market import BLOCK_PATHS, market_block, prepare_market
from simulator.inputs.chain_state import estimate_height
from simulator.inputs.errors import InputError
from simulator.inputs.schema import Market, NetworkSpec, PriceSpec, Scenario
from simulator.inputs.start_state import FEE_WINDOW_DAYS, HASHRATE_WINDOW_DAYS
from simulator.model.units import DAYS_PER_YEAR

__all__ = [
    "ECONOMIC_COLUMNS",
    "NAIVE",
    "NETWORK_EVAL_MODELS",
    "PRICE_EVAL_MODELS",
    "HashrateFit",
    "OriginState",
    "fit_hashrate",
    "hashrate_7d",
    "market_paths",
    "network_spec",
    "origin_state",
    "price_spec",
    "spec_error",
]

#: Price models ``btcsim evaluate`` calibrates at each origin.
PRICE_EVAL_MODELS: tuple[str, ...] = ("gbm", "t", "jump", "bootstrap", "powerlaw")
#: Network models ``btcsim evaluate`` calibrates at each origin.
NETWORK_EVAL_MODELS: tuple[str, ...] = ("growth", "gbm", "economic")
#: Name of the benchmark row: a driftless random walk in log.
NAIVE = "naive"
#: Columns the economic network model needs besides price and hashrate.
ECONOMIC_COLUMNS: tuple[str, ...] = ("issuance_btc", "fees_btc", "blocks")
_WEEK = 7
_WORKING_DAYS = (2 * _WEEK**2 + 1) / (3 * _WEEK)  # 4.714 (Working 1960)


def spec_error(exc: Exception) -> str:
    """One line for a fit or spec that failed (pydantic's first error, or the message)."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    return " ".join(str(exc).split())


def hashrate_7d(frame: pd.DataFrame) -> pd.Series:
    """Mean daily hashrate of the 7 days to each day [EH/s], NaN where a day is missing.

    The statistic :func:`simulator.inputs.start_state.start_state` starts a
    scenario from (``HASHRATE_WINDOW_DAYS`` = 7).
    """
    daily = frame["hashrate_ehs"].asfreq("D")
    return daily.rolling(HASHRATE_WINDOW_DAYS, min_periods=HASHRATE_WINDOW_DAYS).mean()


@dataclass(frozen=True)
class OriginState:
    """The real state at the end of an origin day, read from the rows up to it only.

    Attributes
    ----------
    day : datetime.date
        The origin.
    price_usd : float
        The day's close [USD/BTC].
    hashrate_ehs : float
        7-day mean hashrate to the day [EH/s]; NaN without a hashrate column.
    fees_btc_per_block : float
        Fees of the 30 days to the day over their blocks [BTC/block]; NaN if unknown.
    height : int or None
        Chain height at the end of the day [blocks] (``estimate_height``); None if unknown.
    """

    day: dt.date
    price_usd: float
    hashrate_ehs: float
    fees_btc_per_block: float
    height: int | None


def origin_state(head: pd.DataFrame) -> OriginState:
    """The start state at ``head``'s last row, as ``[scenario] start_from`` reads it.

    Parameters
    ----------
    head : pandas.DataFrame
        History rows up to and including the origin (nothing after it).

    Returns
    -------
    OriginState
    """
    day = head.index[-1]
    hashrate = math.nan
    if "hashrate_ehs" in head.columns:
        hashrate = float(hashrate_7d(head.iloc[-HASHRATE_WINDOW_DAYS - 1 :]).iloc[-1])
    fees, height = math.nan, None
    if all(c in head.columns for c in ECONOMIC_COLUMNS):
        tail = head.loc[day - pd.Timedelta(days=FEE_WINDOW_DAYS - 1) :]
        if len(tail) == FEE_WINDOW_DAYS and tail["blocks"].sum() > 0:
            fees = float(tail["fees_btc"].sum() / tail["blocks"].sum())
        try:
            height = estimate_height(head, day).height
        except ValueError:
            height = None
    return OriginState(day.date(), float(head["price_usd"].iloc[-1]), hashrate, fees, height)


@dataclass(frozen=True)
class HashrateFit:
    """Drift, trend and volatility of the log hashrate in a window (see the module docstring).

    Attributes
    ----------
    log_drift_per_year : float
        Mean weekly log change of the 7-day means, x 365.25/7 [1/year].
    log_trend_per_year : float
        OLS slope of the log 7-day means on time [1/year].
    volatility_per_year : float
        Volatility of the daily log hashrate, block luck removed [1/sqrt(year)].
    n_weeks : int
        Weekly changes used.
    """

    log_drift_per_year: float
    log_trend_per_year: float
    volatility_per_year: float
    n_weeks: int


def fit_hashrate(part: pd.DataFrame) -> HashrateFit:
    """Fit the lognormal random walk of the hashrate to a window of daily rows.

    Parameters
    ----------
    part : pandas.DataFrame
        Consecutive days with ``hashrate_ehs`` [EH/s] (and ``blocks``, if known).

    Returns
    -------
    HashrateFit

    Raises
    ------
    ValueError
        If the window has a missing or non-positive hashrate or fewer than 8 weeks.
    """
    part = part.iloc[len(part) % _WEEK :]
    h = part["hashrate_ehs"].to_numpy(dtype=np.float64)
    if len(h) < 9 * _WEEK or not (np.isfinite(h) & (h > 0)).all():
        raise ValueError("the hashrate fit needs 9 whole weeks of positive hashrate")
    week = np.arange(len(h)) // _WEEK
    log_h = np.log(pd.Series(h).groupby(week).mean().to_numpy())
    y = np.diff(log_h)
    luck = 0.0
    if "blocks" in part.columns:
        blocks = pd.Series(part["blocks"].to_numpy()).groupby(week).sum().to_numpy()
        if (blocks > 0).all():
            luck = float(np.mean(1.0 / blocks[1:] + 1.0 / blocks[:-1]))
    var_week = max(float(np.var(y, ddof=1)) - luck, 0.0)
    t_years = np.arange(len(log_h)) * _WEEK / DAYS_PER_YEAR
    slope = float(np.polyfit(t_years, log_h, 1)[0])
    return HashrateFit(
        log_drift_per_year=float(np.mean(y)) * DAYS_PER_YEAR / _WEEK,
        log_trend_per_year=slope,
        volatility_per_year=math.sqrt(var_week * DAYS_PER_YEAR / _WORKING_DAYS),
        n_weeks=len(y),
    )


def price_spec(
    model: str,
    head: pd.DataFrame,
    first: dt.date,
    state: OriginState,
    history_file: str,
) -> PriceSpec:
    """The price spec of ``model`` calibrated on ``first .. state.day``, started at the origin.

    ``model`` is one of :data:`PRICE_EVAL_MODELS` or :data:`NAIVE`.

    Raises
    ------
    ValueError
        If the fit fails or its values are not valid in a scenario.
    """
    last = state.day
    if model == NAIVE:
        window = head.loc[pd.Timestamp(first) : pd.Timestamp(last), "price_usd"]
        sigma = fit_gbm(window).value("volatility_per_year")
        values: dict[str, object] = {
            "model": "gbm",
            "expected_return_per_year": sigma**2 / 2,
            "volatility_per_year": sigma,
        }
    elif model == "bootstrap":
        values = {
            "model": "bootstrap",
            "history_file": history_file,
            "window_start": first,
            "window_end": last,
        }
    else:
        cal = calibrate_price(head, model, first, last)
        values = {"model": cal.scenario_model, **cal.fixed}
        values.update({e.key: e.value for e in cal.estimates})
    return PriceSpec.model_validate({**values, "start_usd": state.price_usd})


def network_spec(model: str, head: pd.DataFrame, first: dt.date, state: OriginState) -> NetworkSpec:
    """The network spec of ``model`` calibrated on ``first .. state.day``, started at the origin.

    ``model`` is one of :data:`NETWORK_EVAL_MODELS` or :data:`NAIVE`.

    Raises
    ------
    ValueError
        If the fit fails or its values are not valid in a scenario.
    """
    if not math.isfinite(state.hashrate_ehs):
        raise ValueError(f"no 7-day mean hashrate on {state.day}")
    values: dict[str, object]
    if model == "economic":
        cal = fit_network_economic(head, first, state.day)
        values = {"model": "economic", **cal.fixed}
        values.update({e.key: e.value for e in cal.estimates})
    else:
        fit = fit_hashrate(head.loc[pd.Timestamp(first) : pd.Timestamp(state.day)])
        sigma = fit.volatility_per_year
        if model == "growth":
            values = {
                "model": "growth",
                "growth_per_year": math.expm1(fit.log_trend_per_year),
                "noise_volatility_per_year": sigma,
            }
        else:
            drift = 0.0 if model == NAIVE else fit.log_drift_per_year
            values = {
                "model": "gbm",
                "expected_growth_per_year": drift + sigma**2 / 2,
                "volatility_per_year": sigma,
            }
    return NetworkSpec.model_validate({**values, "start_ehs": state.hashrate_ehs})


def market_paths(
    price: PriceSpec,
    network: NetworkSpec,
    state: OriginState,
    n_days: int,
    paths: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Price [USD/BTC] and network hashrate [EH/s] paths from the origin, ``(paths, n_days)``.

    A one-market scenario is built around the two specs (start date the
    origin; chain height and fees per block the origin's, which only the
    economic model reads; no dated shocks), its market data prepared by
    :func:`~simulator.engine.market.prepare_market` and its blocks of
    :data:`~simulator.engine.market.BLOCK_PATHS` paths drawn by
    :func:`~simulator.engine.market.market_block`, so the paths are those a
    ``btcsim run`` of the same market would draw. Column ``d`` is the end of
    day ``d + 1`` after the origin.

    Raises
    ------
    ValueError
        If the specs cannot make a scenario (e.g. a model needing the chain
        height when the file cannot give it) or its market data cannot be read.
    """
    needs_chain = network.model == "economic"
    fees = state.fees_btc_per_block
    if needs_chain and (state.height is None or not math.isfinite(fees)):
        raise ValueError(f"the economic model needs the chain height and fees on {state.day}")
    try:
        model = Scenario.model_validate(
            {
                "scenario": {
                    "name": "evaluate",
                    "start_date": state.day,
                    "horizon_years": n_days / DAYS_PER_YEAR,
                    "paths": paths,
                    "seed": seed,
                },
                "market": Market(price=price, network=network),
                # start_difficulty is read by the chain kernel only, never by the market
                "chain": {
                    "start_height": state.height or 0,
                    "start_difficulty": 1.0,
                    "fees_btc_per_block": fees if math.isfinite(fees) else 0.0,
                },
            }
        )
        data = prepare_market(
            model, "evaluate", n_days, np.full(n_days, model.chain.fees_btc_per_block)
        )
    except (ValidationError, InputError) as exc:
        raise ValueError(spec_error(exc)) from None
    price_out = np.empty((paths, n_days))
    rest_out = np.empty((paths, n_days))
    no_days, no_changes = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    for block in range(-(-paths // BLOCK_PATHS)):
        lo = block * BLOCK_PATHS
        n = min(BLOCK_PATHS, paths - lo)
        p, h = market_block(model, data, seed, block, n, n_days, no_days, no_changes)
        price_out[lo : lo + n], rest_out[lo : lo + n] = p, h
    return price_out, rest_out
