"""Cited-facts registry: figures reported by source articles, with provenance.

The registry lives in ``facts.toml`` next to this module (see DESIGN.md section 2,
"Provenance"). It holds two kinds of entries:

``[[fact]]`` (:class:`Fact`, provenance ``"cited"``)
    A figure stated in one or more source articles. Every statement is kept as a
    :class:`Source` (outlet, headline, date, the figure verbatim and its
    qualifier). The entry names a canonical ``value`` with the rule used to pick
    it, and ``low``/``high`` give the spread of the numbers the sources state.

``[[derived]]`` (:class:`DerivedFact`, provenance ``"derived"``)
    A value computed only from cited (or other derived) facts by an arithmetic
    ``formula`` over fact ids, e.g.
    ``el_salvador.reserve_value_usd / el_salvador.reserve_btc``. The value is
    never typed into the file: it is computed on load from the canonical values
    of its inputs. Its spread is computed by interval arithmetic over the
    inputs' ``low``/``high`` (see :func:`evaluate_interval`).

Qualifiers and spreads
----------------------
Each source figure carries one of :data:`QUALIFIERS`. Its optional numeric
reading ``stated`` enters the spread as follows: ``exact X`` and ``about X``
enter as X (no tolerance is invented for "about"); ``over X`` enters as X and is
a floor (the true value may exceed ``high``); ``up to X`` enters as X and is a
ceiling; ``range A-B`` enters as both A and B. ``low``/``high`` must contain
every stated number and, when every source has one, equal their minimum and
maximum.

Examples
--------
>>> reg = load_facts()
>>> reg.get("el_salvador.reserve_btc").value
6238.0
>>> round(reg.get("btc_price.implied_usd").value, 2)
119429.3
"""

import datetime
import difflib
import functools
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.inputs.errors import FactsFileError, UnknownFactError
from simulator.inputs.fact_types import QUALIFIERS, AnyFact, DerivedFact, Fact, FactRegistry, Source
from simulator.inputs.formula import evaluate_formula, evaluate_interval, formula_inputs

if TYPE_CHECKING:
    from simulator.inputs.facts_schema import DerivedEntry, FactEntry

__all__ = [
    "QUALIFIERS",
    "DerivedFact",
    "Fact",
    "FactRegistry",
    "FactsFileError",
    "Source",
    "UnknownFactError",
    "evaluate_formula",
    "evaluate_interval",
    "formula_inputs",
    "load_facts",
    "registry_from_dict",
]

DEFAULT_PATH: Path = Path(__file__).with_name("facts.toml")
"""The packaged registry file read by :func:`load_facts` by default."""


def _cited(entry: "FactEntry") -> Fact:
    """Build a :class:`Fact` from its validated table."""
    sources = tuple(
        Source(
            outlet=s.outlet,
            published=s.published,
            figure=s.figure,
            qualifier=s.qualifier,
            seed=s.seed,
            headline=s.headline,
            via=s.via,
            date_note=s.date_note,
            note=s.note,
            stated=s.stated,
        )
        for s in entry.sources
    )
    return Fact(
        id=entry.id,
        value=entry.value,
        unit=entry.unit,
        as_of=entry.as_of,
        claim=entry.claim,
        sources=sources,
        canonical_rule=entry.canonical_rule,
        low=entry.low,
        high=entry.high,
    )


def _resolve_derived(
    origin: str, entries: Mapping[str, "DerivedEntry"], facts: dict[str, AnyFact]
) -> None:
    """Compute every derived entry into ``facts``, inputs first."""
    visiting: list[str] = []

    def fail(fid: str, message: str) -> FactsFileError:
        return FactsFileError(message, origin, fid, "formula")

    def resolve(fid: str) -> DerivedFact:
        if fid in visiting:
            cycle = " -> ".join([*visiting[visiting.index(fid) :], fid])
            raise fail(fid, f"circular definition: {cycle}")
        visiting.append(fid)
        entry = entries[fid]
        inputs = formula_inputs(entry.formula)  # parses: checked by the schema
        deps: list[AnyFact] = []
        for name in inputs:
            if name in facts:
                dep = facts[name]
            elif name in entries:
                dep = resolve(name)
            else:
                known = difflib.get_close_matches(name, [*facts, *entries], n=1)
                hint = f" (did you mean {known[0]!r}?)" if known else ""
                raise fail(fid, f"input {name!r} is not in the registry{hint}")
            if not dep.is_numeric:
                raise fail(fid, f"input {name!r} is not numeric ({dep.value!r})")
            deps.append(dep)
        try:
            value = evaluate_formula(entry.formula, {d.id: float(d.value) for d in deps})
            spreads = {d.id: d.spread for d in deps if d.spread is not None}
            interval = (
                evaluate_interval(entry.formula, spreads) if len(spreads) == len(deps) else None
            )
        except ValueError as exc:
            raise fail(fid, str(exc)) from None
        as_of: datetime.date = entry.as_of or max(d.as_of for d in deps)
        fact = DerivedFact(
            id=fid,
            value=value,
            unit=entry.unit,
            as_of=as_of,
            claim=entry.claim,
            formula=entry.formula,
            inputs=inputs,
            low=interval[0] if interval else None,
            high=interval[1] if interval else None,
            bound=entry.bound,
        )
        visiting.pop()
        facts[fid] = fact
        return fact

    for fid in entries:
        if fid not in facts:
            resolve(fid)


def registry_from_dict(data: Mapping[str, Any], origin: str = "<facts>") -> FactRegistry:
    """Validate parsed registry data (the TOML document) and build a registry.

    The shape and the per-entry rules are checked by the pydantic models of
    :mod:`simulator.inputs.facts_schema` (imported on first use, so importing
    this module stays cheap); derived entries are then computed here.

    Parameters
    ----------
    data : mapping
        A document with ``fact`` and optional ``derived`` arrays of tables.
    origin : str, optional
        Name of the file, used in error messages.

    Returns
    -------
    FactRegistry
        Cited facts plus derived facts computed from them.

    Raises
    ------
    FactsFileError
        If anything is malformed: unknown keys, bad qualifier or date, no
        source, canonical value outside the spread, spread inconsistent with
        the stated numbers, unsafe formula, unknown or non-numeric input,
        circular derivation or duplicate id.
    """
    from simulator.inputs import facts_schema

    document = facts_schema.validate(data, origin)
    facts: dict[str, AnyFact] = {entry.id: _cited(entry) for entry in document.fact}
    _resolve_derived(origin, {entry.id: entry for entry in document.derived}, facts)
    return FactRegistry(facts)


def _load_path(path: Path) -> FactRegistry:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FactsFileError(f"not valid TOML: {exc}", str(path)) from None
    return registry_from_dict(data, str(path))


@functools.lru_cache(maxsize=1)
def _load_default() -> FactRegistry:
    return _load_path(DEFAULT_PATH)


def load_facts(path: str | Path | None = None) -> FactRegistry:
    """Load and validate a facts registry.

    Parameters
    ----------
    path : str or Path or None, optional
        A registry TOML file. ``None`` (default) loads the packaged
        ``facts.toml`` beside this module; that registry is cached.

    Returns
    -------
    FactRegistry
        The validated registry, derived values computed.

    Raises
    ------
    FactsFileError
        If the file is not valid TOML or the registry is malformed.
    OSError
        If the file cannot be read.
    """
    if path is None:
        return _load_default()
    return _load_path(Path(path))
