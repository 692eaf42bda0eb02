"""One key of the scenario reference: what a pydantic field of the schema says about itself.

:func:`key_doc` reads a field's type, default, hard limits (pydantic's
``gt``/``ge``/``lt``/``le``, patterns, lengths), the rate limit of
:data:`~simulator.inputs.schema_types.PerYear` and
:data:`~simulator.inputs.schema_types.PerMonth`, the calendar of the date
types, and the plausible range that
:func:`~simulator.inputs.schema_types.physical` recorded in the field's JSON
schema extra as ``[low, high, unit, why]``.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simulator.inputs.docstrings import ReferenceNumbers
from simulator.inputs.market_schema import MARKET_SECTIONS
from simulator.inputs.schema_types import (
    EARLIEST_DATE,
    LATEST_DATE,
    LATEST_START,
    Date,
    PerMonth,
    PerYear,
    StartDate,
)
from simulator.model.units import unit_for

__all__ = ["RATE_LIMITS", "KeyDoc", "key_doc", "model_summary", "plain_text", "sub_model"]

#: Each rate type, its limit [1/year or 1/month] (a larger rate is refused) and how to say it.
RATE_LIMITS = ((PerYear, 5.0, "at most 5 a year (500 %)"), (PerMonth, 1.0, "at most 1 a month"))
#: The calendar of each date type (the start date first: its range is narrower).
DATE_RANGES = ((StartDate, EARLIEST_DATE, LATEST_START), (Date, EARLIEST_DATE, LATEST_DATE))
#: Text of each JSON-schema bound (pydantic writes ``gt``... for constrained optionals).
BOUNDS = {
    "exclusiveMinimum": "> ", "minimum": ">= ", "exclusiveMaximum": "< ", "maximum": "<= ",
    "gt": "> ", "ge": ">= ", "lt": "< ", "le": "<= ",
}  # fmt: skip


@dataclass(frozen=True)
class KeyDoc:
    """One key of a scenario file.

    Attributes
    ----------
    key : str
        Dotted key, entities as ``NAME`` and list items as ``[]``.
    name : str
        The key's own name (the last part).
    kind : str
        ``number``, ``integer``, ``string``, ``boolean``, ``date``, ``choice``,
        ``table``, ``list of tables`` or ``path or list of paths``.
    unit : str
        Unit of a number (``MW``, ``1/yr``); ``""`` for none.
    required : bool
        Whether a standalone scenario (or a file merged with what it extends) must set it.
    default : str
        The default as TOML (``0.95``, ``"hold"``), ``none`` when unset by
        default, ``""`` when required.
    choices : tuple of str
        The values of a ``choice``.
    limits : str
        Hard limits (``> 0, <= 1``), a date range or a name rule.
    rate_limit : float or None
        The rate above which a value is refused as a mistyped percentage [1/year or 1/month].
    plausible : tuple
        ``(low, high)`` of the plausible range (``None`` for an open side),
        ``()`` when the key has none; values outside it are refused.
    why : str
        Why values outside the plausible range are implausible.
    meaning : str
        What the key is: the field's description without its range.
    refs : tuple of int
        Numbers of the references the meaning cites (``Reference.references``).
    default_reason : str
        Why the default is what it is, when the model's module says.
    read_by : tuple of str
        The market models that read the key (``()`` outside the market tables).
    forms : bool
        Whether the value may be written in a value form (``{ value = ... }``,
        ``{ cite = ... }``, ``{ derive = ... }``) instead of plainly.
    """

    key: str
    name: str
    kind: str
    unit: str = ""
    required: bool = False
    default: str = ""
    choices: tuple[str, ...] = ()
    limits: str = ""
    rate_limit: float | None = None
    plausible: tuple[float | None, float | None] | tuple[()] = ()
    why: str = ""
    meaning: str = ""
    refs: tuple[int, ...] = ()
    default_reason: str = ""
    read_by: tuple[str, ...] = ()
    forms: bool = False


def _metadata(info: FieldInfo) -> list[Any]:
    """Every metadata object of a field, including those inside its annotation."""
    found = list(info.metadata)
    stack = [info.annotation]
    while stack:
        ann = stack.pop()
        args = typing.get_args(ann)
        if typing.get_origin(ann) is typing.Annotated:
            found += list(args[1:])
            args = args[:1]
        stack += list(args)
    return found


def _carries(meta: list[Any], alias: Any) -> bool:
    """Whether a field's metadata holds the validators of the ``Annotated`` alias."""
    marks = typing.get_args(alias)[1:]
    return any(m is mark for m in meta for mark in marks)


def _number(value: float) -> str:
    return f"{value:,.15g}"


def _limits(prop: dict[str, Any], meta: list[Any]) -> tuple[str, float | None]:
    """Hard limits of a field as text, and its rate limit, from its JSON schema and validators."""
    shown = [f"{word}{_number(prop[k])}" for k, word in BOUNDS.items() if k in prop]
    rate = next((limit for alias, limit, _ in RATE_LIMITS if _carries(meta, alias)), None)
    shown += [text for alias, _, text in RATE_LIMITS if _carries(meta, alias)]
    dates = next(((lo, hi) for alias, lo, hi in DATE_RANGES if _carries(meta, alias)), None)
    if dates is not None:
        shown.append(f"{dates[0].isoformat()} to {dates[1].isoformat()}")
    if "pattern" in prop:
        shown.append(f"matches {prop['pattern']}")
    if "maxLength" in prop:
        shown.append(f"at most {prop['maxLength']} characters")
    return ", ".join(shown), rate


def plain_property(prop: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of an optional field's JSON schema, with the field's own keywords.

    Parameters
    ----------
    prop : dict
        A property of a pydantic JSON schema (``anyOf`` with ``null`` for an optional).

    Returns
    -------
    dict
        The property without the ``null`` branch (TOML has no null: leaving a key out
        is how a file says "none").
    """
    branches = [b for b in prop.get("anyOf", []) if b.get("type") != "null"]
    if len(branches) != 1:
        return prop
    return {**{k: v for k, v in prop.items() if k != "anyOf"}, **branches[0]}


@cache
def _properties(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of each field of ``model``, as pydantic writes it."""
    props: dict[str, Any] = model.model_json_schema()["properties"]
    return props


def _kind(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return "table"
    if prop.get("type") == "array":
        return "list of tables"
    if "enum" in prop:
        return "choice"
    if prop.get("format") == "date":
        return "date"
    return str(prop.get("type", "value"))


def _toml(value: Any) -> str:
    """A default as TOML text (``none`` for no value and for an empty list)."""
    if value is None or value == []:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def model_summary(model: type[BaseModel]) -> str:
    """A model's docstring on one line, with Markdown's single backticks.

    Parameters
    ----------
    model : type
        A pydantic model of the schema.

    Returns
    -------
    str
        The docstring, whitespace collapsed.
    """
    return plain_text(model.__doc__ or "")


def plain_text(doc: str) -> str:
    """Docstring text on one line, as Markdown: ``:mod:`x``` and ````x```` become ```x```.

    Parameters
    ----------
    doc : str
        Text in reStructuredText.

    Returns
    -------
    str
        The text, whitespace collapsed.
    """
    text = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", " ".join(doc.split()))
    return text.replace("``", "`")


def sub_model(info: FieldInfo) -> type[BaseModel] | None:
    """The model of a table or list-of-tables field (``None`` for a plain value).

    Parameters
    ----------
    info : FieldInfo
        A field of a schema model.

    Returns
    -------
    type or None
        The pydantic model in the field's annotation.
    """
    args = typing.get_args(info.annotation) or (info.annotation,)
    found = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
    return found[0] if found else None


def _read_by(model: type[BaseModel], name: str) -> tuple[str, ...]:
    """The market models that read field ``name`` of ``model`` (``()`` outside the market)."""
    for section in MARKET_SECTIONS.values():
        if section.spec is model:
            reads = [m for m, e in section.models.items() if name in section.common | e.reads]
            return tuple(reads)
    return ()


def _bound(value: object) -> float | None:
    """A plausible-range end as recorded by ``physical()``: a number, or ``None`` for none."""
    return float(value) if isinstance(value, int | float) else None


def key_doc(
    table: str,
    model: type[BaseModel],
    name: str,
    numbers: ReferenceNumbers,
    default_reason: str = "",
) -> KeyDoc:
    """Describe field ``name`` of ``model``, the table at ``table``.

    Parameters
    ----------
    table : str
        Dotted key of the table (``""`` for the top level).
    model : type
        The pydantic model of the table.
    name : str
        The field.
    numbers : ReferenceNumbers
        Numbers the references its description cites.
    default_reason : str, optional
        Why its default is what it is.

    Returns
    -------
    KeyDoc
    """
    info = model.model_fields[name]
    prop = plain_property(_properties(model)[name])
    kind = _kind(prop)
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    rule = extra.get("plausible")
    low, high, unit, why = rule if isinstance(rule, list) and len(rule) == 4 else (None,) * 4
    description = info.description or ""
    if why:  # physical() appended "; plausible RANGE: WHY": kept apart here
        description = description.rpartition("; plausible ")[0] or description
    sub = sub_model(info)
    if sub is not None and not description:
        description = model_summary(sub)
    meaning, refs = numbers.cite(model.__module__, description)
    limits, rate = _limits(prop, _metadata(info))
    required = info.is_required()
    return KeyDoc(
        key=f"{table}.{name}" if table else name,
        name=name,
        kind=kind,
        unit=(str(unit or "") or unit_for(name)) if kind in ("number", "integer") else "",
        required=required,
        default="" if required else _toml(info.get_default(call_default_factory=True)),
        choices=tuple(str(c) for c in prop.get("enum", ())),
        limits=limits,
        rate_limit=rate,
        plausible=(_bound(low), _bound(high)) if why else (),
        why=str(why or ""),
        meaning=meaning,
        refs=refs,
        default_reason=plain_text(default_reason),
        read_by=_read_by(model, name),
        forms=sub is None and not (name == "name" and table not in ("", "scenario")),
    )
