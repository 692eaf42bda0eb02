"""Provenance of scenario values: strip the four value forms and record where each came from.

A value is a plain assumption, ``{ value, note, low, high }``, ``{ cite = id }``
or ``{ derive = id }``; :func:`strip_provenance` replaces each with its plain
value and records a :class:`ResolvedInput` (value, unit, provenance, source or
note, range) under its dotted key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulator.inputs.errors import ScenarioError, did_you_mean, shorten
from simulator.inputs.facts import FactRegistry, UnknownFactError
from simulator.inputs.scenario_files import ENTITY_LISTS, FORM_KEYS
from simulator.model.units import unit_for

__all__ = ["PROVENANCES", "ResolvedInput", "count_text", "strip_provenance"]

#: The provenances, in the order tables list them: ``data`` is a value read from a
#: history file (``scenario.start_from``), with the file, column and day as its source.
PROVENANCES = ("cited", "derived", "data", "protocol", "assumption")


def count_text(counts: dict[str, int]) -> str:
    """``3 cited, 2 derived, 5 protocol, 43 assumptions``: the count line of a scenario.

    ``data`` (values read from a history file) is shown only when there are any.
    """
    parts = [
        f"{counts.get(p, 0)} {'assumptions' if p == 'assumption' else p}"
        for p in PROVENANCES
        if p != "data" or counts.get(p, 0)
    ]
    return ", ".join(parts)


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
        One of ``cited``, ``derived``, ``data``, ``protocol``, ``assumption``.
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


def _check_number(file: str, key: str, value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ScenarioError(file, key, f"must be a finite number (got {value})")


def strip_provenance(
    node: Any, key: str, file: str, reg: FactRegistry, out: dict[str, ResolvedInput]
) -> Any:
    """Replace value forms by plain values, recording provenance in ``out``."""
    if isinstance(node, list):
        return [
            strip_provenance(item, _item_key(key, i, item), file, reg, out)
            for i, item in enumerate(node)
        ]
    if isinstance(node, dict) and not (FORM_KEYS & node.keys()):
        return {
            k: strip_provenance(v, f"{key}.{k}" if key else k, file, reg, out)
            for k, v in node.items()
        }
    if not isinstance(node, dict):
        _check_number(file, key, node)
        out[key] = ResolvedInput(key, node, unit_for(key), "assumption", "no note given")
        return node
    form = _value_form(node, key, file)
    if form == "value":
        return _strip_assumption(node, key, file, out)
    return _strip_fact(node, form, key, file, reg, out)


def _item_key(key: str, index: int, item: Any) -> str:
    """Dotted key of one list item: entities by ``name``, anything else by index.

    Parameters
    ----------
    key : str
        Dotted key of the list.
    index : int
        Position of the item in the list.
    item : Any
        The item.

    Returns
    -------
    str
        ``reserve.el_salvador`` for a named entity, ``key.3`` otherwise.
    """
    label = item.get("name") if isinstance(item, dict) else None
    if key in ENTITY_LISTS and isinstance(label, str):
        return f"{key}.{label}"
    return f"{key}.{index}"


def _value_form(node: Mapping[str, Any], key: str, file: str) -> str:
    """Check a value-form table's keys and name its form.

    Parameters
    ----------
    node : Mapping
        A table holding at least one of the value-form keys.
    key : str
        Its dotted key.
    file : str
        Scenario file, for errors.

    Returns
    -------
    str
        ``"cite"``, ``"derive"`` or ``"value"``.

    Raises
    ------
    ScenarioError
        On an unknown key, or unless exactly one form is given.
    """
    extra = node.keys() - FORM_KEYS
    if extra:
        bad = sorted(extra)[0]
        raise ScenarioError(
            file, f"{key}.{bad}", f"unknown key in value form{did_you_mean(bad, FORM_KEYS)}"
        )
    forms = [f for f in ("cite", "derive", "value") if f in node]
    if len(forms) != 1:
        raise ScenarioError(file, key, "write exactly one of cite, derive or value")
    return forms[0]


def _strip_assumption(
    node: Mapping[str, Any], key: str, file: str, out: dict[str, ResolvedInput]
) -> Any:
    """Strip a ``{ value = ..., note, low, high }`` form, recording an assumption.

    Parameters
    ----------
    node : Mapping
        The value-form table.
    key : str
        Its dotted key.
    file : str
        Scenario file, for errors.
    out : dict
        Provenance table, updated with ``key``.

    Returns
    -------
    Any
        The plain value.

    Raises
    ------
    ScenarioError
        If ``low`` or ``high`` is not a number, a number is not finite, or
        ``low`` exceeds ``high``.
    """
    value = node["value"]
    for k in ("low", "high"):
        end = node.get(k)
        if k in node and (isinstance(end, bool) or not isinstance(end, int | float)):
            raise ScenarioError(file, f"{key}.{k}", f"expected a number (got {shorten(end)})")
    for k in ("value", "low", "high"):
        if k in node:
            _check_number(file, f"{key}.{k}", node[k])
    low, high = node.get("low"), node.get("high")
    if low is not None and high is not None and not low <= high:
        raise ScenarioError(file, key, f"low must not exceed high (got {low} > {high})")
    note = str(node.get("note", "no note given"))
    out[key] = ResolvedInput(key, value, unit_for(key), "assumption", note, low, high)
    return value


def _strip_fact(
    node: Mapping[str, Any],
    form: str,
    key: str,
    file: str,
    reg: FactRegistry,
    out: dict[str, ResolvedInput],
) -> Any:
    """Strip a ``{ cite = ... }`` or ``{ derive = ... }`` form, recording the fact.

    Parameters
    ----------
    node : Mapping
        The value-form table.
    form : str
        ``"cite"`` or ``"derive"``.
    key : str
        Its dotted key.
    file : str
        Scenario file, for errors.
    reg : FactRegistry
        Facts registry the id is looked up in.
    out : dict
        Provenance table, updated with ``key``.

    Returns
    -------
    Any
        The fact's value.

    Raises
    ------
    ScenarioError
        If the id is not a string, names no fact, or names a fact of the
        other provenance (``cite`` for derived facts, ``derive`` for cited).
    """
    fact_id = node[form]
    if not isinstance(fact_id, str):
        raise ScenarioError(file, f"{key}.{form}", f"expected a fact id (got {shorten(fact_id)})")
    try:
        fact = reg.get(fact_id)
    except UnknownFactError:
        hint = did_you_mean(fact_id, reg.ids())
        raise ScenarioError(file, f"{key}.{form}", f"unknown fact {fact_id!r}{hint}") from None
    if fact.provenance != ("cited" if form == "cite" else "derived"):
        want = "derive" if form == "cite" else "cite"
        raise ScenarioError(file, key, f"{fact_id!r} is {fact.provenance}: write {want} = ...")
    out[key] = ResolvedInput(
        key,
        fact.value,
        unit_for(key),
        fact.provenance,
        fact.citation(),
        fact.low,
        fact.high,
        fact_id,
    )
    return fact.value
