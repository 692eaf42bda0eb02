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

A top-level ``facts = ["my_facts.toml"]`` (and ``--facts FILE`` on the command
line) adds the user's facts files to the built-in registry for this scenario
(:mod:`simulator.inputs.user_facts`): ``cite`` and ``derive`` then find their
facts too, and the scenario keeps the registry it used (``registry``, with the
files and their SHA-256 in ``registry.files``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from simulator.inputs.errors import ScenarioError, validation_error
from simulator.inputs.fact_types import file_label
from simulator.inputs.facts import DerivedFact, FactRegistry, FactsFile
from simulator.inputs.provenance import PROVENANCES, ResolvedInput, strip_provenance
from simulator.inputs.scenario_checks import (
    check_currencies,
    check_event_dates,
    check_reserve_links,
    check_unique_names,
    check_variance_reduction,
)
from simulator.inputs.scenario_files import (
    FACTS_KEY,
    apply_overrides,
    override_label,
    parse_override,
    read_merged,
)
from simulator.inputs.schema import Scenario, unread_market_keys, unused_market_keys
from simulator.inputs.schema_types import RATE_ERRORS
from simulator.inputs.shipped import find_scenario
from simulator.inputs.start_from import apply_start_from
from simulator.inputs.toml_files import decode_text, parse_toml, read_file_bytes
from simulator.model import protocol as _p
from simulator.model.units import unit_for

__all__ = [
    "unread_file_keys",
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

#: Not inputs of the model: labels, and the Monte Carlo method (antithetic pairs and
#: streamed percentiles change how the same quantities are estimated, not what is assumed).
_SKIP_INPUTS = {
    "scenario.name",
    "scenario.description",
    "scenario.question",
    "scenario.variance_reduction",
    "scenario.percentiles",
}


@dataclass(frozen=True)
class ResolvedScenario:
    """A validated scenario plus the provenance of every input.

    Attributes
    ----------
    model : Scenario
        The validated scenario.
    inputs : dict of str to ResolvedInput
        Every input with its provenance, by dotted key.
    path : str
        The scenario file.
    raw : dict
        The merged file data, overrides applied (``facts`` included), from
        which variants are resolved again.
    registry : FactRegistry or None
        The facts registry the scenario was resolved with: the built-in one,
        plus the scenario's facts files if it names any.
    """

    model: Scenario
    inputs: dict[str, ResolvedInput]
    path: str
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    registry: FactRegistry | None = field(repr=False, default=None, compare=False)

    @property
    def name(self) -> str:
        """Scenario name."""
        return self.model.scenario.name

    @property
    def facts_files(self) -> tuple[FactsFile, ...]:
        """The user's facts files the scenario read (path, SHA-256), in order."""
        return self.registry.files if self.registry is not None else ()

    def fact_origin(self, key: str) -> str:
        """Which user's facts file an input's cited or derived value comes from, as a label.

        Parameters
        ----------
        key : str
            Dotted input key.

        Returns
        -------
        str
            ``"facts file NAME"`` for a fact of a user's file, ``"inputs from
            facts file NAME"`` for a built-in formula over one, else ``""``.
        """
        item = self.inputs.get(key)
        reg = self.registry
        if item is None or item.fact_id is None or reg is None or item.fact_id not in reg:
            return ""
        fact = reg.get(item.fact_id)
        if fact.origin is not None:
            return file_label(fact.origin)
        files = fact.input_files if isinstance(fact, DerivedFact) else ()
        return "inputs from " + ", ".join(file_label(f) for f in files) if files else ""

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
        return _resolve(data, file, _registry(data, file, registry))
    except ScenarioError as exc:
        raise _blame_override(exc, overrides) from None


def _registry(data: Mapping[str, Any], file: str, given: FactRegistry | None) -> FactRegistry:
    """The registry a scenario resolves with: ``given``, or the built-in one plus its facts files.

    Raises
    ------
    ScenarioError
        If ``facts`` is not a list of paths, or comes with a ``given`` registry
        (facts files are read on top of the built-in registry only).
    FactsFileError
        For a facts file at fault, naming it.
    """
    from simulator.inputs.user_facts import load_user_facts

    paths = data.get(FACTS_KEY, [])
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise ScenarioError(file, FACTS_KEY, "expected a list of facts file paths")
    if given is not None:
        if paths:
            raise ScenarioError(
                file, FACTS_KEY, "facts files are read on top of the built-in registry only"
            )
        return given
    return load_user_facts(paths)


def _resolve(data: Mapping[str, Any], file: str, reg: FactRegistry) -> ResolvedScenario:
    """:func:`resolve` without the blame on overrides."""
    recorded: dict[str, ResolvedInput] = {}
    started, from_data = apply_start_from(data, file)
    plain = strip_provenance(
        {k: v for k, v in started.items() if k != FACTS_KEY}, "", file, reg, recorded
    )
    recorded.update(from_data)
    check_unique_names(plain, file)
    try:
        model = Scenario.model_validate(plain)
    except ValidationError as exc:
        raise validation_error(exc, file, plain, Scenario, RATE_ERRORS) from None
    check_reserve_links(model, file)
    check_currencies(model, file)
    check_event_dates(model, file)
    check_variance_reduction(model, file)
    inputs = _input_table(model, recorded)
    inputs.update((k, v) for k, v in from_data.items() if k not in inputs)
    inputs.update((i.key, i) for i in protocol_inputs())
    return ResolvedScenario(model=model, inputs=inputs, path=file, raw=dict(data), registry=reg)


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
        Every leaf of the model, except names, descriptive text, unused
        market keys, an absent ``ai`` table and an unset short-form
        benchmark: as recorded (with the validated value), or else as a
        btcsim default.
    """
    inputs: dict[str, ResolvedInput] = {}
    unused = unused_market_keys(model)
    for key, value, description in _walk_model(model, ""):
        if key in _SKIP_INPUTS or key.endswith(".name") or key in unused:
            continue
        if key.endswith(".ai") and value is None:
            continue  # no AI side: not an input (its fields are, when it has one)
        if key in _SHORT_BENCHMARK and model.scenario.benchmark_usd is None:
            continue  # the short form of a [[benchmark]], unused
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


#: The short form of one ``[[benchmark]]``: inputs only when ``benchmark_usd`` is set.
_SHORT_BENCHMARK = ("scenario.benchmark_usd", "scenario.benchmark_label")


def load_scenario(
    path: str | Path,
    overrides: Iterable[str] = (),
    registry: FactRegistry | None = None,
    facts: Iterable[str | Path] = (),
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
        Facts registry; the packaged one by default, plus the facts files the
        scenario names and ``facts``.
    facts : iterable of str or Path, optional
        More facts files (``--facts FILE``), relative to the working folder,
        read after the scenario's own.

    Returns
    -------
    ResolvedScenario

    Raises
    ------
    ScenarioError
        With the file, the dotted key and what is wrong.
    FactsFileError
        For a facts file at fault, naming it, the entry and the field.
    """
    path = find_scenario(path)
    sets = list(overrides)
    data = apply_overrides(read_merged(path), sets)
    extra = [str(f) for f in facts]
    if extra:
        data[FACTS_KEY] = list(dict.fromkeys([*data.get(FACTS_KEY, []), *extra]))
    return resolve(data, str(path), registry, sets)


def unread_file_keys(scenario: ResolvedScenario) -> list[tuple[str, str]]:
    """Market keys the scenario's own file writes that its chosen models do not read.

    Only the file itself counts, not what it inherits with ``extends``: a
    price-model variant of the baseline inherits the baseline's GBM drift
    without writing it. Returns ``(key, model)`` pairs, e.g.
    ``("market.network.growth_per_year", "economic")``; none if the file
    cannot be read again.
    """
    path = Path(scenario.path)
    try:
        data = parse_toml(decode_text(read_file_bytes(path, scenario.path), scenario.path), "")
    except (ScenarioError, OSError, ValueError):
        return []
    market = data.get("market")
    keys = []
    for section in ("price", "network", "fx"):
        table = market.get(section) if isinstance(market, dict) else None
        if isinstance(table, dict):
            keys += [f"market.{section}.{name}" for name in table]
    return unread_market_keys(scenario.model, keys)
