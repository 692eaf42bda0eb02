"""Build one registry from validated facts files: the built-in registry, then the user's.

:func:`build_registry` adds each file's cited facts in turn, applies the
``supersedes`` rule (an id already taken is an error unless the new fact
supersedes it, with a reason; the earlier fact then stays in its sources and
spread) and computes every derived fact last, over all files' cited facts.
"""

import dataclasses
import datetime
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator.inputs.errors import FactsFileError
from simulator.inputs.fact_registry import FactRegistry, FactsFile
from simulator.inputs.fact_types import (
    AnyFact,
    DerivedFact,
    Fact,
    Source,
    file_label,
    value_label,
)
from simulator.inputs.formula import evaluate_formula, evaluate_interval, formula_inputs

if TYPE_CHECKING:
    from simulator.inputs.facts_schema import DerivedEntry, Document, FactEntry

__all__ = ["Layer", "build_registry"]


@dataclass(frozen=True)
class Layer:
    """One validated facts file, ready to be built into a registry with others.

    Parameters
    ----------
    shown : str
        How errors name the file.
    origin : str or None
        The user's facts file the entries come from; None for the built-in
        registry (its citations name no file).
    document : Document
        The validated entries (:class:`simulator.inputs.facts_schema.Document`).
    """

    shown: str
    origin: str | None
    document: "Document"


def _cited(entry: "FactEntry", origin: str | None) -> Fact:
    """Build a :class:`Fact` from its validated table."""
    sources = tuple(
        Source(
            outlet=s.outlet,
            published=s.published,
            figure=s.figure,
            qualifier=s.qualifier,
            seed=s.seed,
            headline=s.headline if s.headline is not None else s.title,
            via=s.via,
            date_note=s.date_note,
            note=s.note,
            stated=s.stated,
            url=s.url,
            origin=origin,
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
        origin=origin,
        supersedes_reason=entry.supersedes_reason,
    )


def _superseding(new: Fact, old: Fact, shown: str) -> Fact:
    """``new`` as the canonical fact in place of ``old``, keeping ``old`` visible.

    The earlier figure's sources follow the new ones (marked ``superseded``)
    and the spread widens to hold the earlier figure and its spread.

    Raises
    ------
    FactsFileError
        If the two are not the same quantity: another unit, or a number
        against a non-number.
    """
    if new.unit != old.unit:
        raise FactsFileError(
            f"supersedes {old.id!r}, which is in {old.unit}: a later figure for the same "
            f"quantity has the same unit (got {new.unit})",
            shown,
            new.id,
            "unit",
        )
    if new.is_numeric != old.is_numeric:
        raise FactsFileError(
            f"supersedes {old.id!r}, whose value is {value_label(old.value)}: a later figure "
            f"for the same quantity is {'a number' if old.is_numeric else 'not a number'} too",
            shown,
            new.id,
            "value",
        )
    low, high = new.low, new.high
    if new.is_numeric:
        both = (new.low, new.high, new.value, old.low, old.high, old.value)
        ends = [x for x in both if isinstance(x, float)]
        if min(ends) < max(ends):
            low, high = min(ends), max(ends)
    earlier = tuple(dataclasses.replace(s, superseded=True) for s in old.sources)
    return dataclasses.replace(
        new, sources=new.sources + earlier, low=low, high=high, supersedes=old
    )


def _add_cited(layer: Layer, entry: "FactEntry", facts: dict[str, AnyFact]) -> None:
    """Add one cited entry to ``facts``: new, or superseding the fact of the same id."""
    fact = _cited(entry, layer.origin)
    earlier = facts.get(entry.id)
    if earlier is None:
        if entry.supersedes is not None:
            hint = difflib.get_close_matches(entry.id, list(facts), n=1)
            raise FactsFileError(
                f"there is no earlier fact {entry.id!r} to supersede (in the built-in registry "
                "or a facts file read before this one)"
                + (f"; did you mean {hint[0]!r}?" if hint else ""),
                layer.shown,
                entry.id,
                "supersedes",
            )
        facts[entry.id] = fact
        return
    if isinstance(earlier, DerivedFact):
        raise FactsFileError(
            f"the {file_label(earlier.origin)} already has {entry.id!r} as a derived fact "
            f"({earlier.formula}); supersede the cited facts it is computed from instead",
            layer.shown,
            entry.id,
            "id",
        )
    if entry.supersedes is None:
        raise FactsFileError(
            f"the {file_label(earlier.origin)} already has {entry.id!r} "
            f"({value_label(earlier.value)} {earlier.unit}); to replace it with a later figure "
            f'for the same quantity, add supersedes = "{entry.id}" and supersedes_reason = '
            '"why", or choose another id',
            layer.shown,
            entry.id,
            "id",
        )
    facts[entry.id] = _superseding(fact, earlier, layer.shown)


def _resolve_derived(
    entries: Mapping[str, tuple[Layer, "DerivedEntry"]], facts: dict[str, AnyFact]
) -> None:
    """Compute every derived entry into ``facts``, inputs first."""
    visiting: list[str] = []

    def resolve(fid: str) -> DerivedFact:
        layer, entry = entries[fid]

        def fail(message: str) -> FactsFileError:
            return FactsFileError(message, layer.shown, fid, "formula", "derived")

        if fid in visiting:
            cycle = " -> ".join([*visiting[visiting.index(fid) :], fid])
            raise fail(f"circular definition: {cycle}")
        visiting.append(fid)
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
                raise fail(f"input {name!r} is not in the registry{hint}")
            if not dep.is_numeric:
                raise fail(f"input {name!r} is not numeric ({dep.value!r})")
            deps.append(dep)
        try:
            value = evaluate_formula(entry.formula, {d.id: float(d.value) for d in deps})
            spreads = {d.id: d.spread for d in deps if d.spread is not None}
            interval = (
                evaluate_interval(entry.formula, spreads) if len(spreads) == len(deps) else None
            )
        except ValueError as exc:
            raise fail(str(exc)) from None
        as_of: datetime.date = entry.as_of or max(d.as_of for d in deps)
        files: list[str] = []
        for d in deps:
            files += [d.origin] if d.origin is not None else []
            files += list(d.input_files) if isinstance(d, DerivedFact) else []
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
            origin=layer.origin,
            input_files=tuple(dict.fromkeys(files)),
        )
        visiting.pop()
        facts[fid] = fact
        return fact

    for fid in entries:
        if fid not in facts:
            resolve(fid)


def build_registry(layers: Sequence[Layer], files: Sequence[FactsFile] = ()) -> FactRegistry:
    """Build one registry from validated facts files, the built-in registry first.

    Cited facts are added file by file. An id already taken by an earlier
    file is an error unless the new fact says ``supersedes = "ID"`` (with
    ``supersedes_reason``): then it is canonical, and the earlier fact stays
    in its sources and spread. Derived facts are computed last, over every
    file's cited facts, so a built-in formula uses a superseding figure.

    Parameters
    ----------
    layers : sequence of Layer
        The validated files, in the order read.
    files : sequence of FactsFile, optional
        The records of the users' files among them (kept in the registry).

    Returns
    -------
    FactRegistry
        Cited and derived facts of every file.

    Raises
    ------
    FactsFileError
        Naming the file, entry and field: an id taken, a supersedes with
        nothing to supersede or another unit, an unknown or non-numeric
        formula input, a circular derivation.
    """
    facts: dict[str, AnyFact] = {}
    derived: dict[str, tuple[Layer, DerivedEntry]] = {}
    for layer in layers:
        for entry in layer.document.fact:
            if entry.id in derived:
                old = derived[entry.id][0].origin
                raise FactsFileError(
                    f"the {file_label(old)} already has {entry.id!r} as a derived fact; "
                    "supersede the cited facts it is computed from instead",
                    layer.shown,
                    entry.id,
                    "id",
                )
            _add_cited(layer, entry, facts)
        for d in layer.document.derived:
            if d.id in facts or d.id in derived:
                old = facts[d.id].origin if d.id in facts else derived[d.id][0].origin
                raise FactsFileError(
                    f"the {file_label(old)} already has {d.id!r}; a derived fact never "
                    "supersedes another, so choose another id",
                    layer.shown,
                    d.id,
                    "id",
                    "derived",
                )
            derived[d.id] = (layer, d)
    _resolve_derived(derived, facts)
    return FactRegistry(facts, files)
