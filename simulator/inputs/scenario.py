"""Scenario resolution: value forms, provenance and validation of a scenario file.

A scenario file is TOML. Any value may be written in one of four forms::

    power_mw = 2000                                         # plain assumption
    holdings_btc = { cite = "el_salvador.reserve_btc" }     # cited fact
    start_usd = { derive = "btc_price.implied_usd" }        # derived from cited facts
    uptime = { value = 0.9, note = "grid curtailment", low = 0.8, high = 0.97 }

Resolution strips these forms to plain values (validated by
:mod:`simulator.inputs.schema`) and records, for every input, its value, unit,
provenance and source or note (:class:`ResolvedInput`). Reading, ``extends``
merging and ``--set`` overrides are in :mod:`simulator.inputs.scenario_files`
(re-exported here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from simulator.inputs.errors import ScenarioError, did_you_mean, validation_error
from simulator.inputs.facts import FactRegistry, load_facts
from simulator.inputs.provenance import PROVENANCES, ResolvedInput, strip_provenance
from simulator.inputs.scenario_files import (
    ENTITY_LISTS,
    apply_overrides,
    override_label,
    parse_override,
    read_merged,
)
from simulator.inputs.schema import Scenario, unused_market_keys
from simulator.inputs.schema_types import RATE_ERRORS
from simulator.inputs.shipped import find_scenario
from simulator.model import protocol as _p
from simulator.model.units import unit_for

__all__ = [
    "ScenarioError",
    "PROVENANCES",
    "ResolvedInput",
    "ResolvedScenario",
    "load_scenario",
    "read_merged",
    "apply_overrides",
    "parse_override",
    "resolve",
    "protocol_inputs",
]

_SKIP_INPUTS = {"scenario.name", "scenario.description", "scenario.question"}


@dataclass(frozen=True)
class ResolvedScenario:
    """A validated scenario plus the provenance of every input."""

    model: Scenario
    inputs: dict[str, ResolvedInput]
    path: str
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def name(self) -> str:
        """Scenario name."""
        return self.model.scenario.name

    def counts(self) -> dict[str, int]:
        """Number of inputs by provenance."""
        out = dict.fromkeys(PROVENANCES, 0)
        for item in self.inputs.values():
            out[item.provenance] += 1
        return out


_CORE = "Bitcoin consensus rule (Bitcoin Core validation.cpp / pow.cpp)"


def protocol_inputs() -> list[ResolvedInput]:
    """Return the consensus rules used by the chain model as resolved inputs."""
    rows = [
        ("protocol.initial_subsidy_btc", _p.INITIAL_SUBSIDY_SAT / _p.SAT_PER_BTC, "BTC"),
        ("protocol.halving_interval_blocks", _p.HALVING_INTERVAL, "blocks"),
        ("protocol.target_block_spacing_s", _p.TARGET_BLOCK_SPACING_S, "s"),
        ("protocol.retarget_interval_blocks", _p.RETARGET_INTERVAL, "blocks"),
        ("protocol.max_retarget_factor", _p.MAX_RETARGET_FACTOR, "ratio"),
    ]
    return [ResolvedInput(key, value, unit, "protocol", _CORE) for key, value, unit in rows]


def _walk_model(node: Any, key: str) -> Iterable[tuple[str, Any, str]]:
    """Yield (dotted key, value, field description) for every leaf of a model."""
    if isinstance(node, BaseModel):
        fields = type(node).model_fields
        for name, info in fields.items():
            sub = f"{key}.{name}" if key else name
            value = getattr(node, name)
            if isinstance(value, BaseModel | list):
                yield from _walk_model(value, sub)
            else:
                yield sub, value, info.description or ""
    elif isinstance(node, list):
        for i, item in enumerate(node):
            label = getattr(item, "name", None)
            yield from _walk_model(item, f"{key}.{label if label else i}")


def resolve(
    data: Mapping[str, Any],
    file: str,
    registry: FactRegistry | None = None,
    overrides: Sequence[str] = (),
) -> ResolvedScenario:
    """Resolve value forms, validate, and build the provenance table.

    Parameters
    ----------
    data : Mapping
        Merged scenario data, ``--set`` overrides applied.
    file : str
        Scenario file, for errors.
    registry : FactRegistry, optional
        Facts registry; the packaged one by default.
    overrides : sequence of str, optional
        The ``--set`` overrides applied to ``data``: an error in a key one of
        them set is blamed on it (``--set key=value: key: message``), not on
        the file.

    Returns
    -------
    ResolvedScenario

    Raises
    ------
    ScenarioError
        With the file (or override), the dotted key and what is wrong.
    """
    try:
        return _resolve(data, file, load_facts() if registry is None else registry)
    except ScenarioError as exc:
        raise _blame_override(exc, overrides) from None


def _resolve(data: Mapping[str, Any], file: str, reg: FactRegistry) -> ResolvedScenario:
    """:func:`resolve` without the blame on overrides."""
    recorded: dict[str, ResolvedInput] = {}
    plain = strip_provenance(dict(data), "", file, reg, recorded)
    _check_unique_names(plain, file)
    try:
        model = Scenario.model_validate(plain)
    except ValidationError as exc:
        raise validation_error(exc, file, plain, Scenario, RATE_ERRORS) from None
    _check_reserve_links(model, file)
    _check_event_dates(model, file)
    inputs = _input_table(model, recorded)
    inputs.update((i.key, i) for i in protocol_inputs())
    return ResolvedScenario(model=model, inputs=inputs, path=file, raw=dict(data))


def _blame_override(exc: ScenarioError, overrides: Sequence[str]) -> ScenarioError:
    """``exc`` named by the last override that set its key or a table holding it, else as is.

    Parameters
    ----------
    exc : ScenarioError
        An error raised on the merged data.
    overrides : sequence of str
        The ``--set`` overrides, in the order applied.

    Returns
    -------
    ScenarioError
        ``--set key=value: KEY: message`` if an override set ``KEY`` or a
        table holding it, else ``exc``.
    """
    for text in reversed(overrides):
        key = text.partition("=")[0].strip()
        if exc.key == key or exc.key.startswith(key + "."):
            return ScenarioError(override_label(text), exc.key, exc.message)
    return exc


def _check_unique_names(plain: Mapping[str, Any], file: str) -> None:
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


def _check_reserve_links(model: Scenario, file: str) -> None:
    """Check that every mining operation's ``reserve`` names a reserve of the scenario.

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
    for op in model.mining:
        if op.reserve is not None and op.reserve not in reserves:
            hint = did_you_mean(op.reserve, reserves)
            raise ScenarioError(
                file, f"mining.{op.name}.reserve", f"no reserve named {op.reserve!r}{hint}"
            )


def _check_event_dates(model: Scenario, file: str) -> None:
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


def _input_table(
    model: Scenario, recorded: Mapping[str, ResolvedInput]
) -> dict[str, ResolvedInput]:
    """Build the provenance table of every input the model uses.

    Parameters
    ----------
    model : Scenario
        The validated scenario.
    recorded : Mapping
        Provenance of the values written in the file, by dotted key.

    Returns
    -------
    dict of str to ResolvedInput
        Every leaf of the model, except names, descriptive text and unused
        market keys: as recorded (with the validated value), or else as a
        btcsim default.
    """
    inputs: dict[str, ResolvedInput] = {}
    unused = unused_market_keys(model)
    for key, value, description in _walk_model(model, ""):
        if key in _SKIP_INPUTS or key.endswith(".name") or key in unused:
            continue
        if isinstance(value, dt.date):
            value = value.isoformat()
        if key in recorded:
            item = recorded[key]
            inputs[key] = ResolvedInput(**{**item.__dict__, "value": value})
        else:
            note = f"btcsim default: {description}" if description else "btcsim default"
            inputs[key] = ResolvedInput(
                key, value, unit_for(key), "assumption", note, is_default=True
            )
    return inputs


def load_scenario(
    path: str | Path,
    overrides: Iterable[str] = (),
    registry: FactRegistry | None = None,
) -> ResolvedScenario:
    """Load, merge, override, resolve and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        Scenario TOML file. A path that does not exist but names a shipped
        scenario (``scenarios/baseline.toml``, ``price_models/t``) reads the
        copy installed with btcsim (:func:`simulator.inputs.shipped.find_scenario`).
    overrides : iterable of str
        ``dotted.key=value`` strings, applied after ``extends`` merging.
    registry : FactRegistry, optional
        Facts registry; the packaged one by default.

    Returns
    -------
    ResolvedScenario

    Raises
    ------
    ScenarioError
        With the file, the dotted key and what is wrong.
    """
    path = find_scenario(path)
    sets = list(overrides)
    data = apply_overrides(read_merged(path), sets)
    return resolve(data, str(path), registry, sets)
