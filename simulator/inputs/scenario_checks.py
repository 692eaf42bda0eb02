"""Rules a scenario must keep that span its entities: unique names, reserve links, event dates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator.inputs.errors import ScenarioError, did_you_mean
from simulator.inputs.scenario_files import ENTITY_LISTS
from simulator.inputs.schema import Scenario
from simulator.inputs.schema_meta import QMC_MIN_PATHS

__all__ = ["check_currencies", "check_event_dates", "check_reserve_links", "check_unique_names"]


def check_unique_names(plain: Mapping[str, Any], file: str) -> None:
    """Check that no two entities of one list share a name.

    Parameters
    ----------
    plain : Mapping
        The scenario with value forms stripped.
    file : str
        Scenario file, for errors.

    Raises
    ------
    ScenarioError
        On the first name used twice.
    """
    for kind in ENTITY_LISTS:
        entities = plain.get(kind, [])
        if not isinstance(entities, list):
            continue  # validation says what it should be
        names = [e.get("name") for e in entities if isinstance(e, dict)]
        for name in names:
            if isinstance(name, str) and names.count(name) > 1:
                raise ScenarioError(
                    file, f"{kind}.{name}.name", f"{kind} name {name!r} is used twice"
                )


def check_reserve_links(model: Scenario, file: str) -> None:
    """Check that every ``reserve`` a mining operation or benchmark names is in the scenario.

    Parameters
    ----------
    model : Scenario
        The validated scenario.
    file : str
        Scenario file, for errors.

    Raises
    ------
    ScenarioError
        On the first operation naming no reserve.
    """
    reserves = [r.name for r in model.reserve]
    for bench in model.benchmark:
        if bench.reserve is not None and bench.reserve not in reserves:
            hint = did_you_mean(bench.reserve, reserves)
            raise ScenarioError(
                file, f"benchmark.{bench.name}.reserve", f"no reserve named {bench.reserve!r}{hint}"
            )
    for op in model.mining:
        if op.reserve is not None and op.reserve not in reserves:
            hint = did_you_mean(op.reserve, reserves)
            raise ScenarioError(
                file, f"mining.{op.name}.reserve", f"no reserve named {op.reserve!r}{hint}"
            )


def check_currencies(model: Scenario, file: str) -> None:
    """Check that a reserve valued in a local currency has a ``[market.fx]`` path in it.

    Raises
    ------
    ScenarioError
        On the first reserve whose ``currency`` is neither USD nor the FX path's.
    """
    fx = model.market.fx
    for res in model.reserve:
        if res.currency != "USD" and (fx is None or res.currency != fx.currency):
            have = f"[market.fx] is in {fx.currency}" if fx else "there is no [market.fx]"
            raise ScenarioError(
                file,
                f"reserve.{res.name}.currency",
                f"{res.currency!r} needs a [market.fx] path in that currency, but {have}",
            )


def check_event_dates(model: Scenario, file: str) -> None:
    """Check that one-off events (sales, price shocks) fall after the start date.

    A sale or shock on or before the start has already happened: it is in the
    starting holdings or price, so applying it again would count it twice.
    States that hold from a date on (ramp steps, fleet refreshes, purchase
    windows) may start earlier: they are in effect from the first simulated
    day (see :mod:`simulator.engine.schedule` and :mod:`simulator.engine.plan`).

    Parameters
    ----------
    model : Scenario
        The validated scenario.
    file : str
        Scenario file, for errors.

    Raises
    ------
    ScenarioError
        On the first event dated on or before ``scenario.start_date``.
    """
    start = model.scenario.start_date
    events = [
        (f"market.price.shocks.{i}.date", s.date) for i, s in enumerate(model.market.price.shocks)
    ]
    for res in model.reserve:
        events += [(f"reserve.{res.name}.sales.{i}.date", s.date) for i, s in enumerate(res.sales)]
    for key, when in events:
        if when <= start:
            raise ScenarioError(
                file,
                key,
                f"is not after the start date {start} (got {when}): an event on or before "
                "the start is already in the starting state",
            )


#: Price models whose innovations are symmetric draws an antithetic pair can mirror.
ANTITHETIC_PRICE_MODELS = ("constant", "cagr", "csv", "gbm", "t", "powerlaw")
#: Price models driven by daily normals (or by nothing random), which QMC can build.
QMC_PRICE_MODELS = ("constant", "cagr", "csv", "gbm", "powerlaw")


def check_variance_reduction(model: Scenario, file: str) -> None:
    """Check that ``scenario.variance_reduction`` fits the price model.

    Antithetic pairs mirror symmetric shocks (normal or Student-t). A jump
    diffusion's Poisson jumps and a bootstrap's resampled history have no
    mirror image, so those models refuse it rather than pair only part of
    their randomness. Randomised QMC builds daily normals through a Brownian
    bridge, so it also refuses the Student-t model (its innovations are not
    normal).

    Raises
    ------
    ScenarioError
        Naming ``scenario.variance_reduction`` and the price model.
    """
    ps = model.market.price.model
    method = model.scenario.variance_reduction
    if method == "antithetic" and ps not in ANTITHETIC_PRICE_MODELS:
        raise ScenarioError(
            file,
            "scenario.variance_reduction",
            f"'antithetic' is not available with the {ps!r} price model (its jumps or "
            f"resampled days have no mirror image); use it with "
            f"{', '.join(ANTITHETIC_PRICE_MODELS)}, or set 'none'",
        )
    if method == "qmc" and ps not in QMC_PRICE_MODELS:
        other = "'antithetic' or 'none'" if ps in ANTITHETIC_PRICE_MODELS else "'none'"
        raise ScenarioError(
            file,
            "scenario.variance_reduction",
            f"'qmc' is not available with the {ps!r} price model (QMC builds normal daily "
            f"shocks through a Brownian bridge); use it with {', '.join(QMC_PRICE_MODELS)}, "
            f"or set {other}",
        )
    if method == "qmc" and model.scenario.paths < QMC_MIN_PATHS:
        raise ScenarioError(
            file,
            "scenario.variance_reduction",
            f"'qmc' needs scenario.paths >= {QMC_MIN_PATHS:,} (got "
            f"{model.scenario.paths:,}): its errors come from the spread between "
            f"Sobol' sets of {QMC_MIN_PATHS // 2:,} paths, so it needs two at least",
        )
