"""Scenario files: TOML loading, ``extends``, overrides and provenance.

A scenario file is TOML. Any value may be written in one of four forms::

    power_mw = 2000                                         # plain assumption
    holdings_btc = { cite = "el_salvador.reserve_btc" }     # cited fact
    start_usd = { derive = "btc_price.implied_usd" }        # derived from cited facts
    uptime = { value = 0.9, note = "grid curtailment", low = 0.8, high = 0.97 }

Resolution strips these forms to plain values (validated by
:mod:`simulator.inputs.schema`) and records, for every input, its value, unit,
provenance and source or note (:class:`ResolvedInput`).
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import math
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from simulator.inputs.errors import ScenarioError
from simulator.inputs.facts import FactRegistry, UnknownFactError, load_facts
from simulator.inputs.schema import Scenario, unused_market_keys
from simulator.model import protocol as _p
from simulator.model.units import unit_for

__all__ = [
    "ScenarioError",
    "ResolvedInput",
    "ResolvedScenario",
    "load_scenario",
    "read_merged",
    "apply_overrides",
    "parse_override",
    "resolve",
    "protocol_inputs",
]

PROVENANCES = ("cited", "derived", "protocol", "assumption")
ENTITY_LISTS = ("reserve", "mining")
_FORM_KEYS = {"cite", "derive", "value", "note", "low", "high"}
_SKIP_INPUTS = {"scenario.name", "scenario.description", "scenario.question"}


@dataclass(frozen=True)
class ResolvedInput:
    """One resolved input value with its provenance.

    Attributes
    ----------
    key : str
        Dotted key, entities addressed by name (``mining.pakistan.power_mw``).
    value : Any
        The plain value the model uses.
    unit : str
        Unit, from the key's suffix (``_mw`` -> ``MW``).
    provenance : str
        One of ``cited``, ``derived``, ``protocol``, ``assumption``.
    source : str
        Citation for cited/derived values, or the note of an assumption.
    low, high : float or None
        Plausible range (assumptions) or the spread of sources (cited facts).
    fact_id : str or None
        Registry id for cited and derived values.
    """

    key: str
    value: Any
    unit: str
    provenance: str
    source: str = ""
    low: float | None = None
    high: float | None = None
    fact_id: str | None = None
    is_default: bool = False


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


# --------------------------------------------------------------------- loading
def _read_toml(path: Path, shown: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(shown, "", "file not found") from None
    except OSError as exc:
        raise ScenarioError(shown, "", f"cannot read file ({exc.strerror})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(shown, "", f"TOML syntax error: {exc}") from None


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``top`` into a copy of ``base``; entity lists merge by ``name``."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict) and not (_FORM_KEYS & value.keys()):
            out[key] = _merge(old, value)
        elif key in ENTITY_LISTS and isinstance(old, list) and isinstance(value, list):
            merged = {e.get("name"): e for e in old if isinstance(e, dict)}
            order = [e.get("name") for e in old if isinstance(e, dict)]
            for entity in value:
                name = entity.get("name") if isinstance(entity, dict) else None
                if name in merged:
                    merged[name] = _merge(merged[name], entity)
                else:
                    merged[name] = copy.deepcopy(entity)
                    order.append(name)
            out[key] = [merged[n] for n in order if not merged[n].get("remove", False)]
        else:
            out[key] = copy.deepcopy(value)
    return out


def _resolve_files(node: Any, folder: Path) -> Any:
    """Make relative paths in ``*_file`` keys relative to the declaring file's folder."""
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key.endswith("_file") and isinstance(value, str | dict):
            text = value.get("value") if isinstance(value, dict) else value
            if isinstance(text, str) and text and not Path(text).is_absolute():
                text = os.path.normpath(folder / text)
                value = {**value, "value": text} if isinstance(value, dict) else text
        out[key] = _resolve_files(value, folder) if isinstance(value, dict) else value
    return out


def read_merged(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file and everything it ``extends``, deep-merged.

    ``extends`` is a path (or list of paths) relative to the file; later
    files and the file itself win. Entities in ``[[reserve]]`` and
    ``[[mining]]`` merge by ``name``; ``remove = true`` drops an entity.
    Relative paths in keys ending in ``_file`` are taken relative to the
    file that sets them.
    """
    path = Path(path)
    shown = str(path)
    resolved = path.resolve()
    if resolved in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, resolved))
        raise ScenarioError(shown, "extends", f"cycle in extends ({cycle})")
    data = _resolve_files(_read_toml(path, shown), path.parent)
    parents = data.pop("extends", [])
    if isinstance(parents, str):
        parents = [parents]
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        raise ScenarioError(shown, "extends", f"expected a path or list of paths (got {parents!r})")
    merged: dict[str, Any] = {}
    for parent in parents:
        parent_path = path.parent / parent
        if not parent_path.is_file():
            raise ScenarioError(shown, "extends", f"file not found: {parent}")
        merged = _merge(merged, read_merged(parent_path, (*_chain, resolved)))
    return _merge(merged, data)


# ------------------------------------------------------------------- overrides
def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``dotted.key=value``; the value is read as TOML, else as a string."""
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key:
        raise ScenarioError("--set", text, "expected key=value (e.g. scenario.paths=500)")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def apply_overrides(data: dict[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """Apply ``--set key=value`` overrides; entities are addressed by name."""
    out = copy.deepcopy(data)
    for text in overrides:
        key, value = parse_override(text)
        parts = key.split(".")
        node: Any = out
        for i, part in enumerate(parts[:-1]):
            if isinstance(node, list):
                names = [e.get("name") for e in node if isinstance(e, dict)]
                if part not in names:
                    hint = _hint(part, [n for n in names if isinstance(n, str)])
                    raise ScenarioError("--set", ".".join(parts[: i + 1]), f"no entity{hint}")
                node = node[names.index(part)]
            elif isinstance(node, dict):
                node = node.setdefault(part, [] if part in ENTITY_LISTS and i == 0 else {})
            else:
                raise ScenarioError("--set", key, "cannot set inside a plain value")
        last = parts[-1]
        if not isinstance(node, dict):
            raise ScenarioError("--set", key, "name an entity, then its key")
        node[last] = {"value": value, "note": "set on the command line"}
    return out


# ------------------------------------------------------------------ provenance
def _hint(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_number(file: str, key: str, value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ScenarioError(file, key, f"must be a finite number (got {value})")


def _strip(node: Any, key: str, file: str, reg: FactRegistry, out: dict[str, ResolvedInput]) -> Any:
    """Replace value forms by plain values, recording provenance in ``out``."""
    if isinstance(node, list):
        items = []
        for i, item in enumerate(node):
            label = item.get("name") if isinstance(item, dict) else None
            sub = (
                f"{key}.{label}" if key in ENTITY_LISTS and isinstance(label, str) else f"{key}.{i}"
            )
            items.append(_strip(item, sub, file, reg, out))
        return items
    if isinstance(node, dict) and not (_FORM_KEYS & node.keys()):
        return {k: _strip(v, f"{key}.{k}" if key else k, file, reg, out) for k, v in node.items()}
    unit = unit_for(key)
    if not isinstance(node, dict):
        _check_number(file, key, node)
        out[key] = ResolvedInput(key, node, unit, "assumption", "no note given")
        return node
    extra = node.keys() - _FORM_KEYS
    if extra:
        bad = sorted(extra)[0]
        raise ScenarioError(
            file, f"{key}.{bad}", f"unknown key in value form{_hint(bad, _FORM_KEYS)}"
        )
    forms = [f for f in ("cite", "derive", "value") if f in node]
    if len(forms) != 1:
        raise ScenarioError(file, key, "write exactly one of cite, derive or value")
    form = forms[0]
    if form == "value":
        value = node["value"]
        for k in ("value", "low", "high"):
            if k in node:
                _check_number(file, f"{key}.{k}", node[k])
        low, high = node.get("low"), node.get("high")
        if low is not None and high is not None and not low <= high:
            raise ScenarioError(file, key, f"low must not exceed high (got {low} > {high})")
        note = str(node.get("note", "no note given"))
        out[key] = ResolvedInput(key, value, unit, "assumption", note, low, high)
        return value
    fact_id = node[form]
    if not isinstance(fact_id, str):
        raise ScenarioError(file, f"{key}.{form}", f"expected a fact id (got {fact_id!r})")
    try:
        fact = reg.get(fact_id)
    except UnknownFactError:
        hint = _hint(fact_id, reg.ids())
        raise ScenarioError(file, f"{key}.{form}", f"unknown fact {fact_id!r}{hint}") from None
    if fact.provenance != ("cited" if form == "cite" else "derived"):
        want = "derive" if form == "cite" else "cite"
        raise ScenarioError(file, key, f"{fact_id!r} is {fact.provenance}: write {want} = ...")
    out[key] = ResolvedInput(
        key, fact.value, unit, fact.provenance, fact.citation(), fact.low, fact.high, fact_id
    )
    return fact.value


def _pretty_loc(loc: tuple[Any, ...], raw: Mapping[str, Any]) -> str:
    parts: list[str] = []
    node: Any = raw
    for item in loc:
        if isinstance(item, int) and isinstance(node, list):
            entity = node[item] if item < len(node) else None
            name = entity.get("name") if isinstance(entity, dict) else None
            parts.append(
                name
                if isinstance(name, str) and parts[-1:] in (["reserve"], ["mining"])
                else str(item)
            )
            node = entity
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts)


def _model_fields(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = Scenario
    for item in loc[:-1]:
        if isinstance(item, int):
            continue
        info = model.model_fields.get(str(item))
        if info is None:
            return []
        ann = info.annotation
        args = getattr(ann, "__args__", ()) or (ann,)
        nxt = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if nxt is None:
            return []
        model = nxt
    return list(model.model_fields)


def _validation_error(exc: ValidationError, file: str, raw: Mapping[str, Any]) -> ScenarioError:
    err = exc.errors(include_url=False)[0]
    loc = tuple(err["loc"])
    key = _pretty_loc(loc, raw) or "(top level)"
    got = err.get("input")
    kind = err["type"]
    if kind == "extra_forbidden":
        return ScenarioError(file, key, f"unknown key{_hint(str(loc[-1]), _model_fields(loc))}")
    if kind == "missing":
        return ScenarioError(file, key, "missing required key")
    msg = err["msg"].removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        msg = "use lowercase letters, digits and _, starting with a letter"
    if isinstance(got, dict | list) or got is None:
        return ScenarioError(file, key, msg)
    return ScenarioError(file, key, f"{msg} (got {got!r})")


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
    data: Mapping[str, Any], file: str, registry: FactRegistry | None = None
) -> ResolvedScenario:
    """Resolve value forms, validate, and build the provenance table."""
    reg = load_facts() if registry is None else registry
    recorded: dict[str, ResolvedInput] = {}
    plain = _strip(dict(data), "", file, reg, recorded)
    for kind in ENTITY_LISTS:
        names = [e.get("name") for e in plain.get(kind, []) if isinstance(e, dict)]
        for name in names:
            if isinstance(name, str) and names.count(name) > 1:
                raise ScenarioError(
                    file, f"{kind}.{name}.name", f"{kind} name {name!r} is used twice"
                )
    try:
        model = Scenario.model_validate(plain)
    except ValidationError as exc:
        raise _validation_error(exc, file, plain) from None
    reserves = [r.name for r in model.reserve]
    for op in model.mining:
        if op.reserve is not None and op.reserve not in reserves:
            hint = _hint(op.reserve, reserves)
            raise ScenarioError(
                file, f"mining.{op.name}.reserve", f"no reserve named {op.reserve!r}{hint}"
            )
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
    inputs.update((i.key, i) for i in protocol_inputs())
    return ResolvedScenario(model=model, inputs=inputs, path=file, raw=dict(data))


def load_scenario(
    path: str | Path,
    overrides: Iterable[str] = (),
    registry: FactRegistry | None = None,
) -> ResolvedScenario:
    """Load, merge, override, resolve and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        Scenario TOML file.
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
    data = apply_overrides(read_merged(path), overrides)
    return resolve(data, str(path), registry)
